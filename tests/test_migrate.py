"""`saas-tracker migrate`: numbered, idempotent, recorded, safe to run twice at once."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from saas_tracker import raw_events
from saas_tracker.cli import main
from saas_tracker.migrate import LEDGER, MigrationError, discover, migrate, recorded, split_statements

REPO = Path(__file__).resolve().parents[1]


# --- files and statements (no database) -------------------------------------------------


def test_statements_end_at_a_semicolon_at_the_end_of_a_line():
    sql = textwrap.dedent(
        """\
        -- a comment that ends like a statement;
        CREATE DATABASE IF NOT EXISTS a;
        CREATE TABLE IF NOT EXISTS a.t
        (
            x String DEFAULT 'a;b' -- not the end
        ) ENGINE = MergeTree ORDER BY x;

        SELECT 1
        """
    )
    assert split_statements(sql) == [
        "CREATE DATABASE IF NOT EXISTS a",
        "CREATE TABLE IF NOT EXISTS a.t\n(\n    x String DEFAULT 'a;b' -- not the end\n) ENGINE = MergeTree ORDER BY x",
        "SELECT 1",
    ]


def test_shipped_migrations_are_numbered_from_one_without_gaps():
    migrations = discover()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].file_name == "0001_raw_events.sql"


@pytest.mark.parametrize(
    ("file_name", "sql", "message"),
    [
        ("1_short.sql", "CREATE DATABASE IF NOT EXISTS a;", "NNNN_lowercase_name.sql"),
        ("0001_x.sql", "CREATE TABLE a.t (x UInt8) ENGINE = Memory;", "CREATE without IF NOT EXISTS"),
        ("0001_x.sql", "ALTER TABLE a.t ADD COLUMN y UInt8;", "ADD without IF NOT EXISTS"),
        ("0001_x.sql", "ALTER TABLE a.t DROP COLUMN y;", "DROP without IF EXISTS"),
        ("0001_x.sql", "DROP TABLE a.t;", "DROP without IF EXISTS"),
        ("0001_x.sql", "RENAME TABLE a.t TO a.u;", "RENAME"),
        ("0001_x.sql", "-- only a comment;\n", "contains no statements"),
    ],
)
def test_malformed_or_non_idempotent_files_are_refused_before_anything_runs(tmp_path, file_name, sql, message):
    (tmp_path / file_name).write_text(sql)
    with pytest.raises(MigrationError, match=message) as error:
        discover(tmp_path)
    assert file_name in str(error.value)


def test_two_files_with_one_version_are_refused(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0001_b.sql").write_text("SELECT 2;")
    with pytest.raises(MigrationError, match="0001_b.sql.*also used by 0001_a.sql"):
        discover(tmp_path)


# --- against ClickHouse -------------------------------------------------------------------


def _columns(ch, database: str, table: str) -> dict[str, str]:
    rows = ch.query(
        "SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position",
        parameters={"db": database, "t": table},
    ).result_rows
    return dict(rows)


EVENT_COLUMNS = {
    "company_id": "UUID",
    "app_id": "UUID",
    "event_id": "UUID",
    "event": "LowCardinality(String)",
    "ts": "DateTime64(3, 'UTC')",
    "ts_source": "Enum8('client' = 1, 'server' = 2)",
    "received_at": "DateTime64(3, 'UTC')",
    "customer_org_id": "String",
    "user_hash": "String",
    "session_id": "String",
    "path": "String",
    "environment": "LowCardinality(String)",
    "plan": "LowCardinality(String)",
    "retention_days": "UInt16",
}


def test_migrate_creates_the_raw_tables_and_a_second_run_applies_nothing(ch):
    migrate(ch)
    assert migrate(ch) == []
    ledger = recorded(ch)
    assert {m.version: (m.name, m.checksum) for m in discover()} == ledger

    assert _columns(ch, "tracker_raw", "events") == EVENT_COLUMNS
    quarantine = _columns(ch, "tracker_raw", "events_quarantine")
    assert quarantine == EVENT_COLUMNS | {
        "reason": "String",
        "quarantined_at": "DateTime64(3, 'UTC')",
        "status": "Enum8('quarantined' = 1, 'replayed' = 2, 'discarded' = 3)",
        "version": "UInt64",
    }
    # The column order every positional insert uses (saas_tracker/raw_events.py).
    assert tuple(_columns(ch, "tracker_raw", "events")) == raw_events.EVENT_COLUMNS
    assert tuple(quarantine) == raw_events.QUARANTINE_COLUMNS
    keys = ch.query(
        "SELECT name, engine, sorting_key, partition_key FROM system.tables "
        "WHERE database = 'tracker_raw' ORDER BY name"
    ).result_rows
    assert keys == [
        ("events", "MergeTree", "company_id, app_id, customer_org_id, toDate(ts), event, event_id", "toYYYYMM(ts)"),
        ("events_quarantine", "ReplacingMergeTree", "company_id, app_id, event_id", ""),
    ]


def _event(**overrides):
    now = datetime.now(UTC).replace(tzinfo=None)
    row = {
        "company_id": uuid.uuid4(),
        "app_id": uuid.uuid4(),
        "event_id": uuid.uuid4(),
        "event": "report_viewed",
        "ts": now,
        "ts_source": "client",
        "received_at": now,
        "customer_org_id": "acme",
        "user_hash": "a" * 64,
        "session_id": "s1",
        "path": "/reports",
        "environment": "production",
        "plan": "growth",
    }
    return row | overrides


def test_raw_events_round_trip_and_expire_after_their_plans_retention(ch):
    migrate(ch)
    company = uuid.uuid4()
    now = datetime.now(UTC).replace(tzinfo=None)
    fresh = _event(company_id=company, event="fresh")
    default_retention = _event(company_id=company, event="default_retention", ts=now - timedelta(days=10))
    expired = _event(company_id=company, event="expired", ts=now - timedelta(days=10))
    rows = [fresh | {"retention_days": 30}, default_retention, expired | {"retention_days": 7}]
    for row in rows:
        ch.insert("tracker_raw.events", [list(row.values())], column_names=list(row))
    # TTL is applied when parts merge; FINAL forces that merge now.
    ch.command("OPTIMIZE TABLE tracker_raw.events FINAL")
    stored = ch.query(
        "SELECT event, ts_source, user_hash, retention_days FROM tracker_raw.events "
        "WHERE company_id = {c:UUID} ORDER BY event",
        parameters={"c": company},
    ).result_rows
    assert stored == [("default_retention", "client", "a" * 64, 400), ("fresh", "client", "a" * 64, 30)]


def test_quarantine_keeps_the_latest_status_of_each_event(ch):
    migrate(ch)
    event = _event(ts=datetime.now(UTC).replace(tzinfo=None) - timedelta(days=60))
    columns = [*event, "reason", "quarantined_at", "status", "version"]
    for status, version in (("quarantined", 1), ("replayed", 2)):
        row = [*event.values(), "older_than_backfill_window", event["received_at"], status, version]
        ch.insert("tracker_raw.events_quarantine", [row], column_names=columns)
    statuses = ch.query(
        "SELECT status FROM tracker_raw.events_quarantine FINAL "
        "WHERE company_id = {c:UUID} AND app_id = {a:UUID} AND event_id = {e:UUID}",
        parameters={"c": event["company_id"], "a": event["app_id"], "e": event["event_id"]},
    ).result_rows
    assert statuses == [("replayed",)]


def _write_fixture_migrations(directory: Path, database: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "0001_base.sql").write_text(
        f"""
        CREATE DATABASE IF NOT EXISTS {database};
        CREATE TABLE IF NOT EXISTS {database}.things (id UInt64, name String) ENGINE = MergeTree ORDER BY id;
        CREATE TABLE IF NOT EXISTS {database}.versions
        (id UInt64, version UInt64) ENGINE = ReplacingMergeTree(version) ORDER BY id;
        """
    )
    (directory / "0002_more.sql").write_text(
        f"""
        ALTER TABLE {database}.things ADD COLUMN IF NOT EXISTS colour LowCardinality(String) DEFAULT 'red';
        ALTER TABLE {database}.things ADD COLUMN IF NOT EXISTS size UInt32 AFTER name;
        ALTER TABLE {database}.things ADD INDEX IF NOT EXISTS name_idx name TYPE bloom_filter GRANULARITY 1;
        CREATE VIEW IF NOT EXISTS {database}.red_things AS SELECT * FROM {database}.things WHERE colour = 'red';
        """
    )


def _schema(ch, database: str) -> list[tuple]:
    tables = ch.query(
        "SELECT name, create_table_query FROM system.tables WHERE database = {db:String} ORDER BY name",
        parameters={"db": database},
    ).result_rows
    columns = ch.query(
        "SELECT table, position, name, type, default_kind, default_expression FROM system.columns "
        "WHERE database = {db:String} ORDER BY table, position",
        parameters={"db": database},
    ).result_rows
    return [(name, create.replace(database, "DB")) for name, create in tables] + columns


def _drop(ch, *databases: str) -> None:
    for database in databases:
        ch.command(f"DROP DATABASE IF EXISTS {database} SYNC")


def test_a_changed_applied_migration_is_an_error_naming_the_file(ch, tmp_path):
    database = f"test_mig_{uuid.uuid4().hex[:8]}"
    ledger = f"{database}.schema_migrations"
    _write_fixture_migrations(tmp_path, database)
    try:
        assert [a.version for a in migrate(ch, directory=tmp_path, ledger=ledger)] == [1, 2]
        path = tmp_path / "0001_base.sql"
        path.write_text(path.read_text().replace("name String", "name String, extra String"))
        with pytest.raises(MigrationError, match=r"0001_base\.sql changed after it was applied"):
            migrate(ch, directory=tmp_path, ledger=ledger)
        # Windows line endings are not a change.
        path.write_text(path.read_text().replace(", extra String", ""))
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
        assert migrate(ch, directory=tmp_path, ledger=ledger) == []
    finally:
        _drop(ch, database)


RUNNER = """
import os, sys, time, json
from pathlib import Path
from saas_tracker.migrate import migrate
ready, directory, ledger = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
ready.joinpath(str(os.getpid())).touch()
deadline = time.monotonic() + 60
while len(list(ready.iterdir())) < 2 and time.monotonic() < deadline:
    time.sleep(0.005)
print(json.dumps([a.version for a in migrate(directory=directory, ledger=ledger)]))
"""


def test_two_runners_started_at_once_give_one_schema_and_one_ledger_row_per_version(ch, warehouse, tmp_path):
    concurrent, sequential = f"test_mig_c_{uuid.uuid4().hex[:8]}", f"test_mig_s_{uuid.uuid4().hex[:8]}"
    _write_fixture_migrations(tmp_path / "c", concurrent)
    _write_fixture_migrations(tmp_path / "s", sequential)
    ready = tmp_path / "ready"
    ready.mkdir()
    env = os.environ | {"TRACKER_CLICKHOUSE_URL": warehouse.url}
    try:
        runners = [
            subprocess.Popen(
                [sys.executable, "-c", RUNNER, str(ready), str(tmp_path / "c"), f"{concurrent}.schema_migrations"],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [runner.communicate(timeout=300) for runner in runners]
        for runner, (out, err) in zip(runners, results, strict=True):
            assert runner.returncode == 0, err
            # Each runner either applied a migration or found it recorded by the other.
            assert set(json.loads(out)) <= {1, 2}
        migrate(ch, directory=tmp_path / "s", ledger=f"{sequential}.schema_migrations")

        rows = ch.query(
            f"SELECT version, count() FROM {concurrent}.schema_migrations GROUP BY version ORDER BY version"
        ).result_rows
        assert rows == [(1, 1), (2, 1)]
        assert _schema(ch, concurrent) == _schema(ch, sequential)
        assert migrate(ch, directory=tmp_path / "c", ledger=f"{concurrent}.schema_migrations") == []
    finally:
        _drop(ch, concurrent, sequential)


def test_cli_prints_what_it_applied_as_json(ch):
    migrate(ch)
    result = CliRunner().invoke(main, ["migrate", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["applied"] == []
    assert report["ledger"] == LEDGER
    assert report["recorded"] == len(discover())

    text = CliRunner().invoke(main, ["migrate"])
    assert text.exit_code == 0
    assert "nothing to apply" in text.output


def test_cli_explains_an_unreachable_clickhouse():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = os.environ | {"TRACKER_CLICKHOUSE_URL": f"http://127.0.0.1:{port}"}
    result = subprocess.run(
        [sys.executable, "-m", "saas_tracker", "migrate"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"cannot reach ClickHouse at http://127.0.0.1:{port}" in result.stderr
