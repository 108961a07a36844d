"""The analyses on the seed documents of data/raw, run through the real upstream stages."""

from __future__ import annotations

import pytest
from analysis_records import seed_corpus

from pipeline.analysis import analyse
from pipeline.analysis.cascade import implemented_documents
from pipeline.analysis.corpus import Corpus
from pipeline.analysis.report import report_of
from pipeline.analysis.reprints import find_reprints
from pipeline.analysis.trace import goal_owners, resolve_body_name, trace_body

HEALTH = "聊城市卫生健康委员会"
CITY_PLAN = "003_e14da291fa1a9871"
OPINION_STEMS = ("000_84d2e6405c0b6c5b", "001_60cbdc764d02941c")
OPINION_TITLE = "关于进一步完善医疗卫生服务体系的意见"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return seed_corpus()


def _city_plan(corpus: Corpus) -> str:
    return next(d.doc_id for d in corpus.relevant_documents() if d.doc_id.startswith(CITY_PLAN))


def _opinion(corpus: Corpus, stem: str) -> str:
    """The article of raw file ``stem`` that carries the national 意见."""
    return next(
        d.doc_id
        for d in corpus.relevant_documents()
        if d.doc_id.startswith(stem) and d.metadata.title == OPINION_TITLE
    )


@pytest.mark.parametrize("name", ["市卫生健康委", "市卫健委", "卫生健康委", HEALTH])
def test_seed_body_aliases_resolve_to_city_commission(corpus: Corpus, name: str) -> None:
    assert resolve_body_name(name, corpus) == HEALTH


def test_seed_trace_lists_city_tasks_with_2025_targets(corpus: Corpus) -> None:
    trace = trace_body(resolve_body_name("市卫生健康委", corpus), corpus)
    city = _city_plan(corpus)
    led = [t for t in trace.tasks if t.role.value == "lead" and t.doc_id == city]
    assert len(led) >= 15
    headings = {t.heading for t in led}
    assert {"全面推进紧密型县域医共体建设", "筑牢基层服务网底"} <= headings
    years = {target.year for t in trace.tasks for target in t.targets}
    assert 2025 in years
    assert all(t.evidence.sentence for t in trace.tasks)
    firsts = [t.first_year or 9999 for t in trace.tasks if t.doc_id == city]
    assert firsts == sorted(firsts)


def test_seed_city_plan_implements_the_national_opinion_by_title(corpus: Corpus) -> None:
    links = implemented_documents(corpus.document(_city_plan(corpus)), corpus)
    implemented = {lk.implemented.split("#")[0] for lk in links}
    assert implemented & set(OPINION_STEMS)
    assert all(lk.matched_by in {"title", "doc_number"} for lk in links)


def test_seed_cascade_links_county_alliance_tasks(corpus: Corpus) -> None:
    result = analyse(corpus)
    city = _city_plan(corpus)
    pairs = {
        (m.implementing_heading, m.implemented_heading, m.implemented_doc.split("#")[0])
        for m in result.task_links
        if m.implementing_doc == city
    }
    assert any(
        own == "全面推进紧密型县域医共体建设"
        and their == "推进县域医共体建设"
        and stem in OPINION_STEMS
        for own, their, stem in pairs
    )
    answered = {own for own, _, _ in pairs}
    assert len(answered) >= 10


def test_seed_network_ranks_city_commission_first(corpus: Corpus) -> None:
    result = analyse(corpus)
    assert result.rankings[0].body == HEALTH
    assert result.rankings[0].degree >= 8


def test_seed_goal_owner_of_outpatient_share(corpus: Corpus) -> None:
    found = goal_owners("基层门急诊人次占比", corpus)
    assert found and found[0].target.value == 65
    assert HEALTH in found[0].leads


def test_seed_reprinted_opinion_is_one_document(corpus: Corpus) -> None:
    # 000#1 is a news page reprinting the first half of the 意见 that 001#0 carries whole
    reprints = find_reprints(corpus)
    whole, reprint = _opinion(corpus, OPINION_STEMS[1]), _opinion(corpus, OPINION_STEMS[0])
    assert dict(reprints.groups) == {whole: (reprint,)}


def test_seed_cascade_shows_the_opinion_once_naming_its_reprint(corpus: Corpus) -> None:
    result = analyse(corpus)
    city = _city_plan(corpus)
    links = [lk for lk in result.document_links if lk.implementing == city]
    whole, reprint = _opinion(corpus, OPINION_STEMS[1]), _opinion(corpus, OPINION_STEMS[0])
    assert [(lk.implemented, lk.implemented_also) for lk in links] == [(whole, (reprint,))]
    implemented = {m.implemented_doc for m in result.task_links if m.implementing_doc == city}
    assert implemented == {whole}
    answered = [m.implementing_task for m in result.task_links if m.implementing_doc == city]
    assert len(answered) == len(set(answered))  # not once per copy of the 意见


def test_seed_report_cascade_names_the_reprint_once(corpus: Corpus) -> None:
    report = report_of(analyse(corpus))
    whole, reprint = _opinion(corpus, OPINION_STEMS[1]), _opinion(corpus, OPINION_STEMS[0])
    (cascade,) = report.cascades
    assert cascade["implemented_id"] == whole
    assert cascade["implemented"] == f"{OPINION_TITLE}（同文另见 {reprint}）"
    assert any(
        row["implemented_heading"] == "推进县域医共体建设"
        and row["implementing_heading"] == "全面推进紧密型县域医共体建设"
        for row in cascade["rows"]
    )
    listed = [d["doc_id"] for d in report.documents]
    assert reprint not in listed and whole in listed
