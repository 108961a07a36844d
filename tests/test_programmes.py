"""Tests of the ``policykg_programmes`` component: programme names and their boundaries."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from pipeline.evaluate import programme_key
from pipeline.nlp.extensions import PROGRAMME, policykg_spans
from pipeline.nlp.programmes import ProgrammeLexicon, find_programmes, normalise_name

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
GOLD = ROOT.parent / "shared" / "eval" / "dev" / "gold"


@cache
def seed_texts(stem: str) -> tuple[str, ...]:
    """The clean texts of the documents of one seed raw file (ingest + structure)."""
    from pipeline.ingest import ingest_bytes
    from pipeline.store import read_raw
    from pipeline.structure import structure_article

    path = next(RAW.glob(f"{stem}_*"))
    return tuple(structure_article(a).text for a in ingest_bytes(path.name, read_raw(path)))


def gold_programmes(stem: str) -> set[str]:
    path = next(GOLD.glob(f"{stem}_*.json"), None)
    if path is None:
        pytest.skip(f"needs the dev gold set in {GOLD}")
    documents = json.loads(path.read_text(encoding="utf-8"))["documents"]
    return {programme_key(p) for d in documents for p in d.get("programmes") or []}


def names(text: str) -> list[str]:
    return [m.name for m in find_programmes(text)]


@pytest.fixture(scope="module")
def nlp() -> Language:
    nlp = spacy.blank("zh")
    nlp.add_pipe("policykg_programmes")
    return nlp


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("实施中医药振兴发展重大工程。", ["中医药振兴发展重大工程"]),
        ("持续实施医疗服务能力“攀登计划”，支持重点专科建设。", ["攀登计划"]),
        ("启动实施新一轮基层服务能力提质提效三年行动。", ["基层服务能力提质提效三年行动"]),
        ("开展全市乡村医生综合能力全覆盖培训三年行动。", ["乡村医生综合能力全覆盖培训三年行动"]),
        (
            "推动医共体建设与“千县工程”、基层医疗卫生机构能力提升项目衔接。",
            ["千县工程", "基层医疗卫生机构能力提升项目"],
        ),
        ("实施国民营养计划和合理膳食行动。", ["国民营养计划", "合理膳食行动"]),
        ("实施母婴安全行动提升计划。", ["母婴安全行动提升计划"]),
        ("深入开展争做“职业健康达人”活动。", ["职业健康达人"]),
        ("持续实施“齐鲁名医”培养计划。", ["齐鲁名医培养计划"]),
        ("推进“某地名医”培育计划,遴选业务骨干。", ["某地名医培育计划"]),
        ("依托“某某人才行动计划”,建设重点实验室。", ["某某人才行动计划"]),
        ("组织开展“健康进万家”义诊活动。", ["健康进万家"]),
        ("落实《某市“健康细胞”工程实施方案》。", ["健康细胞工程"]),
        ("着力培育健康江苏行动先进典型。", ["健康江苏行动"]),
        (
            "实施康复辅助器具、智慧老龄化技术推广应用工程。",
            ["康复辅助器具、智慧老龄化技术推广应用工程"],
        ),
        (
            "积极申报国家临床(中医)重点专科(学科)建设项目。",
            ["国家临床(中医)重点专科(学科)建设项目"],
        ),
        (
            "加快推进国家区域医疗中心建设项目-北京积水潭医院聊城医院项目建设。",
            ["国家区域医疗中心建设项目", "北京积水潭医院聊城医院项目"],
        ),
        ("启动“十四五”重点研发计划等国家科技计划。", ["十四五重点研发计划"]),
        ("全面推行新生儿出生“一件事一次办”。", ["一件事一次办"]),
        ("深入开展医药领域腐败问题集中整治。", ["医药领域腐败问题集中整治"]),
        ("国务院印发《关于实施健康中国行动的意见》。", ["健康中国行动"]),
        (
            "实施“健康龙江”行动，开展125个县级医院能力提升项目。",
            ["健康龙江行动", "县级医院能力提升项目"],
        ),
        ("务实推进农村厕所革命，深入开展爱国卫生运动。", ["农村厕所革命", "爱国卫生运动"]),
        (
            "实施“323”健康问题攻坚行动，深入实施健康浙江行动。",
            ["323健康问题攻坚行动", "健康浙江行动"],
        ),
        ("继续实施中央财政支持的公立医院综合改革示范项目。", ["公立医院综合改革示范项目"]),
        ("每年组织开展一次全省卫生应急演练活动。", ["卫生应急演练活动"]),
        (
            "实施健康知识普及行动、合理膳食行动、控烟行动等15个专项行动。",
            ["健康知识普及行动", "合理膳食行动", "控烟行动"],
        ),
    ],
)
def test_find_programmes_names_and_boundaries(sentence: str, expected: list[str]) -> None:
    assert names(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "推进“三减三健”(减盐、减油、减糖，健康口腔、健康体重、健康骨骼)等专项行动。",
            ["三减三健专项行动"],
        ),
        (
            "实施老年人失能预防与干预、老年人心理关爱和老年痴呆防治等行动。",
            ["老年人失能预防与干预行动", "老年人心理关爱行动", "老年痴呆防治行动"],
        ),
        (
            "实施“脑科学与类脑研究”等重大项目以及“常见多发病防治研究”、“生育健康及妇女儿童健康保障”等重点专项。",
            [
                "脑科学与类脑研究重大项目",
                "常见多发病防治研究重点专项",
                "生育健康及妇女儿童健康保障重点专项",
            ],
        ),
    ],
)
def test_find_programmes_shared_suffix_lists(sentence: str, expected: list[str]) -> None:
    assert names(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "认真组织实施本规划，制定行动计划，做好各项工作。",
        "确保建设项目期满评估通过，加强重点项目管理，编制年度计划。",
        "持续完善重大传染病防控等项目。",
        "贯彻实施《国家残疾预防行动计划(2021—2025年)》。",
        "坚持计划生育基本国策，支持为行动不便的老年人提供服务。",
        "推进“三高”(高血压、高血糖、高血脂)共管，探索实施“县聘乡用、乡聘村用”。",
        "作为中老共建“一带一路”的旗舰项目，以实际行动诠释合作。",
        "加大对重点项目、重大工程的资金支持，统筹安排中央预算内投资项目。",
        "一、行动目标",
        "(二)行动目标。到2025年，体系基本建成。",
        "依托全国爱国卫生运动委员会，成立健康某省行动推进委员会。",
        "关于印发某市公共卫生体系建设三年行动计划的通知",
        "加快建设县人民医院、县疾控中心等重点项目。",
        "实施12个乡镇卫生院、80个村卫生室改扩建项目。",
    ],
)
def test_find_programmes_rejects_generic_words(sentence: str) -> None:
    assert names(sentence) == []


def test_normalise_name_removes_quotes_and_spaces() -> None:
    assert normalise_name(" “千县 工程” ") == "千县工程"


def test_lexicon_requires_suffixes() -> None:
    from pipeline.errors import ResourceError

    with pytest.raises(ResourceError, match="programmes.yaml"):
        ProgrammeLexicon({"triggers": []})


def test_component_adds_programme_spans(nlp: Language) -> None:
    doc = nlp("持续实施医疗服务能力“攀登计划”，实施中医药振兴发展重大工程。")
    spans = policykg_spans(doc, PROGRAMME)
    assert [(s.text, s._.programme_name) for s in spans] == [
        ("攀登计划", "攀登计划"),
        ("中医药振兴发展重大工程", "中医药振兴发展重大工程"),
    ]


@pytest.mark.parametrize("stem", ["001", "002", "003"])
def test_seed_programmes_match_gold(stem: str) -> None:
    predicted = {programme_key(m.name) for text in seed_texts(stem) for m in find_programmes(text)}
    gold = gold_programmes(stem)
    tp = len(predicted & gold)
    precision, recall = tp / max(1, len(predicted)), tp / max(1, len(gold))
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    assert f1 >= 0.85, (sorted(gold - predicted), sorted(predicted - gold))


def test_seed_national_article_programmes_found_by_their_shape() -> None:
    found = {m.name for text in seed_texts("004") for m in find_programmes(text)}
    assert {"千县工程", "国家区域医疗中心建设项目"} <= found
