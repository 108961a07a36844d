"""``atomic_concatenate``: the merged export files are written through it, whole, on every change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline import store
from pipeline.store import atomic_concatenate, release_replaced


def _pieces(tmp_path: Path) -> tuple[list[bytes | Path], bytes]:
    """Files and bytes of more than the size from which the file is reserved and the old one
    released on another thread, and their concatenation."""
    files = []
    for i in range(3):
        path = tmp_path / f"piece{i}.nt"
        path.write_bytes(f'<urn:s{i}> <urn:p> "{i}" .\n'.encode() * 40_000)
        files.append(path)
    pieces: list[bytes | Path] = [b"[", files[0], b",", files[1], b",", files[2], b"]\n"]
    expected = b"".join(p if isinstance(p, bytes) else p.read_bytes() for p in pieces)
    assert len(expected) > store._RESERVE_FROM
    return pieces, expected


def _deleted_descriptors() -> list[str]:
    fds = Path("/proc/self/fd")
    found = []
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.endswith(" (deleted)"):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_replacing_a_large_file_leaves_readers_the_old_one_and_frees_it(tmp_path: Path) -> None:
    pieces, expected = _pieces(tmp_path)
    out = tmp_path / "out" / "merged.nt"
    atomic_concatenate(out, [b"old\n" * 300_000])
    release_replaced()
    with out.open("rb") as reader:
        atomic_concatenate(out, pieces)
        assert reader.read() == b"old\n" * 300_000  # the rename replaced, never overwrote
    release_replaced()
    assert out.read_bytes() == expected
    assert oct(out.stat().st_mode & 0o777) == "0o644"
    assert not [p for p in out.parent.iterdir() if p.name != out.name]  # no temporary left
    # the replaced file's descriptor was closed: nothing deleted under out/ is still held
    assert not [t for t in _deleted_descriptors() if str(out.parent) in t]


def test_a_size_read_too_large_leaves_no_tail(tmp_path: Path, monkeypatch) -> None:
    """The reservation comes from sizes read before the copy; the file ends where the copy did."""
    pieces, expected = _pieces(tmp_path)
    reserve = os.posix_fallocate
    monkeypatch.setattr(os, "posix_fallocate", lambda fd, off, n: reserve(fd, off, n + 65536))
    out = tmp_path / "merged.nt"
    atomic_concatenate(out, pieces)
    release_replaced()
    assert out.read_bytes() == expected


def test_without_reservation_the_file_is_the_same(tmp_path: Path, monkeypatch) -> None:
    def unsupported(*_args: object) -> None:
        raise OSError(95, "Operation not supported")

    pieces, expected = _pieces(tmp_path)
    monkeypatch.setattr(os, "posix_fallocate", unsupported)
    out = tmp_path / "merged.nt"
    atomic_concatenate(out, pieces)
    assert out.read_bytes() == expected


def test_a_failed_copy_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    pieces, _expected = _pieces(tmp_path)
    out = tmp_path / "out" / "merged.nt"
    atomic_concatenate(out, [b"old\n"])
    with pytest.raises(FileNotFoundError):
        atomic_concatenate(out, [*pieces, tmp_path / "missing.nt"])
    release_replaced()
    assert out.read_bytes() == b"old\n"
    assert [p.name for p in out.parent.iterdir()] == ["merged.nt"]
