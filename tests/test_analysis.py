"""Unit tests of the analyses over small literal records (network, cascade, trace, goal, export)."""

from __future__ import annotations

import pytest
from analysis_records import (
    FINANCE,
    HEALTH,
    INSURANCE,
    NATIONAL_HEALTH,
    REFORM,
    city_document,
    literal_corpus,
    national_document,
)

from pipeline.analysis import analyse
from pipeline.analysis.cascade import (
    citation_matches,
    core_title,
    heading_similarity,
    implemented_documents,
    match_tasks,
)
from pipeline.analysis.corpus import Corpus
from pipeline.analysis.export import analysis_graph, database_rows, ontology_namespace
from pipeline.analysis.network import (
    body_rankings,
    coordination_pairs,
    coresponsibility_network,
    pair_weight,
)
from pipeline.analysis.trace import body_candidates, goal_owners, resolve_body_name, trace_body
from pipeline.errors import AnalysisError
from pipeline.models import Citation, CitationRelation, Role


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return literal_corpus()


# --------------------------------------------------------------------------- network


@pytest.mark.parametrize(
    ("first", "second", "weight"),
    [(Role.LEAD, Role.LEAD, 1.0), (Role.LEAD, Role.SUPPORT, 0.75), (Role.SUPPORT, Role.LEAD, 0.75),
     (Role.SUPPORT, Role.SUPPORT, 0.5)],
)
def test_pair_weight_by_roles(first: Role, second: Role, weight: float) -> None:
    assert pair_weight(first, second) == weight


def test_network_strength_sums_shared_tasks_by_role(corpus: Corpus) -> None:
    graph = coresponsibility_network(corpus.facts)
    # lead–support on 医共体 (0.75) + lead–lead on 签约 (1.0)
    assert graph.edges[HEALTH, INSURANCE]["weight"] == pytest.approx(1.75)
    assert graph.edges[HEALTH, INSURANCE]["shared_tasks"] == 2
    # support–support on 医共体 only
    assert graph.edges[FINANCE, INSURANCE]["weight"] == pytest.approx(0.5)
    # 医共体 lead–support (0.75) + 人事薪酬 lead(财政)–support (0.75)
    assert graph.edges[HEALTH, FINANCE]["weight"] == pytest.approx(1.5)
    assert NATIONAL_HEALTH not in graph


def test_rankings_put_the_hub_first(corpus: Corpus) -> None:
    ranks = body_rankings(coresponsibility_network(corpus.facts))
    assert [r.body for r in ranks][0] == HEALTH
    hub = ranks[0]
    assert (hub.degree, hub.lead_tasks, hub.support_tasks) == (3, 3, 1)
    assert hub.betweenness > 0  # the only path from 发改委 to anyone runs through it
    by_body = {r.body: r for r in ranks}
    assert by_body[REFORM].betweenness == 0
    assert by_body[REFORM].degree == 1


def test_coordination_pairs_sorted_strongest_first(corpus: Corpus) -> None:
    pairs = coordination_pairs(coresponsibility_network(corpus.facts))
    strengths = [p.strength for p in pairs]
    assert strengths == sorted(strengths, reverse=True)
    assert {pairs[0].first, pairs[0].second} == {HEALTH, INSURANCE}
    assert all(p.first < p.second for p in pairs)


def test_network_empty_without_responsibilities() -> None:
    doc, facts = national_document()
    graph = coresponsibility_network([facts])
    assert graph.number_of_nodes() == 0
    assert body_rankings(graph) == []


# --------------------------------------------------------------------------- cascade


@pytest.mark.parametrize(
    ("title", "core"),
    [
        ("中共中央办公厅 国务院办公厅印发〈关于进一步完善医疗卫生服务体系的意见〉的通知", "进一步完善医疗卫生服务体系的意见"),
        ("《国务院办公厅关于印发“十四五”国民健康规划的通知》", "十四五国民健康规划"),
        ("关于推进家庭医生签约服务的指导意见", "推进家庭医生签约服务的指导意见"),
        ("某省深化医药卫生体制改革实施方案(征求意见稿)", "某省深化医药卫生体制改革实施方案"),
    ],
)
def test_core_title_strips_wrappers(title: str, core: str) -> None:
    assert core_title(title) == core


def test_citation_matches_by_title_when_the_cited_text_has_no_number() -> None:
    national, _ = national_document()
    city, _ = city_document()
    assert national.metadata.doc_number is None
    assert citation_matches(city.citations[0], national) == "title"


def test_citation_matches_by_number() -> None:
    national, _ = national_document()
    import dataclasses

    numbered = dataclasses.replace(
        national, metadata=dataclasses.replace(national.metadata, doc_number="中办发[2023]10号"))
    citation = Citation(None, "中办发〔2023〕10号", CitationRelation.IMPLEMENTS, 0, 1)
    assert citation_matches(citation, numbered) == "doc_number"


def test_citation_of_another_plan_does_not_match() -> None:
    national, _ = national_document()
    other = Citation("山东省人民政府办公厅关于印发山东省进一步完善医疗卫生服务体系的实施方案的通知",
                     "鲁政办字〔2023〕202号", CitationRelation.IMPLEMENTS, 0, 1)
    city, _ = city_document()
    assert citation_matches(other, national) is None
    assert citation_matches(other, city) is None


def test_citation_of_national_title_does_not_match_a_provincial_namesake() -> None:
    national, _ = national_document()
    import dataclasses

    provincial = dataclasses.replace(national, metadata=dataclasses.replace(
        national.metadata, title="某省进一步完善医疗卫生服务体系的意见", level=None))
    citation = Citation("关于进一步完善医疗卫生服务体系的意见", None, CitationRelation.IMPLEMENTS, 0, 1)
    assert citation_matches(citation, provincial) is None
    issuer_first = Citation("中共中央办公厅国务院办公厅进一步完善医疗卫生服务体系的意见", None,
                            CitationRelation.IMPLEMENTS, 0, 1)
    assert citation_matches(issuer_first, national) == "title"


def test_implemented_documents_links_city_plan_to_national_opinion(corpus: Corpus) -> None:
    city = corpus.document("902_city#0")
    links = implemented_documents(city, corpus)
    assert [(lk.implemented, lk.matched_by) for lk in links] == [("901_national#0", "title")]
    assert implemented_documents(corpus.document("901_national#0"), corpus) == []


def test_heading_similarity_ignores_generic_verbs() -> None:
    assert heading_similarity("全面推进紧密型县域医共体建设", "推进县域医共体建设") > 0.7
    assert heading_similarity("推进县域医共体建设", "加强中医药服务体系建设") < 0.3


def test_match_tasks_pairs_items_and_keeps_targets(corpus: Corpus) -> None:
    matches = match_tasks(corpus.document("902_city#0"), corpus.document("901_national#0"), corpus)
    pairs = {(m.implementing_heading, m.implemented_heading) for m in matches}
    assert ("全面推进紧密型县域医共体建设", "推进县域医共体建设") in pairs
    assert ("完善中医药服务体系", "加强中医药服务体系建设") in pairs
    assert ("做实家庭医生签约服务", "提高家庭医生签约服务质量") in pairs
    assert ("总体要求", "总体要求") in pairs  # parts only meet parts
    assert not any(m.implementing_heading == "深化人事薪酬制度改革" for m in matches)
    county = next(m for m in matches if m.implemented_heading == "推进县域医共体建设")
    assert county.target_score is not None and county.target_score >= 0.8
    assert [(a.value, b.value) for a, b in county.target_pairs] == [(92, 90)]


def test_match_tasks_threshold_drops_weak_links(corpus: Corpus) -> None:
    strict = match_tasks(corpus.document("902_city#0"), corpus.document("901_national#0"), corpus, 0.99)
    assert all(m.score >= 0.99 for m in strict)
    assert len(strict) < len(match_tasks(corpus.document("902_city#0"),
                                         corpus.document("901_national#0"), corpus))


# --------------------------------------------------------------------------- body names and traces


@pytest.mark.parametrize("name", [HEALTH, "市卫生健康委", "市卫健委", "卫生健康委", "临河市卫健委"])
def test_resolve_body_name_aliases(corpus: Corpus, name: str) -> None:
    assert resolve_body_name(name, corpus) == HEALTH


def test_resolve_body_name_ambiguous_lists_candidates(corpus: Corpus) -> None:
    with pytest.raises(AnalysisError) as info:
        resolve_body_name("卫生健康委员会", corpus)
    assert HEALTH in str(info.value) and NATIONAL_HEALTH in str(info.value)
    assert info.value.code == "E800"


def test_resolve_body_name_unknown(corpus: Corpus) -> None:
    with pytest.raises(AnalysisError, match="no body named"):
        resolve_body_name("市水利局", corpus)


def test_body_candidates_level_prefix(corpus: Corpus) -> None:
    assert body_candidates("国家卫健委", corpus) == [NATIONAL_HEALTH]
    assert body_candidates("市医保局", corpus) == [INSURANCE]


def test_trace_body_groups_tasks_with_targets_and_evidence(corpus: Corpus) -> None:
    trace = trace_body(HEALTH, corpus)
    headings = [t.heading for t in trace.tasks]
    assert set(headings) == {"全面推进紧密型县域医共体建设", "完善中医药服务体系", "做实家庭医生签约服务",
                             "深化人事薪酬制度改革"}
    # ordered by earliest deadline, tasks without targets last
    years = [t.first_year for t in trace.tasks]
    assert years == [2025, 2025, 2026, None]
    roles = {t.heading: t.role for t in trace.tasks}
    assert roles["深化人事薪酬制度改革"] is Role.SUPPORT
    assert roles["做实家庭医生签约服务"] is Role.LEAD
    county = trace.tasks[0]
    assert county.supports == (FINANCE, INSURANCE)
    assert county.targets[0].indicator == "县域内就诊率"
    assert "县域内就诊率达到92%以上" in county.targets[0].evidence.sentence
    assert "责任单位" in county.evidence.sentence
    assert [d for d, _, _ in trace.documents()] == ["902_city#0"]


def test_trace_body_without_tasks_lists_issued_targets(corpus: Corpus) -> None:
    trace = trace_body(NATIONAL_HEALTH, corpus)
    assert trace.tasks == ()
    (issued,) = trace.issued
    assert issued.doc_id == "903_news#0"
    assert [t.value for _, t in issued.targets] == [90]


def test_trace_issuer_gets_only_targets_without_responsible_bodies(corpus: Corpus) -> None:
    # the city commission issued the city plan, but every target there has a responsible body
    assert trace_body(HEALTH, corpus).issued == ()


def test_goal_owners_finds_owners_and_issuers(corpus: Corpus) -> None:
    found = goal_owners("签约率", corpus)
    assert [(g.doc_id, g.target.value) for g in found] == [("901_national#0", 80), ("902_city#0", 85)]
    city = found[1]
    assert city.leads == (INSURANCE, HEALTH)
    assert found[0].leads == () and found[0].issuers == ("中共中央办公厅", "国务院办公厅")


def test_goal_owners_no_match(corpus: Corpus) -> None:
    assert goal_owners("婴儿死亡率", corpus) == []


# --------------------------------------------------------------------------- export


def test_analysis_graph_has_metrics_pairs_and_answers(corpus: Corpus) -> None:
    result = analyse(corpus)
    graph = analysis_graph(result.rankings, result.pairs, result.task_links)
    pkg = ontology_namespace()
    degrees = {str(s): int(o) for s, o in graph.subject_objects(pkg.degree)}
    assert len(degrees) == 4
    answers = list(graph.subject_objects(pkg.answersTask))
    assert len(answers) == len({(m.implementing_task, m.implemented_task) for m in result.task_links})
    assert len(list(graph.subjects(predicate=None, object=pkg.CoordinationPair))) == len(result.pairs)
    turtle = graph.serialize(format="turtle")
    assert turtle == analysis_graph(result.rankings, result.pairs, result.task_links).serialize(format="turtle")


def test_database_rows_carry_bodies_and_links(corpus: Corpus) -> None:
    result = analyse(corpus)
    rows = database_rows(result.rankings, result.task_links)
    assert rows["bodies"][0]["name"] == HEALTH
    assert {(r["from_doc"], r["to_doc"]) for r in rows["answers"]} == {("902_city#0", "901_national#0")}
