"""`saas-tracker orchestrate`: the Dagster webserver (UI) and daemon (schedules, sensors,
backfills, run queue), in the foreground, on a local DAGSTER_HOME."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import click

# Seconds the webserver and daemon get to stop (and stop their code servers and runs).
STOP_TIMEOUT = 30


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(children: list[subprocess.Popen]) -> None:
    """SIGTERM each child's process group (its code servers and run workers too), wait
    for every process of the groups to exit, then SIGKILL what is left."""
    for child in children:
        if _group_alive(child.pid):
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    while time.monotonic() < deadline and any(_group_alive(child.pid) for child in children):
        time.sleep(0.2)
    for child in children:
        if _group_alive(child.pid):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


@click.command()
@click.option("--host", default=None, help="Interface of the Dagster UI [default: 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port of the Dagster UI [default: 3000].")
def orchestrate(host: str | None, port: int | None) -> None:
    """Start the Dagster UI and daemon on the models, schedules and sensors (Ctrl-C stops both)."""
    from orchestration.defs.dbt.project import dbt_project
    from orchestration.instance import daemon_command, environment, prepare_home, webserver_command
    from orchestration.settings import OrchestrationSettings

    settings = OrchestrationSettings()
    home = prepare_home(settings)
    # Once, before the processes that load the definitions would each want to parse.
    dbt_project()
    env = environment(home)
    url = f"http://{host or settings.webserver_host}:{port or settings.webserver_port}"
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # Each in a process group of its own, so stopping reaches the code servers and run
    # workers they start, and Ctrl-C reaches them only through this process.
    children = [
        subprocess.Popen(webserver_command(settings, host, port), env=env, start_new_session=True),
        subprocess.Popen(daemon_command(), env=env, start_new_session=True),
    ]
    click.echo(
        f"DAGSTER_HOME={home}\nDagster UI: {url} (webserver pid {children[0].pid}, daemon pid {children[1].pid})",
        err=True,
    )
    status = 0
    while not stopping:
        exited = [child for child in children if child.poll() is not None]
        if exited:
            status = exited[0].returncode or 1
            click.echo(f"{' '.join(exited[0].args[1:3])} exited with status {exited[0].returncode}; stopping", err=True)
            break
        time.sleep(0.5)
    _stop(children)
    sys.exit(status)
