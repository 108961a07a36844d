"""Task tables read from text: headers, rows, task cells and the sub-items they become."""

from __future__ import annotations

import pytest

from pipeline.ingest import ingest_bytes
from pipeline.structure import structure_article
from pipeline.structure.tables import cell_role, find_tables, grid_tables, header_columns

TABLE = (
    "某市卫生健康重点任务分工表\n"
    "序号 重点任务 牵头单位 配合单位 完成时限\n"
    "1 完善分级诊疗制度。推进医联体建设。 市卫生健康委 市医保局、市财政局 2025年底\n"
    "2 加强公共卫生体系建设 市疾控局 市卫生健康委\n市财政局 2024年底\n"
    "3 深化医保支付方式改革。 市医保局 市卫生健康委 持续推进\n"
)


@pytest.mark.parametrize(
    ("line", "columns"),
    [
        ("序号 工作任务 责任单位 完成时限", ("number", "task", "list", "deadline")),
        (
            "序号 具体措施 牵头部门 配合部门 时间节点 备注",
            ("number", "task", "lead", "support", "deadline"),
        ),
        (
            "序号 主要任务 牵头 领导 牵头 责任单位 配合 责任单位",
            ("number", "task", "person", "lead", "support"),
        ),
        ("重点任务 主办单位 协办单位", ("task", "lead", "support")),
        ("一、加强组织领导,牵头单位要履行责任。", None),
        ("序号 指标 单位 目标值", None),
    ],
)
def test_header_columns(line: str, columns: tuple[str, ...] | None) -> None:
    assert header_columns(line) == columns


def test_find_tables_rows_and_task_cells() -> None:
    (table,) = find_tables(TABLE)
    assert table.columns == ("number", "task", "lead", "support", "deadline")
    tasks = [TABLE[r.task_start : r.task_end] for r in table.rows]
    assert tasks == ["完善分级诊疗制度", "加强公共卫生体系建设", "深化医保支付方式改革"]
    assert [r.number for r in table.rows] == [1, 2, 3]
    # A row runs over the lines its cells wrapped onto, up to the next row.
    assert (
        TABLE[table.rows[1].cells_start : table.rows[1].end]
        == "市疾控局 市卫生健康委\n市财政局 2024年底"
    )
    assert table.role_of_cell(0) == "lead" and table.role_of_cell(2) == "support"


def test_list_column_alone_makes_every_body_lead() -> None:
    (table,) = find_tables("序号 工作任务 责任单位\n1 开展爱国卫生运动。 市卫生健康委 市城管局\n")
    assert [table.role_of_cell(i) for i in range(2)] == ["lead", "lead"]


def test_table_rows_become_sub_items_of_the_document() -> None:
    (article,) = ingest_bytes("table.txt", TABLE.encode("utf-8"))
    document = structure_article(article)
    assert [(s.section_id, s.kind.value, s.heading) for s in document.sections] == [
        ("r1", "subitem", "完善分级诊疗制度"),
        ("r2", "subitem", "加强公共卫生体系建设"),
        ("r3", "subitem", "深化医保支付方式改革"),
    ]


def test_html_table_reads_like_a_flattened_one() -> None:
    html = (
        "<html><body><p>一、重点任务</p><table><tr><th>序号</th><th>重点任务</th><th>牵头单位</th>"
        "<th>配合单位</th></tr><tr><td>1</td><td>完善医疗卫生服务体系。</td><td>市卫生健康委</td>"
        "<td>市财政局、市医保局</td></tr></table></body></html>"
    )
    (article,) = ingest_bytes("table.html", html.encode("utf-8"))
    (table,) = find_tables(article.text)
    assert [article.text[r.task_start : r.task_end] for r in table.rows] == ["完善医疗卫生服务体系"]


@pytest.mark.parametrize(
    ("cell", "role"),
    [
        ("完成时限", "deadline"),
        ("完成 时间", "deadline"),
        ("时间安排", "deadline"),
        ("进度安排", "deadline"),
        ("任务完成时限", "deadline"),  # the words a header cell ends on say what it holds
        ("重点任务", "task"),
        ("牵头单位及责任人", "lead"),
        ("备注", None),
    ],
)
def test_header_cell_roles(cell: str, role: str | None) -> None:
    assert cell_role(cell) == role


def test_grid_row_keeps_its_deadline_cell() -> None:
    """Where ingest kept the cells, a row's deadline is the cell under the deadline header; an
    empty deadline cell gives none."""
    cells = [
        ["序号", "重点任务", "牵头单位", "时间节点", "备注"],
        ["1", "完善分级诊疗制度", "市卫生健康委", "2025年底前", ""],
        ["2", "加强公共卫生体系建设", "市疾控局", " ", "无"],
    ]
    text, grid, pos = "", [], 0
    for row in cells:
        spans = []
        for cell in row:
            spans.append((pos, pos + len(cell)))
            text += cell + "\t"
            pos += len(cell) + 1
        grid.append(spans)
    (table,) = grid_tables(text, [grid])
    first, second = table.rows
    assert first.deadline is not None and text[slice(*first.deadline)] == "2025年底前"
    assert second.deadline is None
