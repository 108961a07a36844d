"""Documents and facts of one raw file → the gold-format JSON record analysts and scorers read.

The format is the one of ``shared/eval/README.md``: one object per raw file, ``documents`` in the
order the articles appear, each with metadata, responsibilities grouped by task, targets and
programmes. Irrelevant articles carry only their title.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.models import Citation, Document, DocumentFacts, Role, Target


def _number(value: float) -> int | float:
    """Integers as ``int`` (``65``), everything else as ``float`` (``0.53``).

    >>> _number(65.0), _number(0.53)
    (65, 0.53)
    """
    return int(value) if float(value).is_integer() else float(value)


def cite_keys(citations: Iterable[Citation]) -> list[str]:
    """What the gold lists for citations: the 文号 where known, else the title; first-seen order.

    >>> from pipeline.models import CitationRelation as R
    >>> cite_keys([Citation("甲", "国办发〔2022〕1号", R.CITES, 0, 1), Citation("乙", None, R.CITES, 2, 3)])
    ['国办发〔2022〕1号', '乙']
    """
    keys: list[str] = []
    for citation in citations:
        key = citation.doc_number or citation.title
        if key and key not in keys:
            keys.append(key)
    return keys


def responsibility_rows(facts: DocumentFacts) -> list[dict[str, Any]]:
    """Responsibilities grouped by task in text order: ``{"task", "lead", "support"}``."""
    rows: dict[str, dict[str, Any]] = {}
    ordered = sorted(facts.responsibilities, key=lambda r: (r.provenance.start, r.provenance.end))
    for resp in ordered:
        key = resp.task_id or resp.task_heading
        row = rows.setdefault(key, {"task": resp.task_heading, "lead": [], "support": []})
        bucket = row["lead"] if resp.role is Role.LEAD else row["support"]
        if resp.body not in row["lead"] and resp.body not in row["support"]:
            bucket.append(resp.body)
    return list(rows.values())


def target_row(target: Target) -> dict[str, Any]:
    return {
        "task": target.task_heading,
        "indicator": target.indicator,
        "comparator": target.comparator.value,
        "value": _number(target.value),
        "unit": target.unit or None,
        "deadline": target.deadline.value if target.deadline else None,
    }


def programme_names(facts: DocumentFacts) -> list[str]:
    names: list[str] = []
    for mention in sorted(facts.programmes, key=lambda p: p.provenance.start):
        if mention.name not in names:
            names.append(mention.name)
    return names


def document_entry(document: Document, facts: DocumentFacts | None) -> dict[str, Any]:
    """The gold-format entry of one document."""
    meta = document.metadata
    entry: dict[str, Any] = {
        "title": meta.title,
        "relevant": document.article.relevant,
        "doc_number": None,
        "issuers": [],
        "jurisdiction": None,
        "level": None,
        "date": None,
        "cites": [],
        "responsibilities": [],
        "targets": [],
        "programmes": [],
    }
    if not document.article.relevant:
        return entry
    entry.update(
        doc_number=meta.doc_number,
        issuers=list(facts.issuers) if facts else list(meta.issuer_names),
        jurisdiction=meta.jurisdiction,
        level=meta.level.value if meta.level else None,
        date=meta.date,
        cites=cite_keys(document.citations),
    )
    if facts is not None:
        entry.update(
            responsibilities=responsibility_rows(facts),
            targets=[target_row(t) for t in sorted(facts.targets, key=_target_order)],
            programmes=programme_names(facts),
        )
    return entry


def _target_order(target: Target) -> tuple[int, int, float]:
    return (target.provenance.start, target.provenance.end, target.value)


def gold_record(
    source: str, documents: Sequence[Document], facts: Sequence[DocumentFacts]
) -> dict[str, Any]:
    """The gold-format record of one raw file."""
    by_id = {f.doc_id: f for f in facts}
    ordered = sorted(documents, key=lambda d: d.article.index)
    return {
        "source": source,
        "documents": [document_entry(d, by_id.get(d.doc_id)) for d in ordered],
    }
