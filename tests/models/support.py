"""The actual-versus-expected suite's fixture data and how it reads the marts.

Fixtures name everything by label (companies ``acme``, events ``e01``, users ``u1`` ...).
Each test session maps labels to fresh ids, so the suite can share ``tracker_raw.events``
and the control plane with other tests (and run twice against a persistent server):
UUIDs are ``<session prefix>-4000-8000-<ordinal>``, user hashes SHA-256 of the label.
Results are mapped back to labels before they are compared with the expected CSVs.
"""

from __future__ import annotations

import csv
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from saas_tracker.raw_events import EVENT_COLUMNS

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
EXPECTED = HERE / "expected"
NIL_UUID = "00000000-0000-0000-0000-000000000000"

# The suite shrinks the health windows so every number in the expected CSVs can be
# worked out by hand from a dozen days of events; everything else keeps its default.
SUITE_VARS: dict[str, Any] = {
    "tracker__as_of_date": "2025-03-12",
    "tracker__health_window_days": 3,
    "tracker__health_user_base_days": 7,
    "tracker__health_inactive_days": 5,
    "tracker__health_trend_days": 2,
    "tracker__adoption_window_days": 7,
    "tracker__meters": [
        {"key": "events", "aggregation": "count"},
        {"key": "active_users", "aggregation": "unique_users"},
        {"key": "active_days", "aggregation": "active_days"},
        {
            "key": "production_exports",
            "aggregation": "count",
            "events": ["export_created"],
            "environments": ["production"],
        },
    ],
}

RAW_COLUMNS = list(EVENT_COLUMNS)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class Labels:
    """Label <-> id for one test session."""

    prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:8] + "-" + uuid.uuid4().hex[:4])
    ids: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=lambda: {NIL_UUID: "(all)"})

    def uuid(self, kind: str, label: str) -> str:
        key = f"{kind}:{label}"
        if key not in self.ids:
            # Ordinals in creation order: ids sort like their labels' first appearance.
            value = f"{self.prefix}-4000-8000-{len(self.ids) + 1:012x}"
            self.ids[key] = value
            self.labels[value] = label
        return self.ids[key]

    def user(self, label: str) -> str:
        if not label:
            return ""
        value = hashlib.sha256(f"{self.prefix}/{label}".encode()).hexdigest()
        self.labels[value] = label
        return value

    def company_ids(self) -> list[str]:
        return [value for key, value in self.ids.items() if key.startswith("company:")]

    def to_labels(self, text: str) -> str:
        return _ID_PATTERN.sub(lambda m: self.labels.get(m.group(0), m.group(0)), text)


_ID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{64}")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def event_rows(labels: Labels, batch: int) -> list[list[Any]]:
    """Raw event rows of one load batch, in tracker_raw.events column order."""
    rows = []
    for row in read_csv(FIXTURES / "events.csv"):
        if int(row["batch"]) != batch:
            continue
        rows.append(
            [
                labels.uuid("company", row["company"]),
                labels.uuid("app", row["app"]),
                labels.uuid("event", row["event"]),
                row["name"],
                _time(row["ts"]),
                row["ts_source"],
                _time(row["received_at"]),
                row["org"],
                labels.user(row["user"]),
                row["session"],
                row["path"],
                row["environment"],
                row["plan"],
                # The fixture's days are long past: ten years keeps them clear of the retention TTL
                # (which is evaluated as a DateTime, so it must stay before 2106).
                3650,
            ]
        )
    return rows


def register_labels(labels: Labels) -> None:
    """Give every fixture label its id in a fixed order (companies, apps, events)."""
    events = read_csv(FIXTURES / "events.csv")
    for kind, column in (("company", "company"), ("app", "app")):
        for row in events:
            labels.uuid(kind, row[column])
    for row in sorted(events, key=lambda r: r["event"]):
        labels.uuid("event", row["event"])
    for row in events:
        labels.user(row["user"])
    for row in read_csv(FIXTURES / "subscriptions.csv"):
        labels.uuid("period", row["period"])


def subscription_rows(labels: Labels) -> list[dict[str, Any]]:
    rows = []
    for row in read_csv(FIXTURES / "subscriptions.csv"):
        rows.append(
            {
                "company_id": labels.uuid("company", row["company"]),
                "valid_from": _time(row["valid_from"]),
                "period_id": labels.uuid("period", row["period"]),
                "valid_to": _time(row["valid_to"]) if row["valid_to"] else None,
                "plan_key": row["plan_key"],
                "status": "active",
                "list_price": row["list_price"],
                "currency": "USD",
                "events_per_month": int(row["events_per_month"]),
                "max_applications": int(row["max_applications"]),
                "retention_days": 365,
                "overage_price_per_1000": row["overage_price_per_1000"],
                "feature_flags": [],
                "grace_days": 7,
                "overrides": row["overrides"],
                "trial_ends_at": None,
                "version": 1,
                "is_deleted": 0,
            }
        )
    return rows


def feature_rows(labels: Labels) -> list[dict[str, Any]]:
    rows = []
    for row in read_csv(FIXTURES / "feature_definitions.csv"):
        rows.append(
            {
                "company_id": labels.uuid("company", row["company"]),
                "feature_key": row["feature_key"],
                "name": row["feature_key"],
                "description": "",
                "app_id": labels.uuid("app", row["app"]) if row["app"] else None,
                "event_names": [name for name in row["event_names"].split("|") if name],
                "path_prefix": row["path_prefix"] or None,
                "environments": [name for name in row["environments"].split("|") if name],
                "valid_from": datetime.fromisoformat(row["valid_from"]).date(),
                "status": row["status"],
                "retired_at": _time(row["retired_at"]) if row["retired_at"] else None,
                "created_at": _time("2025-01-01 00:00:00"),
                "updated_at": _time("2025-01-01 00:00:00"),
                "version": 1,
                "is_deleted": 0,
            }
        )
    return rows


def insert_dicts(client, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    client.insert(table, [[row[c] for c in columns] for row in rows], column_names=columns)


def expected(model: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """Header and rows of expected/<model>.csv."""
    with (EXPECTED / f"{model}.csv").open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, sorted(tuple(row) for row in reader)


def actual(client, database: str, model: str, columns: list[str], labels: Labels) -> list[tuple[str, ...]]:
    """The model's rows for the suite's companies, as label strings in the CSV's columns."""
    selected = ", ".join(f"ifNull(toString({{c{i}:Identifier}}), 'NULL')" for i in range(len(columns)))
    result = client.query(
        f"SELECT {selected} FROM {{db:Identifier}}.{{model:Identifier}} WHERE company_id IN {{companies:Array(UUID)}}",
        parameters={
            "db": database,
            "model": model,
            "companies": labels.company_ids(),
            **{f"c{i}": column for i, column in enumerate(columns)},
        },
    )
    return sorted(tuple(labels.to_labels(value) for value in row) for row in result.result_rows)


# The api_ rollups, each next to the same figures computed from the relation it rolls up
# ({staging}, {marts}, {api}: the suite's databases). Rows must match exactly after every
# step, incremental runs included (their monthly partitions are rebuilt whole).
ROLLUPS = {
    "api_events_daily": (
        "SELECT company_id, event_date, event_name, customer_org_id, org_plan, environment, event_count, "
        "finalizeAggregation(users_state), finalizeAggregation(sessions_state) FROM {api}.api_events_daily",
        "SELECT company_id, event_date, event_name, customer_org_id, org_plan, environment, count(), "
        "uniqExactIf(user_hash, user_hash != ''), uniqExactIf((app_id, client_session_id), client_session_id != '') "
        "FROM {staging}.stg_tracker__events "
        "GROUP BY company_id, event_date, event_name, customer_org_id, org_plan, environment",
    ),
    "api_organization_events_daily": (
        "SELECT company_id, event_date, customer_org_id, org_plan, environment, event_count, "
        "finalizeAggregation(users_state), finalizeAggregation(sessions_state) "
        "FROM {api}.api_organization_events_daily",
        "SELECT company_id, event_date, customer_org_id, org_plan, environment, count(), "
        "uniqExactIf(user_hash, user_hash != ''), uniqExactIf((app_id, client_session_id), client_session_id != '') "
        "FROM {staging}.stg_tracker__events GROUP BY company_id, event_date, customer_org_id, org_plan, environment",
    ),
    "api_path_events_daily": (
        "SELECT company_id, event_date, path, customer_org_id, org_plan, environment, event_count, "
        "finalizeAggregation(users_state), finalizeAggregation(sessions_state) FROM {api}.api_path_events_daily",
        "SELECT company_id, event_date, path, customer_org_id, org_plan, environment, count(), "
        "uniqExactIf(user_hash, user_hash != ''), uniqExactIf((app_id, client_session_id), client_session_id != '') "
        "FROM {staging}.stg_tracker__events "
        "GROUP BY company_id, event_date, path, customer_org_id, org_plan, environment",
    ),
    "api_sessions_daily": (
        "SELECT company_id, session_start_date, app_id, customer_org_id, session_count, "
        "finalizeAggregation(users_state), duration_seconds_sum, event_count_sum, bounce_count, arraySort(durations) "
        "FROM {api}.api_sessions_daily",
        "SELECT company_id, session_start_date, app_id, customer_org_id, count(), "
        "uniqExactIf(user_hash, user_hash != ''), sum(duration_seconds), sum(event_count), countIf(event_count = 1), "
        "arraySort(groupArray(duration_seconds)) FROM {marts}.fct_sessions "
        "GROUP BY company_id, session_start_date, app_id, customer_org_id",
    ),
    "api_application_usage_monthly": (
        "SELECT company_id, usage_month, app_id, event_count, users FROM {api}.api_application_usage_monthly",
        "SELECT company_id, toStartOfMonth(event_date) AS m, app_id, count(), uniqExactIf(user_hash, user_hash != '') "
        "FROM {staging}.stg_tracker__events GROUP BY company_id, m, app_id",
    ),
}


def rollup_differences(client, rollup: str, sql: tuple[str, str], database, labels: Labels) -> int:
    """How many rows of the suite's companies are in one of ``sql``'s two queries but not the other."""
    names = {layer: f"`{database(layer)}`" for layer in ("staging", "marts", "api")}
    left, right = (f"SELECT * FROM ({q.format(**names)}) WHERE company_id IN {{companies:Array(UUID)}}" for q in sql)
    return client.command(
        f"SELECT (SELECT count() FROM ({left} EXCEPT {right})) + (SELECT count() FROM ({right} EXCEPT {left}))",
        parameters={"companies": labels.company_ids()},
    )
