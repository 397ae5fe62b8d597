"""Run the conformance dbt project in-process and read what it did.

dbt runs through its programmatic API (``dbtRunner``) inside the pytest process, so
a socket guard installed here sees every connection dbt opens: the suite can prove
dbt talks to the warehouse and to nothing else (no telemetry, no hub packages).
"""

from __future__ import annotations

import contextlib
import ipaddress
import shutil
import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dbt.cli.main import dbtRunner, dbtRunnerResult

FIXTURE_DIR = Path(__file__).parent / "dbt_fixture"


def copy_fixture(destination: Path) -> Path:
    """A private copy of the fixture project: dbt writes target/ and logs/ into it,
    and the second run rewrites a seed file."""
    project = destination / "dbt_fixture"
    shutil.copytree(FIXTURE_DIR, project)
    return project


def invoke(project: Path, *args: str) -> dbtRunnerResult:
    """``dbt <args>`` against ``project``, with the project's own profiles.yml."""
    cli_args = [*args, "--project-dir", str(project), "--profiles-dir", str(project)]
    return dbtRunner().invoke(cli_args)


def failure_report(result: dbtRunnerResult) -> str:
    """Why a dbt invocation failed, node by node, for assertion messages."""
    lines = [f"success={result.success} exception={result.exception!r}"]
    for node_result in getattr(result.result, "results", None) or []:
        if str(node_result.status) not in ("success", "pass"):
            lines.append(f"{node_result.node.unique_id}: {node_result.status}: {node_result.message}")
    return "\n".join(lines)


def require_success(result: dbtRunnerResult) -> dbtRunnerResult:
    assert result.success and result.exception is None, failure_report(result)
    return result


def results_by_name(result: dbtRunnerResult) -> dict[str, Any]:
    """Node results keyed by node name (tests by their generated or given name)."""
    return {node_result.node.name: node_result for node_result in result.result.results}


def count_by_resource_type(result: dbtRunnerResult) -> Counter:
    return Counter(str(r.node.resource_type) for r in result.result.results)


class OutsideNetworkAttempts(list):
    """Connections and name look-ups dbt tried beyond the warehouse (all refused)."""


@contextlib.contextmanager
def only_warehouse_network(warehouse_host: str) -> Iterator[OutsideNetworkAttempts]:
    """Refuse and record every socket connect or DNS look-up that is not loopback or
    the warehouse host, while dbt runs in this process."""
    attempts = OutsideNetworkAttempts()
    allowed_names = {"localhost", warehouse_host}
    # A real ClickHouse (TRACKER_TEST_CLICKHOUSE_URL) may sit at a non-loopback address.
    allowed_names |= {info[4][0] for info in socket.getaddrinfo(warehouse_host, None)}

    def allowed(host: Any) -> bool:
        if not isinstance(host, str) or host in allowed_names:
            return True
        try:
            return ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            return False

    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not allowed(host):
            attempts.append(("connect", address))
            raise OSError(f"conformance test refused a connection to {address!r}")
        return real_connect(sock, address)

    def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not allowed(host):
            attempts.append(("connect_ex", address))
            return 111  # ECONNREFUSED
        return real_connect_ex(sock, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not allowed(name):
            attempts.append(("getaddrinfo", name))
            raise socket.gaierror(socket.EAI_NONAME, f"conformance test refused to resolve {name!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = guarded_getaddrinfo  # type: ignore[assignment]
    try:
        yield attempts
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = real_getaddrinfo  # type: ignore[assignment]
