"""Components policykg_bodies and policykg_institutions on policy sentences and seed 003."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from pipeline.models import Level
from pipeline.nlp import build_nlp
from pipeline.nlp.extensions import BODY, INSTITUTION, policykg_spans

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_nlp()


def spans(
    nlp: Language, text: str, label: str, jurisdiction: str = "聊城市", level: str = "municipal"
) -> list[tuple[str, str]]:
    doc = nlp.make_doc(text)
    doc._.jurisdiction, doc._.level, doc._.sections = jurisdiction, level, []
    doc = nlp(doc)
    attr = "canonical" if label == BODY else "kind"
    return [(s.text, getattr(s._, attr)) for s in policykg_spans(doc, label)]


def test_bodies_with_place_prefix(nlp: Language) -> None:
    text = "将意见反馈至聊城市卫生健康委员会，由市医疗保障局会同中共聊城市委组织部办理。"
    assert spans(nlp, text, BODY) == [
        ("聊城市卫生健康委员会", "聊城市卫生健康委员会"),
        ("市医疗保障局", "聊城市医疗保障局"),
        ("中共聊城市委组织部", "中共聊城市委组织部"),
    ]


def test_bodies_follow_the_document_jurisdiction(nlp: Language) -> None:
    text = "省卫生健康委、省发展改革委要加强指导。"
    assert spans(nlp, text, BODY, "山东省", "provincial") == [
        ("省卫生健康委", "山东省卫生健康委员会"),
        ("省发展改革委", "山东省发展和改革委员会"),
    ]


def test_bodies_ignore_ambiguous_short_forms_in_running_text(nlp: Language) -> None:
    assert spans(nlp, "加大财政支持力度，推进科技创新，落实政府办医责任。", BODY) == []


def test_national_bodies(nlp: Language) -> None:
    text = "中共中央办公厅、国务院办公厅印发《意见》，国家卫生健康委负责解读。"
    found = [c for _, c in spans(nlp, text, BODY, "全国", "national")]
    assert found[:3] == ["中共中央办公厅", "国务院办公厅", "国家卫生健康委员会"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("支持聊城市人民医院加快建设。", [("聊城市人民医院", "hospital")]),
        ("推进聊城大学附属医院建设。", [("聊城大学附属医院", "hospital")]),
        ("加快推进北京积水潭医院聊城医院项目建设。", [("北京积水潭医院聊城医院", "hospital")]),
        ("推进东阿县疾控中心改革试点。", [("东阿县疾控中心", "cdc")]),
        ("支持聊城职业技术学院举办本科专业。", [("聊城职业技术学院", "university")]),
        ("加强县级医院和基层医疗卫生机构建设，由县级医院牵头。", []),
        (
            "推进灵璧县中医院和北碚区社区卫生服务中心建设。",
            [("灵璧县中医院", "hospital"), ("北碚区社区卫生服务中心", "hospital")],
        ),
    ],
)
def test_institutions_boundaries(nlp: Language, text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(nlp, text, INSTITUTION) == expected


def test_seed_003_bodies_and_institutions(nlp: Language) -> None:
    text = (ROOT / "data/raw/003_e14da291fa1a9871.txt").read_text(encoding="utf-8")
    bodies = {c for _, c in spans(nlp, text, BODY)}
    assert {
        "聊城市卫生健康委员会",
        "中共中央办公厅",
        "国务院办公厅",
        "山东省人民政府办公厅",
        "国家金融监督管理总局聊城监管分局",
    } <= bodies
    assert all(not c.startswith(("市", "委", "省")) for c in bodies)
    names = {n for n, _ in spans(nlp, text, INSTITUTION)}
    assert {
        "聊城市人民医院",
        "东阿县疾控中心",
        "聊城大学附属医院",
        "聊城职业技术学院",
        "北京积水潭医院聊城医院",
    } <= names
    assert not any(n.startswith(("支持", "推进", "加快")) for n in names)


def test_every_national_body_of_the_body_table_is_national_to_the_structure_stage():
    """The national rows of bodies.tsv are the only list of national bodies: a document issued by
    any of them, under any name it writes on its own, is national."""
    from pipeline.resolve import Gazetteer
    from pipeline.structure.lexicon import national_bodies
    from pipeline.structure.metadata import jurisdiction_of

    gazetteer = Gazetteer.load()
    rows = [r for r in gazetteer.rows if not r.is_template and r.levels == {Level.NATIONAL}]
    assert len(rows) > 100
    names = national_bodies(gazetteer)
    assert {r.canonical for r in rows} <= set(names)
    wrong = {n: jurisdiction_of(n) for n in names if jurisdiction_of(n) != (Level.NATIONAL, "全国")}
    assert not wrong


def test_every_national_body_resolves_to_itself_at_national_level():
    from pipeline.resolve import Gazetteer

    gazetteer = Gazetteer.load()
    rows = [r for r in gazetteer.rows if not r.is_template and r.levels == {Level.NATIONAL}]
    unresolved = {}
    for row in rows:
        body = gazetteer.resolve(row.canonical, "全国", Level.NATIONAL)
        if body is None or body.level is not Level.NATIONAL or body.canonical != row.canonical:
            unresolved[row.canonical] = body
    assert not unresolved
