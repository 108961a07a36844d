"""Typed, frozen records passed between the stages.

ingest -> :class:`Article`; structure -> :class:`Document`; extract -> :class:`DocumentFacts`.
Every record round-trips through JSON with :func:`to_jsonable` / :func:`from_jsonable`, so a stage
can be rerun alone from the JSONL its predecessor wrote.

Offsets: ``start``/``end`` fields are character offsets into the *clean* text of the article
(Python ``str`` indices, end exclusive). :class:`OffsetMap` maps them back to character offsets in
the *decoded raw* file (``Article.raw_text`` is not stored; re-decode the raw file to check).
"""

from __future__ import annotations

import bisect
import dataclasses
import enum
import operator
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

# --------------------------------------------------------------------------- offsets


@dataclass(frozen=True, slots=True)
class Segment:
    """``clean[clean_start:clean_end]`` came from ``raw[raw_start:raw_end]``.

    When both lengths are equal the mapping is character by character (an identity run);
    otherwise the segment maps as a unit (``&amp;`` -> ``&``, ``醫(yī)`` -> ``医``, an inserted
    paragraph break -> the ``<p>`` tag it replaces).
    """

    clean_start: int
    clean_end: int
    raw_start: int
    raw_end: int

    @property
    def linear(self) -> bool:
        return (self.clean_end - self.clean_start) == (self.raw_end - self.raw_start)


@dataclass(frozen=True, slots=True)
class OffsetMap:
    """Map from clean-text offsets to raw-text offsets: sorted, contiguous segments.

    Segments cover the clean text without gaps: ``segments[i].clean_end ==
    segments[i+1].clean_start``. Raw text that was dropped (tags, spam lines) lies between
    segments' raw ranges and belongs to none.

    >>> m = OffsetMap((Segment(0, 2, 5, 7), Segment(2, 3, 7, 12)))
    >>> m.to_raw(0, 3)
    (5, 12)
    >>> m.to_raw(1, 2)
    (6, 7)
    """

    segments: tuple[Segment, ...]
    # the segments' clean starts, computed once: per lookup it made mapping a long document's
    # mentions quadratic
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", tuple(s.clean_start for s in self.segments))

    def _locate(self, clean_pos: int) -> Segment:
        i = bisect.bisect_right(self._starts, clean_pos) - 1
        return self.segments[max(i, 0)]

    def raw_start(self, clean_start: int) -> int:
        seg = self._locate(clean_start)
        if seg.linear:
            return seg.raw_start + (clean_start - seg.clean_start)
        return seg.raw_start

    def raw_end(self, clean_end: int) -> int:
        if clean_end <= 0:
            return self.segments[0].raw_start if self.segments else 0
        seg = self._locate(clean_end - 1)
        if seg.linear:
            return seg.raw_start + (clean_end - seg.clean_start)
        return seg.raw_end

    def to_raw(self, clean_start: int, clean_end: int) -> tuple[int, int]:
        """Raw ``(start, end)`` of the clean span ``[clean_start, clean_end)``."""
        if not self.segments:
            return (0, 0)
        return (self.raw_start(clean_start), self.raw_end(clean_end))

    def to_list(self) -> list[list[int]]:
        """Compact JSON form: ``[[clean_start, clean_end, raw_start, raw_end], ...]``."""
        return [[s.clean_start, s.clean_end, s.raw_start, s.raw_end] for s in self.segments]

    @classmethod
    def from_list(cls, rows: list[list[int]]) -> OffsetMap:
        return cls(tuple(Segment(*row) for row in rows))


# --------------------------------------------------------------------------- ingest


class SourceFormat(str, enum.Enum):
    TEXT = "text"
    HTML = "html"
    MARKDOWN = "markdown"
    PDF = "pdf"  # a text layer, or page images read by OCR (``Article.hints["ocr"]``)
    DOCX = "docx"
    XLSX = "xlsx"


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where ``raw[raw_start:raw_end]`` sits in a paged or tabular file: a PDF page, a spreadsheet
    sheet and row, a Word table row. For such a file the raw text is the text its reader extracted
    (:func:`pipeline.ingest.formats.read_layer`), so raw offsets point into that text.

    >>> SourceLocation(0, 9, page=7).label(), SourceLocation(0, 9, sheet="分工表", row=5, column=3).label()
    ('page 7', 'sheet 分工表, row 5, column C')
    >>> SourceLocation(0, 9, table=2, row=4, column=3).label()
    'table 2, row 4, column 3'
    """

    raw_start: int
    raw_end: int
    page: int | None = None
    sheet: str | None = None
    table: int | None = None
    row: int | None = None
    column: int | None = None
    paragraph: int | None = None

    def label(self) -> str:
        parts = []
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet}")
        if self.table is not None:
            parts.append(f"table {self.table}")
        if self.paragraph is not None:
            parts.append(f"paragraph {self.paragraph}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(
                f"column {_column_letters(self.column) if self.sheet is not None else self.column}"
            )
        return ", ".join(parts)


def _column_letters(number: int) -> str:
    """A spreadsheet column's letters: 1 -> A, 28 -> AB."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class TableGrid:
    """A table as its source laid it out: rows of cells, each cell a clean-text span of the article
    (an empty cell is an empty span where the row's text stands), and where the table sits."""

    rows: tuple[tuple[Span, ...], ...]
    location: str


@dataclass(frozen=True, slots=True)
class Article:
    """One article cut out of a raw file, as clean Simplified-Chinese text.

    ``doc_id`` is stable: ``<raw file stem>#<article index>`` (e.g. ``003_e14da291fa1a9871#0``).
    ``hints`` carries metadata the markup itself states (front-matter ``title``/``date``,
    an HTML ``<title>``), for the structure stage to weigh.
    """

    doc_id: str
    source: str
    source_sha256: str
    index: int
    text: str
    offsets: OffsetMap
    encoding: str
    source_format: SourceFormat
    relevant: bool
    relevance_score: float
    hints: dict[str, str] = field(default_factory=dict)
    #: For PDF, DOCX and XLSX files: where raw spans sit in the file, sorted by ``raw_start``.
    locations: tuple[SourceLocation, ...] = ()
    #: Tables with their rows and cells (DOCX, XLSX and HTML ``<table>``).
    tables: tuple[TableGrid, ...] = ()

    def location_of(self, raw_start: int) -> str | None:
        """The label of the place holding raw offset ``raw_start`` ("page 7"), or None."""
        i = bisect.bisect_right(self.locations, raw_start, key=lambda loc: loc.raw_start) - 1
        if i < 0:
            return None
        loc = self.locations[i]
        return loc.label() if raw_start < loc.raw_end else None


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A raw file the ingest stage could not read, and why (for the run report)."""

    source: str
    code: str
    reason: str


# --------------------------------------------------------------------------- structure


class Level(str, enum.Enum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"
    COUNTY = "county"


class SectionKind(str, enum.Enum):
    PART = "part"  # 一、
    ITEM = "item"  # (一)
    SUBITEM = "subitem"  # 1. / (1)


class CitationRelation(str, enum.Enum):
    CITES = "cites"
    IMPLEMENTS = "implements"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Section:
    """A node of the task hierarchy.

    ``section_id`` is positional and stable: ``p2`` (part 二), ``p2.i3`` (its item (三)),
    ``p2.i3.s1`` (sub-item 1). Items outside any part get ``i3``. ``heading`` is the words after
    the marker up to the first 。 (or the end of the line).
    """

    section_id: str
    kind: SectionKind
    marker: str
    ordinal: int
    heading: str
    start: int
    end: int
    heading_start: int
    heading_end: int
    parent_id: str | None
    paragraphs: tuple[Span, ...] = ()
    sentences: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Citation:
    """A document this one cites; ``relation`` is IMPLEMENTS where the text says it implements it."""

    title: str | None
    doc_number: str | None
    relation: CitationRelation
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    title: str | None
    doc_number: str | None
    issuer_names: tuple[str, ...]  # surface forms; canonicalised by the resolver
    date: str | None  # ISO 8601
    level: Level | None
    jurisdiction: str | None  # "全国", "山东省", "聊城市", ...
    doc_type: str | None  # 意见, 规划, 实施方案, 通知, 讲话/文章, 新闻, 公告, ...
    plan_period_end: str | None = None  # "2025" for a 十四五 plan: default target deadline


@dataclass(frozen=True, slots=True)
class Document:
    article: Article
    metadata: DocumentMetadata
    citations: tuple[Citation, ...]
    sections: tuple[Section, ...]
    sentences: tuple[Span, ...] = ()

    @property
    def doc_id(self) -> str:
        return self.article.doc_id

    @property
    def text(self) -> str:
        return self.article.text


# --------------------------------------------------------------------------- extract


class Role(str, enum.Enum):
    LEAD = "lead"
    SUPPORT = "support"


class Comparator(str, enum.Enum):
    GE = ">="
    LE = "<="
    EQ = "="
    ABOUT = "~"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a fact was read: the raw file, the document, clean and raw offsets, the sentence."""

    source: str
    doc_id: str
    start: int
    end: int
    raw_start: int
    raw_end: int
    sentence: str
    #: The page, sheet and row, or table row of a PDF, spreadsheet or Word file ("page 7").
    location: str | None = None

    def where(self) -> str:
        """The file and, when known, the place in it: ``plan.pdf, page 7``."""
        return f"{self.source}, {self.location}" if self.location else self.source


@dataclass(frozen=True, slots=True)
class Body:
    """A canonical party/government body (from the gazetteer or recognised by pattern)."""

    canonical: str
    level: Level | None
    jurisdiction: str | None
    kind: str  # "party", "government", "department", "regulator", "agency", ...
    aliases: tuple[str, ...] = ()
    parent: str | None = None  # canonical name of the body it is a sub-organisation of


@dataclass(frozen=True, slots=True)
class BodyMention:
    surface: str
    canonical: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class InstitutionMention:
    """A hospital, CDC, university, ... named in the text."""

    name: str
    kind: str  # "hospital", "cdc", "university", "research", ...
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Responsibility:
    task_id: str
    task_heading: str
    body: str  # canonical name
    role: Role
    surface: str
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class Deadline:
    """A normalised deadline: ``value`` is ``"2025"``, ``"2025-12-31"``, ``"annual"`` or None."""

    text: str
    value: str | None
    year: int | None


#: How the annual and the open deadline read (their label in the graph, the report and queries).
ANNUAL_DEADLINE_LABEL = "每年"
OPEN_DEADLINE_LABEL = "未定"
_DATED = re.compile(r"\d{4}(?:-\d{2}){0,2}")


def deadline_label(deadline: Deadline | None) -> str:
    """The one value a deadline reads as everywhere: its year, year-month or date, with the last
    day of a year read as that year (到2025年 and 2025年底 are one deadline); 每年 or 未定.

    >>> [deadline_label(Deadline(t, v, y)) for t, v, y in [("2025年底", "2025-12-31", 2025),
    ...  ("到2025年", "2025", 2025), ("2024年6月底前", "2024-06-30", 2024), ("每年", "annual", None)]]
    ['2025', '2025', '2024-06-30', '每年']
    >>> deadline_label(None), deadline_label(Deadline("“十四五”期间", None, 2025))
    ('未定', '2025')
    """
    if deadline is None:
        return OPEN_DEADLINE_LABEL
    value = deadline.value
    if value == "annual":
        return ANNUAL_DEADLINE_LABEL
    if value and _DATED.fullmatch(value):
        return value[:4] if value.endswith("-12-31") else value
    return str(deadline.year) if deadline.year else OPEN_DEADLINE_LABEL


@dataclass(frozen=True, slots=True)
class Target:
    task_id: str | None
    task_heading: str | None
    indicator: str
    comparator: Comparator
    value: float
    unit: str
    deadline: Deadline | None
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class TaskDeadline:
    """The deadline a task table's row gives its task (完成时限 2025年底前; 长期坚持 is the open
    deadline, with its words kept in ``deadline.text``); the provenance is the row's deadline cell."""

    task_id: str
    task_heading: str
    deadline: Deadline
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class ProgrammeMention:
    name: str
    task_id: str | None
    provenance: Provenance


@dataclass(frozen=True, slots=True)
class DocumentFacts:
    doc_id: str
    source: str
    issuers: tuple[str, ...]  # canonical
    bodies: tuple[Body, ...]  # every canonical body the document names
    body_mentions: tuple[BodyMention, ...]
    institutions: tuple[InstitutionMention, ...]
    responsibilities: tuple[Responsibility, ...]
    targets: tuple[Target, ...]
    programmes: tuple[ProgrammeMention, ...]
    #: Deadlines of tasks read from a table's deadline column (one per task).
    task_deadlines: tuple[TaskDeadline, ...] = ()


# --------------------------------------------------------------------------- JSON

T = TypeVar("T")


def _identity(data: Any) -> Any:
    return data


def to_jsonable(value: Any) -> Any:
    """Plain JSON data for a record (dataclasses, enums, tuples, OffsetMap).

    >>> to_jsonable(Span(1, 2))
    {'start': 1, 'end': 2}
    """
    convert = _TO_JSON.get(type(value))
    return (convert or _to_json_converter(type(value)))(value)


#: How :func:`to_jsonable` turns a value of each type into JSON data, worked out once per type:
#: serialising a document's records walks about 400 values, and asking each value what it is
#: (``isinstance`` against five kinds, ``dataclasses.fields``) was most of the time.
_PLAIN: frozenset[type] = frozenset((str, int, float, bool, type(None)))  # JSON data as is
_TO_JSON: dict[type, Converter] = dict.fromkeys(_PLAIN, _identity)


def _to_json_converter(cls: type) -> Converter:
    """The converter of :data:`_TO_JSON` for ``cls``; the same tests, in the same order, as
    :func:`to_jsonable` made on every value before."""
    convert: Converter
    if issubclass(cls, OffsetMap):
        convert = OffsetMap.to_list
    elif dataclasses.is_dataclass(cls):
        names = tuple(f.name for f in dataclasses.fields(cls))

        def convert(v: Any) -> Any:
            out = {}
            for n in names:
                x = getattr(v, n)
                out[n] = x if type(x) in _PLAIN else to_jsonable(x)
            return out

    elif issubclass(cls, enum.Enum):
        convert = operator.attrgetter("value")
    elif issubclass(cls, (list, tuple)):

        def convert(v: Any) -> Any:
            return [x if type(x) in _PLAIN else to_jsonable(x) for x in v]

    elif issubclass(cls, dict):

        def convert(v: Any) -> Any:
            return {str(k): to_jsonable(x) for k, x in v.items()}

    else:
        convert = _identity
    _TO_JSON[cls] = convert
    return convert


_HINTS: dict[type, dict[str, Any]] = {}


def _field_types(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


#: A function from JSON data to the value of one annotated type (``None`` stays ``None``).
Converter = Callable[[Any], Any]
_CONVERTERS: dict[Any, Converter] = {}
_PLANS: dict[type, tuple[tuple[str, Converter], ...]] = {}


def _nullable(convert: Converter) -> Converter:
    return lambda data: None if data is None else convert(data)


def _converter(tp: Any) -> Converter:
    """The converter for annotation ``tp``, worked out once per annotation: reading a corpus
    converts millions of values, and inspecting the annotation for each was most of the time."""
    if tp in _CONVERTERS:
        return _CONVERTERS[tp]
    origin = typing.get_origin(tp)
    convert: Converter
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        convert = _converter(args[0]) if len(args) == 1 else _identity
    elif tp is OffsetMap:
        convert = _nullable(OffsetMap.from_list)
    elif isinstance(tp, type) and dataclasses.is_dataclass(tp):
        convert = _nullable(lambda data: from_jsonable(tp, data))
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        convert = _nullable(tp)
    elif origin is tuple:
        (item, *_rest) = typing.get_args(tp) or (Any,)
        inner = _converter(item)
        convert = _nullable(lambda data: tuple(map(inner, data)))
    elif origin is list:
        (item,) = typing.get_args(tp) or (Any,)
        inner = _converter(item)
        convert = _nullable(lambda data: list(map(inner, data)))
    elif origin is dict:
        convert = _nullable(dict)
    elif tp is float:
        convert = lambda data: float(data) if isinstance(data, int) else data
    else:
        convert = _identity
    _CONVERTERS[tp] = convert
    return convert


def _plan(cls: type) -> tuple[tuple[str, Converter], ...]:
    """Each field of record class ``cls`` with the converter of its annotation."""
    if cls not in _PLANS:
        hints = _field_types(cls)
        _PLANS[cls] = tuple((f.name, _converter(hints[f.name])) for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    return _PLANS[cls]


def from_jsonable(cls: type[T], data: dict[str, Any]) -> T:
    """Rebuild a record of type ``cls`` from :func:`to_jsonable` output.

    >>> from_jsonable(Span, {"start": 1, "end": 2})
    Span(start=1, end=2)
    """
    return cls(**{name: convert(data[name]) for name, convert in _plan(cls) if name in data})
