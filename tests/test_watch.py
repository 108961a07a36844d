"""``policykg watch``: rebuilds when data/raw changes, with the pipeline built once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline import manifest, nlp, runner
from pipeline.config import Settings
from pipeline.errors import CodeChangedError
from pipeline.watch import WARM_UP_MODULES, Watcher, snapshot

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
#: Two of the seed files, the smallest: enough for a change among unchanged files.
SEEDS = sorted(RAW.iterdir(), key=lambda p: p.stat().st_size)[:2]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    for path in SEEDS:
        shutil.copy(path, raw / path.name)
    return Settings(root=tmp_path)


def _edit(path: Path) -> None:
    path.write_bytes(
        path.read_bytes().replace("。".encode(), "。各级卫生健康部门负责落实。".encode(), 1)
    )


def test_snapshot_sees_an_edit_a_new_file_and_a_removal(tmp_path):
    (tmp_path / "a.txt").write_text("一", encoding="utf-8")
    first = snapshot(tmp_path)
    assert [name for name, *_ in first] == ["a.txt"]
    (tmp_path / "a.txt").write_text("一二", encoding="utf-8")
    edited = snapshot(tmp_path)
    assert edited != first
    (tmp_path / "b.txt").write_text("三", encoding="utf-8")
    (tmp_path / "a.txt").unlink()
    assert [name for name, *_ in snapshot(tmp_path)] == ["b.txt"]
    assert snapshot(tmp_path / "missing") == ()


_WARM_UP = """
import json, sys
from pathlib import Path
from pipeline import runner
from pipeline.config import Settings
from pipeline.watch import WARM_UP_MODULES, Watcher
ran = []
real = runner.process_file
runner.process_file = lambda *a: ran.append(real(*a)) or ran[-1]
before = [m for m in WARM_UP_MODULES if m in sys.modules]
Watcher(Settings(root=Path(sys.argv[1])), load=False, analyse=False).warm()
print(json.dumps({"before": before, "after": [m for m in WARM_UP_MODULES if m in sys.modules],
                  "results": [[r.error is None, r.counts] for r in ran]}))
"""


def test_warming_up_runs_every_stage_on_its_text_and_imports_the_exports(tmp_path):
    """What the first rebuild would pay (the shapes compiled, the first matches, the export
    modules imported) is paid in :meth:`Watcher.warm`, on a text that reaches every stage;
    nothing is written. In a new process, so the imports are its own."""
    out = subprocess.run(
        [sys.executable, "-c", _WARM_UP, str(tmp_path)], capture_output=True, text=True, check=True
    )
    seen = json.loads(out.stdout)
    assert seen["before"] == [] and seen["after"] == list(WARM_UP_MODULES)
    ((ok, counts),) = seen["results"]
    assert ok and counts["documents"] == 1 and counts["tasks"] >= 2 and counts["targets"] >= 2
    assert counts["responsibilities"] >= 3  # a lead and two supporting bodies, one more leading
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_watcher_rebuilds_a_change_once_it_holds_still_with_the_pipeline_built_once(
    settings, monkeypatch
):
    builds = []
    real_build = nlp.build_nlp
    monkeypatch.setattr(runner, "_WORKER_NLP", {})
    monkeypatch.setattr(nlp, "build_nlp", lambda s: builds.append(1) or real_build(s))
    watcher = Watcher(settings, load=False, analyse=False)
    watcher.warm()
    assert builds == [1]
    first = watcher.rebuild()
    assert sorted(first.changed_files) == sorted(p.name for p in SEEDS)
    assert watcher.poll() is None  # nothing changed

    edited = settings.path(settings.raw_dir) / SEEDS[1].name  # the 意见 (the other is a spam page)
    _edit(edited)
    assert watcher.poll() is None  # a change just seen: it must hold still for one poll
    rebuilt = watcher.poll()
    assert rebuilt is not None and rebuilt.changed_files == [edited.name]
    assert watcher.poll() is None
    articles = settings.path(settings.interim_dir) / "articles"
    texts = [json.loads(p.read_text(encoding="utf-8"))["text"] for p in articles.iterdir()]
    assert any("各级卫生健康部门负责落实" in text for text in texts)

    edited.unlink()
    assert watcher.poll() is None
    removed = watcher.poll()
    assert removed is not None and removed.removed_files == [edited.name]
    assert builds == [1], "the rebuilds used the pipeline built when the watcher started"


def test_watcher_stops_when_its_code_changed_on_disk(settings, monkeypatch):
    monkeypatch.setattr(runner, "_nlp_for", lambda s: None)
    monkeypatch.setattr(manifest, "fingerprint", lambda s: "started-with")
    watcher = Watcher(settings, load=False, analyse=False)
    watcher.warm()
    monkeypatch.setattr(manifest, "fingerprint", lambda s: "edited-since")
    with pytest.raises(CodeChangedError, match="changed since this watcher started"):
        watcher.rebuild()
    assert not settings.path(settings.interim_dir).exists(), "nothing ran with the stale code"


@pytest.mark.slow
def test_watch_command_rebuilds_an_edited_file_and_stops_on_ctrl_c(settings):
    env = {**os.environ, "POLICYKG_ROOT": str(settings.root), "COLUMNS": "300"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from pipeline.cli import main; main()", "watch", "--no-load",
         "--no-analysis", "--interval", "0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    lines: list[str] = []

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                break
            lines.append(line)
            if text in line:
                return
        pytest.fail(f"no line with {text!r} in {lines}")

    try:
        wait_for(f"{len(SEEDS)} rebuilt")
        edited = settings.path(settings.raw_dir) / SEEDS[0].name
        _edit(edited)
        wait_for(f"1 rebuilt ({edited.name})")
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, lines
    assert "stopped" in out and "Traceback" not in "".join(lines) + out
