"""Metrics API latency: p50/p95 per dashboard endpoint with concurrent clients.

Builds a fresh embedded ClickHouse with the events of bench/models.py (same generator,
same dbt models), starts `saas-tracker metrics serve` as a subprocess, and lets
``--clients`` threads call every endpoint in turn as the busiest company, for
``--rounds`` rounds each. Prints p50/p95 per endpoint.

Targets (issue 7), for 10M events with 8 clients: p95 <= 100 ms for organizations,
organization detail, adoption and active users; query builder p95 <= 300 ms.

    .venv/bin/python bench/queries.py [--events 1000000] [--clients 8] [--rounds 20]
                                      [--days 60] [--orgs 2000] [--companies 20]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.warehouse_process import WarehouseProcess, free_port  # noqa: E402


def _models_bench():
    """bench/models.py (the event generator) without making bench/ a package."""
    spec = importlib.util.spec_from_file_location("bench_models", ROOT / "bench" / "models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _company_with_key() -> tuple[str, str]:
    """The bench's first company as a control-plane row, and a key for it."""
    from saas_tracker.clickhouse import get_client
    from saas_tracker.control import api_keys, companies, store
    from saas_tracker.control.models import Company

    company_id = get_client().command("SELECT toString(reinterpretAsUUID(MD5('bench-company-0')))")
    now = store.utcnow()
    company = Company(company_id=company_id, name="Bench company", status="active", created_at=now, updated_at=now)
    store.insert("companies", [companies._row(company)])
    key = api_keys.create_api_key(company_id, ["metrics:read", "exports:read"], name="bench", actor="bench").key
    return company_id, key


def _requests(first_day, last_day, org: str) -> dict[str, tuple[str, str, dict]]:
    day = last_day - timedelta(days=1)
    span = {"from": first_day.isoformat(), "to": last_day.isoformat()}
    return {
        "organizations": ("GET", "/v1/organizations", {"limit": 50}),
        "organization detail": ("GET", f"/v1/organizations/{org}", {}),
        "health history": ("GET", f"/v1/organizations/{org}/health", {}),
        "feature adoption": ("GET", "/v1/features/adoption", {}),
        "active users (day)": ("GET", "/v1/active-users", {"grain": "day", **span}),
        "active users (week, by app)": ("GET", "/v1/active-users", {"grain": "week", "by": "application", **span}),
        "retention": (
            "GET",
            "/v1/retention",
            {"from": (first_day - timedelta(days=7)).isoformat(), "to": last_day.isoformat()},
        ),
        "sessions stats": ("GET", "/v1/sessions/stats", span),
        "plan usage": ("GET", "/v1/usage", {}),
        "events (1 day)": ("GET", "/v1/events", {"from": f"{day}T00:00:00Z", "to": f"{last_day}T00:00:00Z"}),
        "query builder": (
            "POST",
            "/v1/query",
            {"metric": "unique_users", "filters": span, "group_by": ["week", "plan"]},
        ),
        "billing export (csv)": ("GET", "/v1/exports/billing", {"period": first_day.strftime("%Y-%m")}),
    }


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


def measure(url: str, key: str, requests: dict, clients: int, rounds: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    failures: list[str] = []
    lock = threading.Lock()

    def client_loop() -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            for _ in range(rounds):
                for name, (method, path, payload) in requests.items():
                    started = time.perf_counter()
                    if method == "GET":
                        response = http.get(path, params=payload)
                    else:
                        response = http.post(path, json=payload)
                    elapsed = time.perf_counter() - started
                    with lock:
                        timings[name].append(elapsed)
                        if response.status_code != 200:
                            failures.append(f"{name}: {response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        print(f"{len(failures)} failed requests, e.g. {failures[0]}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--companies", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="metrics API worker processes")
    args = parser.parse_args()

    models = _models_bench()
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ["TRACKER_DBT_SCHEMA"] = "bench"
    today = datetime.now(UTC).date()
    first_day = today - timedelta(days=args.days - 1)

    with tempfile.TemporaryDirectory(prefix="bench-queries-") as tmp:
        warehouse = WarehouseProcess(data_dir=Path(tmp) / "clickhouse", port=free_port()).start()
        os.environ["TRACKER_CLICKHOUSE_URL"] = warehouse.url
        os.environ["TRACKER_DATA_DIR"] = str(Path(tmp) / "data")
        os.environ["TRACKER_DBT_TARGET_PATH"] = str(Path(tmp) / "dbt-target")
        api = None
        try:
            seconds = models.seed(args, first_day)
            print(f"generated {args.events:,} events over {args.days} days in {seconds:.1f} s")
            build = models.timed_dbt("run", "--full-refresh", vars={"tracker__allow_full_refresh": True})
            print(f"dbt build: {build:.1f} s")
            company_id, key = _company_with_key()
            from saas_tracker.clickhouse import get_client

            org = get_client().command(
                "SELECT customer_org_id FROM bench_api.api_organizations WHERE company_id = {c:UUID} "
                "ORDER BY event_count DESC LIMIT 1",
                parameters={"c": company_id},
            )
            port = free_port()
            env = {**os.environ, "TRACKER_METRICS_API_DATABASE": "bench_api"}
            api = subprocess.Popen(
                [sys.executable, "-m", "saas_tracker", "metrics", "serve", "--port", str(port),
                 "--workers", str(args.workers)],
                env=env,
                cwd=ROOT,
            )  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            _wait_ready(url, api)
            requests = _requests(first_day, today, org)
            measure(url, key, requests, clients=2, rounds=1)  # warm-up: caches, first imports
            started = time.perf_counter()
            timings = measure(url, key, requests, clients=args.clients, rounds=args.rounds)
            wall = time.perf_counter() - started
            total = sum(len(v) for v in timings.values())
            print(
                f"\n{args.clients} clients x {args.rounds} rounds, {total} requests in {wall:.1f} s "
                f"({total / wall:.0f} req/s); company with {org!r} as the busiest organization"
            )
            print(f"{'endpoint':<30} {'p50 ms':>8} {'p95 ms':>8}")
            for name, values in timings.items():
                values = sorted(values)
                p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
                print(f"{name:<30} {statistics.median(values) * 1000:8.1f} {p95 * 1000:8.1f}")
        finally:
            if api is not None:
                api.terminate()
                api.wait(timeout=30)
            warehouse.stop()


if __name__ == "__main__":
    main()
