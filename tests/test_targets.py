"""Tests of the ``policykg_targets`` component: indicators, comparators, values, units, deadlines."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from pipeline.evaluate import match_targets
from pipeline.nlp.extensions import DEADLINE, INDICATOR, TARGET, DocSection, policykg_spans
from pipeline.nlp.targets import find_targets

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
GOLD = ROOT.parent / "shared" / "eval" / "dev" / "gold"


@cache
def seed_documents(stem: str) -> tuple[tuple[str, str | None], ...]:
    """(text, plan_period_end) of every document of one seed raw file (ingest + structure)."""
    from pipeline.ingest import ingest_bytes
    from pipeline.store import read_raw
    from pipeline.structure import structure_article

    path = next(RAW.glob(f"{stem}_*"))
    documents = [structure_article(a) for a in ingest_bytes(path.name, read_raw(path))]
    return tuple((d.text, d.metadata.plan_period_end) for d in documents)


def seed_targets(stem: str) -> list[dict]:
    """Gold-shaped targets predicted for every document of one seed file."""
    return [
        {
            "indicator": t.indicator,
            "comparator": t.comparator,
            "value": t.value,
            "unit": t.unit,
            "deadline": t.deadline_value,
        }
        for text, period in seed_documents(stem)
        for t in find_targets(text, plan_period_end=period)
    ]


def gold_targets(stem: str) -> list[dict]:
    path = next(GOLD.glob(f"{stem}_*.json"), None)
    if path is None:
        pytest.skip(f"needs the dev gold set in {GOLD}")
    return [
        t
        for d in json.loads(path.read_text(encoding="utf-8"))["documents"]
        for t in d.get("targets") or []
    ]


def facts(
    text: str, plan_period_end: str | None = None
) -> list[tuple[str, str, float, str, str | None]]:
    return [
        (t.indicator, t.comparator, t.value, t.unit, t.deadline_value)
        for t in find_targets(text, plan_period_end)
    ]


@pytest.fixture(scope="module")
def nlp() -> Language:
    nlp = spacy.blank("zh")
    nlp.add_pipe("policykg_deadlines")
    nlp.add_pipe("policykg_targets")
    return nlp


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "到2025年，基层门急诊人次占比达到65%以上。",
            [("基层门急诊人次占比", ">=", 65.0, "%", "2025")],
        ),
        (
            "开展健康县区建设，国家和省级健康县区比例不低于40%。",
            [("国家和省级健康县区比例", ">=", 40.0, "%", None)],
        ),
        ("12岁儿童龋患率控制在30%以内。", [("12岁儿童龋患率", "<=", 30.0, "%", None)]),
        (
            "加强噪声污染治理，全国声环境功能区夜间达标率达到85%。",
            [("全国声环境功能区夜间达标率", "=", 85.0, "%", None)],
        ),
        (
            "到2025年，县域内患者就诊率力争在90%以上。",
            [("县域内患者就诊率", ">=", 90.0, "%", "2025")],
        ),
        ("到2025年，居民健康素养提升至37%以上。", [("居民健康素养", ">=", 37.0, "%", "2025")]),
        (
            "每年下沉医务人员规模保持在280人次以上。",
            [("下沉医务人员规模", ">=", 280.0, "人次", "annual")],
        ),
        (
            "到2030年，每千人口执业(助理)医师数达到3.5人，床位数达到7.2张。",
            [
                ("每千人口执业(助理)医师数", "=", 3.5, "人", "2030"),
                ("床位数", "=", 7.2, "张", "2030"),
            ],
        ),
        (
            "2024年6月底前，个人卫生支出占卫生总费用的比重降低到27%以下。",
            [("个人卫生支出占卫生总费用的比重", "<=", 27.0, "%", "2024-06-30")],
        ),
        (
            "到2025年，二级及以上医疗机构电子病历系统应用平均水平达到4级以上。",
            [("二级及以上医疗机构电子病历系统应用平均水平", ">=", 4.0, "级", "2025")],
        ),
    ],
)
def test_find_targets_indicator_before_number(sentence: str, expected: list) -> None:
    assert facts(sentence) == expected


def test_find_targets_age_band_stays_in_indicator() -> None:
    sentence = "到2025年，65岁及以上老年人城乡社区规范健康管理服务率达到65%以上。"
    assert facts(sentence) == [
        ("65岁及以上老年人城乡社区规范健康管理服务率", ">=", 65.0, "%", "2025")
    ]


def test_find_targets_paired_lists() -> None:
    sentence = "到2025年，床医比、医护比分别达到1∶0.53、1:1.01，每万人口全科医生和公共卫生人员数分别达到4人、8.5人。"
    got = facts(sentence)
    assert got[:2] == [
        ("床医比", "=", 0.53, "ratio", "2025"),
        ("医护比", "=", 1.01, "ratio", "2025"),
    ]
    assert [(v, u) for _, _, v, u, _ in got[2:]] == [(4.0, "人"), (8.5, "人")]


def test_find_targets_mortality_list_with_age_band() -> None:
    sentence = (
        "到2025年，婴儿死亡率、5岁以下儿童死亡率、孕产妇死亡率分别控制在5‰、6.5‰和14/10万以下。"
    )
    assert facts(sentence) == [
        ("婴儿死亡率", "<=", 5.0, "‰", "2025"),
        ("5岁以下儿童死亡率", "<=", 6.5, "‰", "2025"),
        ("孕产妇死亡率", "<=", 14.0, "1/10万", "2025"),
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "到2025年，100%县级中医医院达到二级甲等水平。",
            [("县级中医医院达到二级甲等水平", "=", 100.0, "%")],
        ),
        (
            "到2025年，县级确定至少1家公立医疗卫生机构承担职业健康检查工作。",
            [("县级确定公立医疗卫生机构承担职业健康检查工作", ">=", 1.0, "家")],
        ),
        ("到2025年，建成45个左右省级重点专科。", [("建成省级重点专科", "~", 45.0, "个")]),
        (
            "到2025年，全面建成15分钟健康服务圈。",
            [("全面建成15分钟健康服务圈", "<=", 15.0, "分钟")],
        ),
        (
            "到2026年，每年组织不少于50名城市医师下乡支援。",
            [("组织城市医师下乡支援", ">=", 50.0, "名")],
        ),
    ],
)
def test_find_targets_number_before_indicator(sentence: str, expected: list) -> None:
    assert [(i, c, v, u) for i, c, v, u, _ in facts(sentence)] == expected


def test_find_targets_share_and_count_in_one_clause() -> None:
    sentence = "到2025年，50%以上的县(市、区)建成1所以上康复医院或护理院。"
    assert facts(sentence) == [
        ("县(市、区)建成康复医院或护理院", ">=", 50.0, "%", "2025"),
        ("县(市、区)建成康复医院或护理院", ">=", 1.0, "所", "2025"),
    ]


@pytest.mark.parametrize(
    ("sentence", "values", "comparator"),
    [
        ("到2025年，推进2-3个左右国家临床重点专科建设。", [2.0, 3.0], "~"),
        ("为每个乡镇卫生院培养1—2名复合型骨干人员。", [1.0, 2.0], "~"),
        ("到2025年，建成8～10个省级卫生健康重点学科。", [8.0, 10.0], "~"),
    ],
)
def test_find_targets_range_gives_two_targets(
    sentence: str, values: list[float], comparator: str
) -> None:
    got = find_targets(sentence, plan_period_end="2025")
    assert [t.value for t in got] == values
    assert {t.comparator for t in got} == {comparator}
    assert got[0].start < got[1].start  # each end of the range has its own span


@pytest.mark.parametrize(
    "sentence",
    [
        "2015年至2020年，人均预期寿命从76.34岁提高到77.93岁，婴儿死亡率从8.1‰降至5.4‰。",
        "截至2023年底，全省92%的县级医院达到二级医院服务能力。",
        "超过82%的乡镇卫生院达到了服务能力标准。",
        "针对35岁以上门诊首诊患者，积极推进血压普查工作。",
        "本规划共七部分，包括1项总体要求。",
        "征求意见期间为2024年3月5日至2024年4月4日。",
        "东阿县选取1家公立医院与1—2家乡镇卫生院试点推进。",
        "经过约8000公里飞行，救援队抵达灾区。",
        "国家卫生健康委所属44所医院全部开展巡回医疗。",
    ],
)
def test_find_targets_rejects_non_targets(sentence: str) -> None:
    assert find_targets(sentence, plan_period_end="2025") == []


def test_find_targets_descriptive_figure_needs_a_deadline() -> None:
    sentence = "其中女性医务人员占比为52%。"
    assert find_targets(sentence) == []
    assert [t.value for t in find_targets(sentence, plan_period_end="2025")] == [52.0]


def test_find_targets_past_context_runs_to_paragraph_end() -> None:
    text = (
        "近年来，我省持续推进改革，县域就诊率达到88%，基层诊疗量占比稳定在55%左右。"
        "到2025年，县域就诊率达到92%。\n全省人均预期寿命达到80岁。"
    )
    assert [(t.value, t.deadline_value) for t in find_targets(text, plan_period_end="2025")] == [
        (92.0, "2025"),
        (80.0, "2025"),
    ]


def test_find_targets_keep_past_flags_past_figures() -> None:
    text = "截至2023年底，县域就诊率达到88%。到2025年，县域就诊率达到92%。"
    assert [(t.value, t.is_past) for t in find_targets(text, keep_past=True)] == [
        (88.0, True),
        (92.0, False),
    ]


def test_find_targets_earlier_plan_period_is_past() -> None:
    text = "“十三五”时期，卫生健康事业取得显著成就。住院费用支付比例分别稳定在80%和70%左右。"
    assert find_targets(text, plan_period_end="2025") == []


def test_find_targets_past_section_range() -> None:
    text = "居民健康素养水平达到23.15%。"
    assert find_targets(text, past_ranges=((0, len(text)),)) == []
    assert len(find_targets(text)) == 1


def test_find_targets_plan_period_fills_missing_deadline() -> None:
    sentence = "二级以上医院中健康促进医院比例不低于50%。"
    assert [t.deadline_value for t in find_targets(sentence, plan_period_end="2025")] == ["2025"]
    assert [t.deadline_value for t in find_targets(sentence)] == [None]


def test_component_spans_extensions_and_relations(nlp: Language) -> None:
    doc = nlp("到2025年，产前筛查率不低于75%，推进2-3个国家临床重点专科建设。")
    targets = policykg_spans(doc, TARGET)
    assert [
        (t._.value, t._.unit, t._.comparator, t._.deadline, t._.deadline_year) for t in targets
    ] == [
        (75.0, "%", ">=", "2025", 2025),
        (2.0, "个", "~", "2025", 2025),
        (3.0, "个", "~", "2025", 2025),
    ]
    assert targets[0]._.indicator == "产前筛查率" and targets[0]._.is_past is False
    relations = {(r.head.start_char, r.label, r.tail.label_) for r in doc._.relations}
    for target in targets:
        assert (target.start_char, "HAS_INDICATOR", INDICATOR) in relations
        assert (target.start_char, "HAS_DEADLINE", DEADLINE) in relations
    [deadline] = policykg_spans(doc, DEADLINE)  # shared with policykg_deadlines, not duplicated
    assert deadline.text == "到2025年"
    assert next(s.text for s in policykg_spans(doc, INDICATOR)) == "产前筛查率"


def test_component_uses_doc_plan_period() -> None:
    nlp = spacy.blank("zh")
    nlp.add_pipe("policykg_targets")
    doc = nlp.make_doc("国家和省级健康县区比例不低于40%。")
    doc._.plan_period_end = "2025"
    doc = nlp(doc)
    [target] = policykg_spans(doc, TARGET)
    assert (target._.deadline, target._.deadline_text, target._.deadline_year) == (
        "2025",
        None,
        2025,
    )


def test_component_skips_past_sections() -> None:
    nlp = spacy.blank("zh")
    nlp.add_pipe("policykg_targets")
    text = "一、规划背景\n居民健康素养水平达到23.15%。\n二、发展目标\n居民健康素养水平达到25%。"
    doc = nlp.make_doc(text)
    cut = text.index("二、")
    doc._.sections = [
        DocSection("s1", "part", "规划背景", 0, cut),
        DocSection("s2", "part", "发展目标", cut, len(text)),
    ]
    doc = nlp(doc)
    assert [t._.value for t in policykg_spans(doc, TARGET)] == [25.0]


@pytest.mark.parametrize("stem", ["002", "003", "004"])
def test_seed_targets_match_gold(stem: str) -> None:
    counts, (missed, spurious) = match_targets(gold_targets(stem), seed_targets(stem))
    assert counts.f1 >= 0.85, (missed, spurious)


def test_seed_national_plan_has_no_past_figures() -> None:
    values = {(t["value"], t["unit"]) for t in seed_targets("002")}
    assert (77.93, "岁") not in values and (23.15, "%") not in values and (74.0, "元") not in values
    assert {t["deadline"] for t in seed_targets("002")} == {"2025", "2035"}


def test_seed_news_and_opinions_have_no_targets() -> None:
    assert seed_targets("000") == [] and seed_targets("001") == []


def test_seed_municipal_plan_ratios_and_annual() -> None:
    got = {(t["indicator"], t["value"], t["unit"], t["deadline"]) for t in seed_targets("003")}
    assert ("床医比", 0.53, "ratio", "2025") in got and ("医护比", 1.01, "ratio", "2025") in got
    assert ("下沉医务人员规模", 280.0, "人次", "annual") in got


def test_find_targets_keeps_pingjun_in_the_indicator():
    """平均 ("average") ends the indicator; only a lone 均 ("all") before the verb is noise."""
    (match,) = find_targets("到2025年，二级以上公立医院电子病历应用水平平均达到4级以上。")
    assert match.indicator.endswith("水平平均")
    (match,) = find_targets("到2025年，县级医院病床使用率均达到85%以上。")
    assert match.indicator.endswith("病床使用率")


def test_find_targets_lead_in_year_carries_to_later_sentences() -> None:
    text = "到2026年底前,基层服务体系基本建成。全市县级医院全部达到服务能力基本标准,家庭医生签约率提高到50%左右。"
    assert facts(text) == [("家庭医生签约率", "~", 50.0, "%", "2026")]


def test_find_targets_lead_in_year_ends_with_its_section() -> None:
    text = "(一)发展目标。到2026年,签约率达到50%。\n(二)保障措施。年度签约率达到40%。"
    assert [t[-1] for t in facts(text)] == ["2026", None]


def test_find_targets_past_cue_marks_only_its_clause() -> None:
    text = "全市已累计建成10个医联体,医保基金累计结余不超过年度收入的15%。"
    assert [t[1:] for t in facts(text, "2024")] == [("<=", 15.0, "%", "2024")]


def test_find_targets_listed_items_share_the_verb() -> None:
    text = "到2025年,每个县设置2个公共卫生服务中心、3个急救站。"
    assert [(v, u) for _, _, v, u, _ in facts(text)] == [(2.0, "个"), (3.0, "个")]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "到2025年,居民健康素养水平提高到三成以上。",
            [("居民健康素养水平", ">=", 30.0, "%", "2025")],
        ),
        (
            "到2025年,每个乡镇至少设置一所标准化卫生院。",
            [("每个乡镇至少设置标准化卫生院", ">=", 1.0, "所", "2025")],
        ),
        ("到2025年,建立一批示范机构,推进三级医院建设,落实两个责任。", []),
    ],
)
def test_find_targets_chinese_numerals_after_a_commitment(sentence: str, expected: list) -> None:
    assert facts(sentence) == expected


def test_find_targets_every_year_holds_for_its_own_clause() -> None:
    got = facts("每年开展健康体检不少于1次,65岁及以上老年人健康管理率达到72%。", "2025")
    assert [t[-1] for t in got] == ["annual", "2025"]


def test_find_targets_index_without_unit() -> None:
    assert facts("到2025年,群众满意度指数达到90以上。") == [
        ("群众满意度指数", ">=", 90.0, "", "2025")
    ]
    assert facts("到2025年,完成改造,床位达到90。") == []  # only an index goes without a unit


def test_find_targets_indicator_table_with_units_in_brackets_and_row_numbers() -> None:
    text = (
        "序号 指标名称 2020年 2025年 指标属性\n1 人均预期寿命(岁) 78.2 79.0 预期性\n"
        "2 孕产妇死亡率(/10万) 12.5 ≤12 预期性\n3 每千人口执业(助理)医师数(人) 2.9 3.2 约束性\n"
    )
    assert facts(text) == [
        ("人均预期寿命", "=", 79.0, "岁", "2025"),
        ("孕产妇死亡率", "<=", 12.0, "1/10万", "2025"),
        ("每千人口执业(助理)医师数", "=", 3.2, "人", "2025"),
    ]


def test_find_targets_indicator_table_with_a_merged_first_column() -> None:
    text = (
        "领域 主要指标 单位 2020年 2025年目标 属性\n健康水平 人均预期寿命 岁 77.6 78.6 预期性\n"
        "婴儿死亡率 ‰ 4.8 ≤4.5 约束性\n"
    )
    assert facts(text) == [
        ("人均预期寿命", "=", 78.6, "岁", "2025"),
        ("婴儿死亡率", "<=", 4.5, "‰", "2025"),
    ]
