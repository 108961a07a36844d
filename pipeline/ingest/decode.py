"""Raw bytes to text, detecting the encoding instead of assuming it.

Order of evidence: a byte-order mark (UTF-8, UTF-16, UTF-32); strict UTF-8; UTF-16 without a BOM
when the bytes hold NULs in the pattern of UTF-16 text; then the legacy Chinese encodings
GB18030 (a superset of GBK/GB2312) and Big5: when both decode, the one whose characters are
common Chinese characters wins (charset-normalizer breaks near ties).
Empty, binary (NULs or control characters) and undecodable input raise :class:`InputError`.
"""

from __future__ import annotations

import codecs
import logging
import re

from pipeline.errors import InputError

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LEGACY = ("gb18030", "big5")
READABLE = "policykg reads text, HTML, Markdown, PDF, Word (DOCX, DOC, WPS) and Excel (XLSX, XLS, ET) files"
# Control characters that never occur in a text document (tab, newlines and form feed are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MAX_CONTROL_SHARE = 0.01


def _binary_reason(text: str) -> str | None:
    """Why ``text`` looks like binary data rather than a document, or None."""
    if "\x00" in text:
        return "contains NUL characters"
    controls = len(_CONTROL.findall(text))
    if controls > max(2, _MAX_CONTROL_SHARE * len(text)):
        return f"contains {controls} control characters"
    return None


def _plausible(text: str) -> bool:
    """Mostly printable text with CJK or ASCII letters (guards UTF-16 guesses)."""
    if not text or _binary_reason(text):
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t")
    return printable / len(text) > 0.95


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    order = ("utf-16-le", "utf-16-be") if odd_nuls >= even_nuls else ("utf-16-be", "utf-16-le")
    for encoding in order:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            return encoding
    return None


def _common_han_share(text: str) -> float:
    """Share of Han characters that are common ones (GB2312 level 1 after t2s conversion).

    Text decoded with the wrong legacy codec is made of rare characters; real text of
    either script is almost entirely common ones.
    """
    from pipeline.ingest.clean import simplified

    han = [ch for ch in simplified(text[:20_000]) if "\u4e00" <= ch <= "\u9fff"]
    if not han:
        return 0.0
    common = 0
    for ch in han:
        try:
            code = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 0xB0 <= code[0] <= 0xD7
    return common / len(han)


def _arbitrate(data: bytes, candidates: list[str]) -> str:
    """Pick among legacy encodings that all decode ``data`` strictly."""
    if len(candidates) == 1:
        return candidates[0]
    shares = {name: _common_han_share(data.decode(name)) for name in candidates}
    ranked = sorted(candidates, key=lambda name: -shares[name])
    if shares[ranked[0]] - shares[ranked[1]] > 0.1:
        return ranked[0]
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=candidates).best()
    except Exception:
        log.debug("charset-normalizer failed; using %s", ranked[0], exc_info=True)
        best = None
    if best is not None:
        name = best.encoding.replace("_", "-")
        for candidate in candidates:
            if codecs.lookup(candidate).name == codecs.lookup(name).name:
                return candidate
    return ranked[0]


def decode_raw(data: bytes) -> tuple[str, str]:
    """Decode a raw file: ``(text, encoding name)``; a BOM is not part of the text.

    >>> decode_raw("医疗".encode("gb18030"))
    ('医疗', 'gb18030')
    >>> decode_raw(codecs.BOM_UTF8 + "卫生".encode())
    ('卫生', 'utf-8-sig')
    """
    if not data.strip():
        raise InputError("file is empty", hint="remove it from the raw directory or re-collect it")
    encoding: str | None = None
    for bom, name in _BOMS:
        if data.startswith(bom):
            encoding = name
            data = data[len(bom) :]
            break
    if encoding is None and b"\x00" in data:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            raise InputError(
                "file is binary (NUL bytes, not UTF-16 text)",
                hint=READABLE,
            )
    if encoding is None:
        try:
            data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            pass
    if encoding is None:
        candidates = []
        for name in _LEGACY:
            try:
                data.decode(name)
                candidates.append(name)
            except UnicodeDecodeError:
                continue
        if not candidates:
            raise InputError(
                "cannot decode file as UTF-8, UTF-16, GB18030 or Big5",
                hint="convert it to UTF-8 first",
            )
        encoding = _arbitrate(data, candidates)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:  # a BOM followed by invalid bytes
        raise InputError(
            f"file starts with a {encoding} byte-order mark but is not valid {encoding}: {exc.reason}",
            hint="convert it to UTF-8 first",
        ) from exc
    reason = _binary_reason(text)
    if reason:
        raise InputError(f"file is binary ({reason})", hint=READABLE)
    if not text.strip():
        raise InputError(
            "file has no text", hint="remove it from the raw directory or re-collect it"
        )
    return text, encoding
