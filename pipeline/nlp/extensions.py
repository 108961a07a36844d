"""The Doc/Span extensions every policykg component reads or writes, declared once.

Other components may add extensions here with small edits; each is declared with
``force=True`` so re-importing (tests, ``spacy.load``) is harmless.
"""

from __future__ import annotations

from typing import NamedTuple

from spacy.tokens import Doc, Span

SPAN_GROUP = "policykg"

# Labels of the span group doc.spans["policykg"].
BODY = "BODY"
INSTITUTION = "INSTITUTION"
PROGRAMME = "PROGRAMME"
TARGET = "TARGET"
DEADLINE = "DEADLINE"
INDICATOR = "INDICATOR"


class Relation(NamedTuple):
    """A typed edge between two spans of one doc: ``(head, label, tail)``."""

    head: Span
    label: str
    tail: Span


class DocSection(NamedTuple):
    """A section of the document as the components see it (``doc._.sections``): offsets are
    relative to the Doc's text; ``kind`` is a :class:`pipeline.models.SectionKind` value."""

    section_id: str
    kind: str  # "part" / "item" / "subitem" ...
    heading: str
    start: int
    end: int


class ResponsibilityLink(NamedTuple):
    """A body named responsible for the task that encloses ``clause`` (``doc._.responsibilities``)."""

    section_id: str | None
    body: Span
    role: str  # "lead" / "support"
    clause: Span


class TaskDeadlineLink(NamedTuple):
    """The deadline a table row's deadline cell gives its task (``doc._.task_deadlines``):
    ``value`` is normalised as a DEADLINE span's (``"2025-12-31"``, ``"annual"``, None for the
    open deadline of 长期坚持), ``text`` the cell's words."""

    section_id: str | None
    cell: Span
    text: str
    value: str | None
    year: int | None


# name -> default; every default is None, so components test ``is None``.
DOC_EXTENSIONS = (
    "jurisdiction",  # "聊城市", "山东省", "全国", ...
    "level",  # Level value string: "national", "provincial", "municipal", "county"
    "plan_period_end",  # "2025"
    "sections",  # list[DocSection]
    "tables",  # tables whose cells ingest kept: rows of (start, end) cell spans
    "relations",  # list[Relation]
    "responsibilities",  # list[ResponsibilityLink]
    "task_deadlines",  # list[TaskDeadlineLink]
    "source",  # raw file name, for provenance
    "doc_id",
)

SPAN_EXTENSIONS = (
    "canonical",  # canonical body name (BODY) or institution kind (INSTITUTION)
    "role",  # "lead" / "support"
    "value",  # float (TARGET)
    "unit",
    "comparator",  # ">=", "<=", "=", "~"
    "indicator",  # str
    "deadline",  # normalised value str: "2025", "2025-12-31", "annual"
    "deadline_text",
    "deadline_year",  # int
    "programme_name",
    "is_past",  # bool
    "kind",  # institution kind: "hospital", "cdc", "university", "research", ...
    "parts",  # list of canonical names when one span names several bodies (run-together list)
)


_TEXT_KEY = "policykg_text"


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per Doc (spaCy rebuilds it from the tokens on every access)."""
    if not len(doc):
        return ""
    length = doc[-1].idx + len(doc[-1].text_with_ws)
    cached = doc.user_data.get(_TEXT_KEY)
    if not isinstance(cached, str) or len(cached) != length:
        cached = doc.text
        doc.user_data[_TEXT_KEY] = cached
    return cached


def cache_text(doc: Doc, text: str) -> None:
    """Record that ``doc``'s text is ``text`` (the string it was tokenised from)."""
    doc.user_data[_TEXT_KEY] = text


def register_extensions() -> None:
    """Declare every policykg extension (idempotent)."""
    for name in DOC_EXTENSIONS:
        Doc.set_extension(name, default=None, force=True)
    for name in SPAN_EXTENSIONS:
        Span.set_extension(name, default=None, force=True)


def policykg_spans(doc: Doc, label: str | None = None) -> list[Span]:
    """The spans of ``doc.spans["policykg"]`` (optionally of one label), sorted by offset."""
    if SPAN_GROUP not in doc.spans:
        return []
    spans = [s for s in doc.spans[SPAN_GROUP] if label is None or s.label_ == label]
    return sorted(spans, key=lambda s: (s.start_char, s.end_char, s.label_))


def policykg_spans_by_label(doc: Doc) -> dict[str, list[Span]]:
    """``policykg_spans(doc, label)`` for every label at once: the span group walked once."""
    by_label: dict[str, list[Span]] = {}
    for span in policykg_spans(doc):
        by_label.setdefault(span.label_, []).append(span)
    return by_label


def add_spans(doc: Doc, spans: list[Span]) -> None:
    """Append spans to ``doc.spans["policykg"]`` (creating the group)."""
    if SPAN_GROUP not in doc.spans:
        doc.spans[SPAN_GROUP] = []
    group = doc.spans[SPAN_GROUP]
    for span in spans:
        group.append(span)


register_extensions()
