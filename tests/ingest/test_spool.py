"""Durability: group commit, the fsynced spool, replay without doubles, shutdown."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ingest_api.spool.segments import decode, encode, recover_open_segments
from ingest_api.tables import EVENTS
from tests.ingest.support import dead_target, event, stored_event_ids


def metric(collector, name: str) -> float:
    text = collector.client.get("/metrics").text
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


def test_a_torn_tail_is_cut_and_acknowledged_records_survive(tmp_path: Path):
    first, second = encode(EVENTS, 1, b'["a"]'), encode(EVENTS, 2, b'["b"],["c"]')
    torn = encode(EVENTS, 1, b'["d"]')[:-3]
    (tmp_path / "0000000000000007.open").write_bytes(first + second + torn)
    (tmp_path / "0000000000000008.open").write_bytes(torn)  # nothing acknowledged: removed
    recovered = recover_open_segments(tmp_path)
    assert [(p.name, dropped) for p, dropped in recovered] == [("0000000000000007.seg", len(torn))]
    records, valid = decode((tmp_path / "0000000000000007.seg").read_bytes())
    assert [r.payload for r in records] == [b'["a"]', b'["b"],["c"]'] and valid == len(first + second)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0000000000000007.seg"]


def test_a_flipped_bit_ends_the_valid_prefix(tmp_path: Path):
    data = bytearray(encode(EVENTS, 1, b'["a"]') + encode(EVENTS, 1, b'["b"]'))
    data[-2] ^= 0x10
    records, _ = decode(bytes(data))
    assert [r.payload for r in records] == [b'["a"]']


def test_concurrent_requests_are_group_committed(start_collector, tracked_app, ch):
    collector = start_collector(flush_interval_ms=100)
    sent = []

    def client(n: int) -> None:
        for _ in range(n):
            events = [event() for _ in range(5)]
            response = collector.batch(tracked_app, events)
            assert response.status_code == 200
            sent.extend(e["event_id"] for e in events)

    threads = [threading.Thread(target=client, args=(15,)) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    collector.wait_loaded()
    requests = metric(collector, "tracker_ingest_commit_requests_sum")
    commits = metric(collector, "tracker_ingest_commit_requests_count")
    inserts = metric(collector, "tracker_ingest_load_rows_count")
    assert requests == 180
    assert commits < requests, "every request got its own fsync"
    assert inserts < commits, "every commit became its own ClickHouse insert"
    assert sorted(stored_event_ids(ch, tracked_app)) == sorted(sent)


def test_events_are_spooled_while_clickhouse_is_unreachable_and_loaded_once_later(
    start_collector, tracked_app, ch, tmp_path
):
    spool_dir = tmp_path / "shared-spool"
    down = start_collector(target=dead_target(), spool_dir=spool_dir, shutdown_drain_seconds=0.5)
    sent = []
    for _ in range(5):
        events = [event() for _ in range(20)]
        assert down.batch(tracked_app, events).json()["accepted"] == 20  # acknowledged from the spool
        sent.extend(e["event_id"] for e in events)
    time.sleep(0.3)
    assert down.collector.spool.accounting.used > 0
    assert metric(down, "tracker_ingest_load_errors_total") >= 1
    readiness = down.client.get("/readyz")
    assert readiness.status_code == 200 and readiness.json()["spool"]["writable"] is True
    down.client.__exit__(None, None, None)  # SIGTERM-like shutdown: the drain fails, files stay
    assert any(p.suffix == ".seg" for p in spool_dir.iterdir())
    assert stored_event_ids(ch, tracked_app) == []

    up = start_collector(spool_dir=spool_dir)  # next start, ClickHouse reachable
    up.wait_loaded()
    assert sorted(stored_event_ids(ch, tracked_app)) == sorted(sent)
    assert not [p for p in spool_dir.iterdir() if p.suffix in (".seg", ".open")]


def test_loading_a_segment_twice_does_not_double_rows(start_collector, tracked_app, ch, tmp_path):
    """The crash window between ClickHouse storing a segment and the file's deletion."""
    spool_dir = tmp_path / "spool"
    down = start_collector(target=dead_target(), spool_dir=spool_dir, shutdown_drain_seconds=0)
    events = [event() for _ in range(30)]
    assert down.batch(tracked_app, events).json()["accepted"] == 30
    down.client.__exit__(None, None, None)
    (segment,) = [p for p in spool_dir.iterdir() if p.suffix == ".seg"]
    copy = segment.with_name(f"{int(segment.stem) + 1:016d}.seg")
    copy.write_bytes(segment.read_bytes())  # the same block, offered again

    up = start_collector(spool_dir=spool_dir)
    up.wait_loaded()
    ids = stored_event_ids(ch, tracked_app)
    assert len(ids) == 30 and len(set(ids)) == 30
    assert metric(up, "tracker_ingest_load_rows_count") == 2  # both inserts ran; ClickHouse dropped one


def test_a_full_spool_answers_503_with_retry_after(start_collector, tracked_app, ch):
    collector = start_collector(target=dead_target(), spool_max_bytes=65_536, shutdown_drain_seconds=0)
    statuses = []
    for _ in range(40):
        response = collector.batch(tracked_app, [event(path="/p" * 200) for _ in range(20)])
        statuses.append(response.status_code)
        if response.status_code == 503:
            assert response.headers["Retry-After"] == "5"
            assert "spool full" in response.json()["detail"]
            break
    assert statuses[0] == 200 and statuses[-1] == 503
    assert metric(collector, "tracker_ingest_spool_full_requests_total") == 1


def test_shutdown_loads_what_was_acknowledged(start_collector, tracked_app, ch):
    collector = start_collector(flush_interval_ms=60_000)  # nothing is loaded before shutdown
    events = [event() for _ in range(10)]
    assert collector.batch(tracked_app, events).json()["accepted"] == 10
    assert stored_event_ids(ch, tracked_app) == []
    collector.client.__exit__(None, None, None)
    assert sorted(stored_event_ids(ch, tracked_app)) == sorted(e["event_id"] for e in events)


def test_one_collector_per_spool_directory(start_collector, tmp_path):
    from ingest_api.spool import SpoolLocked

    start_collector(spool_dir=tmp_path / "one")
    with pytest.raises(SpoolLocked):
        start_collector(spool_dir=tmp_path / "one")
