"""dbt models on a realistic volume: a full build and a one-day incremental build, timed.

Generates events straight inside ClickHouse (INSERT ... SELECT from numbers(), every
column derived from hashes of the row number, so a run is reproducible) into a fresh
embedded ClickHouse, plus 0.5 % duplicate copies and 0.5 % late arrivals, the plan
catalogue, one subscription and eight feature definitions per company. Then:

  1. `dbt run --full-refresh` over everything (the first build of a deployment);
  2. `dbt run` rebuilding yesterday only (a Dagster daily partition).

Targets (issue 5), on the 2-core reference machine: full build <= 5 minutes, one day
<= 30 seconds, for 10M events over 60 days and 2,000 organizations.

    .venv/bin/python bench/models.py [--events 10000000] [--days 60] [--orgs 2000]
                                     [--companies 20] [--url http://127.0.0.1:8123]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.warehouse_process import WarehouseProcess, free_port  # noqa: E402

EVENT_NAMES = [
    "page_view",
    "page_view",
    "page_view",
    "page_view",
    "login",
    "dashboard_viewed",
    "dashboard_created",
    "report_viewed",
    "export_created",
    "search",
    "search",
    "invite_sent",
    "settings_updated",
    "api_call",
    "comment_added",
    "page_view",
]
PATHS = ["/home", "/dashboards", "/reports/weekly", "/reports/usage", "/settings/profile", "/search", "/exports"]
PLAN_CYCLE = ["trial", "starter", "growth", "enterprise"]
FEATURES = [
    # key, event names, path prefix, only the company's second application, valid from day N
    ("dashboards", ["dashboard_viewed", "dashboard_created"], None, False, 0),
    ("reports", ["report_viewed"], "/reports", False, 0),
    ("exports", ["export_created"], None, False, 0),
    ("search", ["search"], None, False, 0),
    ("invites", ["invite_sent"], None, False, 0),
    ("api", ["api_call"], None, True, 0),
    ("settings", [], "/settings", False, 0),
    ("comments", ["comment_added"], None, False, 30),
]


def company_uuid(n: str) -> str:
    return f"reinterpretAsUUID(MD5(concat('bench-company-', toString({n}))))"


def events_sql(events: int, days: int, orgs: int, companies: int, first_day: date) -> str:
    """One INSERT ... SELECT generating `events` rows over `days` days from `first_day`."""
    return f"""
INSERT INTO tracker_raw.events
    (company_id, app_id, event_id, event, ts, ts_source, received_at, customer_org_id,
     user_hash, session_id, path, environment, plan, retention_days)
WITH
    cityHash64(number, 1) AS h_org,
    cityHash64(number, 2) AS h_day,
    cityHash64(number, 3) AS h_user,
    cityHash64(number, 4) AS h_event,
    cityHash64(number, 5) AS h_time,
    cityHash64(number, 6) AS h_misc,
    -- Larger organizations first: org 0 sends ~4x what the median one sends.
    toUInt32(floor(pow((h_org % 1000000) / 1e6, 1.6) * {orgs})) AS org_n,
    org_n % {companies} AS company_n,
    (h_misc % 7) % (1 + company_n % 3) AS app_n,
    -- Lifecycles: 10 % churned after 30 days, 10 % new in the last 20, 10 % growing.
    multiIf(
        org_n % 10 = 0, h_day % least({days}, 30),
        org_n % 10 = 1, {days} - 1 - h_day % least({days}, 20),
        org_n % 10 = 2, toUInt32(floor({days} * sqrt((h_day % 1000) / 1000))),
        h_day % {days}
    ) AS day_n,
    h_user % (5 + org_n % 40) AS user_n,
    (h_time % 2) AS slot_n,
    toDateTime64('{first_day.isoformat()}', 3, 'UTC')
        + toIntervalSecond(day_n * 86400 + (8 + user_n % 10 + 5 * slot_n) * 3600 + h_time % 2700)
        + toIntervalMillisecond(h_misc % 1000) AS event_ts,
    {EVENT_NAMES}[1 + h_event % {len(EVENT_NAMES)}] AS event_name
SELECT
    {company_uuid("company_n")} AS company_id,
    reinterpretAsUUID(MD5(concat('bench-app-', toString(company_n), '-', toString(app_n)))) AS app_id,
    reinterpretAsUUID(MD5(concat('bench-event-', toString(number)))) AS event_id,
    event_name AS event,
    event_ts AS ts,
    'client' AS ts_source,
    -- 0.5 % arrive one to five days late.
    event_ts + toIntervalSecond(h_misc % 30) + toIntervalDay(if(h_misc % 200 = 0, 1 + h_misc % 5, 0)) AS received_at,
    concat('org-', toString(org_n)) AS customer_org_id,
    if(h_misc % 100 < 8, '',
       lower(hex(SHA256(concat(toString(company_n), '/', toString(org_n), '/', toString(user_n)))))) AS user_hash,
    -- The first application (web) sends session ids; the others rely on inference.
    if(app_n = 0,
       concat(toString(org_n), '-', toString(user_n), '-', toString(day_n), '-', toString(slot_n)), '') AS session_id,
    multiIf(
        event_name = 'report_viewed', {PATHS}[3 + h_event % 2],
        event_name = 'settings_updated', '/settings/profile',
        event_name LIKE 'dashboard%', '/dashboards',
        event_name = 'export_created', '/exports',
        event_name = 'search', '/search',
        {PATHS}[1 + h_event % {len(PATHS)}]
    ) AS path,
    if(h_misc % 50 = 0, 'staging', 'production') AS environment,
    ['free', 'pro', 'business'][1 + org_n % 3] AS plan,
    400 AS retention_days
FROM numbers({events})
"""


def duplicates_sql() -> str:
    """0.5 % of events again, received 7 seconds later (a collector retry)."""
    return """
INSERT INTO tracker_raw.events
SELECT * REPLACE (received_at + toIntervalSecond(7) AS received_at)
FROM tracker_raw.events
WHERE cityHash64(event_id) % 200 = 0
"""


def subscriptions_sql(companies: int) -> str:
    return f"""
INSERT INTO tracker_control.subscriptions
    (company_id, valid_from, period_id, valid_to, plan_key, status, list_price, currency,
     events_per_month, max_applications, retention_days, overage_price_per_1000, feature_flags,
     grace_days, overrides, trial_ends_at, version, is_deleted)
SELECT
    {company_uuid("c.number")}, toDateTime64('2020-01-01', 3, 'UTC'),
    reinterpretAsUUID(MD5(concat('bench-period-', toString(c.number)))), NULL,
    p.plan_key, 'active', p.list_price, p.currency, p.events_per_month, p.max_applications,
    p.retention_days, p.overage_price_per_1000, p.feature_flags, p.grace_days, '{{}}', NULL, 1, 0
FROM numbers({companies}) AS c
INNER JOIN tracker_control.current_plans AS p ON p.plan_key = {PLAN_CYCLE}[1 + c.number % 4]
"""


def features_sql(companies: int, first_day: date) -> str:
    rows = []
    for key, names, prefix, second_app, valid_from_day in FEATURES:
        app = "reinterpretAsUUID(MD5(concat('bench-app-', toString(c.number), '-1')))" if second_app else "NULL"
        rows.append(
            f"SELECT {company_uuid('c.number')} AS company_id, '{key}' AS feature_key, {app} AS app_id, "
            f"{names} :: Array(String) AS event_names, {repr(prefix) if prefix else 'NULL'} AS path_prefix, "
            f"toDate('{(first_day + timedelta(days=valid_from_day)).isoformat()}') AS valid_from "
            f"FROM numbers({companies}) AS c"
        )
    return f"""
INSERT INTO tracker_control.feature_definitions
    (company_id, feature_key, name, description, app_id, event_names, path_prefix, environments,
     valid_from, status, retired_at, created_at, updated_at, version, is_deleted)
SELECT company_id, feature_key, feature_key, '', app_id, event_names, path_prefix, [],
       valid_from, 'active', NULL, now64(3, 'UTC'), now64(3, 'UTC'), 1, 0
FROM ({" UNION ALL ".join(rows)})
"""


def seed(args: argparse.Namespace, first_day: date) -> float:
    from saas_tracker.clickhouse import get_client
    from saas_tracker.control import plans
    from saas_tracker.migrate import migrate

    client = get_client()
    started = time.perf_counter()
    migrate(client)
    existing = client.command("SELECT count() FROM tracker_raw.events")
    if existing:
        print(f"reusing the {existing:,} events already in the warehouse")
        return 0.0
    plans.sync_catalogue(actor="bench")
    client.command(subscriptions_sql(args.companies))
    client.command(features_sql(args.companies, first_day))
    client.command(events_sql(args.events, args.days, args.orgs, args.companies, first_day))
    client.command(duplicates_sql())
    return time.perf_counter() - started


def timed_dbt(*args: str, vars: dict | None = None) -> float:
    from saas_tracker.dbt import run_dbt

    started = time.perf_counter()
    run_dbt(*args, vars=vars)
    return time.perf_counter() - started


def report_counts() -> None:
    from saas_tracker.clickhouse import get_client

    rows = (
        get_client()
        .query(
            "SELECT database, name, total_rows FROM system.tables "
            "WHERE database LIKE 'bench%' AND engine LIKE '%MergeTree' ORDER BY database, name"
        )
        .result_rows
    )
    for database, name, total in rows:
        print(f"  {database}.{name:<40} {total:>12,} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--companies", type=int, default=20)
    parser.add_argument("--url", help="an existing (disposable) ClickHouse instead of a fresh embedded one")
    args = parser.parse_args()

    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ["TRACKER_DBT_SCHEMA"] = "bench"
    today = datetime.now(UTC).date()
    first_day = today - timedelta(days=args.days - 1)
    yesterday = today - timedelta(days=1)

    with tempfile.TemporaryDirectory(prefix="bench-models-") as tmp:
        process = None
        if args.url:
            os.environ["TRACKER_CLICKHOUSE_URL"] = args.url
        else:
            process = WarehouseProcess(data_dir=Path(tmp) / "clickhouse", port=free_port()).start()
            os.environ["TRACKER_CLICKHOUSE_URL"] = process.url
        os.environ["TRACKER_DBT_TARGET_PATH"] = str(Path(tmp) / "dbt-target")
        try:
            seconds = seed(args, first_day)
            if seconds:
                print(
                    f"generated {args.events:,} events (+0.5 % duplicates) over {args.days} days, "
                    f"{args.orgs:,} organizations, {args.companies} companies in {seconds:.1f} s"
                )
            timed_dbt("parse")  # not part of either figure: dbt parses once per deployment
            # A disposable warehouse: allowed whatever TRACKER_ENV says.
            full = timed_dbt("run", "--full-refresh", vars={"tracker__allow_full_refresh": True})
            print(f"full build (dbt run --full-refresh):           {full:7.1f} s   (target <= 300 s)")
            day = timed_dbt(
                "run", vars={"tracker__start_date": yesterday.isoformat(), "tracker__end_date": yesterday.isoformat()}
            )
            print(f"one-day incremental build ({yesterday}):   {day:7.1f} s   (target <= 30 s)")
            report_counts()
        finally:
            if process is not None:
                process.stop()


if __name__ == "__main__":
    main()
