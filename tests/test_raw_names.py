"""What ``data/raw`` may hold: links, directories, special files, and file names as document keys."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.rdf.iris import document_iri
from pipeline.store import raw_dir_entries, read_raw, record_path, source_key

ROOT = Path(__file__).resolve().parents[1]


def test_raw_dir_entries_follows_links_only_inside(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_text("甲", encoding="utf-8")
    (raw / "sub").mkdir()
    (raw / "sub" / "inner.txt").write_text("乙", encoding="utf-8")
    (raw / "dir.txt").mkdir()
    os.symlink("/etc/passwd", raw / "passwd.txt")
    os.symlink("a.txt", raw / "alias.txt")
    os.symlink("sub/inner.txt", raw / "inner_link.txt")
    os.symlink("../outside.txt", raw / "up.txt")
    (tmp_path / "outside.txt").write_text("丙", encoding="utf-8")
    os.symlink("missing.txt", raw / "dangling.txt")
    os.symlink("loop.txt", raw / "loop.txt")
    os.mkfifo(raw / "pipe.txt")
    files, skipped = raw_dir_entries(raw)
    assert [p.name for p in files] == ["a.txt", "alias.txt", "inner_link.txt"]
    reasons = {p.name: reason for p, reason in skipped}
    assert set(reasons) == {
        "dir.txt",
        "sub",
        "passwd.txt",
        "up.txt",
        "dangling.txt",
        "loop.txt",
        "pipe.txt",
    }
    assert "outside" in reasons["passwd.txt"] and "outside" in reasons["up.txt"]
    assert "directory" in reasons["dir.txt"] and "regular" in reasons["pipe.txt"]


def test_read_raw_refuses_a_special_file_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(InputError, match="not a regular file"):
        read_raw(tmp_path / "pipe.txt")


def test_run_skips_links_out_of_data_raw_with_a_message(tmp_path):
    from pipeline.config import Settings
    from pipeline.manifest import Manifest
    from pipeline.runner import changed_inputs

    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    os.symlink("/etc/passwd", raw / "passwd.txt")
    (raw / "notes.txt").mkdir()
    skipped = []
    todo, removed = changed_inputs(Settings(root=tmp_path), Manifest(), skipped=skipped)
    assert todo == [] and removed == []
    assert sorted(s.source for s in skipped) == ["notes.txt", "passwd.txt"]


SEED_NAMES = sorted(p.name for p in (ROOT / "data" / "raw").iterdir())


@pytest.mark.parametrize("name", SEED_NAMES)
def test_source_key_of_a_plain_txt_name_is_its_stem(name):
    assert source_key(name) == Path(name).stem


# Pairs of distinct names that a lossy rule would merge.
COLLIDING = [
    ("plan A.txt", "planA.txt"), ("plan\u3000A.txt", "planA.txt"), ("a.txt", "a.md"), ("a.txt", "a"),
    ("a#0.txt", "a.0.txt"), ("a.txt", "a~.txt"), ("caf\u00e9.txt", "cafe\u0301.txt"), ("A.txt", "a.txt"),
    ("a%20b.txt", "a b.txt"), ("《规划》.txt", "规划.txt"), ("x/y.txt".replace("/", "\u2215"), "xy.txt"),
    ("a.txt.txt", "a.txt"), ("a~2E.txt", "a..txt"),
]  # fmt: skip


@pytest.mark.parametrize("first, second", COLLIDING)
def test_source_key_and_document_iri_differ_for_different_names(first, second):
    assert source_key(first) != source_key(second)
    assert document_iri(f"{source_key(first)}#0") != document_iri(f"{source_key(second)}#0")
    assert record_path(Path("d"), f"{source_key(first)}#0") != record_path(
        Path("d"), f"{source_key(second)}#0"
    )


@pytest.mark.parametrize(
    "name",
    [
        "a\nb.txt",
        "a\rb.txt",
        "tab\there.txt",
        "\x00.txt",
        "rtl\u202etxt.exe",
        "",
        "x" * 300 + ".txt",
    ],
)
def test_source_key_refuses_unsafe_names(name):
    with pytest.raises(InputError):
        source_key(name)


def test_ingest_refuses_a_newline_in_a_file_name_with_one_line():
    from pipeline.ingest import ingest_file

    with pytest.raises(InputError) as info:
        ingest_file("evil\nname.txt", "关于加强医疗服务的通知".encode())
    assert "\n" not in str(info.value) and "cannot be used safely" in str(info.value)


def _decode(key: str) -> str:
    """The file name a key stands for (the inverse the uniqueness rests on)."""
    plain = not key.endswith("~")
    body = key if plain else key[:-1]
    out, i = bytearray(), 0
    while i < len(body):
        if body[i] == "~":
            out.append(int(body[i + 1 : i + 3], 16))
            i += 3
        else:
            out += body[i].encode("utf-8")
            i += 1
    return out.decode("utf-8") + (".txt" if plain else "")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(min_size=1, max_size=40))
def test_source_key_decodes_back_to_the_name(name):
    try:
        key = source_key(name)
    except InputError:
        return
    assert _decode(key) == name
    assert unicodedata.normalize("NFC", key) == key and not any(c.isspace() for c in key)
    assert "#" not in key and "/" not in key and "%" not in key
