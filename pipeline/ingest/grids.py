"""Tables kept as rows and cells: HTML ``<table>`` cells found in the raw text, and every table's
raw cell spans carried over to the clean text of the article holding it (:class:`TableGrid`).

Word and Excel tables come from their readers (:mod:`pipeline.ingest.office`); an HTML table's
cells are its ``<td>``/``<th>`` elements (a table nested in a cell is read as that cell's text).
"""

from __future__ import annotations

import bisect
import re

from pipeline.ingest.formats import RawTable
from pipeline.models import OffsetMap, Span, TableGrid

_TABLE = re.compile(r"<table\b[^<>]*>(.*?)</table\s*>", re.DOTALL | re.IGNORECASE)
_ROW = re.compile(r"<tr\b[^<>]*>(.*?)(?=<tr\b|</table\s*>|\Z)", re.DOTALL | re.IGNORECASE)
_CELL = re.compile(
    r"<t[dh]\b[^<>]*>(.*?)(?=</t[dh]\s*>|<t[dh]\b|</tr\s*>|\Z)", re.DOTALL | re.IGNORECASE
)


def html_tables(raw: str) -> tuple[RawTable, ...]:
    """The tables of an HTML text, their cells as raw spans of the cells' contents.

    >>> raw = "<table><tr><th>指标</th><th>目标值</th></tr><tr><td>床位数</td><td>7.2</td></tr></table>"
    >>> [[raw[a:b] for a, b in row] for row in html_tables(raw)[0].rows]
    [['指标', '目标值'], ['床位数', '7.2']]
    """
    if "<t" not in raw and "<T" not in raw:
        return ()
    tables = []
    for number, table in enumerate(_TABLE.finditer(raw), 1):
        rows = []
        for row in _ROW.finditer(raw, table.start(1), table.end(1)):
            cells = tuple(cell.span(1) for cell in _CELL.finditer(raw, row.start(1), row.end(1)))
            if cells:
                rows.append(cells)
        if rows:
            tables.append(RawTable(tuple(rows), f"table {number}"))
    return tuple(tables)


class CleanSpans:
    """Raw spans to clean spans through an article's :class:`OffsetMap` (the reverse mapping)."""

    def __init__(self, offsets: OffsetMap) -> None:
        self.segments = offsets.segments
        self.raw_starts = [s.raw_start for s in self.segments]

    @property
    def raw_range(self) -> tuple[int, int]:
        return (self.segments[0].raw_start, self.segments[-1].raw_end) if self.segments else (0, 0)

    def span(self, raw_start: int, raw_end: int) -> Span:
        """The clean span holding what is left of ``raw[raw_start:raw_end]`` (empty where nothing
        is: at the clean position of the next kept text).

        >>> from pipeline.models import Segment
        >>> spans = CleanSpans(OffsetMap((Segment(0, 4, 10, 14), Segment(4, 5, 14, 20), Segment(5, 9, 25, 29))))
        >>> spans.span(11, 13), spans.span(12, 27), spans.span(20, 25)
        (Span(start=1, end=3), Span(start=2, end=7), Span(start=5, end=5))
        """
        segments = self.segments
        i = bisect.bisect_right(self.raw_starts, raw_start) - 1
        if i < 0 or segments[i].raw_end <= raw_start:
            i += 1  # the first segment after the start
        if i >= len(segments) or segments[i].raw_start >= raw_end:
            at = (
                segments[i].clean_start
                if i < len(segments)
                else (segments[-1].clean_end if segments else 0)
            )
            return Span(at, at)
        first = segments[i]
        start = first.clean_start + (
            raw_start - first.raw_start if first.linear and raw_start > first.raw_start else 0
        )
        j = bisect.bisect_left(self.raw_starts, raw_end) - 1
        last = segments[j]
        if last.linear and raw_end < last.raw_end:
            end = last.clean_start + (raw_end - last.raw_start)
        else:
            end = last.clean_end
        return Span(start, max(start, end))


def article_grids(tables: tuple[RawTable, ...], offsets: OffsetMap) -> tuple[TableGrid, ...]:
    """The tables whose first cell lies in the article of ``offsets``, as clean-text grids."""
    spans = CleanSpans(offsets)
    low, high = spans.raw_range
    grids = []
    for table in tables:
        first = table.rows[0][0][0] if table.rows and table.rows[0] else -1
        if not low <= first < high:
            continue
        rows = tuple(tuple(spans.span(a, b) for a, b in row) for row in table.rows)
        grids.append(TableGrid(rows, table.location))
    return tuple(grids)


__all__ = ["CleanSpans", "article_grids", "html_tables"]
