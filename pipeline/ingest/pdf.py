"""PDF files: the text layer of each page (pypdfium2), or the page images read by OCR.

Each page's text is kept with its page number (``SourceLocation(page=…)``). Running headers and
footers, and page numbers, are left out: a line at the top or bottom of a page is furniture when
it is a page number (``— 3 —``, ``第3页``, ``3/12``) or when the same line (its digits aside)
stands at the edge of at least half of the pages. Line wraps are joined later, as for any text
(:mod:`pipeline.ingest.layout`). A page without a text layer (a scan) is read by Tesseract when
it is installed (:mod:`pipeline.ingest.ocr`).
"""

from __future__ import annotations

import re
from collections import Counter

from pipeline.errors import InputError
from pipeline.ingest.formats import Layer, LayerBuilder
from pipeline.models import SourceFormat

#: Lines at each edge of a page that may be a running header or footer.
EDGE_LINES = 2
#: Share of the pages a line must recur on (at an edge) to be a running header or footer.
RUNNING_SHARE = 0.5
#: Characters (spaces aside) below which a page counts as having no text layer.
MIN_PAGE_CHARS = 5
PAGE_NUMBER = re.compile(
    r"\s*(?:[-—–－‒]+\s*)?(?:第\s*)?\d{1,4}\s*(?:页)?(?:\s*[/／]\s*(?:共\s*)?\d{1,4}\s*页?)?(?:\s*[-—–－‒]+)?\s*"
    r"|\s*(?:共\s*\d{1,4}\s*页\s*)?第\s*\d{1,4}\s*页(?:\s*共\s*\d{1,4}\s*页)?\s*"
    r"|\s*(?:page|Page|PAGE)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*"
)
_DIGITS = re.compile(r"\d+")


def is_page_number(line: str) -> bool:
    """Whether a line is only a page number.

    >>> [is_page_number(s) for s in ("— 3 —", "- 12 -", "第3页 共9页", "3/12", "2025年")]
    [True, True, True, True, False]
    """
    return PAGE_NUMBER.fullmatch(line) is not None


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the non-empty lines at the top and bottom of a page."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def running_lines(pages: list[list[str]]) -> set[str]:
    """The running headers and footers of a document: edge lines (digits masked) that recur on at
    least :data:`RUNNING_SHARE` of the pages (two pages at least) and seldom inside a page (a
    document of numbered lines alike, ``第1条 …``, has none).

    >>> pages = [["市政府文件", "正文一", "— 1 —"], ["市政府文件", "正文二", "— 2 —"]]
    >>> sorted(running_lines(pages))
    ['— # —', '市政府文件']
    """
    edge: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    for lines in pages:
        edges = set(_edges(lines))
        edge.update({_DIGITS.sub("#", lines[i].strip()) for i in edges})
        inside.update(
            _DIGITS.sub("#", line.strip()) for i, line in enumerate(lines) if i not in edges
        )
    least = max(2, RUNNING_SHARE * len(pages))
    return {
        key for key, count in edge.items() if key and count >= least and inside[key] <= count // 4
    }


def page_lines(text: str) -> list[str]:
    """A page's text as lines (pdfium ends lines with CR LF and marks soft hyphens)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "").replace("\ufffe", "")
    return text.split("\n")


def read_pdf(data: bytes) -> Layer:
    """The text of a PDF, page by page; :class:`InputError` for an encrypted or damaged file, or a
    scanned one when OCR is not installed."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise InputError(
                "the PDF is encrypted (it needs a password to open)",
                hint="save a copy without a password into the raw directory",
            ) from exc
        raise InputError(
            f"the PDF cannot be opened ({exc})", hint="download the file again"
        ) from exc
    warnings: list[str] = []
    hints: dict[str, str] = {}
    try:
        pages: list[list[str]] = []
        scanned: list[int] = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            if len(re.sub(r"\s", "", text)) < MIN_PAGE_CHARS:
                scanned.append(index)
                text = ""
            pages.append(page_lines(text))
            page.close()
        if scanned:
            from pipeline.ingest.ocr import ocr_pages

            read, note = ocr_pages(pdf, scanned, whole_document=len(scanned) == len(pages))
            for index, text in read.items():
                pages[index] = page_lines(text)
            if read:
                hints["ocr"] = "tesseract chi_sim"
            if note:
                warnings.append(note)
    finally:
        pdf.close()
    furniture = running_lines(pages) if len(pages) > 1 else set()
    builder = LayerBuilder()
    for number, lines in enumerate(pages, 1):
        edges = set(_edges(lines))
        kept = [
            line
            for i, line in enumerate(lines)
            if line.strip()
            and not (
                i in edges and (is_page_number(line) or _DIGITS.sub("#", line.strip()) in furniture)
            )
        ]
        if kept:
            builder.line("\n".join(kept), page=number)
    layer = builder.build(SourceFormat.PDF, warnings, hints)
    if not layer.text.strip():
        raise InputError(
            "the PDF holds no text", hint="check that it is a document and not only images"
        )
    return layer
