"""Cut a newspaper page into its articles, and read per-article hints (headline, dateline).

A file is treated as a newspaper page only when it shows newspaper cues: a dateline
(``新华社北京3月23日电``), a closing credit (``(新华社…电 记者…)``) or a continuation marker
(``(上接第1版)``). Other files (web pages, plans with an attached document) stay one article.

On a newspaper page a new article starts:

- at the headline block (up to three short headline-like lines) right before a dateline;
- right after a closing credit line or a closing date line (``2023年3月23日``);
- at a continuation line ``(上接第N版)``;
- at a headline-like line followed by a byline (a 2-4 character pen name, ``本报评论员``).

A headline-like line is short, has no sentence-final punctuation and is not a section marker
(``一、``, ``(一)``, ``1.``) -- the cues live in ``pipeline/resources/ingest_patterns.yaml``.
"""

from __future__ import annotations

import re

from pipeline.ingest.clean import Line
from pipeline.ingest.lexicon import ingest_patterns

MAX_HEADLINE_CHARS = 60
MIN_HEADLINE_CHARS = 4
HEADLINE_BLOCK = 3
HEADLINE_SEARCH_LINES = 8
_SENTENCE_PUNCT = re.compile(r"[。!?;…]|[,:]$")
_META_LINE = re.compile(r"^[\u4e00-\u9fff]{2,6}\s*:\s*\S")  # "来源:…", "发布时间:…"


def is_headline_like(text: str, *, min_chars: int = MIN_HEADLINE_CHARS) -> bool:
    """A short line without sentence punctuation that is not a section marker.

    >>> is_headline_like("大力推进年轻干部交流任职")
    True
    >>> is_headline_like("一、总体要求"), is_headline_like("要加强组织领导。")
    (False, False)
    """
    patterns = ingest_patterns()
    if not (min_chars <= len(text) <= MAX_HEADLINE_CHARS):
        return False
    if _SENTENCE_PUNCT.search(text) or _META_LINE.match(text):
        return False
    if patterns.section_marker.match(text) or patterns.dateline.match(text):
        return False
    return not (patterns.closing_date.fullmatch(text) or patterns.closing_credit.fullmatch(text))


def is_newspaper_page(lines: list[Line]) -> bool:
    patterns = ingest_patterns()
    return any(
        line.continuation
        or patterns.dateline.match(line.text)
        or patterns.closing_credit.fullmatch(line.text)
        for line in lines
    )


def article_starts(lines: list[Line]) -> list[int]:
    """Indexes of the lines that start an article (always includes 0)."""
    starts = {0}
    if not is_newspaper_page(lines):
        return [0]
    patterns = ingest_patterns()
    texts = [line.text for line in lines]
    for i, text in enumerate(texts):
        if lines[i].continuation:
            starts.add(i)
        if patterns.dateline.match(text):
            start = i
            while (
                start > 0
                and i - start < HEADLINE_BLOCK
                and start not in starts
                and is_headline_like(texts[start - 1])
            ):
                start -= 1
            if start < i:
                starts.add(start)
        if (patterns.closing_credit.fullmatch(text) or patterns.closing_date.fullmatch(text)) and (
            i + 1 < len(texts)
        ):
            starts.add(i + 1)
        if (
            i > 0
            and patterns.byline.fullmatch(text)
            and is_headline_like(texts[i - 1])
            and i + 1 < len(texts)
            and not is_headline_like(texts[i + 1])
        ):
            starts.add(i - 1)
    return sorted(starts)


def split_articles(lines: list[Line]) -> list[list[Line]]:
    """The lines of each article, in page order."""
    starts = article_starts(lines)
    bounds = zip(starts, starts[1:] + [len(lines)])
    return [lines[a:b] for a, b in bounds if b > a]


def article_hints(lines: list[Line]) -> dict[str, str]:
    """``headline``, ``dateline`` and ``published`` as the article's own lines state them."""
    patterns = ingest_patterns()
    hints: dict[str, str] = {}
    for line in lines[:HEADLINE_SEARCH_LINES]:
        if is_headline_like(line.text, min_chars=6):
            hints["headline"] = line.text
            break
    else:
        for line in lines:
            if line.heading and is_headline_like(line.text):
                hints["headline"] = line.text
                break
    for line in lines:
        text = line.text
        if "dateline" not in hints:
            dateline = patterns.dateline.match(text)
            if dateline:
                hints["dateline"] = dateline.group(0)
        if "published" not in hints:
            published = patterns.published.search(text)
            if published and published.start() < 4:
                y, m, d = (int(published.group(g)) for g in ("y", "m", "d"))
                if 1 <= m <= 12 and 1 <= d <= 31:
                    hints["published"] = f"{y:04d}-{m:02d}-{d:02d}"
    return hints
