"""One policy document, several articles: reprints found and folded into one.

A policy document is often published more than once: the 中办 意见 of raw file ``001`` is the same
text as article ``#1`` of raw file ``000`` (a news page that reprinted its first half). Counting
both would show the national 意见 twice in every cascade and count its tasks twice in the
network. Two relevant articles are **the same document** when they carry the same 文号, or the
same title (``core_title``) and the same issuers, and neither their 文号 nor their dates
contradict each other (equal, or one of them unknown).

Of each group the most complete article stands for the document (most task sections, then the
longest text, then one with a 文号 and a date, then the lowest ``doc_id``); the others are named as
where else it appeared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pipeline.analysis.cascade import MIN_TITLE, core_title, normalize_doc_number
from pipeline.analysis.corpus import Corpus
from pipeline.models import Document, DocumentMetadata


@dataclass(frozen=True, slots=True)
class Reprints:
    """Representative ``doc_id`` → the other ``doc_id`` s that are the same policy document."""

    groups: Mapping[str, tuple[str, ...]]

    def also_in(self, doc_id: str) -> tuple[str, ...]:
        """Where else the document ``doc_id`` stands for appeared (empty if nowhere)."""
        return tuple(self.groups.get(doc_id, ()))

    def folded(self) -> set[str]:
        """Every ``doc_id`` that is represented by another article."""
        return {other for others in self.groups.values() for other in others}


def identity_keys(meta: DocumentMetadata, issuers: Iterable[str] = ()) -> list[tuple[str, ...]]:
    """The keys under which two articles count as the same policy document: the 文号, and the
    title with the issuers (canonical ``issuers`` if given, else the names as written).

    >>> meta = DocumentMetadata("关于进一步完善医疗卫生服务体系的意见", "中办发[2023]10号", (), None,
    ...                         None, None, None)
    >>> identity_keys(meta, ["国务院办公厅", "中共中央办公厅"])  # doctest: +NORMALIZE_WHITESPACE
    [('number', '中办发〔2023〕10号'),
     ('title', '进一步完善医疗卫生服务体系的意见', '中共中央办公厅', '国务院办公厅')]
    >>> identity_keys(DocumentMetadata("公告", None, ("国务院办公厅",), None, None, None, None))
    []
    """
    keys: list[tuple[str, ...]] = []
    if meta.doc_number:
        keys.append(("number", normalize_doc_number(meta.doc_number)))
    names = sorted(set(issuers) or set(meta.issuer_names))
    title = core_title(meta.title) if meta.title else ""
    if len(title) >= MIN_TITLE and names:
        keys.append(("title", title, *names))
    return keys


def completeness(document: Document, text_length: int) -> tuple:
    """Sort key: the most complete article first (``text_length``: its clean text's length)."""
    headed = sum(1 for s in document.sections if s.heading and s.heading.strip())
    meta = document.metadata
    return (-headed, -text_length, meta.doc_number is None, meta.date is None, document.doc_id)


def find_reprints(corpus: Corpus) -> Reprints:
    """The groups of relevant articles of ``corpus`` that are one policy document.

    Articles sharing an identity key join a group unless that would put two different 文号 or
    two different dates in it.
    """
    documents = corpus.relevant_documents()
    parent = {d.doc_id: d.doc_id for d in documents}
    numbers = {d.doc_id: _known(normalize_doc_number, d.metadata.doc_number) for d in documents}
    dates = {d.doc_id: _known(str, d.metadata.date) for d in documents}

    def root(doc_id: str) -> str:
        while parent[doc_id] != doc_id:
            parent[doc_id] = parent[parent[doc_id]]
            doc_id = parent[doc_id]
        return doc_id

    def join(first: str, second: str) -> None:
        a, b = root(first), root(second)
        if a == b or len(numbers[a] | numbers[b]) > 1 or len(dates[a] | dates[b]) > 1:
            return
        parent[b] = a
        numbers[a] |= numbers[b]
        dates[a] |= dates[b]

    buckets: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for document in documents:
        facts = corpus.facts_of(document.doc_id)
        for key in identity_keys(document.metadata, facts.issuers if facts else ()):
            buckets[key].append(document.doc_id)
    for members in buckets.values():
        for other in members[1:]:
            join(members[0], other)
    groups: dict[str, list[Document]] = defaultdict(list)
    for document in documents:
        groups[root(document.doc_id)].append(document)
    found = {}
    for group in groups.values():
        if len(group) > 1:
            ordered = sorted(group, key=lambda d: completeness(d, corpus.text_length(d)))
            found[ordered[0].doc_id] = tuple(sorted(d.doc_id for d in ordered[1:]))
    return Reprints(dict(sorted(found.items())))


def _known(normal: Callable[[str], str], value: str | None) -> set[str]:
    return {normal(value)} if value else set()


def without_reprints(corpus: Corpus, reprints: Reprints) -> Corpus:
    """``corpus`` with only the article that stands for each policy document."""
    folded = reprints.folded()
    if not folded:
        return corpus
    return Corpus.of(
        [d for d in corpus.documents if d.doc_id not in folded],
        [f for f in corpus.facts if f.doc_id not in folded],
    )
