"""The HTML report in headless Chromium: loads without console errors, shows its tables and
drawings, filters targets, and leaves a screenshot under test-artifacts/."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from analysis_records import literal_corpus, seed_corpus

from pipeline.analysis import analyse
from pipeline.analysis.corpus import Corpus
from pipeline.analysis.report import render_report, report_of

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--enable-logging=stderr", "--v=0",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium is not installed and `make browser` could not install it (apt-get)")


def _corpus() -> tuple[str, Corpus]:
    try:
        return "seed", seed_corpus()
    except pytest.skip.Exception:
        return "literal", literal_corpus()


def _page(tmp_path: Path) -> tuple[str, Path]:
    name, corpus = _corpus()
    html = render_report(report_of(analyse(corpus)))
    page = tmp_path / "report" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(html, encoding="utf-8")
    return name, page


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile{len(list(tmp_path.glob('profile*')))}"
    command = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.browser
def test_report_loads_without_console_errors_and_shows_everything(tmp_path: Path) -> None:
    name, page = _page(tmp_path)
    run = _run(tmp_path, "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert _console_lines(run.stderr) == []
    dom = run.stdout
    for section in ("overview", "matrix", "timeline", "network", "cascade", "targets"):
        assert f'id="{section}"' in dom
    assert 'class="matrix"' in dom and "lead-mark" in dom and "support-mark" in dom
    assert dom.count('class="edge"') >= 3 and dom.count('class="node"') >= 3
    assert 'class="dot"' in dom
    assert 'class="cascade-table"' in dom
    rows = re.findall(r"<tr>\s*<td>(?:\d{4}|每年|未定)</td>", dom)
    assert len(rows) >= 3
    # the filter script ran: it wrote "shown / total"
    assert re.search(r'id="target-count">(\d+) / \1<', dom)
    assert "<script" not in dom.split("<main>")[1].split("</main>")[0]  # no text became markup
    assert "http://" not in dom.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in dom
    if name == "seed":
        assert "聊城市卫生健康委员会" in dom and "推进县域医共体建设" in dom
        cascade = dom.split('id="cascade"')[1].split("</section>")[0]
        # the reprinted national 意见 shows once, naming where else it appeared
        assert cascade.count('class="cascade-table"') == 1
        assert re.search(r"同文另见 000_84d2e6405c0b6c5b#\d", cascade)


@pytest.mark.browser
def test_report_filter_from_link(tmp_path: Path) -> None:
    _, page = _page(tmp_path)
    run = _run(tmp_path, "--dump-dom", page.as_uri() + "#q=%E7%AD%BE%E7%BA%A6%E7%8E%87")  # 签约率
    assert _console_lines(run.stderr) == []
    shown, total = map(int, re.search(r'id="target-count">(\d+) / (\d+)<', run.stdout).groups())
    assert 0 < shown < total


@pytest.mark.browser
def test_report_screenshot(tmp_path: Path) -> None:
    name, page = _page(tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    run = _run(tmp_path, f"--screenshot={shot}", "--window-size=1400,2000", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 20_000
    shutil.copy(page, ARTIFACTS / "report.html")
