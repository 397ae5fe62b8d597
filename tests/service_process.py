"""A project service (``python -m saas_tracker ...``) run as a separate process by tests and
benches: started, waited on until it answers, stopped with a signal, its log at hand."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str, expected: bytes | None = None) -> bool:
    """``url`` answers 200 (with exactly ``expected`` as its body, when given)."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200 and (expected is None or response.read() == expected)
    except OSError:
        return False


class ServiceProcess:
    """Subclasses say what to run (``command``), when it is up (``ready``) and how to name it."""

    name = "service"
    port: int
    process: subprocess.Popen | None
    log_path: Path | None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def _launch(self, log_path: Path, env: dict[str, str], timeout: float, poll: float) -> None:
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "saas_tracker", *self.command()],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
                env={**os.environ, **env},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {self.log()}")
            if self.ready():
                return
            time.sleep(poll)
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"{self.name} did not answer within {timeout}s: {self.log()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def kill(self) -> int | None:
        return self.stop(signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path and self.log_path.exists() else ""
