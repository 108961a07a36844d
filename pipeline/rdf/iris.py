"""Stable, readable IRIs for the instances of the graph.

One rule for every name: NFC-normalise, drop whitespace, keep letters, digits, ``-._~`` and every
non-ASCII character that RFC 3987 allows unescaped in an IRI (``ucschar``: Chinese, 〔〕, full-width
punctuation), and percent-encode the rest as UTF-8. IRIs are built from canonical names (bodies,
programmes, indicators, jurisdictions), from the source stem and article index of a document and
from positions inside it (section ids, character offsets): never from run order or random ids.

>>> str(body_iri("聊城市卫生健康委员会"))
'https://w3id.org/policykg/id/body/聊城市卫生健康委员会'
>>> str(task_iri("003_e14da291fa1a9871#0", "p2.i3"))
'https://w3id.org/policykg/id/doc/003_e14da291fa1a9871.0/task/p2.i3'
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rdflib import URIRef

from pipeline.errors import GraphBuildError
from pipeline.rdf.namespace import ID_BASE
from pipeline.store import record_stem

# RFC 3987 ucschar ranges: characters an IRI may carry without percent-encoding.
_UCSCHAR = (
    (0xA0, 0xD7FF),
    (0xF900, 0xFDCF),
    (0xFDF0, 0xFFEF),
    (0x10000, 0x1FFFD),
    (0x20000, 0x2FFFD),
    (0x30000, 0x3FFFD),
    (0x40000, 0x4FFFD),
    (0x50000, 0x5FFFD),
    (0x60000, 0x6FFFD),
    (0x70000, 0x7FFFD),
    (0x80000, 0x8FFFD),
    (0x90000, 0x9FFFD),
    (0xA0000, 0xAFFFD),
    (0xB0000, 0xBFFFD),
    (0xC0000, 0xCFFFD),
    (0xD0000, 0xDFFFD),
    (0xE1000, 0xEFFFD),
)
_ASCII_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Quote and title marks around programme and document names; they are not part of the name.
_NAME_QUOTES = "“”‘’「」『』\"'《》〈〉"
_WHITESPACE = re.compile(r"\s+")


def _iri_safe(char: str) -> bool:
    if char in _ASCII_UNRESERVED:
        return True
    code = ord(char)
    if code < 0x80 or unicodedata.category(char).startswith("Z"):
        return False
    return any(low <= code <= high for low, high in _UCSCHAR)


@lru_cache(maxsize=1 << 16)
def iri_segment(name: str) -> str:
    """One IRI path segment for ``name`` (the rule in the module docstring); remembered, as the
    same names (a document's stem, bodies, sections) come back on many nodes.

    >>> iri_segment("国办发〔2022〕11号")
    '国办发〔2022〕11号'
    >>> iri_segment("A/B 计划 (试点)")
    'A%2FB计划%28试点%29'
    """
    text = _WHITESPACE.sub("", unicodedata.normalize("NFC", name))
    if not text:
        raise GraphBuildError(
            f"cannot make an IRI from the empty name {name!r}",
            hint="the extraction produced an empty name; fix the extractor",
        )
    return "".join(
        c if _iri_safe(c) else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in text
    )


def normalise_name(name: str) -> str:
    """A programme or document name without quote/title marks and whitespace.

    >>> normalise_name("“千县工程”")
    '千县工程'
    >>> normalise_name("《健康中国行动》 ")
    '健康中国行动'
    """
    return _WHITESPACE.sub("", name).strip(_NAME_QUOTES)


def _iri(*segments: str) -> URIRef:
    return URIRef(ID_BASE + "/".join(segments))


def _doc_segment(doc_id: str) -> str:
    return iri_segment(record_stem(doc_id))


def document_iri(doc_id: str) -> URIRef:
    """The IRI of a document of the corpus, from its source stem and article index."""
    return _iri("doc", _doc_segment(doc_id))


def task_iri(doc_id: str, section_id: str) -> URIRef:
    """A task of a document, by its positional section id (``p2.i3``)."""
    return _iri("doc", _doc_segment(doc_id), "task", iri_segment(section_id))


def mention_iri(doc_id: str, start: int, end: int) -> URIRef:
    """A stretch ``[start, end)`` of a document's clean text."""
    return _iri("doc", _doc_segment(doc_id), "mention", f"{start}-{end}")


def target_iri(doc_id: str, start: int, end: int, index: int = 0) -> URIRef:
    """A target read at ``[start, end)``; ``index`` tells apart several targets of one span."""
    suffix = f"{start}-{end}" if index == 0 else f"{start}-{end}-{index}"
    return _iri("doc", _doc_segment(doc_id), "target", suffix)


def responsibility_iri(doc_id: str, section_id: str, role: str, body: str) -> URIRef:
    """The responsibility of ``body`` (canonical) in the role ``lead``/``support`` for a task.

    >>> str(responsibility_iri("a#0", "p1.i2", "lead", "聊城市财政局"))
    'https://w3id.org/policykg/id/doc/a.0/task/p1.i2/lead/聊城市财政局'
    """
    return _iri(
        "doc",
        _doc_segment(doc_id),
        "task",
        iri_segment(section_id),
        iri_segment(role),
        iri_segment(body),
    )


def body_iri(canonical: str) -> URIRef:
    """One IRI per canonical body name, shared by every document that names the body."""
    return _iri("body", iri_segment(canonical))


def institution_iri(name: str) -> URIRef:
    """An institution (hospital, CDC, ...) by its name as written."""
    return _iri("institution", iri_segment(name))


def programme_iri(name: str) -> URIRef:
    """One IRI per programme name, without quote marks (so “千县工程” and 千县工程 join)."""
    return _iri("programme", iri_segment(normalise_name(name)))


def indicator_iri(name: str) -> URIRef:
    """One IRI per indicator wording."""
    return _iri("indicator", iri_segment(name))


def jurisdiction_iri(name: str) -> URIRef:
    """One IRI per jurisdiction name (全国, 山东省, 聊城市, ...)."""
    return _iri("jurisdiction", iri_segment(name))


def deadline_iri(value: str) -> URIRef:
    """One IRI per normalised deadline value (``2025``, ``2025-12-31``)."""
    return _iri("deadline", iri_segment(value))


def cited_document_iri(doc_number: str | None, title: str | None) -> URIRef:
    """A cited document, by its document number, else by its title without 《》.

    >>> str(cited_document_iri("鲁政办字〔2023〕202号", None))
    'https://w3id.org/policykg/id/ref/鲁政办字〔2023〕202号'
    """
    key = doc_number or (normalise_name(title) if title else "")
    return _iri("ref", iri_segment(key))
