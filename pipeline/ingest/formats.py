"""Binary document formats, recognised by their bytes: PDF, Word (DOCX), Excel (XLSX), and the
legacy Office and WPS formats (DOC, XLS, WPS, ET) that LibreOffice converts.

A reader turns such a file into a :class:`Layer`: the text it holds, one paragraph or table row
to a line (a row's cells separated by tabs), with where each part sits in the file (page, sheet
and row, table row) and the tables' cells. That text is the file's *raw text*: the cleaning
steps run on it as on a text file, and raw offsets point into it (a reader is deterministic, so
:func:`read_layer` gives the same text again).

Which format a file is does not depend on its name: a PDF called ``plan.txt`` is read as a PDF.
"""

from __future__ import annotations

import enum
import io
import zipfile
from dataclasses import dataclass, field

from pipeline.errors import InputError
from pipeline.models import SourceFormat, SourceLocation

__all__ = ["FileKind", "Layer", "LayerBuilder", "RawTable", "read_layer", "sniff"]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
#: How far into a file a PDF header may start (readers accept leading junk up to 1 KB).
PDF_HEADER_WINDOW = 1024


class FileKind(str, enum.Enum):
    TEXT = "text"  # text, HTML, Markdown: decoded by :mod:`pipeline.ingest.decode`
    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    LEGACY_WORD = "legacy-word"  # DOC, WPS (OLE2)
    LEGACY_SHEET = "legacy-sheet"  # XLS, ET (OLE2)
    ZIP = "zip"  # a ZIP archive that is neither


def sniff(data: bytes) -> FileKind:
    """The kind of a file, from its bytes.

    >>> sniff(b"%PDF-1.7 ..."), sniff("关于印发".encode()), sniff(OLE2_MAGIC + b"W\\x00o\\x00r\\x00k\\x00b\\x00o\\x00o\\x00k\\x00")
    (<FileKind.PDF: 'pdf'>, <FileKind.TEXT: 'text'>, <FileKind.LEGACY_SHEET: 'legacy-sheet'>)
    """
    if PDF_MAGIC in data[:PDF_HEADER_WINDOW]:
        return FileKind.PDF
    if data.startswith(OLE2_MAGIC):
        # The stream names of the compound file's directory, in UTF-16: a document's, else a
        # workbook's (a document may mention a "Book" too).
        if "WordDocument".encode("utf-16-le") in data:
            return FileKind.LEGACY_WORD
        sheet = any(name.encode("utf-16-le") in data for name in ("Workbook", "Book"))
        return FileKind.LEGACY_SHEET if sheet else FileKind.LEGACY_WORD
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return FileKind.ZIP  # the reader names the damage
        if "word/document.xml" in names:
            return FileKind.DOCX
        if "xl/workbook.xml" in names:
            return FileKind.XLSX
        return FileKind.ZIP
    return FileKind.TEXT


@dataclass(frozen=True, slots=True)
class RawTable:
    """A table's cells as raw-text spans, row by row (an empty cell is an empty span), and where
    the table sits (``table 2``, ``sheet 分工表``)."""

    rows: tuple[tuple[tuple[int, int], ...], ...]
    location: str


@dataclass(frozen=True, slots=True)
class Layer:
    """The text of a binary file, where its parts sit, its tables, and what its reader noticed."""

    text: str
    source_format: SourceFormat
    locations: tuple[SourceLocation, ...] = ()
    tables: tuple[RawTable, ...] = ()
    warnings: tuple[str, ...] = ()
    hints: dict[str, str] = field(default_factory=dict)


class LayerBuilder:
    """Builds a :class:`Layer`'s text line by line, recording where each part came from."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.locations: list[SourceLocation] = []
        self.tables: list[RawTable] = []

    def add(self, text: str, **where: int | str | None) -> tuple[int, int]:
        """Append ``text`` (from the place ``where``, if given); its span in the layer's text."""
        start = self.size
        self.parts.append(text)
        self.size += len(text)
        if where and text:
            self.locations.append(SourceLocation(start, self.size, **where))  # type: ignore[arg-type]
        return start, self.size

    def line(self, text: str, **where: int | str | None) -> None:
        """Append one line (a paragraph)."""
        self.add(text, **where)
        self.add("\n")

    def table(self, rows: list[list[str]], location: str, **where: int | str | None) -> None:
        """Append a table, one row to a line, cells separated by tabs; ``rows[i][j]`` is the text of
        column ``j + 1`` of row ``i + 1`` (``where`` places the table; rows and columns are added)."""
        spans = []
        for r, cells in enumerate(rows, 1):
            if not any(cell.strip() for cell in cells):
                continue
            row = []
            for c, cell in enumerate(cells, 1):
                if c > 1:
                    self.add("\t")
                row.append(self.add(cell, **where, row=r, column=c))
            self.add("\n")
            spans.append(tuple(row))
        if spans:
            self.tables.append(RawTable(tuple(spans), location))

    def build(
        self,
        source_format: SourceFormat,
        warnings: list[str] | None = None,
        hints: dict[str, str] | None = None,
    ) -> Layer:
        return Layer(
            "".join(self.parts),
            source_format,
            tuple(self.locations),
            tuple(self.tables),
            tuple(warnings or ()),
            dict(hints or {}),
        )


def read_layer(data: bytes, kind: FileKind | None = None) -> Layer | None:
    """The :class:`Layer` of a binary document, or None for a text file (:class:`InputError` for
    a damaged, encrypted or unsupported file, or one that needs a program that is not installed)."""
    kind = kind or sniff(data)
    if kind is FileKind.TEXT:
        return None
    if kind is FileKind.PDF:
        from pipeline.ingest.pdf import read_pdf

        return read_pdf(data)
    if kind is FileKind.DOCX:
        from pipeline.ingest.office import read_docx

        return read_docx(data)
    if kind is FileKind.XLSX:
        from pipeline.ingest.office import read_xlsx

        return read_xlsx(data)
    if kind in (FileKind.LEGACY_WORD, FileKind.LEGACY_SHEET):
        from pipeline.ingest.legacy import read_legacy

        return read_legacy(data, spreadsheet=kind is FileKind.LEGACY_SHEET)
    try:
        zipfile.ZipFile(io.BytesIO(data)).close()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(
            f"a damaged ZIP file (a Word or Excel file?): {exc}", hint="download the file again"
        ) from exc
    raise InputError(
        "a ZIP archive that is neither a Word (DOCX) nor an Excel (XLSX) file",
        hint="unpack it into the raw directory, or convert it to DOCX or XLSX",
    )
