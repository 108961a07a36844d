"""Compare PDF text readers on a generated Chinese PDF (the 聊城 plan, raw file 003): the share of
the text they give back (difflib ratio, spaces and the running header aside) and their time.

The candidates are not all project dependencies; install them into the venv first:
    .venv/bin/pip install pdfminer.six pdfplumber
    .venv/bin/python tools/measure_pdf_readers.py
"""

from __future__ import annotations

import difflib
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from document_files import RUNNING_HEADER, SEED_PATH, pdf_bytes, seed_lines


def with_pypdfium2(data: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def with_pdfminer(data: bytes) -> str:
    import io

    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def with_pdfplumber(data: bytes) -> str:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def main() -> None:
    reference = re.sub(r"\s", "", "".join(seed_lines()))
    data = pdf_bytes(seed_lines())
    print(f"{SEED_PATH.name}: {len(reference)} characters, PDF {len(data)} bytes")
    for name, read in (
        ("pypdfium2", with_pypdfium2),
        ("pdfminer.six", with_pdfminer),
        ("pdfplumber", with_pdfplumber),
    ):
        read(data)  # warm up: imports and font tables
        times = []
        for _ in range(3):
            started = time.perf_counter()
            text = read(data)
            times.append(time.perf_counter() - started)
        got = re.sub(rf"{RUNNING_HEADER}|—\d+—", "", re.sub(r"\s", "", text))
        ratio = difflib.SequenceMatcher(None, reference, got, autojunk=False).ratio()
        print(
            f"{name:13s} best of 3: {min(times):.3f} s  text ratio {ratio:.4f}  characters {len(got)}"
        )


if __name__ == "__main__":
    main()
