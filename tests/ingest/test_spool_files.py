"""Segments made ahead of need (spool/files.py): crash recovery and a clean shutdown."""

from __future__ import annotations

from pathlib import Path

from ingest_api.spool.segments import decode, encode, recover_open_segments
from ingest_api.tables import EVENTS
from tests.ingest.support import event


def test_a_spare_segment_holding_records_is_recovered_like_an_open_one(tmp_path: Path):
    """A crash right after the writer renamed a spare can leave acknowledged records under the spare's name."""
    records = encode(EVENTS, 1, b'["a"]') + encode(EVENTS, 1, b'["b"]')
    (tmp_path / "0000000000000004.open").write_bytes(encode(EVENTS, 1, b'["z"]'))
    (tmp_path / "0000000000000005.spare").write_bytes(records)
    (tmp_path / "0000000000000006.spare").write_bytes(b"")  # made ahead, never used
    recovered = recover_open_segments(tmp_path)
    assert [p.name for p, _ in recovered] == ["0000000000000004.seg", "0000000000000005.seg"]
    assert [r.payload for r in decode((tmp_path / "0000000000000005.seg").read_bytes())[0]] == [b'["a"]', b'["b"]']
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0000000000000004.seg", "0000000000000005.seg"]


def test_shutdown_leaves_no_segment_behind(start_collector, tracked_app, tmp_path):
    spool_dir = tmp_path / "spool"
    collector = start_collector(spool_dir=spool_dir)
    for _ in range(3):
        assert collector.batch(tracked_app, [event() for _ in range(10)]).json()["accepted"] == 10
    collector.client.__exit__(None, None, None)
    assert [p.name for p in spool_dir.iterdir() if not p.name.startswith(".")] == []
