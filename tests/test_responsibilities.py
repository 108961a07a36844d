"""Component policykg_responsibilities on sentences of policy language and on seed 003."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from spacy.language import Language

from pipeline import stages
from pipeline.nlp import build_nlp
from pipeline.nlp.extensions import DocSection
from pipeline.nlp.responsibilities import enclosing_task

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


def run(
    nlp: Language, text: str, jurisdiction: str = "聊城市", level: str = "municipal"
) -> list[tuple[str, str, str | None]]:
    doc = nlp.make_doc(text)
    doc._.jurisdiction, doc._.level = jurisdiction, level
    doc._.sections = [
        DocSection(f"i{i}", "item", m.group(1), m.start(), m.end())
        for i, m in enumerate(re.finditer(r"\([一二三四五六]\)([^。\n]*)[^\n]*", text))
    ]
    doc = nlp(doc)
    return [(link.body._.canonical, link.role, link.section_id) for link in doc._.responsibilities]


def test_first_listed_leads_and_rule_carries_forward(nlp: Language) -> None:
    text = (
        "(一)甲任务。做好工作。(责任单位:卫生健康委、发展改革委、财政,排第一位为牵头单位,下同)\n"
        "(二)乙任务。推进工作。(责任单位:财政发展改革委、卫生健康委)\n"
    )
    assert run(nlp, text) == [
        ("聊城市卫生健康委员会", "lead", "i0"),
        ("聊城市发展和改革委员会", "support", "i0"),
        ("聊城市财政局", "support", "i0"),
        ("聊城市财政局", "lead", "i1"),
        ("聊城市发展和改革委员会", "support", "i1"),
        ("聊城市卫生健康委员会", "support", "i1"),
    ]


def test_clause_without_closing_parenthesis(nlp: Language) -> None:
    text = "(一)甲任务。列第一位者为牵头单位。\n(二)乙任务。推进工作。(责任单位:市卫生健康委、市医疗保障局\n(三)丙任务。"
    assert run(nlp, text) == [
        ("聊城市卫生健康委员会", "lead", "i1"),
        ("聊城市医疗保障局", "support", "i1"),
    ]


def test_without_rule_every_listed_body_leads(nlp: Language) -> None:
    text = "(一)甲任务。做好工作。(责任单位：省卫生健康委、省财政厅)\n"
    assert run(nlp, text, "山东省", "provincial") == [
        ("山东省卫生健康委员会", "lead", "i0"),
        ("山东省财政厅", "lead", "i0"),
    ]


def test_lead_and_support_labels(nlp: Language) -> None:
    text = "(一)甲任务。做好工作。（牵头单位：市医保局；配合单位：市卫生健康委、市财政局）\n"
    assert run(nlp, text, "济南市") == [
        ("济南市医疗保障局", "lead", "i0"),
        ("济南市卫生健康委员会", "support", "i0"),
        ("济南市财政局", "support", "i0"),
    ]


def test_lead_verb_then_shared_duty_makes_the_rest_support(nlp: Language) -> None:
    text = "(一)甲任务。做好工作。(省卫生健康委牵头,省发展改革委、省财政厅按职责分工负责)\n"
    assert run(nlp, text, "河北省", "provincial") == [
        ("河北省卫生健康委员会", "lead", "i0"),
        ("河北省发展和改革委员会", "support", "i0"),
        ("河北省财政厅", "support", "i0"),
    ]


def test_lead_verb_and_support_verb(nlp: Language) -> None:
    text = "(一)甲任务。做好工作。(市卫生健康委牵头,市民政局、市财政局配合)\n"
    assert run(nlp, text) == [
        ("聊城市卫生健康委员会", "lead", "i0"),
        ("聊城市民政局", "support", "i0"),
        ("聊城市财政局", "support", "i0"),
    ]


@pytest.mark.parametrize(
    "clause",
    [
        "(国家卫生健康委、国家医保局按职责分工负责)",
        "(国家卫生健康委、国家医保局等部门按职责分工负责)",
    ],
)
def test_shared_duty_makes_every_body_lead(nlp: Language, clause: str) -> None:
    text = f"(一)甲任务。做好工作。{clause}\n"
    assert run(nlp, text, "全国", "national") == [
        ("国家卫生健康委员会", "lead", "i0"),
        ("国家医疗保障局", "lead", "i0"),
    ]


def test_by_lead_in_running_text(nlp: Language) -> None:
    text = "(一)甲任务。由县卫生健康局牵头，建立工作机制。\n"
    assert run(nlp, text, "东阿县", "county") == [("东阿县卫生健康局", "lead", "i0")]


@pytest.mark.parametrize(
    "sentence",
    [
        "市卫生健康委牵头,市民政局、市财政局配合。",
        "市卫生健康委牵头，市民政局、市财政局配合，2025年6月底前完成。",  # full-width; when due
        "市卫生健康委牵头,市民政局、市财政局配合,持续推进",  # the end of the text
    ],
)
def test_lead_and_support_verbs_as_a_sentence_of_their_own(nlp: Language, sentence: str) -> None:
    """Without parentheses: the task's last sentence."""
    assert run(nlp, f"(一)甲任务。做好工作。{sentence}") == [
        ("聊城市卫生健康委员会", "lead", "i0"),
        ("聊城市民政局", "support", "i0"),
        ("聊城市财政局", "support", "i0"),
    ]


def test_a_role_sentence_on_its_own_line_in_traditional_script(nlp: Language) -> None:
    """Through every stage: ingest turns the script to simplified, structure makes the task."""
    text = (
        "聊城市衛生健康委員會關於加強基層醫療服務的實施方案\n一、重點任務\n"
        "(一)完善服務網絡。建設縣域醫共體。\n市衛生健康委牽頭,市財政局配合,2025年底前完成。\n"
        "(二)加強人才隊伍。持續培養全科醫生。\n"
    )
    (document,) = stages.structure(stages.ingest("t.txt", text.encode("utf-8")).articles)
    # no signature: the title's line names the issuer, whose place resolves 市卫生健康委
    assert document.metadata.issuer_names == ("聊城市卫生健康委员会",)
    assert document.metadata.jurisdiction == "聊城市"
    facts = stages.extract(document, nlp)
    assert [(r.task_heading, r.body, r.role.value) for r in facts.responsibilities] == [
        ("完善服务网络", "聊城市卫生健康委员会", "lead"),
        ("完善服务网络", "聊城市财政局", "support"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "(一)甲任务。市卫生健康委牵头建立联席会议制度，市财政局配合做好保障。\n",  # an action, led
        "(一)甲任务。建立县级医院牵头，乡镇卫生院参与的医共体。\n",  # the sentence says more
        "(一)甲任务。市卫生健康委牵头，市财政局配合，建立联席会议制度。\n",
    ],
)
def test_a_lead_verb_inside_a_sentence_names_no_responsibility(nlp: Language, text: str) -> None:
    assert run(nlp, text) == []


@pytest.mark.parametrize(
    "text",
    [
        "(一)甲任务。由县级医院牵头，其他医疗卫生机构参与。\n",
        "(一)甲任务。认真落实党委领导下的院长负责制。\n",
        "(一)甲任务。各地各部门要按职责分工负责，加强协作配合。\n",
        "(一)甲任务。加大财政支持力度。\n",
    ],
)
def test_no_responsibility_without_named_bodies(nlp: Language, text: str) -> None:
    assert run(nlp, text) == []


def test_enclosing_task_is_the_innermost_item() -> None:
    sections = [
        DocSection("p1", "part", "总", 0, 200),
        DocSection("p1.i1", "item", "甲", 5, 90),
        DocSection("p1.i1.s1", "subitem", "子", 20, 40),
    ]
    assert enclosing_task(sections, 30) == "p1.i1.s1"
    assert enclosing_task(sections, 60) == "p1.i1"
    assert enclosing_task(sections, 150) == "p1"
    assert enclosing_task(sections, 500) is None


def test_seed_003_every_clause_found(nlp: Language) -> None:
    text = (ROOT / "data/raw/003_e14da291fa1a9871.txt").read_text(encoding="utf-8")
    doc = nlp.make_doc(text)
    doc._.jurisdiction, doc._.level, doc._.sections = "聊城市", "municipal", []
    doc = nlp(doc)
    leads = [link for link in doc._.responsibilities if link.role == "lead"]
    clauses = {link.clause.start_char for link in doc._.responsibilities}
    assert len(clauses) == text.count("责任单位")
    assert len(leads) == len(clauses)  # the stated rule: exactly one lead per clause
    assert {link.body._.canonical for link in leads} == {
        "聊城市卫生健康委员会",
        "聊城市科学技术局",
        "聊城市财政局",
        "聊城市医疗保障局",
        "聊城市人力资源和社会保障局",
    }


def test_label_lines_name_lead_and_supporting_bodies(nlp: Language) -> None:
    # Labels on their own lines under a numbered task, vague members dropped.
    text = (
        "(一)推进家庭医生签约服务。"
        "牵头责任单位:县卫健委、县医保局;"
        "主要协作单位:各乡镇人民政府、经济开发区管委会,县政府有关部门、有关直属单位\n"
    )
    assert run(nlp, text, "沂水县", "county") == [
        ("沂水县卫生健康委员会", "lead", "i0"),
        ("沂水县医疗保障局", "lead", "i0"),
        ("沂水县各乡镇人民政府", "support", "i0"),
        ("沂水经济开发区管理委员会", "support", "i0"),
    ]


def test_parenthesised_clause_with_a_note_after_its_full_stop(nlp: Language) -> None:
    text = (
        "(一)完善服务网络。(国家卫生健康委、国家医保局、财政部负责。列第一位者为牵头单位,下同)\n"
        "(二)健全保障机制。(国家医保局、财政部按职责分工负责)\n"
    )
    assert run(nlp, text, None, "national") == [
        ("国家卫生健康委员会", "lead", "i0"),
        ("国家医疗保障局", "support", "i0"),
        ("财政部", "support", "i0"),
        ("国家医疗保障局", "lead", "i1"),
        ("财政部", "support", "i1"),
    ]


def test_list_cut_off_by_the_end_of_the_file_follows_the_rule(nlp: Language) -> None:
    text = "(一)甲任务。排第一位的为牵头单位。\n(二)乙任务。加强建设。(国家中医药局、财政部"
    assert run(nlp, text, None, "national") == [
        ("国家中医药管理局", "lead", "i1"),
        ("财政部", "support", "i1"),
    ]


def test_unknown_body_in_a_role_clause_keeps_the_known_ones(nlp: Language) -> None:
    text = "(一)办好科普活动。(科技部、某某科普促进会、国家卫生健康委按职责分工负责)\n"
    bodies = [b for b, _, _ in run(nlp, text, None, "national")]
    assert bodies == ["科学技术部", "某某科普促进会", "国家卫生健康委员会"]


def test_county_prefix_never_names_a_national_body(nlp: Language) -> None:
    text = "(一)甲任务。(牵头单位:县卫健委;配合单位:县财政局)\n"
    assert run(nlp, text, "莘县", "county") == [
        ("莘县卫生健康委员会", "lead", "i0"),
        ("莘县财政局", "support", "i0"),
    ]


def test_flattened_table_rows_give_lead_and_support(nlp: Language) -> None:
    from pipeline.structure.tables import find_tables

    text = (
        "序号 重点任务 牵头领导 牵头单位 配合单位 完成时限\n"
        "1 完善分级诊疗制度。推进医联体建设。 张 三 市卫生健康委 市医保局、市财政局 2025年底\n"
        "2 加强公共卫生体系建设。 李四 市疾控局 市卫生健康委 有关县区 2024年底\n"
    )
    rows = [row for table in find_tables(text) for row in table.rows]
    doc = nlp.make_doc(text)
    doc._.jurisdiction, doc._.level = "聊城市", "municipal"
    doc._.sections = [
        DocSection(f"r{r.number}", "subitem", text[r.task_start : r.task_end], r.start, r.end)
        for r in rows
    ]
    doc = nlp(doc)
    assert [
        (link.body._.canonical, link.role, link.section_id) for link in doc._.responsibilities
    ] == [
        ("聊城市卫生健康委员会", "lead", "r1"),
        ("聊城市医疗保障局", "support", "r1"),
        ("聊城市财政局", "support", "r1"),
        ("聊城市疾病预防控制局", "lead", "r2"),
        ("聊城市卫生健康委员会", "support", "r2"),
    ]


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        (
            "(责任单位:市卫生健康委(牵头)、市财政局、市医保局)",
            [
                ("济南市卫生健康委员会", "lead"),
                ("济南市财政局", "support"),
                ("济南市医疗保障局", "support"),
            ],
        ),
        (
            "由市卫生健康委牵头,市财政局配合。",
            [("济南市卫生健康委员会", "lead"), ("济南市财政局", "support")],
        ),
        (
            "[牵头单位:市卫生健康委 配合单位:市财政局]",
            [("济南市卫生健康委员会", "lead"), ("济南市财政局", "support")],
        ),
        (
            "(主责单位:市卫生健康委;协同单位:市教育局)",
            [("济南市卫生健康委员会", "lead"), ("济南市教育局", "support")],
        ),
        (
            "(市医保局、市卫生健康委分别负责)",
            [("济南市医疗保障局", "lead"), ("济南市卫生健康委员会", "lead")],
        ),
        ("(责任处室:医政医管处、基层卫生处)", [("医政医管处", "lead"), ("基层卫生处", "lead")]),
        ("由县级医院牵头。", []),
        (
            "〔市卫生健康委牵头,市财政局配合〕",
            [("济南市卫生健康委员会", "lead"), ("济南市财政局", "support")],
        ),
        (
            "【市卫生健康委、市财政局按职责分工负责】",
            [("济南市卫生健康委员会", "lead"), ("济南市财政局", "lead")],
        ),
    ],
)
def test_common_forms_of_responsibility_clauses(
    nlp: Language, clause: str, expected: list[tuple[str, str]]
) -> None:
    got = run(nlp, "(一)甲任务。做好工作。" + clause, "济南市")
    assert [(body, role) for body, role, _ in got] == expected
