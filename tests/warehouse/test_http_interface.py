"""ClickHouse HTTP details that clients rely on, checked with raw HTTP requests."""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid

import httpx
import lz4.frame
import pytest


@pytest.fixture
def http(warehouse):
    with httpx.Client(base_url=warehouse.url, timeout=60) as client:
        yield client


def test_ping_and_bare_get(http):
    assert http.get("/ping").text == "Ok.\n"
    assert http.get("/").text == "Ok.\n"


def test_query_parameter_and_headers(http):
    response = http.get("/", params={"query": "SELECT 1 AS x", "query_id": "q-123"})
    assert response.text == "1\n"
    assert response.headers["x-clickhouse-query-id"] == "q-123"
    assert response.headers["x-clickhouse-format"] == "TabSeparated"
    assert response.headers["x-clickhouse-timezone"]
    assert json.loads(response.headers["x-clickhouse-summary"])["result_rows"] == "1"


def test_default_format_and_format_clause(http):
    assert http.post("/", params={"default_format": "JSONEachRow"}, content="SELECT 2 AS y").text == '{"y":2}\n'
    response = http.post("/", content="SELECT 3 AS z FORMAT JSONCompact")
    assert response.headers["x-clickhouse-format"] == "JSONCompact"
    assert json.loads(response.text)["data"] == [[3]]


def test_insert_with_data_in_body_after_the_statement(http, ch, scratch_database):
    ch.command(f"CREATE TABLE {scratch_database}.t (a UInt32, b String) ENGINE = MergeTree ORDER BY a")
    response = http.post("/", content=f"INSERT INTO {scratch_database}.t FORMAT CSV\n1,one\n2,two\n")
    assert response.status_code == 200, response.text
    assert json.loads(response.headers["x-clickhouse-summary"])["written_rows"] == "2"
    http.post("/", content=f"INSERT INTO {scratch_database}.t VALUES (3, 'three')")
    http.post("/", params={"query": f"INSERT INTO {scratch_database}.t FORMAT TSV"}, content=b"4\tfour\n")
    gz = gzip.compress(b"5,five\n") + gzip.compress(b"6,six\n")  # two gzip members
    http.post(
        "/",
        params={"query": f"INSERT INTO {scratch_database}.t FORMAT CSV"},
        content=gz,
        headers={"Content-Encoding": "gzip"},
    )
    assert ch.query(f"SELECT a, b FROM {scratch_database}.t ORDER BY a").result_rows == [
        (1, "one"),
        (2, "two"),
        (3, "three"),
        (4, "four"),
        (5, "five"),
        (6, "six"),
    ]


def test_truncated_compressed_body_is_an_error_not_a_short_insert(http, ch, scratch_database):
    ch.command(f"CREATE TABLE {scratch_database}.t (a UInt32) ENGINE = MergeTree ORDER BY a")
    body = lz4.frame.compress(b"".join(b"%d\n" % i for i in range(1000)))
    response = http.post(
        "/",
        params={"query": f"INSERT INTO {scratch_database}.t FORMAT TSV"},
        content=body[:-7],
        headers={"Content-Encoding": "lz4"},
    )
    assert response.status_code == 500
    assert response.headers["x-clickhouse-exception-code"] == "354"
    assert "truncated" in response.text


def test_unknown_content_encoding_is_refused(http):
    response = http.post("/", content=b"SELECT 1", headers={"Content-Encoding": "br2"})
    assert response.status_code != 200 and "br2" in response.text


def test_get_is_read_only(http, ch, scratch_database):
    ch.command(f"CREATE TABLE {scratch_database}.t (a UInt32) ENGINE = MergeTree ORDER BY a")
    response = http.get("/", params={"query": f"INSERT INTO {scratch_database}.t SELECT 1"})
    assert response.status_code == 403
    assert response.headers["x-clickhouse-exception-code"] == "164"
    assert ch.command(f"SELECT count() FROM {scratch_database}.t") == 0


def test_error_format(http):
    response = http.post("/", content="SELECT * FROM definitely_missing_table")
    assert response.status_code == 404
    assert response.headers["x-clickhouse-exception-code"] == "60"
    assert response.text.startswith("Code: 60. DB::Exception: ")
    assert "(UNKNOWN_TABLE)" in response.text


def test_database_parameter_applies_to_one_query(http, ch, scratch_database):
    assert (
        http.post("/", params={"database": scratch_database}, content="SELECT currentDatabase()").text.strip()
        == scratch_database
    )
    assert http.post("/", content="SELECT currentDatabase()").text.strip() == "default"


def test_session_check_and_concurrent_use(http):
    session = f"s-{uuid.uuid4()}"
    missing = http.post("/", params={"session_id": session, "session_check": "1"}, content="SELECT 1")
    assert missing.headers["x-clickhouse-exception-code"] == "372"
    results = {}

    def slow():
        results["slow"] = http.post("/", params={"session_id": session}, content="SELECT sleep(1)")

    worker = threading.Thread(target=slow)
    worker.start()

    time.sleep(0.3)
    locked = httpx.post(str(http.base_url), params={"session_id": session}, content="SELECT 1")
    worker.join()
    assert locked.headers["x-clickhouse-exception-code"] == "373"
    assert results["slow"].status_code == 200


def test_duplicate_running_query_id_is_refused(http):
    results = {}

    def slow():
        results["slow"] = http.post("/", params={"query_id": "same-id"}, content="SELECT sleep(1)")

    worker = threading.Thread(target=slow)
    worker.start()

    time.sleep(0.3)
    second = httpx.post(str(http.base_url), params={"query_id": "same-id"}, content="SELECT 1")
    worker.join()
    assert second.headers["x-clickhouse-exception-code"] == "216"
    assert results["slow"].status_code == 200


def test_mid_stream_failure_breaks_the_response(http):
    # A result that fails after the first blocks were sent must not look complete.
    query = "SELECT number, throwIf(number = 2000000, 'late failure') FROM numbers(3000000)"
    with pytest.raises(httpx.HTTPError):
        response = http.post("/", content=query, params={"max_block_size": "65536"})
        if response.status_code != 200 or "late failure" in response.text:
            raise httpx.HTTPError("error reported")
