"""Extraction stage: ``Document`` -> ``DocumentFacts`` with the spaCy pipeline of :mod:`pipeline.nlp`.

The document's context (jurisdiction, level, plan period, task sections) is set on the Doc before
the components run; afterwards the spans of ``doc.spans["policykg"]`` and ``doc._.responsibilities``
are collected into records, each with its :class:`~pipeline.models.Provenance`.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.errors import ExtractionError
from pipeline.models import (
    Body,
    BodyMention,
    Comparator,
    Deadline,
    Document,
    DocumentFacts,
    InstitutionMention,
    ProgrammeMention,
    Provenance,
    Responsibility,
    Role,
    Target,
    TaskDeadline,
)
from pipeline.nlp.extensions import (
    BODY,
    INSTITUTION,
    PROGRAMME,
    TARGET,
    DocSection,
    cache_text,
    policykg_spans_by_label,
)
from pipeline.nlp.responsibilities import enclosing_task
from pipeline.resolve import Gazetteer, resolve_issuers
from pipeline.sentences import sentence_bounds

log = logging.getLogger(__name__)


class _Locator:
    """Provenance for offsets of one document: raw offsets and the enclosing sentence."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.offset = 0  # where the annotated piece starts in the document's text
        text = document.text
        if document.sentences:
            bounds = sorted((s.start, s.end) for s in document.sentences)
        else:
            bounds = sentence_bounds(text)
        self.starts = [s for s, _ in bounds]
        self.bounds = bounds

    def sentence(self, start: int, end: int) -> str:
        i = bisect.bisect_right(self.starts, start) - 1
        if i < 0:
            return self.document.text[start:end]
        s, e = self.bounds[i]
        return self.document.text[s : max(e, end)].strip()

    def provenance(self, start: int, end: int) -> Provenance:
        start, end = start + self.offset, end + self.offset
        raw_start, raw_end = self.document.article.offsets.to_raw(start, end)
        return Provenance(
            source=self.document.article.source,
            doc_id=self.document.doc_id,
            start=start,
            end=end,
            raw_start=raw_start,
            raw_end=raw_end,
            sentence=self.sentence(start, end),
            location=self.document.article.location_of(raw_start),
        )


#: Characters of one document the spaCy pipeline annotates at a time (spaCy refuses texts over
#: ``nlp.max_length``, and memory grows with the Doc): a longer document goes through in pieces
#: cut at section starts, else at line or sentence ends (:func:`text_pieces`).
PIECE_CHARS = 200_000


def text_pieces(text: str, limit: int, section_starts: Iterable[int] = ()) -> list[tuple[int, int]]:
    """``[start, end)`` pieces covering ``text``, each at most ``limit`` characters, cut at the last
    section start in the second half of a window, else after its last line end or sentence end.

    >>> text_pieces("甲乙。丙丁。\\n戊己", 5)
    [(0, 3), (3, 7), (7, 9)]
    >>> text_pieces("ab", 5)
    [(0, 2)]
    """
    starts = sorted(set(section_starts))
    pieces: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        window_end, half = start + limit, start + max(1, limit // 2)
        i = bisect.bisect_right(starts, window_end) - 1
        if i >= 0 and starts[i] > half:
            cut = starts[i]
        else:
            line_end = text.rfind("\n", half, window_end)
            sentence_end = max(text.rfind(mark, half, window_end) for mark in "。！？；!?;")
            cut = (
                line_end + 1
                if line_end >= 0
                else sentence_end + 1
                if sentence_end >= 0
                else window_end
            )
        pieces.append((start, cut))
        start = cut
    pieces.append((start, len(text)))
    return pieces


def section_rows(document: Document, start: int = 0, end: int | None = None) -> list[DocSection]:
    """``doc._.sections``: for the piece ``[start, end)`` of the text, the sections overlapping
    it, clipped and relative to ``start``."""
    stop = len(document.text) if end is None else end
    return [
        DocSection(
            s.section_id,
            s.kind.value,
            s.heading,
            max(s.start, start) - start,
            min(s.end, stop) - start,
        )
        for s in document.sections
        if s.start < stop and s.end > start
    ]


def table_grids(
    document: Document, start: int = 0, end: int | None = None
) -> list[list[list[tuple[int, int]]]]:
    """``doc._.tables``: the tables of the piece ``[start, end)`` of the text whose cells ingest
    kept (Word, Excel, HTML), each a list of rows of (start, end) cell spans relative to ``start``."""
    stop = len(document.text) if end is None else end
    grids = []
    for grid in document.article.tables:
        cells = [c for row in grid.rows for c in row]
        if cells and start <= cells[0].start and cells[-1].end <= stop:
            grids.append([[(c.start - start, c.end - start) for c in row] for row in grid.rows])
    return grids


def make_doc(document: Document, nlp: Language, start: int = 0, end: int | None = None) -> Doc:
    """The tokenised Doc of ``document`` (or of its text's piece ``[start, end)``) with its
    context extensions set (components not run)."""
    meta = document.metadata
    text = document.text if start == 0 and end is None else document.text[start:end]
    doc = nlp.make_doc(text)
    cache_text(doc, text)
    doc._.jurisdiction = meta.jurisdiction
    doc._.level = meta.level.value if meta.level else None
    doc._.plan_period_end = meta.plan_period_end
    doc._.sections = section_rows(document, start, end)
    doc._.tables = table_grids(document, start, end)
    doc._.source = document.article.source
    doc._.doc_id = document.doc_id
    return doc


def annotate(document: Document, nlp: Language, start: int = 0, end: int | None = None) -> Doc:
    """Run the whole pipeline over ``document`` (or the piece ``[start, end)`` of its text)."""
    try:
        return nlp(make_doc(document, nlp, start, end))
    except ExtractionError:
        raise
    except Exception as exc:
        raise ExtractionError(
            f"{document.article.source}: extraction failed on {document.doc_id}: {exc}",
            hint="rerun with --debug and report the document",
        ) from exc


def facts_from_doc(document: Document, doc: Doc) -> DocumentFacts:
    """Collect the annotations of an annotated Doc into a DocumentFacts record."""
    return facts_from_pieces(document, [(doc, 0)])


def facts_from_pieces(document: Document, pieces: Iterable[tuple[Doc, int]]) -> DocumentFacts:
    """Collect the annotations of annotated Docs, each of the piece of the document's text that
    starts at its offset, into one DocumentFacts record (the pieces are consumed one at a time)."""
    meta = document.metadata
    headings = {s.section_id: s.heading for s in document.sections}
    gazetteer = Gazetteer.load()
    bodies: dict[str, Body] = {}
    mentions: list[BodyMention] = []
    institutions: list[InstitutionMention] = []
    responsibilities: list[Responsibility] = []
    targets: list[Target] = []
    programmes: list[ProgrammeMention] = []
    task_deadlines: dict[str, TaskDeadline] = {}
    locate = _Locator(document)  # built once: sorting a long document's sentences is not free
    for doc, offset in pieces:
        locate.offset = offset
        by_label = policykg_spans_by_label(doc)  # the group walked and sorted once
        for span in by_label.get(BODY, []):
            canonical = span._.canonical or span.text
            mentions.append(
                BodyMention(span.text, canonical, locate.provenance(span.start_char, span.end_char))
            )
            _add_body(bodies, canonical, span.text, span._.kind, meta.jurisdiction, gazetteer)

        institutions.extend(
            InstitutionMention(
                span.text,
                span._.kind or "institution",
                locate.provenance(span.start_char, span.end_char),
            )
            for span in by_label.get(INSTITUTION, [])
        )

        for link in doc._.responsibilities or ():
            if link.section_id is None:
                log.debug(
                    "%s: responsibility clause outside any task: %s",
                    document.doc_id,
                    link.clause.text,
                )
                continue
            responsibilities.append(
                Responsibility(
                    task_id=link.section_id,
                    task_heading=headings.get(link.section_id, ""),
                    body=link.body._.canonical or link.body.text,
                    role=Role(link.role),
                    surface=link.body.text,
                    provenance=locate.provenance(link.body.start_char, link.body.end_char),
                )
            )

        for link in doc._.task_deadlines or ():
            if link.section_id is None or link.section_id in task_deadlines:
                continue  # outside any task, or a task whose deadline an earlier cell gave
            task_deadlines[link.section_id] = TaskDeadline(
                link.section_id,
                headings.get(link.section_id, ""),
                Deadline(link.text, link.value, link.year),
                locate.provenance(link.cell.start_char, link.cell.end_char),
            )

        sections = doc._.sections
        for span in by_label.get(TARGET, []):
            target = _target(span, sections, headings, locate)
            if target is not None:
                targets.append(target)

        for span in by_label.get(PROGRAMME, []):
            name = span._.programme_name or span.text
            programmes.append(
                ProgrammeMention(
                    name,
                    enclosing_task(sections, span.start_char),
                    locate.provenance(span.start_char, span.end_char),
                )
            )

    issuers = resolve_issuers(meta.issuer_names, meta.jurisdiction, meta.level)
    for name in issuers:
        _add_body(bodies, name, name, None, meta.jurisdiction, gazetteer)
    return DocumentFacts(
        doc_id=document.doc_id,
        source=document.article.source,
        issuers=issuers,
        bodies=tuple(bodies[k] for k in sorted(bodies)),
        body_mentions=tuple(mentions),
        institutions=tuple(institutions),
        responsibilities=tuple(
            sorted(responsibilities, key=lambda r: (r.provenance.start, r.role.value))
        ),
        targets=tuple(targets),
        programmes=tuple(programmes),
        task_deadlines=tuple(
            sorted(task_deadlines.values(), key=lambda d: (d.provenance.start, d.task_id))
        ),
    )


def _add_body(
    bodies: dict[str, Body],
    canonical: str,
    surface: str,
    kind: str | None,
    jurisdiction: str | None,
    gazetteer: Gazetteer,
) -> None:
    """Record ``canonical`` in ``bodies``, merging the surface into its aliases."""
    known = bodies.get(canonical)
    if known is None:
        resolved = gazetteer.resolve(surface, jurisdiction)
        if resolved is None or resolved.canonical != canonical:
            resolved = Body(canonical, None, None, kind or "department", ())
        known = resolved
    aliases = tuple(sorted(set(known.aliases) | {surface}))
    bodies[canonical] = Body(
        known.canonical, known.level, known.jurisdiction, known.kind, aliases, known.parent
    )


def _target(
    span: Span, sections: list[DocSection], headings: dict[str, str], locate: _Locator
) -> Target | None:
    """A Target record from a TARGET span, or None for past figures and incomplete spans."""
    if span._.is_past or span._.value is None:
        return None
    try:
        comparator = Comparator(span._.comparator or "=")
    except ValueError:
        comparator = Comparator.EQ
    deadline = None
    if span._.deadline is not None or span._.deadline_text is not None:
        deadline = Deadline(span._.deadline_text or "", span._.deadline, span._.deadline_year)
    task_id = enclosing_task(sections, span.start_char)
    return Target(
        task_id=task_id,
        task_heading=headings.get(task_id) if task_id else None,
        indicator=span._.indicator or "",
        comparator=comparator,
        value=float(span._.value),
        unit=span._.unit or "",
        deadline=deadline,
        provenance=locate.provenance(span.start_char, span.end_char),
    )


def extract_document(document: Document, nlp: Language) -> DocumentFacts:
    """Extract the facts of one document; an article judged not about health policy (a diplomacy
    report on the same newspaper page) contributes none; a long one goes through in pieces of
    at most :data:`PIECE_CHARS` characters."""
    if not document.article.relevant:
        return DocumentFacts(
            doc_id=document.doc_id,
            source=document.article.source,
            issuers=(),
            bodies=(),
            body_mentions=(),
            institutions=(),
            responsibilities=(),
            targets=(),
            programmes=(),
        )
    limit = min(PIECE_CHARS, nlp.max_length)
    if len(document.text) <= limit:
        return facts_from_doc(document, annotate(document, nlp))
    pieces = text_pieces(document.text, limit, (s.start for s in document.sections))
    return facts_from_pieces(document, ((annotate(document, nlp, a, b), a) for a, b in pieces))


def extract_documents(documents: Iterable[Document], nlp: Language) -> Iterator[DocumentFacts]:
    """Extract the facts of each document, streaming."""
    for document in documents:
        yield extract_document(document, nlp)
