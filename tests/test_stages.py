"""The run's stage list (``runner.STAGES``) names what a run writes: every file pattern a stage
writes matches a file after a run on the seed documents."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.runner import STAGES, run

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def _expand(pattern: str) -> list[str]:
    """``a/{b,c}/*.json`` → ``a/b/*.json``, ``a/c/*.json``."""
    match = re.search(r"\{([^}]*)\}", pattern)
    if match is None:
        return [pattern]
    return [
        expanded
        for choice in match.group(1).split(",")
        for expanded in _expand(pattern[: match.start()] + choice + pattern[match.end() :])
    ]


def test_stages_are_in_run_order_and_unique():
    names = [stage.name for stage in STAGES]
    assert names[0] == "scan" and names[-1] == "manifest" and len(set(names)) == len(names)
    assert names.index("process") < names.index("export") < names.index("load")


@pytest.mark.slow
def test_every_output_a_stage_names_is_written(tmp_path: Path) -> None:
    settings = Settings(root=tmp_path, workers=1)
    shutil.copytree(RAW, settings.path(settings.raw_dir))
    run(settings, load=False)
    patterns = [p for stage in STAGES for p in stage.writes if p != "database"]
    assert patterns
    for pattern in patterns:
        for expanded in _expand(pattern):
            assert list(tmp_path.glob(expanded)), f"{expanded}: nothing written"
