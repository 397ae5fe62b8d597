"""Embedded ClickHouse endpoint vs chDB in-process, measured in one run.

Prints bulk insert rows/s, 1M-row GROUP BY latency and small-query latency
through the HTTP endpoint (a separate process, as every component uses it)
and through chDB in this process, with their ratios.

Targets (issue 2): the endpoint keeps >= 60 % of the in-process bulk insert
rate and adds <= 2 ms to the median small query.

    .venv/bin/python bench/warehouse.py [--rows 2000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import clickhouse_connect
import httpx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.warehouse_process import WarehouseProcess, free_port  # noqa: E402

TABLE_DDL = (
    "CREATE TABLE {name} (id UInt64, org String, event LowCardinality(String), ts DateTime64(3, 'UTC'), "
    "value Float64) ENGINE = MergeTree ORDER BY (org, id)"
)
GROUP_BY = "SELECT org, event, count(), sum(value) FROM {name} GROUP BY org, event ORDER BY org, event FORMAT Native"
SMALL = "SELECT 1"


def sample(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "id": np.arange(rows, dtype="uint64"),
            "org": np.char.mod("org-%04d", rng.integers(0, 2000, rows)).astype(object),
            "event": rng.choice(["page_view", "click", "export", "login"], rows).astype(object),
            "ts": pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 86_400_000, rows), unit="ms"),
            "value": rng.random(rows),
        }
    )


def timed(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--small", type=int, default=500, help="small queries per side")
    args = parser.parse_args()

    from chdb import _chdb

    with tempfile.TemporaryDirectory() as tmp:
        local = _chdb.connect(str(Path(tmp) / "inprocess"))
        frame = sample(args.rows)
        local.query("CREATE TABLE src ENGINE = Memory AS SELECT * FROM Python(frame)", "TSV")
        native = local.query("SELECT * FROM src", "Native").bytes()
        print(f"data: {args.rows:,} rows, {len(native) / 1e6:.0f} MB in Native format")

        endpoint = WarehouseProcess(Path(tmp) / "endpoint", free_port()).start()
        try:
            client = clickhouse_connect.get_client(
                host="127.0.0.1", port=endpoint.port, autogenerate_session_id=False, compress=False
            )
            http = httpx.Client(base_url=endpoint.url, timeout=600)

            def reset(run):
                run("DROP TABLE IF EXISTS bench")
                run(TABLE_DDL.format(name="bench"))

            def insert_local():
                reset(lambda q: local.query(q, "TSV"))
                inserter = local.send_insert("INSERT INTO bench", "Native")
                for start in range(0, len(native), 1 << 20):
                    local.insert_append(inserter, native[start : start + (1 << 20)])
                local.insert_done(inserter)

            def insert_http_native():
                reset(client.command)
                response = http.post("/", params={"query": "INSERT INTO bench FORMAT Native"}, content=native)
                response.raise_for_status()

            def insert_clickhouse_connect():
                reset(client.command)
                client.insert_df("bench", frame)

            rows = {}
            for label, function in [
                ("chDB in-process", insert_local),
                ("endpoint, raw Native POST", insert_http_native),
                ("endpoint, clickhouse-connect insert_df", insert_clickhouse_connect),
            ]:
                best = min(timed(function, args.repeat))
                rows[label] = args.rows / best
            base = rows["chDB in-process"]
            print(f"\nbulk insert (best of {args.repeat})")
            for label, rate in rows.items():
                print(f"  {label:42s} {rate / 1e6:6.2f} M rows/s   {rate / base:6.1%} of in-process")

            insert_local()
            insert_http_native()
            local_group = statistics.median(
                timed(lambda: local.query(GROUP_BY.format(name="bench"), "Native"), args.repeat)
            )
            http_group = statistics.median(
                timed(lambda: http.post("/", content=GROUP_BY.format(name="bench")).raise_for_status(), args.repeat)
            )
            print(f"\n{args.rows:,}-row GROUP BY (median of {args.repeat})")
            print(f"  chDB in-process {local_group * 1e3:8.1f} ms")
            print(f"  endpoint        {http_group * 1e3:8.1f} ms   ratio {http_group / local_group:.2f}x")

            local_small = statistics.median(timed(lambda: local.query(SMALL, "TSV"), args.small))
            http_small = statistics.median(timed(lambda: http.post("/", content=SMALL).raise_for_status(), args.small))
            cc_small = statistics.median(timed(lambda: client.command(SMALL), args.small))
            print(f"\nsmall query `{SMALL}` (median of {args.small})")
            print(f"  chDB in-process            {local_small * 1e3:6.2f} ms")
            for label, seconds in (("endpoint, raw HTTP", http_small), ("endpoint, clickhouse-connect", cc_small)):
                print(f"  {label:28s} {seconds * 1e3:6.2f} ms   adds {(seconds - local_small) * 1e3:+.2f} ms")
        finally:
            endpoint.stop()
            local.close()


if __name__ == "__main__":
    main()
