"""Metrics API latency: p50/p95 per dashboard endpoint with concurrent clients.

Builds an embedded ClickHouse with the events of bench/models.py (same generator, same
dbt models), starts `saas-tracker metrics serve` as a subprocess, and lets ``--clients``
threads call every endpoint in turn for ``--rounds`` rounds each. Every request draws its
parameters at random (seeded): one of ``--tenants`` companies (each with its own API key),
one of that company's organizations, a date range, a query-builder body, so the figures
measure real work rather than one hot URL. Prints p50/p95 per endpoint and the machine
load.

Targets (issue 7), for 10M events with 8 clients: p95 <= 100 ms for organizations,
organization detail, adoption and active users; query builder p95 <= 300 ms.

    .venv/bin/python bench/queries.py [--events 1000000] [--clients 1,8] [--rounds 20]
                                      [--days 60] [--orgs 2000] [--companies 20]
                                      [--data-dir DIR] [--build auto|full|api|none]

``--data-dir`` keeps the warehouse between runs: ``--build auto`` (the default) seeds and
builds only when the directory holds no built models yet, ``api`` rebuilds just the api_
models (after editing them), ``full`` rebuilds everything from the raw events.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import urllib3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.warehouse_process import WarehouseProcess, free_port  # noqa: E402

# The endpoints issue 7 sets targets for, and the target p95 in milliseconds.
TARGETS = {
    "organizations": 100,
    "organization detail": 100,
    "feature adoption": 100,
    "active users (day)": 100,
    "active users (week, by app)": 100,
    "query builder": 300,
}
QUERY_METRICS = ["count", "unique_users", "unique_organizations", "unique_sessions"]
QUERY_GROUPS = [[], ["day"], ["week", "plan"], ["month", "environment"], ["event"], ["organization"], ["week", "event"]]
QUERY_EVENTS = ["page_view", "login", "search", "report_viewed", "dashboard_viewed", "export_created"]


def _models_bench():
    """bench/models.py (the event generator) without making bench/ a package."""
    spec = importlib.util.spec_from_file_location("bench_models", ROOT / "bench" / "models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tenants(count: int) -> list[dict]:
    """The ``count`` busiest companies, each with a fresh key and its organizations."""
    from saas_tracker.clickhouse import get_client
    from saas_tracker.control import api_keys, companies, store
    from saas_tracker.control.models import Company

    client = get_client()
    busiest = client.query(
        "SELECT company_id, groupArray(customer_org_id) FROM ("
        "  SELECT company_id, customer_org_id, event_count FROM bench_api.api_organizations"
        "  ORDER BY company_id, event_count DESC LIMIT 200 BY company_id"
        ") GROUP BY company_id ORDER BY sum(event_count) DESC LIMIT {n:UInt32}",
        parameters={"n": count},
    ).result_rows
    known = {r[0] for r in client.query("SELECT toString(company_id) FROM tracker_control.companies").result_rows}
    tenants = []
    for company_id, orgs in busiest:
        if str(company_id) not in known:
            now = store.utcnow()
            company = Company(
                company_id=company_id, name="Bench company", status="active", created_at=now, updated_at=now
            )
            store.insert("companies", [companies._row(company)])
        key = api_keys.create_api_key(company_id, ["metrics:read", "exports:read"], name="bench", actor="bench").key
        tenants.append({"company_id": str(company_id), "key": key, "orgs": list(orgs)})
    return tenants


def _span(rng: random.Random, first_day: date, last_day: date, min_days: int = 7) -> tuple[date, date]:
    """A random range of at least ``min_days`` inside the data, ending near its end."""
    end = last_day - timedelta(days=rng.randrange(0, 7))
    days = rng.randint(min_days, (end - first_day).days + 1)
    return end - timedelta(days=days - 1), end


def _query_body(rng: random.Random, first_day: date, last_day: date, orgs: list[str]) -> dict:
    start, end = _span(rng, first_day, last_day)
    filters: dict = {"from": start.isoformat(), "to": end.isoformat()}
    roll = rng.random()
    if roll < 0.2:
        filters["events"] = rng.sample(QUERY_EVENTS, rng.randint(1, 3))
    elif roll < 0.3:
        filters["plans"] = [rng.choice(["free", "pro", "business"])]
    elif roll < 0.4:
        filters["environments"] = ["production"]
    elif roll < 0.5:
        filters["organizations"] = rng.sample(orgs, min(len(orgs), rng.randint(1, 5)))
    elif roll < 0.6:
        filters["path_prefix"] = rng.choice(["/reports", "/dashboards", "/settings"])
    return {"metric": rng.choice(QUERY_METRICS), "filters": filters, "group_by": rng.choice(QUERY_GROUPS)}


def _request(name: str, rng: random.Random, first_day: date, last_day: date, orgs: list[str]) -> tuple[str, str, dict]:
    """(method, path, params or body) for one call of endpoint ``name``, parameters drawn at random."""
    start, end = _span(rng, first_day, last_day)
    span = {"from": start.isoformat(), "to": end.isoformat()}
    # Busy organizations more often, as dashboards open them more often.
    org = orgs[min(len(orgs) - 1, int(rng.paretovariate(1.2)) - 1)]
    if name == "organizations":
        params = {"limit": 50, "sort": rng.choice(["-health_score", "health_score", "-events_28d", "-last_seen_at"])}
        if rng.random() < 0.3:
            params["tier"] = rng.choice(["healthy", "neutral", "at_risk"])
        return "GET", "/v1/organizations", params
    if name == "organization detail":
        return "GET", f"/v1/organizations/{org}", {}
    if name == "health history":
        return "GET", f"/v1/organizations/{org}/health", {}
    if name == "feature adoption":
        return "GET", "/v1/features/adoption", {}
    if name == "active users (day)":
        return "GET", "/v1/active-users", {"grain": "day", **span}
    if name == "active users (week, by app)":
        return "GET", "/v1/active-users", {"grain": rng.choice(["week", "month"]), "by": "application", **span}
    if name == "retention":
        return "GET", "/v1/retention", {"from": (first_day - timedelta(days=7)).isoformat(), "to": end.isoformat()}
    if name == "sessions stats":
        return "GET", "/v1/sessions/stats", span
    if name == "plan usage":
        return "GET", "/v1/usage", {}
    if name == "events (1 day)":
        day = end - timedelta(days=1)
        return "GET", "/v1/events", {"from": f"{day}T00:00:00Z", "to": f"{end}T00:00:00Z"}
    if name == "query builder":
        return "POST", "/v1/query", _query_body(rng, first_day, last_day, orgs)
    if name == "billing export (csv)":
        return "GET", "/v1/exports/billing", {"period": rng.choice([first_day, last_day]).strftime("%Y-%m")}
    raise KeyError(name)


ENDPOINTS = [
    "organizations",
    "organization detail",
    "health history",
    "feature adoption",
    "active users (day)",
    "active users (week, by app)",
    "retention",
    "sessions stats",
    "plan usage",
    "events (1 day)",
    "query builder",
    "billing export (csv)",
]


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the metrics API exited during startup")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the metrics API did not start")


def measure(
    url: str,
    tenants: list[dict],
    span: tuple[date, date],
    clients: int,
    rounds: int,
    seed: int,
    endpoints: list[str] = ENDPOINTS,
):
    timings: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    lock = threading.Lock()

    def client_loop(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        # urllib3 rather than httpx: the clients share the 2 cores with the system under
        # test, and urllib3 spends about a third of httpx's CPU per request.
        host, port = url.removeprefix("http://").split(":")
        with urllib3.HTTPConnectionPool(host, int(port), maxsize=1, timeout=60, retries=False) as http:
            for _ in range(rounds):
                for name in endpoints:
                    tenant = tenants[rng.randrange(len(tenants))]
                    method, path, payload = _request(name, rng, *span, tenant["orgs"])
                    headers = {"Authorization": f"Bearer {tenant['key']}"}
                    started = time.perf_counter()
                    if method == "GET":
                        response = http.request("GET", f"{path}?{urlencode(payload)}", headers=headers)
                    else:
                        headers["Content-Type"] = "application/json"
                        response = http.request("POST", path, body=json.dumps(payload), headers=headers)
                    elapsed = time.perf_counter() - started
                    with lock:
                        timings[name].append(elapsed)
                        if response.status != 200:
                            failures.append(f"{name} {path} {payload}: {response.status} {response.data[:200]!r}")

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print(f"{len(failures)} failed requests, e.g. {failures[0]}")
    return timings


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (Linux /proc), 0 if gone."""
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0
    return total + sum(_cpu_seconds(int(child)) for child in children)


def _cpu(processes: dict[str, int]) -> dict[str, float]:
    return {name: _cpu_seconds(pid) for name, pid in processes.items()} | {"bench clients": sum(os.times()[:2])}


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(timings: dict[str, list[float]], clients: int, rounds: int, wall: float, cpu: dict[str, float]) -> None:
    total = sum(len(v) for v in timings.values())
    print(
        f"\n{clients} clients x {rounds} rounds, {total} requests in {wall:.1f} s ({total / wall:.0f} req/s); {_load()}"
    )
    # Where the machine's time went: CPU per request in each process of the request path.
    print("CPU ms per request: " + ", ".join(f"{name} {seconds * 1000 / total:.1f}" for name, seconds in cpu.items()))
    print(f"{'endpoint':<30} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}")
    for name in ENDPOINTS:
        values = sorted(timings[name])
        p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
        target = TARGETS.get(name)
        verdict = "" if target is None else f"{'<=' if p95 * 1000 <= target else '>'} {target}"
        print(f"{name:<30} {statistics.median(values) * 1000:8.1f} {p95 * 1000:8.1f} {verdict:>8}")


def _build(models, args, first_day: date, last_day: date) -> None:
    from saas_tracker.clickhouse import get_client

    client = get_client()
    built = client.command("EXISTS TABLE bench_api.api_organizations") == 1
    mode = args.build if args.build != "auto" else ("none" if built else "full")
    if mode == "none":
        events = client.command("SELECT count() FROM tracker_raw.events")
        print(f"reusing the warehouse in {args.data_dir}: {events:,} raw events, models as built")
        return
    seconds = models.seed(args, first_day)
    if seconds:
        print(f"generated {args.events:,} events over {args.days} days in {seconds:.1f} s")
    # As of the data's last day, so a kept directory rebuilt on a later day answers the same.
    dbt_vars = {"tracker__allow_full_refresh": True, "tracker__as_of_date": last_day.isoformat()}
    if mode == "full":
        build = models.timed_dbt("run", "--full-refresh", vars=dbt_vars)
    else:
        build = models.timed_dbt("run", "--full-refresh", "--select", "path:models/api", vars=dbt_vars)
    print(f"dbt run ({mode}): {build:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--companies", type=int, default=20)
    parser.add_argument("--tenants", type=int, default=4, help="companies the clients read as (the busiest ones)")
    parser.add_argument("--clients", default="1,8", help="comma-separated client counts, measured in turn")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    # One API process by default: the 2 cores are shared with the warehouse and the clients,
    # and one process needs about 4 ms of CPU per request (room for ~250 requests/s).
    parser.add_argument("--workers", type=int, default=1, help="metrics API worker processes")
    parser.add_argument("--data-dir", type=Path, help="keep the warehouse here between runs (default: a temp dir)")
    parser.add_argument("--build", choices=["auto", "full", "api", "none"], default="auto")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="first: CPU per request of each endpoint alone (1 client)",
    )
    args = parser.parse_args()

    models = _models_bench()
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ["TRACKER_DBT_SCHEMA"] = "bench"

    with ExitStack() as stack:
        base = args.data_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-queries-")))
        base.mkdir(parents=True, exist_ok=True)
        args.data_dir = base
        # The data's days are fixed when it is generated; a kept directory remembers them.
        days_file = base / "first-day"
        if days_file.exists():
            first_day = date.fromisoformat(days_file.read_text().strip())
        else:
            first_day = datetime.now(UTC).date() - timedelta(days=args.days - 1)
        last_day = first_day + timedelta(days=args.days - 1)
        warehouse = WarehouseProcess(data_dir=base / "clickhouse", port=free_port()).start()
        stack.callback(warehouse.stop)
        os.environ["TRACKER_CLICKHOUSE_URL"] = warehouse.url
        os.environ["TRACKER_DATA_DIR"] = str(base / "data")
        os.environ["TRACKER_DBT_TARGET_PATH"] = str(base / "dbt-target")
        _build(models, args, first_day, last_day)
        days_file.write_text(first_day.isoformat())
        tenants = _tenants(args.tenants)

        port = free_port()
        env = {**os.environ, "TRACKER_METRICS_API_DATABASE": "bench_api"}
        api = subprocess.Popen(
            [sys.executable, "-m", "saas_tracker", "metrics", "serve", "--port", str(port),
             "--workers", str(args.workers)],
            env=env,
            cwd=ROOT,
        )  # fmt: skip

        def stop_api() -> None:
            api.terminate()
            api.wait(timeout=30)

        stack.callback(stop_api)
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, api)
        measure(url, tenants, (first_day, last_day), clients=2, rounds=1, seed=0)  # warm-up: first imports
        events = _events_count()
        print(f"\n{events:,} deduplicated events, {len(tenants)} companies read, {_load()}")
        processes = {"warehouse": warehouse.process.pid, "metrics API": api.pid}
        if args.profile:
            profile(url, tenants, (first_day, last_day), args, processes)
        for clients in [int(c) for c in args.clients.split(",")]:
            before = _cpu(processes)
            started = time.perf_counter()
            timings = measure(url, tenants, (first_day, last_day), clients=clients, rounds=args.rounds, seed=args.seed)
            wall = time.perf_counter() - started
            used = {name: seconds - before[name] for name, seconds in _cpu(processes).items()}
            report(timings, clients, args.rounds, wall, used)


def profile(url: str, tenants: list[dict], span: tuple[date, date], args, processes: dict[str, int]) -> None:
    """CPU milliseconds per request of each endpoint on its own: where the machine's time goes."""
    print(f"\nCPU ms per request, each endpoint alone (1 client, {args.rounds} calls); {_load()}")
    print(f"{'endpoint':<30} " + " ".join(f"{name:>14}" for name in [*processes, "bench clients"]) + f" {'p50 ms':>8}")
    for name in ENDPOINTS:
        before = _cpu(processes)
        timings = measure(url, tenants, span, clients=1, rounds=args.rounds, seed=args.seed, endpoints=[name])
        used = {k: (v - before[k]) * 1000 / args.rounds for k, v in _cpu(processes).items()}
        median = statistics.median(timings[name]) * 1000
        print(f"{name:<30} " + " ".join(f"{v:14.1f}" for v in used.values()) + f" {median:8.1f}")


def _events_count() -> int:
    from saas_tracker.clickhouse import get_client

    return get_client().command("SELECT count() FROM bench_api.api_events")


if __name__ == "__main__":
    main()
