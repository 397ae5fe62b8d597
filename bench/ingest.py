"""Collector throughput and latency against the framework floor, measured in one run.

Starts an embedded ClickHouse (or uses --clickhouse-url), a bare FastAPI app
that only parses the same JSON (the floor) and the collector persisting to
ClickHouse, then drives both with concurrent keep-alive clients:

  (a) batches of 100 events   (b) single events       -> events/s, p50/p99, collector/floor ratio
  (c) single events at a fixed 300 requests/s (open loop) -> p50/p99
  (d) optionally a sustained batch run (--sustained 60)   -> events/s over the whole run
  (e) the SDK's track() cost per call
and checks every acknowledged event reached tracker_raw.events exactly once.

Targets (issue 4, 2-core machine): collector >= 50 % of the floor for batches;
>= 25,000 events/s sustained for 60 s; single-event p99 <= 20 ms at 300 req/s;
track() <= 20 us.

    .venv/bin/python bench/ingest.py [--seconds 8] [--concurrency 8] [--sustained 60]
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest_bench import load  # noqa: E402
from tests.ingest.collector_process import CollectorProcess, healthy  # noqa: E402
from tests.warehouse_process import WarehouseProcess, free_port  # noqa: E402


def start_floor(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "bench.ingest_bench.floor", str(port)], cwd=ROOT)
    deadline = time.monotonic() + 30
    while not healthy(f"http://127.0.0.1:{port}"):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the floor app did not start")
        time.sleep(0.05)
    return process


def make_app() -> tuple[str, str]:
    from saas_tracker.control import applications, companies, plans
    from saas_tracker.migrate import migrate

    migrate()
    plans.sync_catalogue(actor="bench")
    company = companies.create_company(f"Bench {os.getpid()}-{time.time_ns()}", "enterprise", actor="bench")
    created = applications.create_application(company.company_id, "Bench", environments=["production"], actor="bench")
    return str(created.application.app_id), created.credentials.secret


def cpu_seconds(pid: int, thread: int | None = None) -> float:
    stat = f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat"
    fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measured(pids: dict[str, int], run) -> load.Result:
    """Run the load and note each process's CPU share (the machine has 2 cores for all of them).

    For the collector, also its main thread (the event loop: one core at most, the
    GIL) apart from the spool's writer, files and loader threads.
    """
    # The load generator's own cyclic GC must not pause it mid-run: the acknowledged ids
    # it keeps grow to millions, and a full collection stalled every request due meanwhile
    # by hundreds of milliseconds, which the open-loop latencies then blamed on the server.
    gc.collect()
    gc.disable()
    started = time.monotonic()
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    loop_before = cpu_seconds(pids["collector"], pids["collector"]) if "collector" in pids else 0.0
    try:
        result = await run
    finally:
        gc.enable()
    elapsed = time.monotonic() - started
    result.cpu_seconds = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    shares = {name: used / elapsed for name, used in result.cpu_seconds.items()}
    parts = []
    for name, share in shares.items():
        if name == "collector":
            loop = (cpu_seconds(pids[name], pids[name]) - loop_before) / elapsed
            parts.append(f"collector {share:.0%} (event loop thread {loop:.0%})")
        else:
            parts.append(f"{name} {share:.0%}")
    if "clickhouse" in shares and "collector" in shares and result.events:
        per_event = shares["clickhouse"] * elapsed / result.events * 1e6
        parts.append(f"ClickHouse {per_event:.1f} us CPU per stored event" if per_event < 1e3 else "")
    result.cpu = ", ".join(p for p in parts if p)
    return result


def report(label: str, result: load.Result) -> None:
    errors = f"  errors {result.errors}" if result.errors else ""
    rate = len(result.latencies) / result.seconds
    print(
        f"  {label:34s} {result.events_per_second:10,.0f} events/s  {rate:8,.0f} req/s"
        f"  p50 {result.percentile(0.5) * 1e3:6.2f} ms  p99 {result.percentile(0.99) * 1e3:6.2f} ms{errors}"
    )
    if result.cpu:
        print(f"  {'':34s} CPU: {result.cpu}")


def print_ceiling(floor: load.Result, collector: load.Result, batch_size: int) -> None:
    """The best ratio any collector could reach on this machine, from this run's CPU figures.

    A collector that cost no more CPU per request than the floor app itself would
    still share the machine's cores with the load generator and with ClickHouse
    storing the request's events. With every core busy, requests/s can be at most
    cores / (client + floor app + ClickHouse) CPU seconds per request. ClickHouse's
    share is what it used during the collector run per request answered; if loading
    lagged behind the answers, that underestimates it, so this ceiling is generous.
    """
    client = collector.cpu_per_request("client")
    server = floor.cpu_per_request("floor")
    warehouse = collector.cpu_per_request("clickhouse")
    cores = os.cpu_count() or 1
    best = cores / (client + server + warehouse) * batch_size
    print(
        f"  ceiling: a collector costing only the floor app's CPU ({server * 1e6:.0f} us per request), with this "
        f"run's client ({client * 1e6:.0f} us) and ClickHouse ({warehouse * 1e6:.0f} us, "
        f"{warehouse / batch_size * 1e6:.1f} us per event) on {cores} cores: at most {best:,.0f} events/s, "
        f"{best / floor.events_per_second:.0%} of the floor"
    )


def server_histogram(port: int, route: str) -> dict[str, float]:
    """The collector's own request latency histogram for ``route`` (cumulative counts by bucket)."""
    import urllib.request

    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    counts = {}
    for line in text.splitlines():
        if line.startswith("tracker_ingest_request_seconds_bucket") and f'route="{route}"' in line:
            counts[line.split('le="')[1].split('"')[0]] = float(line.rsplit(" ", 1)[1])
    return counts


def within(before: dict[str, float], after: dict[str, float]) -> str:
    """Share of the requests between two histograms answered within 10 and 25 ms."""
    total = (after.get("+Inf", 0) - before.get("+Inf", 0)) or 1.0
    return ", ".join(
        f"{(after.get(le, 0) - before.get(le, 0)) / total:.2%} within {label}"
        for le, label in (("0.01", "10 ms"), ("0.025", "25 ms"))
    )


def stored_count(app_id: str) -> tuple[int, int]:
    from saas_tracker.clickhouse import get_client

    row = (
        get_client()
        .query(
            "SELECT count(), uniqExact(event_id) FROM tracker_raw.events WHERE app_id = {app:UUID}",
            parameters={"app": app_id},
        )
        .result_rows[0]
    )
    return int(row[0]), int(row[1])


def wait_stored(app_id: str, expected: int, timeout: float = 120) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while True:
        counts = stored_count(app_id)
        if counts[1] >= expected or time.monotonic() > deadline:
            return counts
        time.sleep(0.25)


def track_cost(calls: int) -> tuple[float, float]:
    """Microseconds per track() call: without and with user_id hashing (sender thread idle)."""
    from saas_tracker_sdk import Tracker

    tracker = Tracker(
        "00000000-0000-4000-8000-000000000000",
        "sts_bench",
        "http://127.0.0.1:9",
        flush_at=10**9,
        flush_interval=3600,
        max_queue_size=10**9,
        flush_at_exit=False,
    )
    costs = []
    for kwargs in ({}, {"user_id": "user-42"}):
        started = time.perf_counter()
        for _ in range(calls):
            tracker.track("page_view", "org-1", path="/app", session_id="s-1", **kwargs)
        costs.append((time.perf_counter() - started) / calls * 1e6)
        tracker._queue.clear()
    tracker.close(timeout=0)
    return costs[0], costs[1]


async def run(args, ports: dict[str, int], pids: dict[str, int], app_id: str, secret: str) -> None:
    def client_for(target: str, path: str):
        return lambda: load.Client("127.0.0.1", ports[target], app_id, secret, path)

    warmed_up = 0  # collector events acknowledged while warming up: stored like any others

    async def closed(target: str, path: str, body, seconds: float, keep_ids: bool = False) -> load.Result:
        nonlocal warmed_up
        if args.warmup:
            # The same unmeasured warm-up for every target: connections, caches, and the
            # collector's credentials lookup and first spool segment.
            warm = await load.closed_loop(client_for(target, path), body, args.concurrency, args.warmup)
            warmed_up += warm.events if target == "collector" else 0
        watched = {k: v for k, v in pids.items() if k in (target, "clickhouse", "client")}
        run = load.closed_loop(client_for(target, path), body, args.concurrency, seconds, keep_ids)
        return await measured(watched, run)

    batch = lambda seq: load.batch_body(args.batch_size, seq)  # noqa: E731
    print(f"\n(a) batches of {args.batch_size} events, {args.concurrency} concurrent clients, {args.seconds:g} s each")
    floor_batch = await closed("floor", "/v1/batch", batch, args.seconds)
    report("floor (bare FastAPI, parse only)", floor_batch)
    collector_batch = await closed("collector", "/v1/batch", batch, args.seconds, keep_ids=True)
    report("collector (persisting)", collector_batch)
    ratio = collector_batch.events_per_second / floor_batch.events_per_second
    print(f"  ratio collector/floor: {ratio:.0%}   (target >= 50 %)")
    if "clickhouse" in pids:
        print_ceiling(floor_batch, collector_batch, args.batch_size)

    print(f"\n(b) single events, {args.concurrency} concurrent clients, {args.seconds:g} s each")
    floor_single = await closed("floor", "/v1/events", load.single_body, args.seconds)
    report("floor (bare FastAPI, parse only)", floor_single)
    collector_single = await closed("collector", "/v1/events", load.single_body, args.seconds, keep_ids=True)
    report("collector (persisting)", collector_single)
    print(f"  ratio collector/floor: {collector_single.events_per_second / floor_single.events_per_second:.0%}")

    print(f"\n(c) single events at a fixed {args.rate:g} requests/s for {args.seconds:g} s (open loop)")
    watched = {k: v for k, v in pids.items() if k != "floor"}
    histogram = server_histogram(ports["collector"], "/v1/events")
    paced = await measured(
        watched, load.open_loop(client_for("collector", "/v1/events"), load.single_body, args.rate, args.seconds)
    )
    report("collector", paced)
    answered = within(histogram, server_histogram(ports["collector"], "/v1/events"))
    print(f"  target: p99 <= 20 ms; the collector's own histogram: {answered}")

    sustained = None
    if args.sustained:
        print(f"\n(d) sustained: batches of {args.batch_size}, {args.concurrency} clients, {args.sustained:g} s")
        sustained = await closed("collector", "/v1/batch", batch, args.sustained)
        report("collector (persisting)", sustained)
        print("  target: >= 25,000 events/s")

    runs = (collector_batch, collector_single, paced, sustained)
    acknowledged = warmed_up + sum(r.events for r in runs if r is not None)

    started = time.monotonic()
    total, distinct = wait_stored(app_id, acknowledged)
    print(
        f"\nacknowledged {acknowledged:,} events; tracker_raw.events holds {total:,} rows, {distinct:,} distinct "
        f"event ids ({'OK' if total == distinct == acknowledged else 'MISMATCH'}; "
        f"loaded {time.monotonic() - started:.1f} s after the last answer)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each measured run")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each closed-loop run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--rate", type=float, default=300.0, help="requests/s of the open-loop single-event run")
    parser.add_argument("--sustained", type=float, default=0.0, help="seconds of the sustained run (0: skip)")
    parser.add_argument("--track-calls", type=int, default=200_000)
    parser.add_argument("--clickhouse-url", default=None, help="use this ClickHouse instead of an embedded one")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        warehouse = None
        if args.clickhouse_url:
            os.environ["TRACKER_CLICKHOUSE_URL"] = args.clickhouse_url
        else:
            warehouse = WarehouseProcess(tmp / "clickhouse", free_port()).start()
            os.environ["TRACKER_CLICKHOUSE_URL"] = warehouse.url
        os.environ["TRACKER_DATA_DIR"] = str(tmp / "data")
        floor = collector = None
        try:
            app_id, secret = make_app()
            floor_port, collector_port = free_port(), free_port()
            floor = start_floor(floor_port)
            collector = CollectorProcess(
                tmp / "spool",
                collector_port,
                env={"TRACKER_INGEST_RATE_LIMIT_EVENTS_PER_SECOND": "0", "TRACKER_INGEST_LOG_LEVEL": "warning"},
            ).start()
            print(
                f"collector pid {collector.process.pid}, floor pid {floor.pid}, "
                f"ClickHouse {os.environ['TRACKER_CLICKHOUSE_URL']}; {os.cpu_count()} CPUs"
            )
            import uvloop

            pids = {"floor": floor.pid, "collector": collector.process.pid, "client": os.getpid()}
            if warehouse is not None:
                pids["clickhouse"] = warehouse.process.pid
            ports = {"floor": floor_port, "collector": collector_port}
            uvloop.run(run(args, ports, pids, app_id, secret))
        finally:
            if collector is not None:
                collector.stop()
            if floor is not None:
                floor.terminate()
                floor.wait()
            if warehouse is not None:
                warehouse.stop()
    plain, hashed = track_cost(args.track_calls)
    print(f"\n(e) SDK track(): {plain:.2f} us per call, {hashed:.2f} us with user_id hashing   (target <= 20 us)")


if __name__ == "__main__":
    main()
