"""The spool's on-disk format: segment files of checksummed records.

A segment is a file ``<seq>.open`` while the collector appends to it and
``<seq>.seg`` once sealed; a sealed segment never changes and is loaded into
ClickHouse as one insert per table. A record is one group commit's rows for one
table, in ClickHouse's JSONCompactEachRow format:

    magic "TSR1" | table (1 byte) | 3 zero bytes | rows (u32) | length (u32) | crc32 (u32) | payload

The checksum finds a torn tail after a crash: a record that was acknowledged was
fsynced whole, so everything after the first bad record was never acknowledged.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"TSR1"
HEADER = struct.Struct("<4sB3xIII")
OPEN_SUFFIX = ".open"
SEALED_SUFFIX = ".seg"
# Created ahead of need (files.py) and renamed to .open when the writer takes it; a crash
# between the rename and its reaching the disk leaves data under this name, so recovery
# treats both alike.
SPARE_SUFFIX = ".spare"


@dataclass(frozen=True)
class Record:
    table: int
    rows: int
    payload: bytes


def frame(table: int, rows: int, payload: bytes) -> bytes:
    """The header that goes before ``payload``."""
    return HEADER.pack(MAGIC, table, rows, len(payload), zlib.crc32(payload))


def encode(table: int, rows: int, payload: bytes) -> bytes:
    return frame(table, rows, payload) + payload


def decode(data: bytes) -> tuple[list[Record], int]:
    """The records of a segment and the byte length of its valid prefix."""
    records: list[Record] = []
    offset = 0
    while offset + HEADER.size <= len(data):
        magic, table, rows, length, crc = HEADER.unpack_from(data, offset)
        start, end = offset + HEADER.size, offset + HEADER.size + length
        if magic != MAGIC or end > len(data):
            break
        payload = data[start:end]
        if zlib.crc32(payload) != crc:
            break
        records.append(Record(table, rows, payload))
        offset = end
    return records, offset


def segment_path(directory: Path, seq: int, *, sealed: bool) -> Path:
    return directory / f"{seq:016d}{SEALED_SUFFIX if sealed else OPEN_SUFFIX}"


def segment_seq(path: Path) -> int:
    return int(path.stem)


def list_segments(directory: Path, suffix: str) -> list[Path]:
    return sorted((p for p in directory.iterdir() if p.suffix == suffix and p.stem.isdigit()), key=segment_seq)


def fsync_dir(directory: Path) -> None:
    """Make a create, rename or unlink in ``directory`` survive a power loss."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def recover_open_segments(directory: Path) -> list[tuple[Path, int]]:
    """Seal every segment left open by a crash, cut to its valid prefix.

    Returns (sealed path, bytes dropped from its torn tail) per segment kept.
    Records past the first bad one were never acknowledged, so dropping them
    loses nothing a client was told is stored.
    """
    recovered: list[tuple[Path, int]] = []
    unsealed = list_segments(directory, OPEN_SUFFIX) + list_segments(directory, SPARE_SUFFIX)
    for path in sorted(unsealed, key=segment_seq):
        data = path.read_bytes()
        _, valid = decode(data)
        if valid == 0:
            path.unlink()
            continue
        if valid < len(data):
            with open(path, "r+b") as handle:
                handle.truncate(valid)
                handle.flush()
                os.fsync(handle.fileno())
        sealed = path.with_suffix(SEALED_SUFFIX)
        os.rename(path, sealed)
        recovered.append((sealed, len(data) - valid))
    if recovered:
        fsync_dir(directory)
    return recovered
