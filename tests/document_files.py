"""Word, PDF and Excel files built in code from the seed text of the 聊城 plan (raw file 003).

The builders write what an office would publish: the plan as a Word file, as a PDF with a running
header and page numbers, as a Word file whose responsibilities stand in a 重点任务分工表 instead of
in parentheses after each task, the 分工表 alone as a spreadsheet, and a scanned PDF (page images).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = "003_e14da291fa1a9871.txt"
SEED_PATH = ROOT / "data" / "raw" / SEED
TABLE_HEADER = ["序号", "重点任务", "牵头单位", "配合单位", "完成时限"]
RUNNING_HEADER = "聊城市卫生健康委员会文件"
_ITEM = re.compile(r"^\((?P<num>[一二三四五六七八九十]+)\)(?P<heading>[^。]+)。")
# The parenthesised responsibility clause at the end of an item ("(责任单位:A、B、C" may be left open).
_CLAUSE = re.compile(r"\(责任单位:(?P<bodies>[^()]*?)(?:,排第一位为牵头单位,下同)?\)?$")


@lru_cache(maxsize=1)
def seed_lines() -> tuple[str, ...]:
    """The seed plan's clean lines (as ingest reads the text file)."""
    from pipeline.ingest import ingest_bytes

    (article,) = ingest_bytes(SEED, SEED_PATH.read_bytes())
    return tuple(article.text.split("\n"))


@dataclass(frozen=True)
class DivisionRow:
    """One row of a 分工表: the task heading, its lead bodies and its supporting bodies."""

    task: str
    lead: tuple[str, ...]
    support: tuple[str, ...]


def without_clauses(lines: tuple[str, ...]) -> tuple[str, ...]:
    """The plan's lines without the responsibility clause that ends each task item."""
    return tuple(
        line[: clause.start()] if _ITEM.match(line) and (clause := _CLAUSE.search(line)) else line
        for line in lines
    )


def division_rows(facts) -> tuple[DivisionRow, ...]:
    """The responsibilities the text version states, as 分工表 rows (bodies as the text names them)."""
    rows: dict[str, tuple[str, list[str], list[str]]] = {}
    for resp in sorted(
        facts.responsibilities, key=lambda r: (r.provenance.start, r.provenance.end)
    ):
        _task, lead, support = rows.setdefault(resp.task_id, (resp.task_heading, [], []))
        bucket = lead if resp.role.value == "lead" else support
        if resp.surface not in lead + support:
            bucket.append(resp.surface)
    return tuple(
        DivisionRow(task, tuple(lead), tuple(support)) for task, lead, support in rows.values()
    )


#: What a 分工表's deadline column (完成时限) says, and the deadline label each reads as: a date,
#: a month, a range (due at its end), the annual and the open kinds.
DEADLINE_CELLS = (
    ("2025年底前", "2025"),
    ("2024年12月", "2024-12"),
    ("长期坚持", "长期坚持"),
    ("2023—2025年", "2025"),
    ("每年", "每年"),
    ("持续推进", "持续推进"),
    ("2024年6月底前", "2024-06-30"),
)


def table_rows(rows: tuple[DivisionRow, ...], deadlines: tuple[str, ...] = ()) -> list[list[str]]:
    """The 分工表 of ``rows``: the deadline column cycles through ``deadlines`` (2025年底 if none)."""
    cells = deadlines or ("2025年底",)
    return [TABLE_HEADER] + [
        [str(i), row.task, "、".join(row.lead), "、".join(row.support), cells[(i - 1) % len(cells)]]
        for i, row in enumerate(rows, 1)
    ]


def docx_bytes(
    lines: tuple[str, ...], table: list[list[str]] | None = None, table_title: str = ""
) -> bytes:
    """A Word file: one paragraph per line, then (if given) a titled table."""
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    if table:
        document.add_paragraph(table_title)
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, cells in enumerate(table):
            for c, text in enumerate(cells):
                grid.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _cjk_font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # ships with reportlab
    return "STSong-Light"


def pdf_bytes(
    lines: tuple[str, ...], *, size: int = 12, header: bool = True, encrypt: str | None = None
) -> bytes:
    """A PDF of the lines, hard-wrapped at the page width, with a running header and page numbers."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _cjk_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1, encrypt=encrypt)
    width, height = A4
    per_line = int((width - 144) / size)
    y, page = height - 72, 1

    def furniture() -> None:
        if header:
            pdf.setFont(font, 9)
            pdf.drawString(72, height - 40, RUNNING_HEADER)
            pdf.drawCentredString(width / 2, 30, f"— {page} —")
        pdf.setFont(font, size)

    furniture()
    for line in lines:
        for i in range(0, len(line), per_line):
            if y < 72:
                pdf.showPage()
                page += 1
                y = height - 72
                furniture()
            pdf.drawString(72, y, line[i : i + per_line])
            y -= size * 1.6
    pdf.save()
    return out.getvalue()


def scanned_pdf_bytes(text_pdf: bytes, dpi: int = 200) -> bytes:
    """The pages of ``text_pdf`` as images only (what a scanner gives): no text layer."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    source = pdfium.PdfDocument(text_pdf)
    out = io.BytesIO()
    first = source[0]
    width, height = first.get_size()
    first.close()
    pdf = canvas.Canvas(out, pagesize=(width, height), invariant=1)
    for index in range(len(source)):
        page = source[index]
        image = page.render(scale=dpi / 72, grayscale=True).to_pil()
        pdf.drawImage(ImageReader(image), 0, 0, width, height)
        pdf.showPage()
        page.close()
    source.close()
    pdf.save()
    return out.getvalue()


_SIGNS = {">=": "≥", "<=": "≤", "=": "", "~": ""}
TARGET_HEADER = ["序号", "指标", "单位", "2025年目标值", "属性"]


def target_rows(facts) -> list[list[str]]:
    """The text version's targets due in 2025 as an indicator table (指标 / 单位 / 目标值 / 属性)."""
    rows = [TARGET_HEADER]
    for target in sorted(facts.targets, key=lambda t: t.provenance.start):
        if target.deadline is None or target.deadline.year != 2025:
            continue
        value = f"{_SIGNS[target.comparator.value]}{target.value:g}" + (
            "左右" if target.comparator.value == "~" else ""
        )
        rows.append(
            [
                str(len(rows)),
                target.indicator,
                target.unit or "—",
                value,
                "约束性" if target.comparator.value == "<=" else "预期性",
            ]
        )
    return rows


def workbook_bytes(sheets: dict[str, tuple[str, list[list[str]]]]) -> bytes:
    """A workbook of titled tables, one sheet each: the title in a merged first row."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, (title, table) in sheets.items():
        ws = workbook.create_sheet(name)
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(table[0]))
        for cells in table:
            ws.append([int(c) if c.isdigit() else c for c in cells])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
