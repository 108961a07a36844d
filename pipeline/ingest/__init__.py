"""Ingest: raw bytes -> clean, offset-preserving :class:`~pipeline.models.Article` records.

Steps (one module each): :mod:`.formats` (what the bytes are: PDF, DOCX, XLSX, legacy Office and
WPS files go to their readers :mod:`.pdf`, :mod:`.office`, :mod:`.legacy`, :mod:`.ocr`, which give
the file's text with pages, sheets and table rows), :mod:`.decode` (text bytes -> text),
:mod:`.markup` (front matter, HTML, Markdown), :mod:`.clean` (script, width, spaces, page
furniture; the clean-text convention is documented there), :mod:`.split` (newspaper page ->
articles, hints), :mod:`.grids` (tables as rows and cells), :mod:`.relevance`.

Public API: :func:`decode_raw`, :func:`ingest_bytes`, :func:`ingest_file`,
:func:`normalise_fragment`. All are pure: bytes or text in, records out.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from pipeline.errors import InputError
from pipeline.ingest.clean import Line, clean_lines, normalise_chars, normalise_fragment
from pipeline.ingest.decode import decode_raw
from pipeline.ingest.formats import read_layer
from pipeline.ingest.grids import article_grids, html_tables
from pipeline.ingest.layout import unwrap_lines
from pipeline.ingest.markup import TAG, html_title, parse_front_matter
from pipeline.ingest.pieces import Piece, from_raw, to_offset_map
from pipeline.ingest.relevance import is_relevant, relevance_score
from pipeline.ingest.split import article_hints, split_articles
from pipeline.models import Article, SourceFormat
from pipeline.store import display_name, source_key

__all__ = [
    "IngestResult",
    "decode_raw",
    "ingest_bytes",
    "ingest_file",
    "normalise_fragment",
    "relevance_score",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    """The articles of one raw file and the warnings met on the way (degraded markup, ...)."""

    source: str
    articles: tuple[Article, ...]
    encoding: str
    warnings: tuple[str, ...] = field(default_factory=tuple)


_MARKDOWN_CUES = re.compile(r"(?m)^#{1,6} |\*\*\S|\]\(")


def _source_format(raw: str, has_front_matter: bool) -> SourceFormat:
    if has_front_matter or _MARKDOWN_CUES.search(raw):
        return SourceFormat.MARKDOWN
    if len(TAG.findall(raw, 0, 200_000)) >= 2:
        return SourceFormat.HTML
    return SourceFormat.TEXT


def _article_pieces(lines: list[Line]) -> list[Piece]:
    pieces: list[Piece] = []
    for i, line in enumerate(lines):
        pieces.extend(line.pieces)
        if i < len(lines) - 1 and line.terminator is not None:
            pieces.append(line.terminator)
    return pieces


def ingest_file(source: str, data: bytes) -> IngestResult:
    """Decode, clean and split one raw file; :class:`InputError` names ``source``."""
    try:
        return _ingest(source, data)
    except InputError as exc:
        raise InputError(f"{display_name(source)}: {exc.message}", hint=exc.hint) from exc


def ingest_bytes(source: str, data: bytes) -> tuple[Article, ...]:
    """The articles of one raw file (``source`` is its file name); raises :class:`InputError`."""
    return ingest_file(source, data).articles


def _ingest(source: str, data: bytes) -> IngestResult:
    stem = source_key(PurePath(source).name)  # refuses a name that cannot be used safely
    digest = hashlib.sha256(data).hexdigest()
    layer = read_layer(data)
    warnings: list[str] = []
    if layer is None:
        raw, encoding = decode_raw(data)
        front = parse_front_matter(raw)
        warnings.extend(front.warnings)
        page_hints = {k: front.fields[k] for k in ("title", "date") if front.fields.get(k)}
        if "title" not in page_hints:
            title = html_title(raw)
            if title:
                page_hints["title"] = title
        body_start, tables = front.body_start, html_tables(raw)
        source_format = _source_format(raw, bool(front.fields) or front.body_start > 0)
    else:
        # A binary document: its reader's text is the raw text the offsets point into.
        raw, encoding, source_format = layer.text, layer.source_format.value, layer.source_format
        warnings.extend(layer.warnings)
        page_hints, body_start, tables = dict(layer.hints), 0, layer.tables
    pieces = normalise_chars(from_raw(raw, body_start), warnings)
    lines = clean_lines(pieces)
    if source_format not in (SourceFormat.DOCX, SourceFormat.XLSX):
        lines = unwrap_lines(lines, raw)  # a Word paragraph or a sheet's row is one line already
    if not lines:
        raise InputError(
            "no text left after removing markup and page furniture",
            hint="check that the file holds an article and not only navigation",
        )
    locations = layer.locations if layer is not None else ()
    articles = []
    for index, article_lines in enumerate(split_articles(lines)):
        text, offsets = to_offset_map(_article_pieces(article_lines))
        hints = dict(page_hints) if index == 0 else {}
        hints.update(article_hints(article_lines))
        score = relevance_score(text)
        articles.append(
            Article(
                doc_id=f"{stem}#{index}",
                source=PurePath(source).name,
                source_sha256=digest,
                index=index,
                text=text,
                offsets=offsets,
                encoding=encoding,
                source_format=source_format,
                relevant=is_relevant(score),
                relevance_score=score,
                hints=dict(sorted(hints.items())),
                locations=locations,
                tables=article_grids(tables, offsets) if tables else (),
            )
        )
    for warning in warnings:
        log.warning("%s: %s", source, warning)
    return IngestResult(source, tuple(articles), encoding, tuple(warnings))
