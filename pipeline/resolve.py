"""Body gazetteer and resolution: a surface name + the document's jurisdiction -> canonical Body.

The gazetteer (``resources/bodies.tsv``) holds fixed national organs and *templates* for the
departments of provinces, cities and counties (``{place}卫生健康委员会``). A surface is read as
``[中共][place | 国家 | 省/市/县/区 | 本市 …] + alias``; the prefix names the place (the document's
jurisdiction when absent) and the level picks the template row (``财政厅`` for a province,
``财政局`` for a city). Run-together lists (``人力资源社会保障财政市医疗保障局``) are segmented by a
dynamic programme over the alias trie.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import RESOURCES_DIR
from pipeline.errors import ResourceError
from pipeline.models import Body, Level
from pipeline.store import read_yaml_mapping

log = logging.getLogger(__name__)

BODIES_FILE = RESOURCES_DIR / "bodies.tsv"
PLACES_FILE = RESOURCES_DIR / "places.tsv"

NATIONAL = "全国"
_LEVEL_ORDER = {Level.NATIONAL: 0, Level.PROVINCIAL: 1, Level.MUNICIPAL: 2, Level.COUNTY: 3}
# A level word starting a name (市卫生健康委, 自治州人民政府) and the level it names.
LEVEL_WORDS = {
    "自治区": Level.PROVINCIAL,
    "自治州": Level.MUNICIPAL,
    "省": Level.PROVINCIAL,
    "市": Level.MUNICIPAL,
    "州": Level.MUNICIPAL,
    "盟": Level.MUNICIPAL,
    "县": Level.COUNTY,
    "区": Level.COUNTY,
    "旗": Level.COUNTY,
}
# Prefixes that mean "this document's own jurisdiction".
_OWN_PREFIXES = ("本省", "本市", "本县", "本区", "各级", "全省", "全市", "全县", "全区")
_PLACE_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "地区",
    "省",
    "市",
    "县",
    "区",
    "州",
    "盟",
    "旗",
)
# Between the bodies of a list.
SEPARATORS = frozenset("、,，;；/ \u3000\t和及与")
BODY_WORDS_FILE = RESOURCES_DIR / "body_words.yaml"


def read_body_words(
    path: Path = BODY_WORDS_FILE,
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(body suffixes longest first, institution endings, generic heads) of ``body_words.yaml``."""
    data = read_yaml_mapping(path)
    try:
        suffixes, endings, heads = (
            tuple(str(w) for w in data[k])
            for k in ("body_suffixes", "institution_endings", "generic_heads")
        )
    except KeyError as exc:
        raise ResourceError(f"{path}: {exc.args[0]} is missing") from exc
    return tuple(sorted(set(suffixes), key=lambda w: (-len(w), w))), endings, heads


# Recognising a name the gazetteer does not know by its ending; a kind of institution (县级医院) is not one.
BODY_SUFFIXES, INSTITUTION_ENDINGS, GENERIC_HEADS = read_body_words()
# Local organs and collectives named without their place (各乡镇人民政府, 经济开发区管委会): the
# document's own place is theirs.
_LOCAL_ORGANS = (
    "管委会",
    "管理委员会",
    "开发区",
    "高新区",
    "园区",
    "新区",
    "乡镇",
    "街道",
    "办事处",
)
# A unit inside a national body: 办公厅, 综合司, 卫生局 … up to a separator or the end.
_INTERNAL_UNIT = re.compile(r"[\u4e00-\u9fff]{0,6}?(?:办公厅|办公室|司|局)(?=[、，,;；\s)）]|$)")
_BRANCH = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:监管分局|分局|监管局)")


_LEVEL_PREFIX = {Level.PROVINCIAL: "省", Level.MUNICIPAL: "市", Level.COUNTY: "县"}
# Province-level cities: their districts and counties carry the city in body names (重庆市北碚区…).
_MUNICIPALITIES = frozenset({"北京市", "天津市", "上海市", "重庆市"})


@functools.lru_cache(maxsize=8192)
def place_short(name: str) -> str:
    """A place name without its administrative suffix.

    >>> place_short("聊城市"), place_short("广西壮族自治区"), place_short("莘县")
    ('聊城', '广西', '莘')
    """
    for suffix in _PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def trie_regex(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` factored as a trie (fast, longest match first).

    >>> p = re.compile(trie_regex(["财政", "财政局", "民政局"]))
    >>> [m.group() for m in p.finditer("市财政局和民政局、财政")]
    ['财政局', '民政局', '财政']
    """
    trie: dict = {}
    for word in words:
        if not word:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        inner = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + inner + ")?"
        return inner

    return "(?:" + build(trie) + ")"


@dataclass(frozen=True, slots=True)
class BodyRow:
    """One row of the gazetteer; a template when ``canonical`` contains ``{place}``."""

    canonical: str
    aliases: tuple[str, ...]
    levels: frozenset[Level]
    jurisdiction: str
    kind: str
    parent: str | None
    list_only: tuple[str, ...]

    @property
    def is_template(self) -> bool:
        return "{place}" in self.canonical or "{short}" in self.canonical

    def body(self, place: str | None, level: Level | None, surface: str) -> Body:
        fill = {"place": place or "", "short": place_short(place or "")}
        parent = self.parent.format(**fill) if self.parent else None
        return Body(
            canonical=self.canonical.format(**fill),
            level=level
            if self.is_template
            else (next(iter(self.levels)) if len(self.levels) == 1 else level),
            jurisdiction=place if self.is_template else self.jurisdiction,
            kind=self.kind,
            aliases=self.alias_forms(place, level, surface),
            parent=parent,
        )

    def alias_forms(self, place: str | None, level: Level | None, surface: str) -> tuple[str, ...]:
        """Every name an analyst may use for the body: the surface as written, then the row's
        short forms qualified so they name this body alone — with the level word (市卫健委) or the
        place (聊城市卫健委, 聊城卫健委) for a template, with 国家 for a national department.

        >>> row = BodyRow("{place}财政局", ("财政局",), frozenset(), "{place}", "department", None, ("财政",))
        >>> row.alias_forms("聊城市", Level.MUNICIPAL, "财政")
        ('财政', '市财政', '市财政局', '聊城市财政', '聊城市财政局', '聊城财政', '聊城财政局')
        """
        short = set(self.aliases) | set(self.list_only)
        if self.is_template:
            prefixes = {place, place_short(place)} if place else set()
            if place and level in _LEVEL_PREFIX:
                prefixes.add(_LEVEL_PREFIX[level])
            forms = {p + a for p in prefixes for a in short}
        elif self.canonical.startswith("国家"):
            forms = {a if a.startswith("国") else "国家" + a for a in short}
        else:
            forms = short
        return (surface, *sorted(forms - {surface}))


@dataclass(frozen=True, slots=True)
class Place:
    """A row of ``places.tsv``: 阳春市 (county, parent 阳江市, in 广东省).

    ``short`` is the usual short form (黔南州) or the name without its suffix; ``shorts`` holds the
    forms the gazetteer matches alone (empty when another place claims them or the name repeats).
    """

    name: str
    short: str
    level: Level
    parent: str | None
    shorts: tuple[str, ...] = ()
    province: str | None = None
    adcode: str | None = None

    @property
    def qualified(self) -> str:
        """The name bodies of the place carry: a unit of a municipality (直辖市) and a city's
        district (市辖区, whose name other cities reuse) keep the city; a county does not.

        >>> Place("北碚区", "北碚", Level.COUNTY, "重庆市", (), "重庆市").qualified
        '重庆市北碚区'
        >>> Place("柳江区", "柳江", Level.COUNTY, "柳州市", (), "广西壮族自治区").qualified
        '柳州市柳江区'
        >>> Place("灵璧县", "灵璧", Level.COUNTY, "宿州市", (), "安徽省").qualified
        '灵璧县'
        """
        if self.level is Level.COUNTY and self.parent:
            if self.parent == self.province and self.parent in _MUNICIPALITIES:
                return self.parent + self.name
            if (
                self.name.endswith("区")
                and self.parent.endswith("市")
                and self.parent != self.province
            ):
                return self.parent + self.name
        return self.name


@dataclass(frozen=True, slots=True)
class BodyMatch:
    """A body found in a string: offsets relative to that string, the Body (None if unknown)."""

    start: int
    end: int
    surface: str
    body: Body | None
    known: bool = True  # False: recognised by its ending only, not by the gazetteer

    @property
    def canonical(self) -> str:
        return self.body.canonical if self.body else self.surface


@dataclass(frozen=True, slots=True)
class _Context:
    """Who a prefix names: a place and its level (``place`` None: an unnamed place of that level)."""

    place: str | None
    level: Level | None
    named: bool = False  # the surface itself names the place or level (县卫健委, 聊城市卫健委)
    within: str | None = None  # the city the text names the place in (福州市鼓楼区)


def _parse_levels(text: str, path: Path, line: int) -> frozenset[Level]:
    try:
        return frozenset(Level(v) for v in text.split("|") if v)
    except ValueError as exc:
        raise ResourceError(
            f"{path}:{line}: unknown level {text!r}",
            hint="use national|provincial|municipal|county",
        ) from exc


def _read_tsv(path: Path, columns: int) -> list[tuple[int, list[str]]]:
    if not path.exists():
        raise ResourceError(
            f"gazetteer file {path} is missing", hint="restore it from the repository"
        )
    rows = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.rstrip("\n").split("\t")
            if len(cells) < columns:
                raise ResourceError(
                    f"{path}:{number}: expected {columns} tab-separated columns, got {len(cells)}"
                )
            rows.append((number, cells))
    return rows


def read_places(path: Path = PLACES_FILE) -> list[Place]:
    """Rows ``name, short forms (|), level, parent[, province, adcode]`` of the place table.

    >>> [p for p in read_places() if p.name == "阳春市"]
    [Place(name='阳春市', short='阳春', level=<Level.COUNTY: 'county'>, parent='阳江市', shorts=('阳春',), province='广东省', adcode='441781')]
    """
    places: list[Place] = []
    for number, cells in _read_tsv(path, 4):
        cells += [""] * (6 - len(cells))
        name, shorts, level, parent, province, adcode = (c.strip() for c in cells[:6])
        levels = _parse_levels(level, path, number)
        if len(levels) != 1:
            raise ResourceError(
                f"{path}:{number}: a place has exactly one level, got {level!r}",
                hint="use provincial|municipal|county",
            )
        (lv,) = levels
        forms = tuple(f for f in shorts.split("|") if f)
        places.append(
            Place(
                name,
                forms[0] if forms else place_short(name),
                lv,
                parent or None,
                forms,
                province or (name if lv is Level.PROVINCIAL else None),
                adcode or None,
            )
        )
    return places + _common_names(places)


def _common_names(places: list[Place]) -> list[Place]:
    """Autonomous counties and banners under the name their own documents use (化隆回族自治县 ->
    化隆县, 鄂伦春自治旗 -> 鄂伦春旗): the same unit, so its bodies are named as the text names them."""
    names = {p.name for p in places}
    return [
        dataclasses.replace(p, name=short, shorts=())
        for p in places
        if p.level is Level.COUNTY and p.name.endswith(("自治县", "自治旗"))
        for short in p.shorts[:1]
        if short[-1] == p.name[-1] and short not in names
    ]


class Gazetteer:
    """The body gazetteer with its alias trie and the places it knows."""

    def __init__(self, rows: list[BodyRow], places: list[Place]) -> None:
        self.rows = rows
        # A name may repeat (鼓楼区 in four cities): every candidate is kept, the first is the default.
        self.place_candidates: dict[str, tuple[Place, ...]] = {}
        for place in places:
            self.place_candidates[place.name] = (*self.place_candidates.get(place.name, ()), place)
        self.places = {name: found[0] for name, found in self.place_candidates.items()}
        self.place_by_short: dict[str, Place] = {}
        for place in sorted(places, key=lambda p: _LEVEL_ORDER[p.level]):
            for short in place.shorts:
                if len(short) >= 2 and short not in self.places:
                    self.place_by_short.setdefault(short, place)
        self._alias_rows: dict[str, list[int]] = {}
        self._list_aliases: set[str] = set()
        for i, row in enumerate(rows):
            for alias in row.aliases:
                self._alias_rows.setdefault(alias, []).append(i)
            for alias in row.list_only:
                self._alias_rows.setdefault(alias, []).append(i)
                self._list_aliases.add(alias)
        self._list_aliases -= {a for row in rows for a in row.aliases}
        self._family = self._families()
        self._trie: dict = {}
        for alias in self._alias_rows:
            node = self._trie
            for ch in alias:
                node = node.setdefault(ch, {})
            node[""] = alias
        self._place_trie: dict = {}
        for name in list(self.places) + list(self.place_by_short):
            node = self._place_trie
            for ch in name:
                node = node.setdefault(ch, {})
            node[""] = name
        text_aliases = [a for a in self._alias_rows if a not in self._list_aliases]
        self.text_pattern = re.compile(trie_regex(text_aliases))
        self._prefix_names: dict[str | None, frozenset[str]] = {}

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, bodies: Path | None = None, places: Path | None = None) -> Gazetteer:
        """The gazetteer from ``resources/`` (cached per path pair)."""
        return _load_cached(bodies or BODIES_FILE, places or PLACES_FILE)

    @classmethod
    def from_files(cls, bodies: Path, places: Path) -> Gazetteer:
        rows = []
        for number, cells in _read_tsv(bodies, 5):
            cells += [""] * (7 - len(cells))
            canonical, aliases, levels, jurisdiction, kind, parent, list_only = cells[:7]
            alias_list = tuple(a for a in aliases.split("|") if a)
            if canonical and "{place}" not in canonical and "{short}" not in canonical:
                alias_list = tuple(dict.fromkeys((canonical, *alias_list)))
            rows.append(
                BodyRow(
                    canonical,
                    alias_list,
                    _parse_levels(levels, bodies, number),
                    jurisdiction,
                    kind or "department",
                    parent or None,
                    tuple(a for a in list_only.split("|") if a),
                )
            )
        return cls(rows, read_places(places))

    def _families(self) -> list[int]:
        """Union rows that share an alias: one department across the levels."""
        parent = list(range(len(self.rows)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for indices in self._alias_rows.values():
            for j in indices[1:]:
                parent[find(j)] = find(indices[0])
        return [find(i) for i in range(len(self.rows))]

    # ------------------------------------------------------------------ places and prefixes

    def place_level(self, name: str) -> Level | None:
        """Level of a place name: from the places table, else from its suffix."""
        if name == NATIONAL:
            return Level.NATIONAL
        if name in self.places:
            return self.places[name].level
        for suffix, level in (
            ("特别行政区", Level.PROVINCIAL),
            ("自治区", Level.PROVINCIAL),
            ("省", Level.PROVINCIAL),
            ("州", Level.MUNICIPAL),
            ("地区", Level.MUNICIPAL),
            ("盟", Level.MUNICIPAL),
            ("市", Level.MUNICIPAL),
            ("县", Level.COUNTY),
            ("区", Level.COUNTY),
            ("旗", Level.COUNTY),
        ):
            if name.endswith(suffix):
                return level
        return None

    def place_named(self, name: str, near: str | None = None) -> Place | None:
        """The place ``name`` (a full name or a short form) means in a document of ``near``.

        A repeated name (鼓楼区) is read as the candidate inside ``near``, else in ``near``'s city,
        else in its province; otherwise the table's first (lowest adcode), so the choice is
        deterministic.

        >>> g = Gazetteer.load()
        >>> g.place_named("鼓楼区", "福州市").parent, g.place_named("鼓楼区").parent
        ('福州市', '南京市')
        >>> g.place_named("黔南州").name
        '黔南布依族苗族自治州'
        """
        found = self.place_candidates.get(name)
        if not found:
            return self.place_by_short.get(name)
        if len(found) == 1 or not near:
            return found[0]
        context = self.place_named(near)
        if context is None:
            return found[0]
        for test in (
            lambda p: self._within(p, context.name),
            lambda p: context.parent is not None and self._within(p, context.parent),
            lambda p: p.province is not None and p.province == context.province,
        ):
            hits = [p for p in found if test(p)]
            if hits:
                return hits[0]
        return found[0]

    def place_full_name(self, name: str | None) -> str | None:
        """The table's name for a place written in short (黔南州 -> 黔南布依族苗族自治州); else ``name``."""
        if not name or name in self.place_candidates:
            return name
        place = self.place_by_short.get(name)
        return place.name if place else name

    def _within(self, place: Place, ancestor: str) -> bool:
        """Whether ``ancestor`` is ``place`` or one of its parents."""
        seen: Place | None = place
        for _ in range(4):
            if seen is None:
                return False
            if seen.name == ancestor:
                return True
            if not seen.parent:
                return False
            seen = self.place_named(seen.parent, seen.province)
        return False

    def _ancestor(self, place: str | None, level: Level) -> str | None:
        """The place of ``level`` that contains ``place`` (via the places table)."""
        seen = 0
        while place and seen < 5:
            info = self.places.get(place)
            if info is None:
                return None
            if info.level == level:
                return place
            place, seen = info.parent, seen + 1
        return None

    def _level_char_context(
        self, ch: str, jurisdiction: str | None, level: Level | None
    ) -> _Context:
        char_level = LEVEL_WORDS[ch]
        if jurisdiction and (jurisdiction.endswith(ch) or char_level == level):
            return _Context(jurisdiction, level or char_level, True)
        if level is not None and _LEVEL_ORDER[char_level] < _LEVEL_ORDER[level]:
            ancestor = self._ancestor(jurisdiction, char_level)
            if ancestor:
                return _Context(ancestor, char_level, True)
        return _Context(None, char_level, True)

    def _prefixes(
        self, text: str, i: int, jurisdiction: str | None, level: Level | None
    ) -> list[tuple[int, _Context]]:
        """Every way a place prefix can start at ``text[i]``: (end of prefix, context)."""
        own = _Context(jurisdiction, level if jurisdiction else None)
        out: list[tuple[int, _Context]] = [(i, own)]
        starts = [i]
        if text.startswith("中共", i):
            starts.append(i + 2)
            out.append((i + 2, own))
        for k in starts:
            if jurisdiction and jurisdiction != NATIONAL:
                for name in self._own_names(jurisdiction):
                    if len(name) >= 2 and text.startswith(name, k):
                        out.append((k + len(name), _Context(jurisdiction, own.level, True)))
            for j, place in self._places_at(text, k, jurisdiction):
                if place.name != jurisdiction:
                    out.append((j, _Context(place.name, place.level, True, place.parent)))
            if text.startswith("国家", k):
                out.append((k + 2, _Context(NATIONAL, Level.NATIONAL)))
            for word in _OWN_PREFIXES:
                if text.startswith(word, k):
                    out.append((k + len(word), own))
            if text.startswith(("自治区", "自治州"), k):
                # 自治区卫生健康委: the autonomous region (or prefecture) the document is in
                word = text[k : k + 3]
                out.append((k + 3, self._level_char_context(word, jurisdiction, level)))
            elif k < len(text) and text[k] in LEVEL_WORDS:
                out.append((k + 1, self._level_char_context(text[k], jurisdiction, level)))
        return out

    def _own_names(self, jurisdiction: str) -> tuple[str, ...]:
        """The names a document of ``jurisdiction`` writes for it: 黔南布依族苗族自治州, 黔南州, 黔南."""
        info = self.places.get(jurisdiction)
        shorts = info.shorts if info else ()
        return tuple(dict.fromkeys((jurisdiction, *shorts, place_short(jurisdiction))))

    def _places_at(self, text: str, k: int, near: str | None) -> list[tuple[int, Place]]:
        """Places named at ``text[k]``: (end, place); a city then one of its units (聊城市东昌府区,
        重庆市北碚区) also as the inner unit, which tells a repeated name (福州市鼓楼区) apart."""
        found: list[tuple[int, Place]] = []
        node, j = self._place_trie, k
        while j < len(text) and text[j] in node:
            node = node[text[j]]
            j += 1
            if "" in node:
                place = self.place_named(node[""], near)
                if place is None:
                    continue
                found.append((j, place))
                inner, m = self._place_trie, j
                while m < len(text) and text[m] in inner:
                    inner = inner[text[m]]
                    m += 1
                    if "" in inner and inner[""] in self.place_candidates:
                        child = self.place_named(inner[""], place.name)
                        if (
                            child is not None
                            and child.name != place.name
                            and self._within(child, place.name)
                        ):
                            found.append((m, child))
        return found

    def _aliases_at(self, text: str, k: int) -> list[tuple[int, str]]:
        """Aliases of the trie starting at ``text[k]``: (end, alias), shortest first."""
        found = []
        node, j = self._trie, k
        while j < len(text) and text[j] in node:
            node = node[text[j]]
            j += 1
            if "" in node:
                found.append((j, node[""]))
        return found

    # ------------------------------------------------------------------ resolution

    def _row_for(self, alias: str, ctx: _Context) -> BodyRow | None:
        indices = self._alias_rows.get(alias, [])
        if not indices:
            return None
        level = ctx.level
        if ctx.place == NATIONAL:
            level = Level.NATIONAL
        if level is None:
            level = Level.NATIONAL if ctx.place is None else self.place_level(ctx.place)
        same_level = [i for i in indices if level in self.rows[i].levels]
        if same_level:
            return self.rows[same_level[0]]
        fixed = [i for i in indices if not self.rows[i].is_template]
        # A local level named in the prefix (县卫健委) is never a national body.
        local = ctx.named and ctx.place != NATIONAL
        if fixed and not (local and all(Level.NATIONAL in self.rows[i].levels for i in fixed)):
            return self.rows[fixed[0]]
        # The surface's own words first (县卫健委 is a 委员会), then its kin at this level (卫健局).
        templates = [i for i in indices if self.rows[i].is_template]
        if local and templates:
            return self.rows[templates[0]]
        # the last resort walks every row: only now
        families = {self._family[i] for i in indices}
        return next(
            (
                row
                for i, row in enumerate(self.rows)
                if self._family[i] in families and level in row.levels
            ),
            None,
        )

    def _make_body(self, alias: str, ctx: _Context, surface: str) -> Body | None:
        row = self._row_for(alias, ctx)
        if row is None:
            return None
        if not row.is_template:
            return row.body(None, None, surface)
        level = ctx.level if ctx.place != NATIONAL else Level.NATIONAL
        if ctx.place is None:
            if ctx.level is None:
                return None
            # A level named without its place (县卫生健康局 in a city's plan): keep the surface.
            return Body(surface, ctx.level, None, row.kind, (surface,), None)
        if level is None:
            level = self.place_level(ctx.place)
        body = row.body(ctx.place, level, surface)
        info = self.place_named(ctx.place, ctx.within)
        if info and (info.qualified != info.name or "{short}" in row.canonical):
            # 北碚区 -> 重庆市北碚区人民政府; {short} from the table: 化隆回族自治县 -> 化隆经济开发区…
            fill = {
                "place": info.qualified,
                "short": min(info.shorts, key=len) if info.shorts else place_short(info.name),
            }
            body = dataclasses.replace(
                body,
                canonical=row.canonical.format(**fill),
                parent=row.parent.format(**fill) if row.parent else None,
            )
        return body

    def _candidates(
        self, text: str, i: int, jurisdiction: str | None, level: Level | None, list_context: bool
    ) -> list[tuple[int, Body | None]]:
        """Bodies whose surface starts at ``text[i]``: (end, body)."""
        out: list[tuple[int, Body | None]] = []
        for k, ctx in self._prefixes(text, i, jurisdiction, level):
            aliases = self._aliases_at(text, k)
            longest = aliases[-1][0] if aliases else k
            for j, alias in aliases:
                if not list_context and alias in self._list_aliases:
                    continue
                if k == i and alias in self._list_aliases and len(alias) == 1:
                    continue  # 委 alone is never a body; 市委 is.
                surface = text[i:j]
                body = self._make_body(alias, ctx, surface)
                if body is None:
                    continue
                branch = _BRANCH.match(text, j)
                if branch and not self._aliases_at(text, j):
                    j = branch.end()
                    body = Body(
                        body.canonical + text[branch.start() : j],
                        None,
                        None,
                        "regulator",
                        (text[i:j],),
                        body.canonical,
                    )
                elif j == longest and (
                    unit := self._internal_unit(
                        text,
                        j,
                        row_is_national=body.level is Level.NATIONAL
                        and not self._is_template(alias),
                    )
                ):
                    j = unit.end()
                    body = Body(
                        body.canonical + unit.group(),
                        Level.NATIONAL,
                        NATIONAL,
                        body.kind,
                        (text[i:j],),
                        body.canonical,
                    )
                out.append((j, body))
        return out

    def _is_template(self, alias: str) -> bool:
        return all(self.rows[k].is_template for k in self._alias_rows.get(alias, []))

    def _internal_unit(self, text: str, j: int, row_is_national: bool) -> re.Match[str] | None:
        """A unit inside a national body written right after it (中央军委后勤保障部|卫生局,
        国家卫生健康委|办公厅): up to the next separator, not itself a national body."""
        if not row_is_national:
            return None
        unit = _INTERNAL_UNIT.match(text, j)
        if unit is None:
            return None
        inner = [alias for _, alias in self._aliases_at(text, j)]
        if any(not self._is_template(alias) for alias in inner):
            return None
        return unit

    def resolve(
        self, surface: str, jurisdiction: str | None, level: Level | None = None
    ) -> Body | None:
        """The canonical body ``surface`` names in a document of ``jurisdiction``; None if unknown.

        >>> g = Gazetteer.load()
        >>> g.resolve("市卫健委", "聊城市").canonical
        '聊城市卫生健康委员会'
        >>> g.resolve("财政", "聊城市").canonical, g.resolve("省财政", "山东省").canonical
        ('聊城市财政局', '山东省财政厅')
        """
        jurisdiction = self.place_full_name(jurisdiction)
        surface = surface.strip()
        if level is None and jurisdiction:
            level = self.place_level(jurisdiction)
        best = [
            b
            for end, b in self._candidates(surface, 0, jurisdiction, level, True)
            if end == len(surface)
        ]
        if best:
            return best[-1]
        return self.pattern_body(surface, jurisdiction, level)

    def pattern_body(
        self, surface: str, jurisdiction: str | None, level: Level | None = None
    ) -> Body | None:
        """A body the gazetteer lacks, recognised by its ending (…委员会, …局, …办公室)."""
        if len(surface) < 3 or not any(surface.endswith(s) for s in BODY_SUFFIXES):
            return None
        if surface.startswith(GENERIC_HEADS) and surface.endswith(INSTITUTION_ENDINGS):
            return None  # 县级医院, 二级以上医院: a kind of institution, not one
        if not all("\u4e00" <= ch <= "\u9fff" or ch in "()（）" for ch in surface):
            return None
        canonical = surface
        if surface[0] in LEVEL_WORDS and not surface.startswith(("市场", "区域", "县域", "省部")):
            ctx = self._level_char_context(surface[0], jurisdiction, level)
            if ctx.place:
                canonical = ctx.place + surface[1:]
                level = ctx.level
        elif (
            jurisdiction
            and jurisdiction != NATIONAL
            and (surface.startswith("各") or any(w in surface for w in _LOCAL_ORGANS))
            and not self._place_at(surface)
        ):
            canonical = jurisdiction + surface
        kind = "party" if canonical.startswith("中共") else "department"
        return Body(canonical, level, jurisdiction, kind, (surface,), None)

    def _place_at(self, text: str) -> bool:
        """Whether ``text`` starts with a place name (its own, not the document's)."""
        node = self._place_trie
        for ch in text:
            if ch not in node:
                return False
            node = node[ch]
            if "" in node:
                return True
        return False

    # ------------------------------------------------------------------ lists and running text

    def split_body_list(
        self, text: str, jurisdiction: str | None, level: Level | None = None
    ) -> list[BodyMatch]:
        """Segment a list of bodies (separated or run together) into the bodies meant.

        Dynamic programme over the alias trie: fewest unrecognised characters, then fewest list
        items read by their ending alone (各乡镇人民政府), then fewest pieces. Unrecognised runs
        become pattern bodies when they end like one, else are dropped.

        >>> g = Gazetteer.load()
        >>> [m.canonical for m in g.split_body_list("人力资源社会保障财政市医疗保障局", "聊城市")]
        ['聊城市人力资源和社会保障局', '聊城市财政局', '聊城市医疗保障局']
        >>> [m.canonical for m in g.split_body_list("各乡镇人民政府、县民政局", "灵璧县")]
        ['灵璧县各乡镇人民政府', '灵璧县民政局']
        """
        jurisdiction = self.place_full_name(jurisdiction)
        if level is None and jurisdiction:
            level = self.place_level(jurisdiction)
        n = len(text)
        inf = (n + 1, n + 1, n + 1)
        best: list[tuple[int, int, int]] = [inf] * (n + 1)
        back: list[tuple[int, Body | None, str] | None] = [None] * (n + 1)
        best[0] = (0, 0, 0)
        for i in range(n):
            if best[i] == inf:
                continue
            unknown, patterns, pieces = best[i]
            moves: list[tuple[int, tuple[int, int, int], Body | None, str]] = []
            if text[i] in SEPARATORS:
                moves.append((i + 1, (unknown, patterns, pieces), None, "sep"))
            moves.append((i + 1, (unknown + 1, patterns, pieces), None, "unknown"))
            for j, body in self._candidates(text, i, jurisdiction, level, True):
                moves.append((j, (unknown, patterns, pieces + 1), body, "body"))
            if i == 0 or text[i - 1] in SEPARATORS:
                j = next((k for k in range(i, n) if text[k] in SEPARATORS), n)
                whole = self.pattern_body(text[i:j], jurisdiction, level) if j > i else None
                if whole is not None:
                    moves.append((j, (unknown, patterns + 1, pieces + 1), whole, "pattern"))
            for j, cost, body, kind in moves:
                if cost < best[j]:
                    best[j] = cost
                    back[j] = (i, body, kind)
        steps: list[tuple[int, int, Body | None, str]] = []
        j = n
        while j > 0:
            step = back[j]
            assert step is not None
            i, body, kind = step
            steps.append((i, j, body, kind))
            j = i
        steps.reverse()
        matches: list[BodyMatch] = []
        run_start: int | None = None
        for i, j, body, kind in steps + [(n, n, None, "end")]:
            if kind == "unknown":
                run_start = i if run_start is None else run_start
                continue
            if run_start is not None:
                matches.extend(self._unknown_run(text, run_start, i, jurisdiction, level))
                run_start = None
            if kind in ("body", "pattern") and body is not None:
                matches.append(BodyMatch(i, j, text[i:j], body, known=kind == "body"))
        return matches

    def _unknown_run(
        self, text: str, start: int, end: int, jurisdiction: str | None, level: Level | None
    ) -> list[BodyMatch]:
        surface = text[start:end]
        body = self.pattern_body(surface, jurisdiction, level)
        return [BodyMatch(start, end, surface, body, known=False)] if body else []

    def _prefix_names_for(self, jurisdiction: str | None) -> tuple[frozenset[str], ...]:
        """Place prefixes that may end where a body's alias begins, with or without 中共 before
        them: every place's names (and 中共 alone), and the names of the document's own place."""
        if None not in self._prefix_names:
            names = (
                set(self.places)
                | set(self.place_by_short)
                | {"国家", *(_OWN_PREFIXES), *LEVEL_WORDS}
            ) - {""}
            self._prefix_names[None] = frozenset({*names, *("中共" + n for n in names), "中共"})
        if not jurisdiction or jurisdiction == NATIONAL:
            return (self._prefix_names[None],)
        if jurisdiction not in self._prefix_names:
            own = set(self._own_names(jurisdiction)) - {""}
            self._prefix_names[jurisdiction] = frozenset({*own, *("中共" + n for n in own)})
        return self._prefix_names[None], self._prefix_names[jurisdiction]

    @staticmethod
    def _prefix_start(text: str, lo: int, hi: int, names: tuple[frozenset[str], ...]) -> int | None:
        """The first offset in ``[lo, hi)`` from which ``text`` up to ``hi`` is in one of the
        ``names`` sets (also up to a line break just before ``hi``, as a regex ``$`` with
        ``endpos=hi`` allows). A few slices looked up: the window is a dozen characters."""
        ends = (hi, hi - 1) if hi > lo and text[hi - 1] == "\n" else (hi,)
        for start in range(lo, hi):
            if any(text[start:end] in group for end in ends for group in names):
                return start
        return None

    def scan(
        self, text: str, jurisdiction: str | None, level: Level | None = None
    ) -> list[BodyMatch]:
        """Bodies named in running text (no list-only short forms such as 财政), by offset."""
        jurisdiction = self.place_full_name(jurisdiction)
        if level is None and jurisdiction:
            level = self.place_level(jurisdiction)
        prefix_names = self._prefix_names_for(jurisdiction)
        matches: list[BodyMatch] = []
        last_end = 0
        for hit in self.text_pattern.finditer(text):
            s = hit.start()
            prefix = self._prefix_start(text, max(last_end, s - 12), s, prefix_names)
            starts = [s] if prefix is None else [prefix, s]
            for start in starts:
                found = [
                    (j, b)
                    for j, b in self._candidates(text, start, jurisdiction, level, False)
                    if j >= hit.end()
                ]
                if found:
                    j, body = max(found, key=lambda c: c[0])
                    assert body is not None
                    matches.append(BodyMatch(start, j, text[start:j], body))
                    last_end = j
                    break
        return matches


@functools.lru_cache(maxsize=4)
def _load_cached(bodies: Path, places: Path) -> Gazetteer:
    gazetteer = Gazetteer.from_files(bodies, places)
    log.debug("gazetteer: %d rows, %d places", len(gazetteer.rows), len(gazetteer.places))
    return gazetteer


def split_body_list(
    text: str, jurisdiction: str | None, level: Level | None = None
) -> list[BodyMatch]:
    """Module-level shortcut for :meth:`Gazetteer.split_body_list` on the default gazetteer."""
    return Gazetteer.load().split_body_list(text, jurisdiction, level)


def resolve_body(surface: str, jurisdiction: str | None, level: Level | None = None) -> Body | None:
    """Module-level shortcut for :meth:`Gazetteer.resolve` on the default gazetteer."""
    return Gazetteer.load().resolve(surface, jurisdiction, level)


def resolve_issuers(
    names: Iterable[str], jurisdiction: str | None, level: Level | None = None
) -> tuple[str, ...]:
    """Canonical names of a document's issuers, in order, without duplicates."""
    gazetteer = Gazetteer.load()
    out: list[str] = []
    for name in names:
        matches = gazetteer.split_body_list(name, jurisdiction, level)
        canon = [m.canonical for m in matches if m.body] or [name]
        for c in canon:
            if c not in out:
                out.append(c)
    return tuple(out)
