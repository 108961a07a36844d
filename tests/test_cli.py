"""The console entry point: usage errors and failures are one clear line, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _policykg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from pipeline.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [(("trace",), "Missing argument"), (("query", "--no-such-flag"), "No such option")],
)
def test_main_usage_error_is_clicks_message_not_an_internal_error(
    args: tuple[str, ...], message: str
) -> None:
    result = _policykg(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
