"""The structure stage: an :class:`Article` becomes a :class:`Document` (metadata, citations, task hierarchy, sentences).

Pure functions: no files, no network. ``structure_articles`` does the same for all articles of one
raw file and lets each see the dates printed elsewhere on the page (a newspaper dateline gives only
month and day; the year is on the page).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.errors import StructureError
from pipeline.models import Article, Document
from pipeline.structure.citations import find_citations
from pipeline.structure.hierarchy import build_sections, hierarchy_end
from pipeline.structure.metadata import read_metadata
from pipeline.structure.tables import row_sections
from pipeline.structure.text import all_full_dates, iter_lines, sentence_spans

__all__ = ["structure_article", "structure_articles"]


def _front_lines(text: str, first_section_start: int | None) -> list[str]:
    """Non-empty lines before the task hierarchy (all lines when there is none)."""
    stop = len(text) if first_section_start is None else first_section_start
    return [line.text for line in iter_lines(text) if line.start < stop and line.text.strip()]


def structure_article(article: Article, page_dates: Sequence[str] = ()) -> Document:
    """Metadata, citations, task hierarchy and sentences of one article.

    ``page_dates``: ISO dates printed elsewhere on the same page (see :func:`structure_articles`).
    Raises :class:`StructureError` naming the source when the article carries no text.
    """
    if not isinstance(article.text, str) or not article.text.strip():
        raise StructureError(
            f"{article.source}: article {article.doc_id} has no text", hint="re-run policykg ingest"
        )
    text = article.text
    grids = [[[(c.start, c.end) for c in row] for row in grid.rows] for grid in article.tables]
    sections = row_sections(text, build_sections(text), grids) if article.relevant else ()
    front = _front_lines(text, sections[0].start if sections else None)
    metadata = read_metadata(article, front, page_dates)
    citations = find_citations(
        text, metadata.title, 0, hierarchy_end(text) if sections else len(text)
    )
    if not article.relevant:
        citations = ()
    return Document(
        article=article,
        metadata=metadata,
        citations=citations,
        sections=sections,
        sentences=sentence_spans(text),
    )


def structure_articles(articles: Sequence[Article]) -> tuple[Document, ...]:
    """Documents of all articles of one raw file, each seeing the dates printed on the rest of the page."""
    dates_by_source: dict[str, list[str]] = {}
    for article in articles:
        dates_by_source.setdefault(article.source, []).extend(all_full_dates(article.text))
    return tuple(
        structure_article(a, tuple(sorted(dates_by_source.get(a.source, []))))
        for a in sorted(articles, key=lambda a: (a.source, a.index))
    )
