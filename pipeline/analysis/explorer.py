"""The explorer's data: every task, target and body of the corpus as compact tables for the page.

The report page (:mod:`pipeline.analysis.report`) embeds this as one JSON block; its script builds
the views from it (a body by any alias, a document, a programme, an indicator, a year), so the
page holds tens of thousands of facts without drawing them all. Everything here is pure.

Tables are lists of rows (lists, not maps: the page carries no key names per fact) and refer to
each other by index:

- ``docs``: ``[doc_id, title, level, jurisdiction, date, doc_number, colour, [issuer body]]``
- ``bodies``: ``[canonical, level, jurisdiction, [aliases and surface forms]]``
- ``paras``: the paragraphs that hold a fact's sentence (each once)
- ``tasks``: ``[doc, section_id, heading, [lead body], [support body], [programme]]``
- ``targets``: ``[task, doc, text, indicator, deadline label, year, due date, evidence]``
- ``duties``: ``[task, body, role, evidence]`` (role ``lead`` or ``support``)
- ``programmes``: programme names

An evidence is ``[source file, start, end, paragraph, sentence start, sentence end, mention start,
mention end]``: clean-text offsets in the file, then offsets inside the paragraph.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.analysis.corpus import Corpus
from pipeline.analysis.reprints import Reprints
from pipeline.analysis.trace import corpus_bodies, corpus_surfaces
from pipeline.models import Deadline, Provenance, Role, deadline_label

#: Longest paragraph kept whole; a longer one is cut to a window around the sentence.
PARAGRAPH_LIMIT = 1200


def due_date(deadline: Deadline | None) -> str:
    """The last day a deadline allows (ISO), empty for the annual and the open deadline.

    >>> due_date(Deadline("到2025年", "2025", 2025)), due_date(Deadline("2024年6月", "2024-06", 2024))
    ('2025-12-31', '2024-06-30')
    >>> due_date(Deadline("每年", "annual", None)), due_date(None)
    ('', '')
    """
    label = deadline_label(deadline)
    if len(label) == 4 and label.isdigit():
        return f"{label}-12-31"
    if len(label) == 7 and label[:4].isdigit():
        year, month = int(label[:4]), int(label[5:])
        return f"{label}-{calendar.monthrange(year, month)[1]:02d}"
    if len(label) == 10 and label[:4].isdigit():
        return label
    return ""


def parent_ids(section_id: str) -> Iterable[str]:
    """A section's id, then its ancestors' ids.

    >>> list(parent_ids("p2.i3.s1"))
    ['p2.i3.s1', 'p2.i3', 'p2']
    """
    parts = section_id.split(".")
    for end in range(len(parts), 0, -1):
        yield ".".join(parts[:end])


@dataclass
class _Tables:
    """The tables being filled, with the index of each key."""

    docs: list[list[Any]] = field(default_factory=list)
    bodies: list[list[Any]] = field(default_factory=list)
    paras: list[str] = field(default_factory=list)
    tasks: list[list[Any]] = field(default_factory=list)
    targets: list[list[Any]] = field(default_factory=list)
    duties: list[list[Any]] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    doc_index: dict[str, int] = field(default_factory=dict)
    body_index: dict[str, int] = field(default_factory=dict)
    para_index: dict[tuple[str, int], int] = field(default_factory=dict)
    task_index: dict[tuple[str, str], int] = field(default_factory=dict)
    programme_index: dict[str, int] = field(default_factory=dict)

    def body(self, name: str) -> int:
        if name not in self.body_index:
            self.body_index[name] = len(self.bodies)
            self.bodies.append([name, "", "", []])
        return self.body_index[name]

    def programme(self, name: str) -> int:
        if name not in self.programme_index:
            self.programme_index[name] = len(self.programmes)
            self.programmes.append(name)
        return self.programme_index[name]

    def task(self, doc: int, section_id: str, heading: str) -> int:
        key = (self.docs[doc][0], section_id)
        if key not in self.task_index:
            self.task_index[key] = len(self.tasks)
            self.tasks.append([doc, section_id, heading, [], [], []])
        return self.task_index[key]


def _evidence(tables: _Tables, text: str, provenance: Provenance) -> list[Any]:
    """Where a fact was read, with its sentence and mention placed in their paragraph."""
    start = max(0, min(provenance.start, len(text)))
    head = text.rfind("\n", 0, start) + 1
    tail = text.find("\n", start)
    tail = len(text) if tail == -1 else tail
    sentence_at = text.find(provenance.sentence, head, max(tail, start + len(provenance.sentence)))
    if sentence_at == -1:
        sentence_at, sentence_end = start, min(provenance.end, len(text))
    else:
        sentence_end = sentence_at + len(provenance.sentence)
    tail = max(tail, sentence_end)
    if tail - head > PARAGRAPH_LIMIT:  # a window around the sentence, cut at the limit
        head = max(head, sentence_at - PARAGRAPH_LIMIT // 3)
        tail = min(tail, max(sentence_end, head + PARAGRAPH_LIMIT))
    key = (provenance.doc_id, head)
    if key not in tables.para_index:
        tables.para_index[key] = len(tables.paras)
        tables.paras.append(text[head:tail])
    mention_start = min(max(provenance.start, head), tail) - head
    mention_end = min(max(provenance.end, head), tail) - head
    return [
        provenance.source,
        provenance.start,
        provenance.end,
        tables.para_index[key],
        sentence_at - head,
        sentence_end - head,
        mention_start,
        mention_end,
    ]


def _enclosing_task(
    tables: _Tables,
    row: int,
    owned: dict[str, str],
    headings: dict[str, str],
    section_id: str | None,
    heading: str | None,
) -> int:
    """The nearest enclosing task a body is named for (``owned``), else the section itself."""
    section_id = section_id or "document"
    for candidate in parent_ids(section_id):
        if candidate in owned:
            return tables.task(row, candidate, owned[candidate])
    return tables.task(row, section_id, heading or headings.get(section_id) or "（全文）")


def explorer_data(
    corpus: Corpus, colors: dict[str, str], reprints: Reprints | None = None
) -> dict[str, Any]:
    """The explorer's tables for ``corpus`` (see the module docstring)."""
    from pipeline.analysis.report import also_published, format_target

    also = reprints or Reprints({})
    tables = _Tables()
    for doc in corpus.relevant_documents():
        meta = doc.metadata
        tables.doc_index[doc.doc_id] = len(tables.docs)
        tables.docs.append(
            [
                doc.doc_id,
                (meta.title or doc.doc_id) + also_published(also.also_in(doc.doc_id)),
                meta.level.value if meta.level else "",
                meta.jurisdiction or "",
                meta.date or "",
                meta.doc_number or "",
                colors.get(doc.doc_id, "#888"),
                [],
            ]
        )
    for canonical, body in corpus_bodies(corpus).items():
        row = tables.bodies[tables.body(canonical)]
        row[1], row[2] = (body.level.value if body.level else ""), body.jurisdiction or ""
        row[3] = sorted(set(body.aliases) - {canonical})
    for surface, canonical in sorted(corpus_surfaces(corpus)):
        aliases = tables.bodies[tables.body(canonical)][3]
        if surface != canonical and surface not in aliases:
            aliases.append(surface)
    for facts in corpus.facts:
        doc_row = tables.doc_index.get(facts.doc_id)
        document = corpus.document(facts.doc_id)
        if doc_row is None or document is None:
            continue
        text = document.article.text
        tables.docs[doc_row][7] = [tables.body(name) for name in facts.issuers]
        owned: dict[str, str] = {}
        for resp in sorted(facts.responsibilities, key=lambda r: (r.provenance.start, r.body)):
            owned.setdefault(resp.task_id, resp.task_heading)
        headings = {s.section_id: s.heading for s in document.sections}

        for resp in sorted(facts.responsibilities, key=lambda r: (r.provenance.start, r.body)):
            task = _enclosing_task(
                tables, doc_row, owned, headings, resp.task_id, resp.task_heading
            )
            body_id = tables.body(resp.body)
            column = 3 if resp.role is Role.LEAD else 4
            if body_id not in tables.tasks[task][column]:
                tables.tasks[task][column].append(body_id)
            tables.duties.append(
                [task, body_id, resp.role.value, _evidence(tables, text, resp.provenance)]
            )
        for target in sorted(facts.targets, key=lambda t: (t.provenance.start, t.provenance.end)):
            task = _enclosing_task(
                tables, doc_row, owned, headings, target.task_id, target.task_heading
            )
            deadline = target.deadline
            tables.targets.append(
                [
                    task,
                    doc_row,
                    format_target(target),
                    target.indicator,
                    deadline_label(deadline),
                    deadline.year if deadline else None,
                    due_date(deadline),
                    _evidence(tables, text, target.provenance),
                ]
            )
        for mention in sorted(facts.programmes, key=lambda m: m.provenance.start):
            if mention.task_id is None:
                continue
            task = _enclosing_task(tables, doc_row, owned, headings, mention.task_id, None)
            programme = tables.programme(mention.name)
            if programme not in tables.tasks[task][5]:
                tables.tasks[task][5].append(programme)
    return {
        "docs": tables.docs,
        "bodies": tables.bodies,
        "paras": tables.paras,
        "tasks": tables.tasks,
        "targets": tables.targets,
        "duties": tables.duties,
        "programmes": tables.programmes,
    }


def script_json(data: Any) -> str:
    """``data`` as JSON safe inside ``<script type="application/json">`` (no ``<``, ``>``, ``&``
    or line separators left raw), compact and with Chinese kept as is.

    >>> script_json({"t": "</script><b>&"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text
