"""Start and stop an embedded ClickHouse endpoint as a separate process (for tests and benches)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.service_process import ServiceProcess, answers, free_port

__all__ = ["WarehouseProcess", "free_port", "ping"]


def ping(url: str) -> bool:
    return answers(f"{url}/ping", b"Ok.\n")


@dataclass
class WarehouseProcess(ServiceProcess):
    data_dir: Path
    port: int
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    name = "warehouse"

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def command(self) -> list[str]:
        return ["warehouse", "start", "--port", str(self.port), "--data-dir", str(self.data_dir.resolve())]

    def ready(self) -> bool:
        return ping(self.url)

    def start(self, timeout: float = 60.0, env: dict | None = None) -> WarehouseProcess:
        self._launch(self.data_dir.parent / f"warehouse-{self.port}.log", env or {}, timeout, poll=0.1)
        return self
