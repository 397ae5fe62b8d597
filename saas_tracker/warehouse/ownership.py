"""One process owns a data directory: an flock'd file that also says who and where.

The lock is held by the open file, so it disappears with the process even
after SIGKILL; the JSON inside lets `status` and `stop` find the owner.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = "warehouse.lock"


class DataDirectoryInUse(RuntimeError):
    pass


@dataclass(frozen=True)
class Owner:
    pid: int
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def read_owner(data_dir: Path) -> Owner | None:
    """The live owner of ``data_dir``, or None when no process holds it."""
    path = data_dir / LOCK_NAME
    if not path.exists():
        return None
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            try:
                info = json.loads(handle.read() or "{}")
                return Owner(int(info["pid"]), info["host"], int(info["port"]))
            except (ValueError, KeyError):
                return Owner(0, "?", 0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def claim(data_dir: Path, host: str, port: int):
    """Take ownership of ``data_dir`` for this process; the returned handle must stay open."""
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / LOCK_NAME, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        owner = read_owner(data_dir)
        where = f"process {owner.pid} serving {owner.url}" if owner else "another process"
        raise DataDirectoryInUse(
            f"data directory {data_dir} is already owned by {where}; "
            "stop it with `saas-tracker warehouse stop` or choose another --data-dir"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid(), "host": host, "port": port}))
    handle.flush()
    return handle
