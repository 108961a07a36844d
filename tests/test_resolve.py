"""Gazetteer resolution and list splitting (pipeline/resolve.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ResourceError
from pipeline.models import Level
from pipeline.resolve import Gazetteer, resolve_issuers, split_body_list


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.mark.parametrize(
    ("surface", "jurisdiction", "canonical"),
    [
        ("卫生健康委", "聊城市", "聊城市卫生健康委员会"),
        ("市卫生健康委", "聊城市", "聊城市卫生健康委员会"),
        ("市卫健委", "聊城市", "聊城市卫生健康委员会"),
        ("财政", "聊城市", "聊城市财政局"),
        ("委编办", "聊城市", "中共聊城市委机构编制委员会办公室"),
        ("委组织部", "聊城市", "中共聊城市委组织部"),
        ("国家金融监督管理总局聊城监管分局", "聊城市", "国家金融监督管理总局聊城监管分局"),
        ("市地方金融监管局", "聊城市", "聊城市地方金融监督管理局"),
        ("教育体育局", "聊城市", "聊城市教育和体育局"),
        ("卫生健康委", "济南市", "济南市卫生健康委员会"),
        # Office names follow the text, not the level (济南 has a 办公厅, 聊城 a 办公室).
        ("济南市人民政府办公厅", "济南市", "济南市人民政府办公厅"),
        ("市政府办公室", "聊城市", "聊城市人民政府办公室"),
        ("省卫生健康委", "山东省", "山东省卫生健康委员会"),
        ("省财政厅", "山东省", "山东省财政厅"),
        ("财政", "山东省", "山东省财政厅"),
        ("省卫生健康委", "聊城市", "山东省卫生健康委员会"),
        ("县卫生健康局", "东阿县", "东阿县卫生健康局"),
        ("卫生健康委", "全国", "国家卫生健康委员会"),
        ("国家卫健委", "聊城市", "国家卫生健康委员会"),
        ("财政部", "聊城市", "财政部"),
        ("中办", "全国", "中共中央办公厅"),
        ("中华人民共和国国务院办公厅", "全国", "国务院办公厅"),
        ("市委", "聊城市", "中共聊城市委员会"),
        ("市城市管理局", "聊城市", "聊城市城市管理局"),
    ],
)
def test_resolve_canonical(gazetteer: Gazetteer, surface: str, jurisdiction: str, canonical: str) -> None:
    body = gazetteer.resolve(surface, jurisdiction)
    assert body is not None and body.canonical == canonical


def test_resolve_level_of_template(gazetteer: Gazetteer) -> None:
    body = gazetteer.resolve("市医保局", "聊城市")
    assert body is not None
    assert (body.level, body.jurisdiction, body.parent) == (Level.MUNICIPAL, "聊城市", "聊城市人民政府")


@pytest.mark.parametrize("surface", ["加大财政支持", "院长", "县级医院", "医疗卫生"])
def test_resolve_rejects_non_bodies(gazetteer: Gazetteer, surface: str) -> None:
    assert gazetteer.resolve(surface, "聊城市") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("人力资源社会保障财政市医疗保障局", ["聊城市人力资源和社会保障局", "聊城市财政局", "聊城市医疗保障局"]),
        ("人力资源社会保障教育体育局", ["聊城市人力资源和社会保障局", "聊城市教育和体育局"]),
        ("科技卫生健康委", ["聊城市科学技术局", "聊城市卫生健康委员会"]),
        ("财政发展改革委", ["聊城市财政局", "聊城市发展和改革委员会"]),
        ("财政人力资源社会保障委组织部", ["聊城市财政局", "聊城市人力资源和社会保障局", "中共聊城市委组织部"]),
        ("卫生健康委、民政", ["聊城市卫生健康委员会", "聊城市民政局"]),
        ("市卫生健康委，市发展改革委和市财政局", ["聊城市卫生健康委员会", "聊城市发展和改革委员会", "聊城市财政局"]),
    ],
)
def test_split_body_list_segments_run_together_lists(text: str, expected: list[str]) -> None:
    assert [m.canonical for m in split_body_list(text, "聊城市")] == expected


def test_split_body_list_keeps_the_conjunction_inside_names() -> None:
    found = split_body_list("国家发展和改革委员会、人力资源和社会保障部", "全国")
    assert [m.canonical for m in found] == ["国家发展和改革委员会", "人力资源和社会保障部"]


def test_split_body_list_offsets_cover_surfaces() -> None:
    text = "卫生健康委、委编办、人力资源社会保障财政"
    for m in split_body_list(text, "济南市"):
        assert text[m.start:m.end] == m.surface
    assert [m.canonical for m in split_body_list(text, "济南市")][-1] == "济南市财政局"


def test_split_body_list_keeps_unknown_bodies_by_suffix() -> None:
    found = split_body_list("市卫生健康委、市人民防空办公室", "聊城市")
    assert [(m.canonical, m.known) for m in found] == [("聊城市卫生健康委员会", True), ("聊城市人民防空办公室", False)]


def test_resolve_issuers_dedupes_and_canonicalises() -> None:
    assert resolve_issuers(["中共中央办公厅", "国务院办公厅", "国务院办公厅"], "全国") == ("中共中央办公厅", "国务院办公厅")


def test_gazetteer_scan_finds_prefixed_bodies_in_text(gazetteer: Gazetteer) -> None:
    text = "支持聊城市卫生健康委员会和市医疗保障局，加大财政支持。"
    found = [(m.surface, m.canonical) for m in gazetteer.scan(text, "聊城市")]
    assert found == [("聊城市卫生健康委员会", "聊城市卫生健康委员会"), ("市医疗保障局", "聊城市医疗保障局")]


def test_gazetteer_missing_file_raises_resource_error(tmp_path: Path) -> None:
    with pytest.raises(ResourceError, match="missing"):
        Gazetteer.from_files(tmp_path / "none.tsv", tmp_path / "none.tsv")


def test_gazetteer_bad_level_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bodies.tsv"
    bad.write_text("某局\t某局\tplanet\t全国\tagency\n", encoding="utf-8")
    places = tmp_path / "places.tsv"
    places.write_text("聊城市\t聊城\tmunicipal\t山东省\n", encoding="utf-8")
    with pytest.raises(ResourceError, match="bodies.tsv:1"):
        Gazetteer.from_files(bad, places)
