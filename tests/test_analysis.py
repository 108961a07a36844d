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
from pipeline.analysis.export import ANALYSIS_TERMS, analysis_graph, database_rows
from pipeline.analysis.network import (
    body_rankings,
    coordination_pairs,
    coresponsibility_network,
    pair_weight,
)
from pipeline.analysis.reprints import find_reprints, without_reprints
from pipeline.analysis.trace import body_candidates, goal_owners, resolve_body_name, trace_body
from pipeline.errors import AnalysisError
from pipeline.models import Citation, CitationRelation, Deadline, Role, TaskDeadline
from pipeline.rdf.iris import body_iri, task_iri
from pipeline.rdf.namespace import PK, RDF


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return literal_corpus()


# --------------------------------------------------------------------------- network


@pytest.mark.parametrize(
    ("first", "second", "weight"),
    [
        (Role.LEAD, Role.LEAD, 1.0),
        (Role.LEAD, Role.SUPPORT, 0.75),
        (Role.SUPPORT, Role.LEAD, 0.75),
        (Role.SUPPORT, Role.SUPPORT, 0.5),
    ],
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
    assert next(r.body for r in ranks) == HEALTH
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
    _doc, facts = national_document()
    graph = coresponsibility_network([facts])
    assert graph.number_of_nodes() == 0
    assert body_rankings(graph) == []


# --------------------------------------------------------------------------- cascade


@pytest.mark.parametrize(
    ("title", "core"),
    [
        (
            "中共中央办公厅 国务院办公厅印发〈关于进一步完善医疗卫生服务体系的意见〉的通知",
            "进一步完善医疗卫生服务体系的意见",
        ),
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
        national, metadata=dataclasses.replace(national.metadata, doc_number="中办发[2023]10号")
    )
    citation = Citation(None, "中办发〔2023〕10号", CitationRelation.IMPLEMENTS, 0, 1)
    assert citation_matches(citation, numbered) == "doc_number"


def test_citation_with_another_number_does_not_match_a_namesake() -> None:
    import dataclasses

    national, _ = national_document()
    numbered = dataclasses.replace(
        national, metadata=dataclasses.replace(national.metadata, doc_number="中办发〔2019〕3号")
    )
    citation = Citation(
        "关于进一步完善医疗卫生服务体系的意见",
        "中办发〔2023〕10号",
        CitationRelation.IMPLEMENTS,
        0,
        1,
    )
    assert citation_matches(citation, numbered) is None
    assert citation_matches(dataclasses.replace(citation, doc_number=None), numbered) == "title"


def test_citation_of_another_plan_does_not_match() -> None:
    national, _ = national_document()
    other = Citation(
        "山东省人民政府办公厅关于印发山东省进一步完善医疗卫生服务体系的实施方案的通知",
        "鲁政办字〔2023〕202号",
        CitationRelation.IMPLEMENTS,
        0,
        1,
    )
    city, _ = city_document()
    assert citation_matches(other, national) is None
    assert citation_matches(other, city) is None


def test_citation_of_national_title_does_not_match_a_provincial_namesake() -> None:
    national, _ = national_document()
    import dataclasses

    provincial = dataclasses.replace(
        national,
        metadata=dataclasses.replace(
            national.metadata, title="某省进一步完善医疗卫生服务体系的意见", level=None
        ),
    )
    citation = Citation(
        "关于进一步完善医疗卫生服务体系的意见", None, CitationRelation.IMPLEMENTS, 0, 1
    )
    assert citation_matches(citation, provincial) is None
    issuer_first = Citation(
        "中共中央办公厅国务院办公厅进一步完善医疗卫生服务体系的意见",
        None,
        CitationRelation.IMPLEMENTS,
        0,
        1,
    )
    assert citation_matches(issuer_first, national) == "title"


def test_implemented_documents_links_city_plan_to_national_opinion(corpus: Corpus) -> None:
    city = corpus.document("902_city#0")
    links = implemented_documents(city, corpus)
    assert [(lk.implemented, lk.matched_by) for lk in links] == [("901_national#0", "title")]
    assert implemented_documents(corpus.document("901_national#0"), corpus) == []


def test_a_citation_names_one_of_several_namesakes(corpus: Corpus) -> None:
    import dataclasses

    national = corpus.document("901_national#0")

    def namesake(doc_id: str, date: str) -> object:
        return dataclasses.replace(
            national,
            article=dataclasses.replace(national.article, doc_id=doc_id),
            metadata=dataclasses.replace(national.metadata, date=date, issuer_names=()),
        )

    later, earlier = namesake("907_later#0", "2025-06-01"), namesake("908_earlier#0", "2019-01-01")
    city = corpus.document("902_city#0")  # issued 2024-03-05, cites the 意见 by title
    grown = Corpus.of([*corpus.documents, later, earlier], corpus.facts)
    links = implemented_documents(city, grown)
    assert [lk.implemented for lk in links] == ["901_national#0"]  # 2023: latest before 2024
    without = Corpus.of([d for d in grown.documents if d.doc_id != "901_national#0"], corpus.facts)
    assert [lk.implemented for lk in implemented_documents(city, without)] == ["908_earlier#0"]


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
    strict = match_tasks(
        corpus.document("902_city#0"), corpus.document("901_national#0"), corpus, 0.99
    )
    assert all(m.score >= 0.99 for m in strict)
    assert len(strict) < len(
        match_tasks(corpus.document("902_city#0"), corpus.document("901_national#0"), corpus)
    )


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
    assert set(headings) == {
        "全面推进紧密型县域医共体建设",
        "完善中医药服务体系",
        "做实家庭医生签约服务",
        "深化人事薪酬制度改革",
    }
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


def test_trace_body_shows_a_task_table_deadline_and_orders_by_it(corpus: Corpus) -> None:
    """A task's own deadline from its 分工表 row shows in the trace with the cell it came from,
    and counts for the order like its targets' deadlines."""
    import dataclasses

    facts = corpus.facts_of("902_city#0")
    (resp,) = {
        r.task_id: r for r in facts.responsibilities if r.task_heading == "深化人事薪酬制度改革"
    }.values()
    cell = dataclasses.replace(resp.provenance, location="sheet 分工表, row 5, column E")
    due = TaskDeadline(
        resp.task_id, resp.task_heading, Deadline("2024年12月", "2024-12", 2024), cell
    )
    others = [f for f in corpus.facts if f.doc_id != "902_city#0"]
    changed = Corpus.of(
        corpus.documents, [*others, dataclasses.replace(facts, task_deadlines=(due,))]
    )
    trace = trace_body(HEALTH, changed)
    first = trace.tasks[0]
    assert (first.heading, first.deadline, first.first_year) == (
        "深化人事薪酬制度改革",
        "2024-12",
        2024,
    )
    assert first.deadline_evidence is not None
    assert (
        first.deadline_evidence.where == f"{resp.provenance.source}, sheet 分工表, row 5, column E"
    )
    assert all(t.deadline is None for t in trace.tasks[1:])
    assert trace_body(HEALTH, corpus).tasks[-1].deadline is None


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
    assert [(g.doc_id, g.target.value) for g in found] == [
        ("901_national#0", 80),
        ("902_city#0", 85),
    ]
    city = found[1]
    assert city.leads == (INSURANCE, HEALTH)
    assert found[0].leads == () and found[0].issuers == ("中共中央办公厅", "国务院办公厅")


def test_goal_owners_no_match(corpus: Corpus) -> None:
    assert goal_owners("婴儿死亡率", corpus) == []


# --------------------------------------------------------------------------- export


def test_analysis_graph_has_metrics_pairs_and_answers(corpus: Corpus) -> None:
    result = analyse(corpus)
    graph = analysis_graph(result.rankings, result.pairs, result.task_links)
    degrees = {str(s): int(o) for s, o in graph.subject_objects(PK.degree)}
    assert len(degrees) == 4 and degrees[str(body_iri(HEALTH))] == 3
    answers = set(graph.subject_objects(PK.answersTask))
    assert (task_iri("902_city#0", "p2.i1"), task_iri("901_national#0", "p2.i1")) in answers
    assert len(answers) == len(
        {(m.implementing_task, m.implemented_task) for m in result.task_links}
    )
    assert len(list(graph.subjects(predicate=None, object=PK.CoordinationPair))) == len(
        result.pairs
    )
    turtle = graph.serialize(format="turtle")
    again = analysis_graph(result.rankings, result.pairs, result.task_links)
    assert turtle == again.serialize(format="turtle")


def test_analysis_graph_uses_only_analysis_terms(corpus: Corpus) -> None:
    result = analyse(corpus)
    graph = analysis_graph(result.rankings, result.pairs, result.task_links)
    used = {p for p in graph.predicates() if p != RDF.type} | set(graph.objects(None, RDF.type))
    assert used == set(ANALYSIS_TERMS)  # the literal corpus exercises every term


def test_cascade_match_carries_heading_and_target_scores(corpus: Corpus) -> None:
    result = analyse(corpus)
    graph = analysis_graph(result.rankings, result.pairs, result.task_links)
    county = next(m for m in result.task_links if m.implemented_heading == "推进县域医共体建设")
    node = next(
        graph.subjects(
            PK.implementingTask, task_iri(county.implementing_doc, county.implementing_task)
        )
    )
    assert float(graph.value(node, PK.headingScore)) == pytest.approx(county.heading_score)
    assert float(graph.value(node, PK.targetScore)) == pytest.approx(county.target_score)


def test_database_rows_carry_bodies_and_links(corpus: Corpus) -> None:
    result = analyse(corpus)
    rows = database_rows(result.rankings, result.task_links)
    assert rows["bodies"][0] == {
        "iri": str(body_iri(HEALTH)),
        "degree": 3,
        "strength": result.rankings[0].strength,
        "betweenness": result.rankings[0].betweenness,
    }
    assert {(r["from_iri"], r["to_iri"]) for r in rows["answers"]} >= {
        (str(task_iri("902_city#0", "p2.i1")), str(task_iri("901_national#0", "p2.i1")))
    }
    assert all(set(r) == {"from_iri", "to_iri", "score"} for r in rows["answers"])


# --------------------------------------------------------------------------- reprints


def _with_reprint(corpus: Corpus) -> Corpus:
    """The literal corpus plus a news page reprinting the first part of the national 意见."""
    import dataclasses

    national = corpus.document("901_national#0")
    text = national.text[: national.text.index("(二)")]
    article = dataclasses.replace(
        national.article, doc_id="904_reprint#1", source="904_reprint.txt", text=text
    )
    sections = tuple(s for s in national.sections if s.end <= len(text))
    meta = dataclasses.replace(national.metadata, date=None)
    reprint = dataclasses.replace(national, article=article, metadata=meta, sections=sections)
    facts = dataclasses.replace(
        corpus.facts_of("901_national#0"),
        doc_id="904_reprint#1",
        targets=corpus.facts_of("901_national#0").targets[:1],
    )
    return Corpus.of([*corpus.documents, reprint], [*corpus.facts, facts])


def test_find_reprints_groups_same_title_and_issuers(corpus: Corpus) -> None:
    reprints = find_reprints(_with_reprint(corpus))
    assert dict(reprints.groups) == {"901_national#0": ("904_reprint#1",)}
    assert find_reprints(corpus).groups == {}


def test_find_reprints_keeps_documents_with_different_dates_apart(corpus: Corpus) -> None:
    import dataclasses

    doubled = _with_reprint(corpus)
    reprint = doubled.document("904_reprint#1")
    dated = dataclasses.replace(
        reprint, metadata=dataclasses.replace(reprint.metadata, date="2019-01-01")
    )
    others = [d for d in doubled.documents if d.doc_id != "904_reprint#1"]
    assert find_reprints(Corpus.of([*others, dated], doubled.facts)).groups == {}


def test_find_reprints_keeps_documents_with_different_numbers_apart(corpus: Corpus) -> None:
    import dataclasses

    doubled = _with_reprint(corpus)
    numbered = [
        dataclasses.replace(d, metadata=dataclasses.replace(d.metadata, doc_number=number))
        for d, number in (
            (doubled.document("901_national#0"), "中办发〔2023〕10号"),
            (doubled.document("904_reprint#1"), "中办发〔2019〕3号"),
        )
    ]
    others = [d for d in doubled.documents if d.doc_id not in {"901_national#0", "904_reprint#1"}]
    assert find_reprints(Corpus.of([*others, *numbered], doubled.facts)).groups == {}


def test_find_reprints_by_document_number() -> None:
    import dataclasses

    national, facts = national_document()
    numbered = dataclasses.replace(
        national,
        metadata=dataclasses.replace(
            national.metadata, doc_number="中办发〔2023〕10号", title="进一步完善医疗卫生服务体系"
        ),
    )
    copy = dataclasses.replace(
        numbered,
        article=dataclasses.replace(
            numbered.article, doc_id="905_copy#0", text=numbered.text + "(完)"
        ),
        metadata=dataclasses.replace(
            numbered.metadata,
            doc_number="中办发[2023]10号",
            title="关于进一步完善医疗卫生服务体系的意见",
        ),
    )
    corpus = Corpus.of([numbered, copy], [facts, dataclasses.replace(facts, doc_id="905_copy#0")])
    assert find_reprints(corpus).groups == {"905_copy#0": ("901_national#0",)}  # longer text


def test_cascade_treats_a_reprint_as_the_same_document(corpus: Corpus) -> None:
    result = analyse(_with_reprint(corpus))
    assert [(lk.implemented, lk.implemented_also) for lk in result.document_links] == [
        ("901_national#0", ("904_reprint#1",))
    ]
    assert {m.implemented_doc for m in result.task_links} == {"901_national#0"}
    assert result.task_links == analyse(corpus).task_links
    assert result.corpus.document("904_reprint#1") is None


def test_network_does_not_count_a_reprint_twice(corpus: Corpus) -> None:
    import dataclasses

    city = corpus.document("902_city#0")
    copy = dataclasses.replace(city, article=dataclasses.replace(city.article, doc_id="906_copy#0"))
    facts = dataclasses.replace(corpus.facts_of("902_city#0"), doc_id="906_copy#0")
    doubled = Corpus.of([*corpus.documents, copy], [*corpus.facts, facts])
    assert analyse(doubled).rankings == analyse(corpus).rankings
    assert without_reprints(doubled, find_reprints(doubled)).document("906_copy#0") is None
