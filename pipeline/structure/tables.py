"""Tables of tasks read from text: a responsibility table (重点任务分工表) flattened to lines.

Word, HTML and spreadsheet tables reach the text one row to a line, cells separated by spaces
(ingest turns ``<td>`` into a space), and a cell may wrap onto the next line::

    序号 重点任务 牵头单位 配合单位 完成时限
    1 完善医疗卫生服务体系。加快建设。 市卫生健康委 市财政局、市医保局 2025年底

A *header* is a line naming a task column (任务, 事项, 工作, 内容, 举措, or 序号) and at least one
column of responsible bodies; its column words, in order, say which body columns lead, support
or list bodies (and which name persons: 牵头领导). Each following line that starts with a row
number opens a *row*, which runs to the next row. Its *task* is the text after the number up to
the first 。, else up to the last space before the bodies. The vocabulary lives in
``resources/responsibility_cues.yaml`` (``table_columns``).

Where ingest kept a table's cells (Word, Excel, HTML: ``Article.tables``), the table is read from
them instead (:func:`grid_tables`): each header cell gives its column's role, the task is the
task column's cell, and every body cell keeps its column's role, whatever spaces a cell holds.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import RESOURCES_DIR
from pipeline.errors import ResourceError
from pipeline.models import Section, SectionKind, Span
from pipeline.store import read_yaml_mapping
from pipeline.structure.text import sentence_spans

CUES_FILE = RESOURCES_DIR / "responsibility_cues.yaml"
COLUMN_ROLES = ("task", "lead", "support", "list", "person", "number", "deadline")

_ROW_START = re.compile(r"(?m)^[ \t]*(?P<num>\d{1,3})(?:[ \t]+|[.、．](?!\d)\s*)(?=\S)")


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: its number, offsets of the row, its task cell, and where its cells begin."""

    number: int
    start: int
    end: int
    task_start: int
    task_end: int
    cells_start: int
    #: The body cells as (start, end, column role) where the table's cells are known.
    cells: tuple[tuple[int, int, str], ...] = ()
    #: The row's cell of the deadline column (完成时限, 时间节点 …), where the table has one.
    deadline: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A header's body columns in order (``lead``/``support``/``list``) and the rows under it."""

    header_start: int
    header_end: int
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    @property
    def has_lead_column(self) -> bool:
        return "lead" in self.columns

    def role_of_cell(self, index: int) -> str:
        """The role of the bodies in the ``index``-th body cell of a row (cells run in column order;
        a row may leave cells empty, so later cells support when the first column leads)."""
        body_columns = [c for c in self.columns if c in ("lead", "support", "list")]
        if not body_columns:
            return "lead"
        if index == 0:
            return "lead" if body_columns[0] in ("lead", "list") else "support"
        if self.has_lead_column or "support" in body_columns:
            return "support"
        return "lead"


Columns = tuple[re.Pattern[str], dict[str, str]]


@functools.lru_cache(maxsize=4)
def table_columns(path: Path = CUES_FILE) -> Columns:
    """The column words of ``table_columns`` in ``path`` as one pattern, and the role of each."""
    data = read_yaml_mapping(path)
    try:
        columns = {
            str(word): str(role) for role, words in data["table_columns"].items() for word in words
        }
    except (KeyError, AttributeError, TypeError) as exc:
        raise ResourceError(
            f"{path}: table_columns malformed ({exc})", hint="fix the YAML file"
        ) from exc
    unknown = set(columns.values()) - set(COLUMN_ROLES)
    if unknown:
        raise ResourceError(
            f"{path}: unknown table column roles {sorted(unknown)}", hint=f"use {COLUMN_ROLES}"
        )
    words = sorted(columns, key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in words)), columns


_HEADER_BREAK = re.compile(r"[。;；]")  # a sentence: no header line
_SPACES = re.compile(r"\s+")


def header_columns(line: str, columns: Columns | None = None) -> tuple[str, ...] | None:
    """The column roles a header line names, in order; None when the line is no task table header.

    >>> header_columns("序号 重点任务 牵头单位 配合单位 完成时限")
    ('number', 'task', 'lead', 'support', 'deadline')
    >>> header_columns("序号 2023年重点工作任务 牵头 领导 牵头 责任单位 主体 责任单位 配合 责任单位 备注")
    ('number', 'task', 'person', 'lead', 'list', 'support')
    >>> header_columns("推进医疗卫生服务体系建设,牵头单位负责统筹。") is None
    True
    """
    if len(line) > 300 or _HEADER_BREAK.search(line):
        return None
    pattern, roles = columns or table_columns()
    collapsed = _SPACES.sub("", line)
    found: tuple[str, ...] = ()
    for m in pattern.finditer(collapsed):
        role = roles[m.group()]
        if role not in ("lead", "support", "list") and found[-1:] == (role,):
            continue  # 重点工作任务: one task column
        found += (role,)
    bodies = [r for r in found if r in ("lead", "support", "list")]
    if not bodies or not ({"task", "number"} & set(found)):
        return None
    return found


#: A table's cells as clean-text spans, row by row: ``grid[row][column] == (start, end)``.
Grid = Sequence[Sequence[tuple[int, int]]]


def cell_role(cell: str, columns: Columns | None = None) -> str | None:
    """The role a header cell names (its first column word), or None.

    >>> cell_role("牵头 单位"), cell_role("完成时限"), cell_role("重点工作任务"), cell_role("备注")
    ('lead', 'deadline', 'task', None)
    >>> cell_role("任务完成时限"), cell_role("牵头单位及责任人")
    ('deadline', 'lead')
    """
    pattern, roles = columns or table_columns()
    found = [roles[m.group()] for m in pattern.finditer(re.sub(r"\s+", "", cell))]
    if not found:
        return None
    # 任务完成时限: the words the cell ends on say what it holds
    return "deadline" if found[-1] == "deadline" else found[0]


def grid_tables(
    text: str, grids: Sequence[Grid], columns: Columns | None = None
) -> tuple[Table, ...]:
    """The task tables among the tables whose cells ingest kept: a header row (a task or number
    column and a body column) and the rows under it, up to the next header."""
    columns = columns or table_columns()
    tables: list[Table] = []
    for grid in grids:
        roles: list[str | None] | None = None
        header: tuple[int, int] = (0, 0)
        rows: list[Row] = []
        for cells in grid:
            if not cells:
                continue
            texts = [text[a:b] for a, b in cells]
            if header_columns(" ".join(texts), columns) is not None:
                tables.extend(_grid_table(header, roles, rows))
                roles, header, rows = (
                    [cell_role(t, columns) for t in texts],
                    (cells[0][0], cells[-1][1]),
                    [],
                )
                continue
            if roles is None:
                continue
            row = _grid_row(text, cells, roles, len(rows) + 1)
            if row is not None:
                rows.append(row)
        tables.extend(_grid_table(header, roles, rows))
    return tuple(tables)


def _grid_table(
    header: tuple[int, int], roles: list[str | None] | None, rows: list[Row]
) -> list[Table]:
    """The table under a header row (none without a header or rows)."""
    if roles is None or not rows:
        return []
    return [Table(header[0], header[1], tuple(r for r in roles if r is not None), tuple(rows))]


def _grid_row(
    text: str, cells: Sequence[tuple[int, int]], roles: list[str | None], index: int
) -> Row | None:
    """One row of a task table from its cells (None when it names no task)."""
    by_role: dict[str, tuple[int, int]] = {}
    bodies = []
    for (a, b), role in zip(cells, roles):
        if role in ("lead", "support", "list"):
            if text[a:b].strip():
                bodies.append((a, b, role))
        elif role is not None and role not in by_role:
            by_role[role] = (a, b)
    task = by_role.get("task")
    if task is None or not text[task[0] : task[1]].strip():
        return None
    number_cell = by_role.get("number")
    number_text = text[number_cell[0] : number_cell[1]].strip() if number_cell else ""
    number = int(number_text) if number_text.isdigit() and len(number_text) <= 4 else index
    start, end = cells[0][0], cells[-1][1]
    deadline = by_role.get("deadline")
    return Row(
        number,
        start,
        end,
        task[0],
        task[1],
        bodies[0][0] if bodies else task[1],
        tuple(bodies),
        deadline if deadline and text[deadline[0] : deadline[1]].strip() else None,
    )


def find_tables(
    text: str, columns: Columns | None = None, grids: Sequence[Grid] = ()
) -> tuple[Table, ...]:
    """Every task table of ``text``: the tables read from ``grids`` (the cells ingest kept), then
    a header line and the numbered rows under it elsewhere in the text."""
    columns = columns or table_columns()
    tables: list[Table] = list(grid_tables(text, grids, columns)) if grids else []
    kept = [(t.header_start, t.rows[-1].end) for t in tables]
    if kept:
        return tuple(tables) + tuple(
            t
            for t in _text_tables(text, columns)
            if not any(a <= t.header_start <= b for a, b in kept)
        )
    return _text_tables(text, columns)


def _text_tables(text: str, columns: Columns) -> tuple[Table, ...]:
    """Task tables flattened to lines (see the module's docstring)."""
    tables: list[Table] = []
    pos = 0
    lines = text.split("\n")
    offsets = []
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        roles = header_columns(lines[i], columns)
        if roles is None:
            i += 1
            continue
        header_start, header_end = offsets[i], offsets[i] + len(lines[i])
        starts: list[tuple[int, re.Match[str]]] = []
        j = i + 1
        while j < len(lines):
            match = _ROW_START.match(lines[j])
            if match:
                starts.append((j, match))
            elif not starts or header_columns(lines[j], columns) is not None:
                break  # text before any row, or the next table, ends this one
            j += 1
        rows = []
        for k, (line_no, match) in enumerate(starts):
            start = offsets[line_no]
            last_line = starts[k + 1][0] - 1 if k + 1 < len(starts) else j - 1
            end = offsets[last_line] + len(lines[last_line])
            task_start = start + match.end()
            task_end, cells_start = _task_cell(text, task_start, end)
            rows.append(Row(int(match.group("num")), start, end, task_start, task_end, cells_start))
        if rows:
            tables.append(Table(header_start, header_end, roles, tuple(rows)))
        i = max(j, i + 1)
    return tuple(tables)


def _task_cell(text: str, start: int, end: int) -> tuple[int, int]:
    """End of a row's task cell (its first sentence) and where the cells after it begin.

    >>> t = "完善服务体系。加快建设。 市卫生健康委 市财政局"
    >>> a, b = _task_cell(t, 0, len(t)); t[:a], t[b:]
    ('完善服务体系', '市卫生健康委 市财政局')
    """
    row = text[start:end]
    line_end = row.find("\n")
    first_line = row if line_end < 0 else row[:line_end]
    stop = first_line.find("。")
    space = re.search(r"\s", first_line)
    if stop >= 0 and not (space and space.start() < stop):
        gap = re.search(r"\s", first_line[stop:])
        cells = start + stop + (gap.end() if gap else len(first_line) - stop)
        return start + stop, cells
    space = re.search(r"\s+", first_line)
    if space is None:
        return start + len(first_line), start + len(first_line)
    return start + space.start(), start + space.end()


def row_sections(
    text: str, sections: tuple[Section, ...], grids: Sequence[Grid] = ()
) -> tuple[Section, ...]:
    """``sections`` with each table row added as a sub-item (its task cell the heading), under the
    innermost section holding it; ids ``<parent>.r<number>``."""
    added: list[Section] = []
    tables = find_tables(text, grids=grids)
    # Short unmarked lines were taken for headings (a text without numbered markers); inside a
    # table they are its header and rows.
    inside = [(t.header_start, t.rows[-1].end) for t in tables]
    sections = tuple(
        s for s in sections if s.marker or not any(a <= s.heading_start <= b for a, b in inside)
    )
    used = {s.section_id for s in sections}
    starts = {s.start for s in sections}
    for table in tables:
        for row in table.rows:
            if row.start in starts:
                continue  # the hierarchy already has this numbered line
            parent = min(
                (
                    s
                    for s in sections
                    if s.start <= row.start < s.end and s.kind is not SectionKind.SUBITEM
                ),
                key=lambda s: s.end - s.start,
                default=None,
            )
            base = f"{parent.section_id}.r{row.number}" if parent else f"r{row.number}"
            section_id, k = base, 2
            while section_id in used:
                section_id, k = f"{base}_{k}", k + 1
            used.add(section_id)
            added.append(
                Section(
                    section_id=section_id,
                    kind=SectionKind.SUBITEM,
                    marker=str(row.number),
                    ordinal=row.number,
                    heading=text[row.task_start : row.task_end],
                    start=row.start,
                    end=row.end,
                    heading_start=row.task_start,
                    heading_end=row.task_end,
                    parent_id=parent.section_id if parent else None,
                    paragraphs=(Span(row.start, row.end),),
                    sentences=sentence_spans(text, row.start, row.end),
                )
            )
    if not added:
        return sections
    return tuple(
        sorted((*sections, *added), key=lambda s: (s.start, -(s.end - s.start), s.section_id))
    )


__all__ = [
    "Grid",
    "Row",
    "Table",
    "cell_role",
    "find_tables",
    "grid_tables",
    "header_columns",
    "row_sections",
]
