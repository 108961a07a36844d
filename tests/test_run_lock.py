"""One run at a time per checkout, and a killed run leaves no worker processes behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.errors import RunLockedError
from pipeline.runner import run_lock

ROOT = Path(__file__).resolve().parents[1]


def test_run_lock_refuses_a_second_holder_and_names_the_first(tmp_path):
    settings = Settings(root=tmp_path)
    with run_lock(settings), pytest.raises(RunLockedError, match=f"pid {os.getpid()}"):
        with run_lock(settings):
            pass
    with run_lock(settings):  # released
        pass


def test_run_lock_is_released_when_the_body_fails(tmp_path):
    settings = Settings(root=tmp_path)
    with pytest.raises(ZeroDivisionError), run_lock(settings):
        raise ZeroDivisionError
    with run_lock(settings):
        pass


def test_run_lock_is_not_kept_by_a_program_the_run_started(tmp_path):
    # the local graph server is started from inside a run and outlives it
    settings = Settings(root=tmp_path)
    with run_lock(settings):
        child = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        with run_lock(settings):
            assert child.poll() is None
    finally:
        child.kill()
        child.wait()


def _wait_for(predicate, timeout: float, what: str):
    """Poll ``predicate`` until it returns a true value (a bound on waiting, not a timing test)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def test_run_lock_of_a_killed_holder_is_free(tmp_path):
    script = ("import sys, time; from pathlib import Path; from pipeline.config import Settings; "
              "from pipeline.runner import run_lock\n"
              f"with run_lock(Settings(root=Path({str(tmp_path)!r}))):\n"
              "    print('locked', flush=True); time.sleep(300)\n")  # fmt: skip
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunLockedError, match=f"pid {holder.pid}"):
            with run_lock(Settings(root=tmp_path)):
                pass
    finally:
        holder.kill()
        holder.wait()
    with run_lock(Settings(root=tmp_path)):
        pass


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_killed_run_leaves_no_workers(tmp_path):
    shutil.copytree(ROOT / "data" / "raw", tmp_path / "data" / "raw")
    env = {**os.environ, "POLICYKG_ROOT": str(tmp_path)}
    parent = subprocess.Popen(
        [sys.executable, "-c", "from pipeline.cli import main; main()", "run", "--workers", "2", "--no-load",
         "--no-analysis"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    workers: list[int] = []
    try:
        workers = _wait_for(
            lambda: len(_children(parent.pid)) >= 2 and _children(parent.pid), 180, "two workers"
        )
        second = subprocess.run([sys.executable, "-c", "from pipeline.cli import main; main()", "run", "--no-load"],
                                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert second.returncode != 0 and f"pid {parent.pid}" in second.stderr
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        _wait_for(lambda: not any(_alive(w) for w in workers), 60, "the workers to exit")
    finally:
        if parent.poll() is None:
            parent.kill()
        for worker in workers:  # a failed test must not leave them behind either
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)
