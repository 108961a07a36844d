"""OCR of scanned PDF pages with Tesseract's Simplified Chinese model, when it is installed.

A page is rendered by pdfium (greyscale, :data:`OCR_DPI`) and handed to ``tesseract`` as a PGM
image on its standard input; no file is written. Tesseract puts spaces between Chinese
characters; they are taken out (a space stays between Latin letters and digits).
Debian: ``apt-get install tesseract-ocr tesseract-ocr-chi-sim`` (``make ocr``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

from pipeline.errors import InputError

OCR_LANGUAGE = "chi_sim"
OCR_DPI = 300
#: Seconds one page may take.
OCR_PAGE_TIMEOUT = 120
#: Pages of one file read by OCR at most; the rest are named in a warning.
OCR_MAX_PAGES = 100
INSTALL_HINT = "install Tesseract with its Simplified Chinese model: apt-get install tesseract-ocr tesseract-ocr-chi-sim (or make ocr)"
_WIDE = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’《》〈〉〔〕【】—…·]"
_WIDE_GAP = re.compile(rf"(?<={_WIDE}) +|(?<=[\w.%,;:!?()]) +(?={_WIDE})")


def join_wide(line: str) -> str:
    """Remove the spaces OCR puts beside Chinese characters.

    >>> join_wide("到 2025 年 , 基 层 门 急 诊 人 次 占 比 达 到 65% 以 上 。")
    '到2025年,基层门急诊人次占比达到65%以上。'
    """
    return _WIDE_GAP.sub("", line)


def tesseract_ready() -> str | None:
    """Why OCR cannot run here (no ``tesseract``, or no ``chi_sim`` model), or None."""
    program = shutil.which("tesseract")
    if program is None:
        return "Tesseract is not installed"
    try:
        listed = subprocess.run(
            [program, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"Tesseract cannot run ({exc})"
    if OCR_LANGUAGE not in listed.stdout.split():
        return f"Tesseract has no {OCR_LANGUAGE} model"
    return None


def _pgm(page: Any) -> bytes:
    """The page rendered as a binary greyscale PGM image."""
    bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
    width, height, stride = bitmap.width, bitmap.height, bitmap.stride
    buffer = bytes(bitmap.buffer)
    if bitmap.n_channels != 1:  # pdfium gave colour anyway: take one channel
        step = bitmap.n_channels
        rows = [buffer[y * stride : y * stride + width * step : step] for y in range(height)]
    else:
        rows = [buffer[y * stride : y * stride + width] for y in range(height)]
    return b"P5\n%d %d\n255\n" % (width, height) + b"".join(rows)


def ocr_page(page: Any) -> str:
    """The text of one rendered page (lines as Tesseract finds them)."""
    result = subprocess.run(
        [
            "tesseract",
            "stdin",
            "stdout",
            "-l",
            OCR_LANGUAGE,
            "--psm",
            "6",
            "-c",
            "preserve_interword_spaces=1",
        ],
        input=_pgm(page),
        capture_output=True,
        timeout=OCR_PAGE_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        reason = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(
            f"Tesseract failed on a page ({reason[-1] if reason else result.returncode})"
        )
    text = result.stdout.decode("utf-8", "replace")
    return "\n".join(join_wide(line.strip()) for line in text.splitlines() if line.strip())


def ocr_pages(
    pdf: Any, indexes: list[int], *, whole_document: bool
) -> tuple[dict[int, str], str | None]:
    """OCR of the pages ``indexes`` of ``pdf`` (0-based): their texts, and a note on what was not
    read. Without Tesseract a wholly scanned document is an :class:`InputError`; a document with
    some scanned pages keeps its other pages, with a note."""
    missing = tesseract_ready()
    pages = ", ".join(str(i + 1) for i in indexes[:10]) + (" …" if len(indexes) > 10 else "")
    if missing is not None:
        if whole_document:
            raise InputError(f"a scanned PDF (no text layer) and {missing}", hint=INSTALL_HINT)
        return {}, f"page(s) {pages} have no text layer and {missing}; {INSTALL_HINT}"
    texts: dict[int, str] = {}
    slow: list[int] = []
    for index in indexes[:OCR_MAX_PAGES]:
        page = pdf[index]
        try:
            texts[index] = ocr_page(page)
        except subprocess.TimeoutExpired:
            slow.append(index + 1)
        finally:
            page.close()
    notes = []
    if len(indexes) > OCR_MAX_PAGES:
        notes.append(
            f"only the first {OCR_MAX_PAGES} scanned pages were read by OCR ({len(indexes)} have no text layer)"
        )
    if slow:
        notes.append(
            f"OCR of page(s) {', '.join(map(str, slow))} took over {OCR_PAGE_TIMEOUT} s each and was stopped"
        )
    return texts, "; ".join(notes) or None
