"""Gazetteer resolution and list splitting (pipeline/resolve.py)."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from pipeline.errors import ResourceError
from pipeline.models import Level
from pipeline.resolve import Gazetteer, Place, read_places, resolve_issuers, split_body_list

ROOT = Path(__file__).resolve().parents[1]


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
def test_resolve_canonical(
    gazetteer: Gazetteer, surface: str, jurisdiction: str, canonical: str
) -> None:
    body = gazetteer.resolve(surface, jurisdiction)
    assert body is not None and body.canonical == canonical


def test_resolve_level_of_template(gazetteer: Gazetteer) -> None:
    body = gazetteer.resolve("市医保局", "聊城市")
    assert body is not None
    assert (body.level, body.jurisdiction, body.parent) == (
        Level.MUNICIPAL,
        "聊城市",
        "聊城市人民政府",
    )


@pytest.mark.parametrize("surface", ["加大财政支持", "院长", "县级医院", "医疗卫生"])
def test_resolve_rejects_non_bodies(gazetteer: Gazetteer, surface: str) -> None:
    assert gazetteer.resolve(surface, "聊城市") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "人力资源社会保障财政市医疗保障局",
            ["聊城市人力资源和社会保障局", "聊城市财政局", "聊城市医疗保障局"],
        ),
        ("人力资源社会保障教育体育局", ["聊城市人力资源和社会保障局", "聊城市教育和体育局"]),
        ("科技卫生健康委", ["聊城市科学技术局", "聊城市卫生健康委员会"]),
        ("财政发展改革委", ["聊城市财政局", "聊城市发展和改革委员会"]),
        (
            "财政人力资源社会保障委组织部",
            ["聊城市财政局", "聊城市人力资源和社会保障局", "中共聊城市委组织部"],
        ),
        ("卫生健康委、民政", ["聊城市卫生健康委员会", "聊城市民政局"]),
        (
            "市卫生健康委，市发展改革委和市财政局",
            ["聊城市卫生健康委员会", "聊城市发展和改革委员会", "聊城市财政局"],
        ),
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
        assert text[m.start : m.end] == m.surface
    assert [m.canonical for m in split_body_list(text, "济南市")][-1] == "济南市财政局"


def test_split_body_list_keeps_unknown_bodies_by_suffix() -> None:
    found = split_body_list("市卫生健康委、市人民防空办公室", "聊城市")
    assert [(m.canonical, m.known) for m in found] == [
        ("聊城市卫生健康委员会", True),
        ("聊城市人民防空办公室", False),
    ]


def test_resolve_issuers_dedupes_and_canonicalises() -> None:
    assert resolve_issuers(["中共中央办公厅", "国务院办公厅", "国务院办公厅"], "全国") == (
        "中共中央办公厅",
        "国务院办公厅",
    )


def test_gazetteer_scan_finds_prefixed_bodies_in_text(gazetteer: Gazetteer) -> None:
    text = "支持聊城市卫生健康委员会和市医疗保障局，加大财政支持。"
    found = [(m.surface, m.canonical) for m in gazetteer.scan(text, "聊城市")]
    assert found == [
        ("聊城市卫生健康委员会", "聊城市卫生健康委员会"),
        ("市医疗保障局", "聊城市医疗保障局"),
    ]


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


# --------------------------------------------------------------------------- the place table


@pytest.fixture(scope="module")
def units() -> list[Place]:
    """The administrative units of places.tsv, one per adcode (common names such as 化隆县 left out)."""
    return list({p.adcode: p for p in reversed(read_places()) if p.adcode}.values())


def test_places_counts_per_level_are_the_national_ones(units: list[Place]) -> None:
    by_level = Counter(p.level for p in units)
    mainland = [
        p for p in units if p.level is Level.PROVINCIAL and p.adcode and p.adcode < "710000"
    ]
    assert len(mainland) == 31
    assert by_level[Level.PROVINCIAL] == 34  # with 台湾省, 香港, 澳门
    assert 330 <= by_level[Level.MUNICIPAL] <= 340
    assert 2800 <= by_level[Level.COUNTY] <= 2900


@pytest.mark.parametrize(
    ("name", "level", "parent", "province", "shorts"),
    [
        ("阳春市", Level.COUNTY, "阳江市", "广东省", ("阳春",)),
        ("北碚区", Level.COUNTY, "重庆市", "重庆市", ("北碚",)),
        ("仙桃市", Level.COUNTY, "湖北省", "湖北省", ()),  # 仙桃 is also a word: full name only
        ("会同县", Level.COUNTY, "怀化市", "湖南省", ()),  # 会同 (together with) is a word
        ("互助土族自治县", Level.COUNTY, "海东市", "青海省", ("互助县",)),
        ("黔南布依族苗族自治州", Level.MUNICIPAL, "贵州省", "贵州省", ("黔南州", "黔南")),
        ("海南藏族自治州", Level.MUNICIPAL, "青海省", "青海省", ("海南州",)),
        ("海南省", Level.PROVINCIAL, "全国", "海南省", ("海南",)),
        ("内蒙古自治区", Level.PROVINCIAL, "全国", "内蒙古自治区", ("内蒙古",)),
        ("鄂尔多斯市", Level.MUNICIPAL, "内蒙古自治区", "内蒙古自治区", ("鄂尔多斯",)),
        ("阿拉善盟", Level.MUNICIPAL, "内蒙古自治区", "内蒙古自治区", ("阿拉善",)),
        ("阿里地区", Level.MUNICIPAL, "西藏自治区", "西藏自治区", ("阿里",)),
        ("化隆回族自治县", Level.COUNTY, "海东市", "青海省", ("化隆县", "化隆")),
        ("达拉特旗", Level.COUNTY, "鄂尔多斯市", "内蒙古自治区", ()),
    ],
)
def test_places_row(
    gazetteer: Gazetteer,
    name: str,
    level: Level,
    parent: str,
    province: str,
    shorts: tuple[str, ...],
) -> None:
    place = gazetteer.places[name]
    assert (place.level, place.parent, place.province, place.shorts) == (
        level,
        parent,
        province,
        shorts,
    )


def test_places_parents_and_provinces_are_in_the_table(units: list[Place]) -> None:
    names = {p.name: p for p in units}
    for place in units:
        assert (
            place.parent == "全国" if place.level is Level.PROVINCIAL else place.parent in names
        ), place
        assert names[place.province].level is Level.PROVINCIAL, place
        if place.level is Level.MUNICIPAL:
            assert names[place.parent].level is Level.PROVINCIAL, place


def test_places_short_forms_name_one_unit(units: list[Place]) -> None:
    owners = Counter(short for p in units for short in p.shorts)
    assert [s for s, n in owners.items() if n > 1] == []
    assert not set(owners) & {p.name for p in units}


@pytest.mark.parametrize("word", ["资源", "合作", "会同", "公安", "同心", "新华", "城关"])
def test_places_ordinary_words_are_no_short_forms(gazetteer: Gazetteer, word: str) -> None:
    assert word not in gazetteer.place_by_short
    body = gazetteer.resolve(
        f"{word}卫生健康委", "聊城市"
    )  # no county's body: a name by its ending
    assert body is not None and body.canonical == f"{word}卫生健康委"


def test_places_repeated_names_keep_every_candidate(gazetteer: Gazetteer) -> None:
    parents = [p.parent for p in gazetteer.place_candidates["鼓楼区"]]
    assert parents == ["南京市", "徐州市", "福州市", "开封市"]
    assert gazetteer.place_named("鼓楼区").parent == "南京市"  # default: lowest adcode
    assert gazetteer.place_named("鼓楼区", "福州市").parent == "福州市"
    assert gazetteer.place_named("鼓楼区", "闽侯县").parent == "福州市"  # same city
    assert gazetteer.place_named("朝阳区", "吉林省").parent == "长春市"  # same province
    assert gazetteer.place_by_short.get("鼓楼") is None  # a repeated name has no bare short form


@pytest.mark.parametrize(
    ("short", "name"),
    [
        ("黔南", "黔南布依族苗族自治州"),
        ("海南", "海南省"),
        ("海南州", "海南藏族自治州"),
        ("朝阳", "朝阳市"),
        ("吉林", "吉林省"),
    ],
)
def test_places_short_form_belongs_to_the_higher_unit(
    gazetteer: Gazetteer, short: str, name: str
) -> None:
    assert gazetteer.place_by_short[short].name == name


def test_places_generator_short_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location(
        "build_places", ROOT / "tools" / "build_places.py"
    )
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "build_places", build)  # dataclasses look their module up
    spec.loader.exec_module(build)
    assert build.short_forms("博尔塔拉蒙古自治州", "municipal") == [
        "博尔塔拉州",
        "博尔塔拉",
        "博州",
    ]
    assert build.short_forms("酉阳土家族苗族自治县", "county") == ["酉阳县", "酉阳"]
    assert build.short_forms("新疆维吾尔自治区", "provincial") == ["新疆"]


# --------------------------------------------------------------------------- bodies of every level


@pytest.mark.parametrize(
    ("surface", "jurisdiction", "canonical", "level", "place"),
    [
        (
            "黔南州人民政府办公室",
            "贵州省",
            "黔南布依族苗族自治州人民政府办公室",
            Level.MUNICIPAL,
            "黔南布依族苗族自治州",
        ),
        (
            "州人民政府办公室",
            "黔南州",
            "黔南布依族苗族自治州人民政府办公室",
            Level.MUNICIPAL,
            "黔南布依族苗族自治州",
        ),
        (
            "海南州卫生健康委",
            "青海省",
            "海南藏族自治州卫生健康委员会",
            Level.MUNICIPAL,
            "海南藏族自治州",
        ),
        # A county's department: the organ word the text writes decides (卫健局 / 卫健委).
        ("县卫健局", "灵璧县", "灵璧县卫生健康局", Level.COUNTY, "灵璧县"),
        ("县卫生健康局", "灵璧县", "灵璧县卫生健康局", Level.COUNTY, "灵璧县"),
        ("县卫健委", "灵璧县", "灵璧县卫生健康委员会", Level.COUNTY, "灵璧县"),
        ("县药监局", "灵璧县", "灵璧县药品监督管理局", Level.COUNTY, "灵璧县"),
        ("县退役军人事务局", "灵璧县", "灵璧县退役军人事务局", Level.COUNTY, "灵璧县"),
        ("市卫健局", "阳春市", "阳春市卫生健康局", Level.COUNTY, "阳春市"),
        ("阳春市人民政府", "阳江市", "阳春市人民政府", Level.COUNTY, "阳春市"),
        # Units of a municipality carry the city in their bodies' names.
        ("区政府办公室", "北碚区", "重庆市北碚区人民政府办公室", Level.COUNTY, "北碚区"),
        ("福州市鼓楼区卫生健康局", "南京市", "福州市鼓楼区卫生健康局", Level.COUNTY, "鼓楼区"),
        ("县卫计局", "化隆县", "化隆县卫生和计划生育局", Level.COUNTY, "化隆县"),
        ("市卫生计生局", "榆林市", "榆林市卫生和计划生育局", Level.MUNICIPAL, "榆林市"),
        # Collective bodies, named with their place.
        ("各乡镇人民政府", "灵璧县", "灵璧县各乡镇人民政府", Level.COUNTY, "灵璧县"),
        ("各镇人民政府", "阳春市", "阳春市各镇人民政府", Level.COUNTY, "阳春市"),
        ("经济开发区管委会", "灵璧县", "灵璧经济开发区管理委员会", Level.COUNTY, "灵璧县"),
        ("各县(市、区)人民政府", "滨州市", "滨州市各县(市、区)人民政府", Level.MUNICIPAL, "滨州市"),
        ("各旗区人民政府", "鄂尔多斯市", "鄂尔多斯市各旗区人民政府", Level.MUNICIPAL, "鄂尔多斯市"),
        ("团县委", "灵璧县", "共青团灵璧县委员会", Level.COUNTY, "灵璧县"),
        ("县妇联", "灵璧县", "灵璧县妇女联合会", Level.COUNTY, "灵璧县"),
        (
            "县委网信办",
            "灵璧县",
            "中共灵璧县委网络安全和信息化委员会办公室",
            Level.COUNTY,
            "灵璧县",
        ),
        ("省退役军人事务厅", "山东省", "山东省退役军人事务厅", Level.PROVINCIAL, "山东省"),
        ("盟卫健委", "阿拉善盟", "阿拉善盟卫生健康委员会", Level.MUNICIPAL, "阿拉善盟"),
    ],
)
def test_resolve_local_bodies(
    gazetteer: Gazetteer, surface: str, jurisdiction: str, canonical: str, level: Level, place: str
) -> None:
    body = gazetteer.resolve(surface, jurisdiction)
    assert body is not None
    assert (body.canonical, body.level, body.jurisdiction) == (canonical, level, place)


@pytest.mark.parametrize(
    ("surface", "canonical"),
    [
        ("科技部", "科学技术部"),
        ("市场监管总局", "国家市场监督管理总局"),
        ("国家市场监管总局", "国家市场监督管理总局"),
        ("广电总局", "国家广播电视总局"),
        ("体育总局", "国家体育总局"),
        ("国家烟草局", "国家烟草专卖局"),
        ("国家卫生计生委", "国家卫生和计划生育委员会"),
        ("国家卫生健康委", "国家卫生健康委员会"),
        ("国家中医药局", "国家中医药管理局"),
        ("国家疾控局", "国家疾病预防控制局"),
        ("国家医保局", "国家医疗保障局"),
        ("国家药监局", "国家药品监督管理局"),
        ("共青团中央", "中国共产主义青年团中央委员会"),
        ("全国妇联", "中华全国妇女联合会"),
        ("中国科协", "中国科学技术协会"),
        ("中国残联", "中国残疾人联合会"),
        ("全国总工会", "中华全国总工会"),
        ("全国工商联", "中华全国工商业联合会"),
        ("中央统战部", "中共中央统一战线工作部"),
        ("国家民委", "国家民族事务委员会"),
        ("国家认监委", "国家认证认可监督管理委员会"),  # not 国家监委 inside it
        ("退役军人事务部", "退役军人事务部"),
    ],
)
def test_resolve_national_bodies(gazetteer: Gazetteer, surface: str, canonical: str) -> None:
    for jurisdiction in ("全国", "灵璧县"):
        body = gazetteer.resolve(surface, jurisdiction)
        assert body is not None and (body.canonical, body.level) == (canonical, Level.NATIONAL)


@pytest.mark.parametrize(
    "text",
    ["推进居民委员会和村民委员会建设", "提高院前急救能力", "推动学科协同发展", "由集团委托管理"],
)
def test_gazetteer_scan_finds_no_body_inside_ordinary_words(
    gazetteer: Gazetteer, text: str
) -> None:
    assert gazetteer.scan(text, "聊城市") == []
