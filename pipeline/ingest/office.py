"""Word (DOCX, python-docx) and Excel (XLSX, openpyxl) files.

DOCX: the body's paragraphs and tables in document order (headers, footers and comments are not
the text). A paragraph is a line (``paragraph N``); a table row is a line of cells separated by
tabs (``table T, row R, column C``). A merged cell stands once in its row; a cell's own
paragraphs are joined by spaces.

XLSX: every worksheet in order, read in openpyxl's read-only mode (rows are streamed, so memory
stays bounded whatever the sheet's size); each non-empty row is a line of its cells
(``sheet S, row R, column C``); a percentage cell (0.65 shown as 65%) reads as ``65%``.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from pipeline.errors import InputError
from pipeline.ingest.formats import Layer, LayerBuilder
from pipeline.models import SourceFormat

__all__ = ["cell_text", "read_docx", "read_xlsx"]

#: Rows one sheet may give; a sheet longer than that is cut with a warning.
MAX_SHEET_ROWS = 200_000


def _damaged(what: str, exc: BaseException) -> InputError:
    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return InputError(
        f"a damaged {what} file ({reason})", hint="open and save it again, or download it again"
    )


def _cell_lines(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def read_docx(data: bytes) -> Layer:
    """Paragraphs and tables of a DOCX file in document order."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise _damaged("Word (DOCX)", exc) from exc
    builder = LayerBuilder()
    paragraph_no = table_no = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            table_no += 1
            rows = []
            for row in block.rows:
                cells: list[Any] = []
                for cell in row.cells:
                    if not cells or cell._tc is not cells[-1]._tc:  # a merged cell stands once
                        cells.append(cell)
                rows.append([_cell_lines(cell.text) for cell in cells])
            builder.table(rows, f"table {table_no}", table=table_no)
        else:
            paragraph_no += 1
            if block.text.strip():
                builder.line(block.text, paragraph=paragraph_no)
    layer = builder.build(SourceFormat.DOCX)
    if not layer.text.strip():
        raise InputError(
            "the Word file holds no text", hint="check that it is the document and not a template"
        )
    return layer


def cell_text(value: Any, number_format: str = "General") -> str:
    """A spreadsheet value as it reads on the sheet.

    >>> cell_text(0.65, "0%"), cell_text(78.6), cell_text(2025.0), cell_text(dt.datetime(2025, 12, 31))
    ('65%', '78.6', '2025', '2025-12-31')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if "%" in (number_format or ""):
            value = value * 100
        text = f"{value:.10g}" if isinstance(value, float) else str(value)
        return text + ("%" if "%" in (number_format or "") else "")
    return _cell_lines(str(value))


def read_xlsx(data: bytes) -> Layer:
    """Every worksheet of an XLSX file, row by row."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        zipfile.BadZipFile,
        KeyError,
        ValueError,
        TypeError,
        OSError,
        InvalidFileException,
    ) as exc:
        raise _damaged("Excel (XLSX)", exc) from exc
    builder = LayerBuilder()
    warnings: list[str] = []
    try:
        for sheet in workbook.worksheets:
            # The sheet's stated size may be a million rows by 16 384 columns; read what it holds.
            sheet.reset_dimensions()
            rows: list[list[str]] = []
            for number, cells in enumerate(sheet.iter_rows(), 1):
                if number > MAX_SHEET_ROWS:
                    warnings.append(
                        f"sheet {sheet.title}: only the first {MAX_SHEET_ROWS} rows were read"
                    )
                    break
                texts = [cell_text(c.value, getattr(c, "number_format", "General")) for c in cells]
                while texts and not texts[-1]:
                    texts.pop()
                rows.append(texts)
            builder.table(rows, f"sheet {sheet.title}", sheet=sheet.title)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise _damaged("Excel (XLSX)", exc) from exc
    finally:
        workbook.close()
    layer = builder.build(SourceFormat.XLSX, warnings)
    if not layer.text.strip():
        raise InputError("the spreadsheet holds no text", hint="check that it is the right file")
    return layer
