"""`make demo`: bring up SaaS Tracker locally with a realistic workload, print
a summary, and keep it running until Ctrl-C (``--once``: stop after the summary).

Steps: start the embedded ClickHouse (or reuse one answering on the configured
URL), migrate, create or find the demo company, its two applications, feature
definitions and a read API key (demo/setup.py), start the collector, send ~60
days of seeded traffic through it with the SDK (demo/workload.py, demo/load.py),
materialize every asset and check over those days through Dagster
(demo/materialize.py), print what the api_ models say (demo/summary.py), then
start the metrics API and (without ``--once``) the Dagster UI and daemon, which
show those runs, and print their URLs. Running it again is safe: the same workload on the same day
is not sent twice; a different one replaces the demo company's events. Each
child process is stopped, newest first, when the demo exits.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

# `python demo/run.py` puts demo/ first on sys.path; the demo package needs the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo import pipeline, setup, summary, workload  # noqa: E402
from saas_tracker.settings import WarehouseSettings, core_settings  # noqa: E402

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _answers_ping(url: str, path: str = "/ping") -> bool:
    try:
        with urllib.request.urlopen(f"{url}{path}", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


class Children:
    """Processes the demo started; stopped newest first with SIGTERM, then SIGKILL."""

    def __init__(self) -> None:
        self._started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], log: Path) -> subprocess.Popen:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            # A new session: Ctrl-C reaches only the demo, which then stops
            # the children in order instead of all at once.
            process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._started.append((name, process))
        return process

    def all_running(self) -> bool:
        return all(process.poll() is None for _, process in self._started)

    def stop_all(self) -> None:
        for name, process in reversed(self._started):
            if process.poll() is not None:
                continue
            print(f"stopping {name} (pid {process.pid})")
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._started.clear()


def start_warehouse(children: Children, url: str, log: Path) -> bool:
    """Start the embedded ClickHouse unless ``url`` already answers; True if we started it."""
    if _answers_ping(url):
        print(f"ClickHouse already answering at {url}: reusing it")
        return False
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK:
        sys.exit(f"ClickHouse at {url} does not answer /ping (TRACKER_CLICKHOUSE_URL points at a remote server)")
    port = str(parts.port or 8123)
    print(f"starting embedded ClickHouse on {parts.hostname}:{port} (log: {log})")
    process = children.start(
        "embedded ClickHouse",
        [sys.executable, "-m", "saas_tracker", "warehouse", "start", "--port", port],
        log,
    )
    deadline = time.monotonic() + 120
    while not _answers_ping(url):
        if process.poll() is not None:
            tail = log.read_text(errors="replace").splitlines()[-20:]
            sys.exit("embedded ClickHouse exited:\n" + "\n".join(tail))
        if time.monotonic() > deadline:
            sys.exit(f"embedded ClickHouse did not answer {url}/ping within 120 s; see {log}")
        time.sleep(0.2)
    return True


def start_service(
    children: Children, name: str, command: list[str], port: int, health: str, log: Path, timeout: float = 60
) -> str:
    """``saas-tracker <command>`` on 127.0.0.1:``port``, reused if ``health`` already answers there."""
    url = f"http://127.0.0.1:{port}"
    if _answers_ping(url, health):
        print(f"{name} already answering at {url}: reusing it")
        return url
    print(f"starting the {name} on {url} (log: {log})")
    process = children.start(name, [sys.executable, "-m", "saas_tracker", *command], log)
    deadline = time.monotonic() + timeout
    while not _answers_ping(url, health):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace").splitlines()[-20:]
            sys.exit(f"the {name} did not start:\n" + "\n".join(tail))
        time.sleep(0.2)
    return url


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="stop after the summary instead of waiting")
    parser.add_argument("--orgs", type=int, default=300, help="customer organizations (default 300)")
    parser.add_argument("--days", type=int, default=60, help="days of traffic (default 60)")
    parser.add_argument("--seed", type=int, default=42, help="workload seed (default 42)")
    parser.add_argument("--volume", type=float, default=1.0, help="scale events per session (default 1.0)")
    parser.add_argument(
        "--end-date", type=date.fromisoformat, help="last day of traffic, YYYY-MM-DD (default today, UTC)"
    )
    parser.add_argument("--collector-port", type=int, default=8000)
    parser.add_argument("--metrics-port", type=int, default=8001)
    parser.add_argument("--dagster-port", type=int, default=3000)
    parser.add_argument("--no-dagster", action="store_true", help="do not start the Dagster UI and daemon")
    args = parser.parse_args()

    began = time.monotonic()
    settings = core_settings()
    url = settings.clickhouse_url.rstrip("/")
    data_dir = settings.data_dir.resolve()
    warehouse_dir = (WarehouseSettings().data_dir or settings.data_dir / "clickhouse").resolve()
    logs = data_dir / "logs"
    demo_dir = data_dir / "demo"
    demo_dir.mkdir(parents=True, exist_ok=True)

    # SIGTERM (e.g. from a supervisor) stops the demo as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    children = Children()
    try:
        started = start_warehouse(children, url, logs / "warehouse.log")
        subprocess.run([sys.executable, "-m", "saas_tracker", "migrate"], check=True)
        tenant = setup.ensure_tenant(demo_dir / "credentials.json", workload.first_day(args.days, args.end_date))
        print(
            f"demo company {tenant.company_id}: applications "
            + ", ".join(f"{k} {v}" for k, v in tenant.app_ids.items())
        )
        endpoint = start_service(
            children,
            "collector",
            ["ingest", "serve", "--host", "127.0.0.1", "--port", str(args.collector_port)],
            args.collector_port,
            "/healthz",
            logs / "collector.log",
        )
        answer_key, materialized = pipeline.load_and_build(
            tenant,
            endpoint,
            demo_dir,
            seed=args.seed,
            orgs=args.orgs,
            days=args.days,
            volume=args.volume,
            end=args.end_date,
            log=logs / "dagster-runs.log",
        )
        print()
        print(summary.render(summary.collect(tenant.company_id, answer_key)))
        print(f"\nFrom start to summary: {time.monotonic() - began:.0f} s")
        metrics = start_service(
            children,
            "metrics API",
            ["metrics", "serve", "--host", "127.0.0.1", "--port", str(args.metrics_port)],
            args.metrics_port,
            "/healthz",
            logs / "metrics-api.log",
        )
        dagster = None
        if not args.once and not args.no_dagster:
            # After the summary: three Dagster processes loading the definitions would
            # slow the load and the build on a 2-core machine.
            dagster = start_service(
                children,
                "Dagster UI and daemon",
                ["orchestrate", "--port", str(args.dagster_port)],
                args.dagster_port,
                "/server_info",
                logs / "dagster.log",
                timeout=180,
            )
        print("\nSaaS Tracker demo is up:")
        print(f"  ClickHouse (HTTP)   {url}   e.g. curl '{url}/?query=SHOW+DATABASES'")
        print(f"  collector           {endpoint}   (POST /v1/batch, GET /healthz)")
        print(
            f"  metrics API         {metrics}/docs   e.g. curl -H 'Authorization: Bearer {tenant.api_key}' "
            f"{metrics}/v1/organizations"
        )
        if dagster:
            print(f"  Dagster UI          {dagster}   (the runs above: {dagster}/runs)")
        print(f"  demo API key        {tenant.api_key}   (read scopes; kept in {demo_dir}/credentials.json)")
        print(f"  answer key          {demo_dir / 'answer_key.json'}")
        if started:
            print(f"  warehouse data      {warehouse_dir}")
        else:
            print("  warehouse data      wherever the server already running keeps it (left running on exit)")
        print(f"  logs                {logs}\n")
        if not materialized.ok:
            print("\nSome checks or steps failed (listed above); the Dagster UI has their logs.", file=sys.stderr)
        if args.once:
            return 0 if materialized.ok else 1
        print("Press Ctrl-C to stop.")
        while children.all_running():
            time.sleep(1)
        print("a demo process exited unexpectedly; see the logs above", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print()
        return 0
    except subprocess.CalledProcessError as error:
        return error.returncode or 1
    finally:
        children.stop_all()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
