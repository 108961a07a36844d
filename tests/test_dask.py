"""The Dask executor: a LocalCluster run writes byte-for-byte what the local run writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.config import Executor, Settings
from pipeline.errors import PolicyKGError
from pipeline.runner import run

distributed = pytest.importorskip("distributed")

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SMALL = ("003_e14da291fa1a9871.txt", "004_9ee0ee2d1a04337c.txt")


def _project(root: Path, **overrides) -> Settings:
    settings = Settings(root=root, **overrides)
    raw = settings.path(settings.raw_dir)
    raw.mkdir(parents=True)
    for name in SMALL:
        shutil.copy(RAW / name, raw / name)
    return settings


def _outputs(settings: Settings) -> dict[str, bytes]:
    root = settings.path(settings.interim_dir)
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        # the manifest and the trace index's stamp hold code digests and modification times
        if p.is_file() and p.name not in ("manifest.json", "trace_index.stamp")
    }


@pytest.fixture(scope="module")
def scheduler():
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address=None,
    )
    yield cluster.scheduler_address
    cluster.close()


def test_dask_run_without_scheduler_address_is_a_clear_error(tmp_path):
    settings = _project(tmp_path, executor=Executor.DASK)
    with pytest.raises(PolicyKGError, match="scheduler"):
        run(settings, load=False)


@pytest.mark.slow
def test_dask_run_is_byte_identical_to_local_run(tmp_path, scheduler):
    local = _project(tmp_path / "local")
    run(local, load=False)
    remote = _project(tmp_path / "dask", executor=Executor.DASK, scheduler=scheduler)
    summary = run(remote, load=False)
    assert sorted(summary.changed_files) == sorted(SMALL)
    assert _outputs(remote) == _outputs(local)
    assert _outputs(local)  # something was written
