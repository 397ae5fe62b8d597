"""Prometheus metrics of one collector (served at /metrics).

Each app instance has its own registry, so several collectors can live in one
test process. Labels are fixed codes (never app ids or values from requests),
which keeps the number of series bounded.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.process_collector import ProcessCollector

_SIZE_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000)
_LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class IngestMetrics:
    def __init__(self) -> None:
        # `*_created` series double the output and no dashboard uses them (process-wide switch).
        disable_created_metrics()
        self.registry = r = CollectorRegistry()
        ProcessCollector(registry=r)
        self.requests = Counter(
            "tracker_ingest_requests", "Requests answered, by route and status code.", ["route", "status"], registry=r
        )
        self.request_seconds = Histogram(
            "tracker_ingest_request_seconds",
            "Time to answer an ingest request.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.events = Counter(
            "tracker_ingest_events",
            "Events by verdict: accepted, duplicate, quarantined, rejected.",
            ["verdict"],
            registry=r,
        )
        # Bound once: the accepted count is incremented by nearly every request.
        self.accepted_events = self.events.labels("accepted")
        judged = Counter(
            "tracker_ingest_judged_requests",
            "Requests by how their events were judged: fast (the whole request accepted in one pass) "
            "or per_event (something was not plainly accepted, or the body needed the general parser).",
            ["path"],
            registry=r,
        )
        self.judged_fast = judged.labels("fast")
        self.judged_per_event = judged.labels("per_event")
        self.rejected = Counter(
            "tracker_ingest_rejected_events", "Rejected events by rule (field.rule).", ["reason"], registry=r
        )
        self.ignored_keys = Counter(
            "tracker_ingest_ignored_keys", "Event keys outside the stored whitelist, ignored.", registry=r
        )
        self.auth_failures = Counter(
            "tracker_ingest_auth_failures", "Requests refused with 401, by reason.", ["reason"], registry=r
        )
        self.rate_limited = Counter(
            "tracker_ingest_rate_limited_requests",
            "Requests refused with 429 by the per-application limit.",
            registry=r,
        )
        self.spool_full = Counter(
            "tracker_ingest_spool_full_requests", "Requests refused with 503 because the spool is full.", registry=r
        )
        self.commit_seconds = Histogram(
            "tracker_ingest_commit_seconds",
            "Group commit latency: write + fdatasync of the spool.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.commit_requests = Histogram(
            "tracker_ingest_commit_requests",
            "Requests persisted by one group commit.",
            buckets=_SIZE_BUCKETS,
            registry=r,
        )
        self.load_rows = Histogram(
            "tracker_ingest_load_rows", "Rows per ClickHouse insert (batch size).", buckets=_SIZE_BUCKETS, registry=r
        )
        self.load_seconds = Histogram(
            "tracker_ingest_load_seconds",
            "ClickHouse insert latency (flush latency).",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.load_errors = Counter(
            "tracker_ingest_load_errors", "Failed ClickHouse inserts (retried from the spool).", registry=r
        )
        self.loaded_rows = Counter(
            "tracker_ingest_loaded_rows", "Rows loaded into ClickHouse, by table.", ["table"], registry=r
        )
        self.spool_segments = Gauge(
            "tracker_ingest_spool_segments", "Spool segments not yet loaded (including the open one).", registry=r
        )
        self.spool_bytes = Gauge("tracker_ingest_spool_bytes", "Bytes in the spool.", registry=r)
        self.spool_oldest_seconds = Gauge(
            "tracker_ingest_spool_oldest_seconds", "Age of the oldest unloaded spool segment.", registry=r
        )
        self.clickhouse_up = Gauge(
            "tracker_ingest_clickhouse_up", "1 when the last ClickHouse insert or ping succeeded.", registry=r
        )
