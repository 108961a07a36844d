"""The report's explorer in headless Chromium (Playwright driving the system Chromium): typed
searches, clicks on filters, views and source links, on the seed documents. Screenshots are left
under test-artifacts/."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from analysis_records import literal_corpus, seed_corpus

from pipeline.analysis import analyse
from pipeline.analysis.corpus import Corpus
from pipeline.analysis.report import render_report, report_of

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
HEALTH = "聊城市卫生健康委员会"
CITY_PLAN = "003_e14da291fa1a9871#0"

pytestmark = pytest.mark.browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium is not installed and `make browser` could not install it (apt-get)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def seed_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = tmp_path_factory.mktemp("report") / "index.html"
    page.write_text(render_report(report_of(analyse(seed_corpus()))), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(page, ARTIFACTS / "report.html")
    return page


class Page:
    """A browser tab on the report, recording console errors, page errors and any request that
    would leave the file (the page must need no network)."""

    def __init__(self, browser: object, path: Path, hash_: str = "") -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.tab = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        self.tab.set_default_timeout(10_000)
        self.tab.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.tab.on("pageerror", lambda e: self.errors.append(str(e)))
        self.tab.route("**/*", self._route)
        self.tab.goto(path.as_uri() + hash_)
        self.tab.wait_for_selector("body[data-explorer=ready]")

    def _route(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith("file:"):
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.requests.append(url)
            route.abort()  # type: ignore[attr-defined]

    def search(self, text: str) -> list[str]:
        """Type ``text`` into the search box; the suggestions' texts."""
        self.tab.fill("#explorer-search", "")
        self.tab.type("#explorer-search", text)
        self.tab.wait_for_selector("#suggestions:not([hidden]) li a")
        return [a.inner_text() for a in self.tab.query_selector_all("#suggestions li a")]

    def count(self) -> tuple[int, int]:
        text = self.tab.inner_text("#result-count")
        tasks, targets = map(int, re.findall(r"\d+", text))
        return tasks, targets

    def cards(self) -> list[str]:
        return [c.inner_text() for c in self.tab.query_selector_all(".task-card")]

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.tab.screenshot(path=str(path))
        return path

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert self.requests == [], self.requests
        self.tab.close()


@pytest.fixture
def page(browser: object, seed_page: Path) -> Iterator[Page]:
    tab = Page(browser, seed_page, "#today=2025-03-01")
    yield tab
    tab.close()


def test_report_shows_every_section_and_draws(page: Page) -> None:
    for section in ("explorer", "overview", "matrix", "timeline", "network", "cascade"):
        assert page.tab.is_visible(f"#{section}")
    assert page.tab.locator("table.matrix .lead-mark").count() > 3
    assert page.tab.locator("svg.network g.node").count() >= 3
    assert page.tab.locator("svg.timeline rect.dot").count() >= 30
    cascade = page.tab.inner_text("#cascade")
    assert cascade.count("相似度") == 1 and re.search(r"同文另见 000_84d2e6405c0b6c5b#\d", cascade)
    assert page.tab.inner_text("#today") == "2025-03-01"


def test_search_finds_body_by_alias_and_lists_its_goals_by_deadline(page: Page) -> None:
    suggestions = page.search("市卫健委")
    assert suggestions[0].startswith("单位") and HEALTH in suggestions[0]
    page.tab.click("#suggestions li a >> nth=0")
    page.tab.wait_for_selector(".task-card")
    assert f"单位：{HEALTH}" in page.tab.inner_text("#view-head")
    tasks, targets = page.count()
    assert tasks >= 10 and targets >= 10
    primary = next(c for c in page.cards() if "筑牢基层服务网底" in c)
    assert "牵头" in primary and "基层门急诊人次占比 ≥ 65%（2025）" in primary
    assert "基层门急诊人次占比达到65%以上" in primary  # the source sentence
    groups = page.tab.locator(".group-head").all_inner_texts()
    order = ["每年", "未定", "无量化目标"]  # after the years, in time order
    assert groups[0] == "2025 年" and groups == sorted(
        groups, key=lambda g: (0, g) if g[:4].isdigit() else (1 + order.index(g), g)
    )
    page.shot("explorer-body.png")


def test_search_by_typed_abbreviation_with_enter(page: Page) -> None:
    page.search("卫生健康委")
    page.tab.press("#explorer-search", "Enter")
    page.tab.wait_for_selector("#result-count")
    assert "单位：" in page.tab.inner_text("#view-head")
    assert page.count()[0] > 0


def test_filters_narrow_the_view(page: Page) -> None:
    page.tab.goto(page.tab.url.split("#")[0] + "#today=2025-03-01&body=" + quote(HEALTH))
    page.tab.wait_for_selector(".task-card")
    all_tasks, _ = page.count()
    page.tab.select_option("#filter-role", "support")
    page.tab.wait_for_function(
        f"!document.querySelector('#result-count').textContent.startsWith('{all_tasks} ')"
    )
    support, _ = page.count()
    assert 0 < support < all_tasks
    roles = page.tab.locator(".task-card .role").all_inner_texts()
    assert roles and set(roles) == {"配合"}
    page.tab.select_option("#filter-role", "")
    page.tab.select_option("#filter-doc", CITY_PLAN)
    docs = page.tab.locator(".task-card .doc a").all_inner_texts()
    assert docs and set(docs) == {"聊城市进一步完善医疗卫生服务体系的实施方案"}
    page.tab.select_option("#filter-doc", "")
    page.tab.select_option("#filter-year", "2035")
    page.tab.wait_for_selector("#no-results, .task-card")
    assert all("2035" in c for c in page.cards())


def test_overdue_and_due_soon_are_marked_against_today(browser: object, seed_page: Path) -> None:
    body = "&body=" + quote(HEALTH)
    before = Page(browser, seed_page, "#today=2025-03-01" + body)
    soon = before.tab.locator(".target.soon").count()
    assert soon > 0 and before.tab.locator(".target.overdue").count() == 0
    before.close()
    after = Page(browser, seed_page, "#today=2026-03-01" + body)
    assert after.tab.locator(".target.overdue").count() == soon
    after.tab.select_option("#filter-status", "overdue")
    assert after.count()[1] == soon
    after.shot("explorer-overdue.png")
    after.close()


def test_source_link_opens_the_paragraph_with_the_sentence_highlighted(page: Page) -> None:
    page.tab.goto(page.tab.url.split("#")[0] + "#indicator=" + quote("基层门急诊人次占比"))
    page.tab.wait_for_selector("a.src-link")
    assert page.tab.is_hidden("#source-panel")
    page.tab.click("a.src-link >> nth=0")
    page.tab.wait_for_selector("#source-panel:not([hidden])")
    marked = page.tab.inner_text("#source-body mark.sentence")
    paragraph = page.tab.inner_text("#source-body .paragraph")
    assert "基层门急诊人次占比达到65%以上" in marked and len(paragraph) > len(marked)
    assert page.tab.inner_text("#source-body b.mention") in marked
    assert "003_e14da291fa1a9871.txt" in page.tab.inner_text("#source-body")
    page.shot("explorer-source.png")
    page.tab.click("#source-close")
    page.tab.wait_for_selector("#source-panel[hidden]", state="attached")


def test_views_from_document_programme_indicator_and_year(page: Page) -> None:
    page.tab.click(f"#overview a[href='#doc={quote(CITY_PLAN, safe='')}']")
    page.tab.wait_for_selector(".task-card")
    assert page.tab.inner_text("#view-head").startswith(
        "文件：聊城市进一步完善医疗卫生服务体系的实施方案"
    )
    page.tab.click(".task-card .owners a[href*='programme=']")
    assert page.tab.inner_text("#view-head").startswith("工程：")
    assert page.count()[0] >= 1
    page.tab.click(".task-card a.indicator >> nth=0")
    assert page.tab.inner_text("#view-head").startswith("指标：")
    page.tab.click("svg.timeline a >> nth=0")
    head = page.tab.inner_text("#view-head")
    assert re.match(r"年份：\d{4}", head) and page.count()[1] > 0


def test_matrix_network_and_cascade_link_into_views(page: Page) -> None:
    page.tab.click(f"table.matrix th.body a[href='#body={quote(HEALTH, safe='')}']")
    assert page.tab.inner_text("#view-head").startswith(f"单位：{HEALTH}")
    page.tab.click("svg.network a >> nth=0")
    assert page.tab.inner_text("#view-head").startswith("单位：") and page.count()[0] > 0
    page.tab.click("#cascade h3 a >> nth=1")
    assert page.tab.inner_text("#view-head").startswith("文件：")


def test_free_words_from_a_link(browser: object, seed_page: Path) -> None:
    tab = Page(browser, seed_page, "#q=" + quote("签约率"))
    _tasks, targets = tab.count()
    assert 0 < targets < 45 and all("签约率" in c for c in tab.cards())
    tab.close()


def test_full_page_screenshot(page: Page) -> None:
    path = ARTIFACTS / "report.png"
    page.tab.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 50_000


def test_document_text_stays_text(browser: object, tmp_path: Path) -> None:
    corpus = literal_corpus()
    facts = corpus.facts_of("902_city#0")
    evil = dataclasses.replace(
        facts.targets[0], indicator='<img src=x onerror="window.pwned=1">就诊率'
    )
    others = [f for f in corpus.facts if f.doc_id != "902_city#0"]
    path = tmp_path / "index.html"
    path.write_text(
        render_report(
            report_of(analyse(Corpus.of(corpus.documents, [*others, evil_facts(facts, evil)])))
        ),
        encoding="utf-8",
    )
    tab = Page(browser, path)
    tab.search("onerror")
    tab.tab.click("#suggestions li a >> nth=0")
    tab.tab.wait_for_selector(".task-card")
    assert '<img src=x onerror="window.pwned=1">就诊率' in " ".join(tab.cards())
    assert tab.tab.evaluate("window.pwned") is None
    tab.close()


def evil_facts(facts: object, evil: object) -> object:
    return dataclasses.replace(facts, targets=(evil, *facts.targets[1:]))  # type: ignore[type-var]
