"""A fresh build of the seed documents writes, byte for byte, the files recorded in
``tests/data/seed_outputs.sha256`` (``sha256sum`` lines, paths under ``data/``).

Speed work must not change what the pipeline writes. When a change to extraction, the ontology
or the exports is meant to change the outputs, record the new ones and review the diff of the
digest file: ``POLICYKG_UPDATE_DIGESTS=1 .venv/bin/python -m pytest tests/test_outputs_digest.py``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.runner import run

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
DIGESTS = Path(__file__).resolve().parent / "data" / "seed_outputs.sha256"
#: Written by a run but not outputs of the pipeline: the manifest holds the code fingerprint, the
#: trace index (a cache of the records for `policykg trace`) their modification times.
NOT_OUTPUTS = {"manifest.json", ".run.lock", ".gitkeep", "trace_index.stamp"}


def _digests(data_dir: Path) -> dict[str, str]:
    """``{path under data/: sha256}`` of every file a run wrote under data/graph and data/interim."""
    return {
        path.relative_to(data_dir).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for sub in ("graph", "interim")
        for path in sorted((data_dir / sub).rglob("*"))
        if path.is_file() and path.name not in NOT_OUTPUTS
    }


def _recorded() -> dict[str, str]:
    recorded = {}
    for line in DIGESTS.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        recorded[name] = digest
    return recorded


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_seed_build_writes_the_recorded_bytes(tmp_path: Path, workers: int) -> None:
    settings = Settings(root=tmp_path, workers=workers)
    shutil.copytree(RAW, settings.path(settings.raw_dir))
    summary = run(settings, load=False)
    assert not summary.skipped
    written = _digests(tmp_path / "data")
    if os.environ.get("POLICYKG_UPDATE_DIGESTS") == "1" and workers == 1:
        DIGESTS.write_text(
            "".join(f"{d}  {n}\n" for n, d in sorted(written.items())), encoding="utf-8"
        )
    recorded = _recorded()
    changed = sorted(
        name for name in written.keys() | recorded.keys() if written.get(name) != recorded.get(name)
    )
    assert not changed, f"outputs differ from {DIGESTS.name}: {changed[:10]}"
