"""Legacy binary Office and WPS files (DOC, WPS; XLS, ET) through LibreOffice, when installed.

``soffice --headless --convert-to docx|xlsx`` turns the file into its modern form in a private
temporary directory (with its own LibreOffice profile, so runs in parallel do not share one),
which :mod:`pipeline.ingest.office` then reads; locations are those of the converted file.
Without LibreOffice the file is skipped with a message saying what to install.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from pipeline.errors import InputError
from pipeline.ingest.formats import Layer

#: Seconds one conversion may take.
CONVERT_TIMEOUT = 180
INSTALL_HINT = "install LibreOffice to read it: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui"


def soffice() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def read_legacy(data: bytes, *, spreadsheet: bool) -> Layer:
    """Convert a legacy file with LibreOffice and read the result."""
    what = "spreadsheet (XLS/ET)" if spreadsheet else "Word or WPS document (DOC/WPS)"
    program = soffice()
    if program is None:
        raise InputError(f"a legacy {what}, and LibreOffice is not installed", hint=INSTALL_HINT)
    target = "xlsx" if spreadsheet else "docx"
    with tempfile.TemporaryDirectory(prefix="policykg-convert-") as tmp:
        folder = Path(tmp)
        source = folder / ("input.xls" if spreadsheet else "input.doc")
        source.write_bytes(data)
        command = [
            program,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(folder / "out"),
            str(source),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise InputError(
                f"LibreOffice took over {CONVERT_TIMEOUT} s to convert the {what}",
                hint="convert it by hand to DOCX or XLSX",
            ) from exc
        converted = folder / "out" / f"input.{target}"
        if not converted.is_file():
            raise InputError(
                f"LibreOffice could not convert the {what} (a damaged file?)",
                hint="open it in an office program and save it as DOCX or XLSX",
            )
        result = converted.read_bytes()
    from pipeline.ingest.office import read_docx, read_xlsx

    return read_xlsx(result) if spreadsheet else read_docx(result)
