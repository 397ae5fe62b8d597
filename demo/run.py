"""`make demo`: bring up SaaS Tracker locally and keep it running until Ctrl-C.

Today it starts the embedded ClickHouse (or reuses one already answering on the
configured URL) and applies the migrations. Later steps (collector, workload,
dbt, Dagster, metrics API) are added here in order; each child process is
stopped, newest first, when the demo exits.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from saas_tracker.settings import WarehouseSettings, core_settings

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _answers_ping(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=1) as response:
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


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="set everything up, then stop instead of waiting")
    args = parser.parse_args()

    settings = core_settings()
    url = settings.clickhouse_url.rstrip("/")
    data_dir = settings.data_dir.resolve()
    warehouse_dir = (WarehouseSettings().data_dir or settings.data_dir / "clickhouse").resolve()
    logs = data_dir / "logs"

    # SIGTERM (e.g. from a supervisor) stops the demo as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    children = Children()
    try:
        started = start_warehouse(children, url, logs / "warehouse.log")
        subprocess.run([sys.executable, "-m", "saas_tracker", "migrate"], check=True)
        print("\nSaaS Tracker demo is up:")
        print(f"  ClickHouse (HTTP)   {url}   e.g. curl '{url}/?query=SHOW+DATABASES'")
        if started:
            print(f"  warehouse data      {warehouse_dir}")
        else:
            print("  warehouse data      wherever the server already running keeps it (left running on exit)")
        print(f"  logs                {logs}\n")
        if args.once:
            return 0
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
