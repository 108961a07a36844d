"""Encodings detected from the bytes, and bad inputs rejected with a clear error."""

from __future__ import annotations

import codecs
from pathlib import Path

import opencc
import pytest

from pipeline.errors import InputError
from pipeline.ingest import decode_raw, ingest_bytes

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SEED_003 = "003_e14da291fa1a9871.txt"
SEED_004 = "004_9ee0ee2d1a04337c.txt"


def _seed_text(name: str) -> str:
    return (RAW / name).read_text(encoding="utf-8")


def _clean_texts(name: str, data: bytes) -> list[str]:
    return [a.text for a in ingest_bytes(name, data)]


def _encodable(text: str, encoding: str) -> str:
    """``text`` without the characters ``encoding`` cannot represent (Big5 lacks pinyin, 〔〕...)."""
    return "".join(ch for ch in text if ch.encode(encoding, errors="ignore"))


@pytest.mark.parametrize("name", [SEED_003, SEED_004])
@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("gb18030", b"", "gb18030"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
        ("utf-16-le", b"", "utf-16-le"),
        ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    ],
)
def test_decode_seed_reencoded_gives_same_clean_text(
    name: str, encoding: str, prefix: bytes, expected: str
) -> None:
    text = _seed_text(name)
    data = prefix + text.encode(encoding)
    decoded, detected = decode_raw(data)
    assert detected == expected
    assert decoded == text
    assert _clean_texts(name, data) == _clean_texts(name, text.encode("utf-8"))


@pytest.mark.parametrize("name", [SEED_003, SEED_004])
def test_decode_big5_traditional_seed_text(name: str) -> None:
    traditional = opencc.OpenCC("s2t").convert(_seed_text(name))
    text = _encodable(traditional, "big5")
    assert len(text) > 0.9 * len(traditional)  # nearly all of the document survives
    decoded, detected = decode_raw(text.encode("big5"))
    assert (decoded, detected) == (text, "big5")
    assert _clean_texts(name, text.encode("big5")) == _clean_texts(name, text.encode("utf-8"))


def test_decode_crlf_line_ends_give_same_clean_text() -> None:
    text = _seed_text(SEED_003)
    crlf = text.replace("\n", "\r\n").encode("gb18030")
    assert _clean_texts(SEED_003, crlf) == _clean_texts(SEED_003, text.encode("utf-8"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06", "binary"),
        (bytes(range(32)) * 4, "binary"),
        ("正文\x01\x02\x03\x04\x05".encode(), "binary"),
        (b"\x80\xff\x80\xff\xfe\x80" * 10, "cannot decode"),
        (b"<p></p><div><br/></div>", "no text left"),
    ],
)
def test_ingest_bad_input_raises_input_error_naming_file(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as info:
        ingest_bytes("bad_input.txt", data)
    text = str(info.value)
    assert text.startswith("[E100] bad_input.txt: ") and message in text
    assert "\n" not in text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("医疗", "gb18030"),
        ("卫生健康委员会关于加强基层医疗服务的通知", "gb18030"),
        ("醫療衛生服務體系", "big5"),
        ("關於進一步完善醫療衛生服務體系的意見", "big5"),
        ("關於進一步完善醫療衛生服務體系的意見", "gb18030"),
    ],
)
def test_decode_short_legacy_text(text: str, encoding: str) -> None:
    assert decode_raw(text.encode(encoding)) == (text, encoding)
