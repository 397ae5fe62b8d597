"""clickhouse-connect against the warehouse: the calls every component makes must behave as on a real server.

Runs against the embedded endpoint by default, or a real ClickHouse when
TRACKER_TEST_CLICKHOUSE_URL is set; the assertions are the same.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import ipaddress
import uuid
from concurrent.futures import ThreadPoolExecutor

import clickhouse_connect
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from clickhouse_connect.driver.exceptions import DatabaseError
from clickhouse_connect.driver.external import ExternalData


def client_for(warehouse, **kwargs):
    return clickhouse_connect.get_client(
        host=warehouse.host, port=warehouse.port, autogenerate_session_id=False, **kwargs
    )


@pytest.fixture
def table(ch, scratch_database):
    name = f"{scratch_database}.events"
    ch.command(
        f"CREATE TABLE {name} (id UInt64, name String, kind LowCardinality(String), "
        "ts DateTime64(3, 'UTC'), amount Decimal(18, 4), tags Array(String), note Nullable(String)) "
        "ENGINE = MergeTree ORDER BY id"
    )
    return name


def test_handshake_reports_version_and_timezone(warehouse):
    client = client_for(warehouse)
    assert client.server_version.split(".")[0].isdigit()
    assert client.command("SELECT 1") == 1
    assert client.query("SELECT timezone()").result_rows[0][0] in ("UTC", "Etc/UTC")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("EXISTS DATABASE `default`", 1),
        ("SHOW DATABASES LIKE 'system'", "system"),
        ("DESCRIBE TABLE system.one", ["dummy", "UInt8"]),
    ],
)
def test_read_only_statements_other_than_select(ch, sql, expected):
    # dbt-clickhouse's first request is `EXISTS DATABASE` through command().
    result = ch.command(sql)
    assert result[:2] == expected if isinstance(expected, list) else result == expected


def test_query_returns_typed_rows(ch):
    result = ch.query("SELECT number, toString(number) AS s, number % 2 = 0 AS even FROM numbers(3)")
    assert result.column_names == ("number", "s", "even")
    assert result.result_rows == [(0, "0", True), (1, "1", False), (2, "2", True)]


def test_command_returns_scalar_and_summary(ch, table):
    summary = ch.command(
        f"INSERT INTO {table} (id, name, kind, ts, amount) SELECT number, 'n', 'k', now64(3), 1 FROM numbers(7)"
    )
    assert summary.written_rows == 7
    assert ch.command(f"SELECT count() FROM {table}") == 7


def test_insert_rows_roundtrip_every_column(ch, table):
    ts = dt.datetime(2026, 3, 1, 12, 30, 15, 123000, tzinfo=dt.UTC)
    rows = [
        [1, "alpha", "a", ts, decimal.Decimal("12.3456"), ["x", "y"], None],
        [2, 'beta\'s "quoted"\nline', "b", ts, decimal.Decimal("-0.5"), [], "note"],
    ]
    summary = ch.insert(table, rows, column_names=["id", "name", "kind", "ts", "amount", "tags", "note"])
    assert summary.written_rows == 2
    back = ch.query(f"SELECT id, name, kind, ts, amount, tags, note FROM {table} ORDER BY id").result_rows
    assert back[0][1:4] == ("alpha", "a", ts.replace(tzinfo=back[0][3].tzinfo))
    assert back[0][4] == decimal.Decimal("12.3456") and back[0][5] == ["x", "y"] and back[0][6] is None
    assert back[1][1] == 'beta\'s "quoted"\nline' and back[1][6] == "note"


def test_insert_dataframe_and_query_dataframe(ch, table):
    frame = pd.DataFrame(
        {
            "id": np.arange(1000, dtype="uint64"),
            "name": [f"n{i}" for i in range(1000)],
            "kind": ["a", "b"] * 500,
            "ts": pd.Timestamp("2026-01-01", tz="UTC"),
            "amount": [decimal.Decimal(i) / 4 for i in range(1000)],
            "tags": [["t"]] * 1000,
            "note": [None] * 1000,
        }
    )
    assert ch.insert_df(table, frame).written_rows == 1000
    back = ch.query_df(f"SELECT kind, count() AS n, sum(amount) AS total FROM {table} GROUP BY kind ORDER BY kind")
    assert back["n"].tolist() == [500, 500]
    assert float(back["total"].sum()) == pytest.approx(sum(i / 4 for i in range(1000)))


def test_insert_arrow_and_query_arrow(ch, scratch_database):
    ch.command(f"CREATE TABLE {scratch_database}.a (id Int64, label String) ENGINE = MergeTree ORDER BY id")
    arrow = pa.table({"id": pa.array(range(500), pa.int64()), "label": pa.array([f"l{i}" for i in range(500)])})
    ch.insert_arrow(f"{scratch_database}.a", arrow)
    back = ch.query_arrow(f"SELECT id, label FROM {scratch_database}.a ORDER BY id")
    assert back.num_rows == 500
    assert back.column("label").to_pylist()[-1] == "l499"


@pytest.mark.parametrize("compression", ["lz4", "zstd"])
def test_million_row_compressed_insert_is_exact(warehouse, scratch_database, compression):
    client = client_for(warehouse, compress=compression)
    client.command(f"CREATE TABLE {scratch_database}.big (id UInt64, payload String) ENGINE = MergeTree ORDER BY id")
    n = 1_000_000
    frame = pd.DataFrame(
        {"id": np.arange(n, dtype="uint64"), "payload": np.char.mod("row-%d", np.arange(n)).astype(object)}
    )
    summary = client.insert_df(f"{scratch_database}.big", frame)
    assert summary.written_rows == n
    counts = client.query(f"SELECT count(), uniqExact(id), sum(id) FROM {scratch_database}.big").result_rows[0]
    assert counts == (n, n, n * (n - 1) // 2)


def test_bind_parameters_of_many_types(ch):
    params = {
        "i": -42,
        "u": 2**63,
        "f": 1.5,
        "s": "it's a \\ 'test'\n",
        "d": dt.date(2026, 2, 28),
        "t": dt.datetime(2026, 2, 28, 23, 59, 58),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "arr": ["a", "b'c"],
        "ip": ipaddress.IPv4Address("10.1.2.3"),
        "b": True,
        "n": None,
    }
    row = ch.query(
        "SELECT {i:Int64}, {u:UInt64}, {f:Float64}, {s:String}, {d:Date}, {t:DateTime}, {id:UUID}, "
        "{arr:Array(String)}, {ip:IPv4}, {b:Bool}, {n:Nullable(String)}",
        parameters=params,
    ).result_rows[0]
    assert row[:4] == (-42, 2**63, 1.5, "it's a \\ 'test'\n")
    assert row[4] == dt.date(2026, 2, 28) and row[5].replace(tzinfo=None) == dt.datetime(2026, 2, 28, 23, 59, 58)
    assert row[6] == params["id"] and row[7] == ["a", "b'c"] and str(row[8]) == "10.1.2.3"
    assert row[9] is True and row[10] is None


def test_large_parameters_in_a_form_body_or_a_long_url(ch):
    values = [f"value-{i}" for i in range(20_000)]  # ~250 KB of parameters
    # query() switches to a multipart form body; command() keeps them in the URL.
    assert ch.query("SELECT length({v:Array(String)})", parameters={"v": values}).result_rows == [(20_000,)]
    assert ch.command("SELECT length({v:Array(String)})", parameters={"v": values}) == 20_000


def test_external_data_is_a_temporary_table(ch):
    data = ExternalData(data=b"1\tone\n2\ttwo\n", structure="id UInt8, label String", file_name="ext")
    result = ch.query("SELECT label FROM ext ORDER BY id", external_data=data)
    assert result.result_rows == [("one",), ("two",)]


def test_large_results_stream(ch):
    total = 0
    with ch.query_row_block_stream("SELECT number FROM numbers(3000000)") as stream:
        for block in stream:
            total += len(block)
    assert total == 3_000_000


def test_sessions_keep_set_use_and_temporary_tables(warehouse, scratch_database):
    first = client_for(warehouse, session_id=f"s-{uuid.uuid4()}")
    other = client_for(warehouse, session_id=f"s-{uuid.uuid4()}")
    first.command("SET max_threads = 3")
    first.command(f"USE {scratch_database}")
    first.command("CREATE TEMPORARY TABLE scratch (x UInt8)")
    first.command("INSERT INTO scratch VALUES (1), (2)")
    assert first.command("SELECT getSetting('max_threads')") == 3
    assert first.command("SELECT currentDatabase()") == scratch_database
    assert first.command("SELECT count() FROM scratch") == 2
    with pytest.raises(DatabaseError) as missing:
        other.command("SELECT count() FROM scratch")
    assert missing.value.code == 60
    assert other.command("SELECT currentDatabase()") != scratch_database
    assert other.command("SELECT getSetting('max_threads')") != 3


def test_url_settings_apply_to_their_own_query_only(warehouse):
    client = client_for(warehouse, session_id=f"s-{uuid.uuid4()}")
    client.command("SET max_threads = 3")
    assert client.command("SELECT getSetting('max_threads')", settings={"max_threads": 5}) == 5
    assert client.command("SELECT getSetting('max_threads')") == 3
    shared = client_for(warehouse)
    assert shared.command("SELECT getSetting('max_threads')", settings={"max_threads": 7}) == 7
    assert shared.command("SELECT getSetting('max_threads')") != 7


@pytest.mark.parametrize(
    ("sql", "code", "name"),
    [
        ("SELECT * FROM no_such_table_anywhere", 60, "UNKNOWN_TABLE"),
        ("SELEC 1", 62, "SYNTAX_ERROR"),
        ("SELECT no_such_function(1)", 46, "UNKNOWN_FUNCTION"),
        ("SELECT throwIf(1, 'boom')", 395, "FUNCTION_THROW_IF_VALUE_IS_NON_ZERO"),
        ("SELECT 1; SELECT 2", 62, "SYNTAX_ERROR"),
    ],
)
def test_errors_carry_code_and_name(ch, sql, code, name):
    with pytest.raises(DatabaseError) as error:
        ch.command(sql)
    assert error.value.code == code
    assert f"({name})" in str(error.value)


def test_unknown_setting_is_refused(ch):
    with pytest.raises(DatabaseError) as error:
        ch.command("SELECT 1", settings={"no_such_setting_xyz": 1})
    assert "no_such_setting_xyz" in str(error.value)


def test_concurrent_clients_insert_and_read_in_parallel(warehouse, scratch_database):
    table = f"{scratch_database}.c"
    client_for(warehouse).command(f"CREATE TABLE {table} (worker UInt8, n UInt32) ENGINE = MergeTree ORDER BY worker")

    def work(worker: int) -> int:
        client = client_for(warehouse)
        for batch in range(10):
            client.insert(table, [[worker, batch * 100 + i] for i in range(100)], column_names=["worker", "n"])
        return client.command(f"SELECT count() FROM {table} WHERE worker = {worker}")

    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(work, range(8)))
    assert counts == [1000] * 8
    assert client_for(warehouse).command(f"SELECT count() FROM {table}") == 8000


def test_async_client(warehouse, ch):
    async def run():
        client = await clickhouse_connect.get_async_client(
            host=warehouse.host, port=warehouse.port, autogenerate_session_id=False
        )
        results = await asyncio.gather(*(client.query(f"SELECT {i} * 2") for i in range(20)))
        await client.close()
        return [r.result_rows[0][0] for r in results]

    assert asyncio.run(run()) == [i * 2 for i in range(20)]


def test_insert_deduplication_token_makes_retries_idempotent(ch, scratch_database):
    table = f"{scratch_database}.dedup"
    ch.command(
        f"CREATE TABLE {table} (id UInt64) ENGINE = MergeTree ORDER BY id "
        "SETTINGS non_replicated_deduplication_window = 100"
    )
    for _ in range(3):
        ch.insert(table, [[1], [2], [3]], column_names=["id"], settings={"insert_deduplication_token": "batch-1"})
    assert ch.command(f"SELECT count() FROM {table}") == 3


@pytest.mark.parametrize(
    ("ddl", "code"),
    [
        ("(a UInt32, CONSTRAINT positive CHECK a > 5) ENGINE = MergeTree ORDER BY a", 469),
        ("(a UInt32, b UInt8 MATERIALIZED throwIf(a = 3, 'bad row')) ENGINE = MergeTree ORDER BY a", 395),
    ],
)
def test_rows_refused_by_the_table_fail_the_insert(ch, scratch_database, ddl, code):
    # chDB's streaming insert reports such rows as written and stores none; the endpoint must not.
    ch.command(f"CREATE TABLE {scratch_database}.guarded {ddl}")
    with pytest.raises(DatabaseError) as error:
        ch.insert(f"{scratch_database}.guarded", [[10], [3]], column_names=["a"])
    assert error.value.code == code
    assert ch.insert(f"{scratch_database}.guarded", [[10], [11]], column_names=["a"]).written_rows == 2
    assert ch.command(f"SELECT count() FROM {scratch_database}.guarded") == 2
