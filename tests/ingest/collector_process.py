"""Start and stop the collector as a separate process (fault tests, SDK tests, bench)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.service_process import ServiceProcess, answers


def healthy(url: str) -> bool:
    return answers(f"{url}/healthz")


@dataclass
class CollectorProcess(ServiceProcess):
    spool_dir: Path
    port: int
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    name = "collector"

    def command(self) -> list[str]:
        return ["ingest", "serve", "--port", str(self.port), "--spool-dir", str(self.spool_dir.resolve())]

    def ready(self) -> bool:
        return healthy(self.url)

    def start(self, timeout: float = 30.0) -> CollectorProcess:
        self._launch(self.spool_dir.parent / f"collector-{self.port}.log", self.env, timeout, poll=0.05)
        return self
