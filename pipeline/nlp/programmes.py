"""The ``policykg_programmes`` component: named programmes, projects, actions and campaigns.

Names end with a suffix (工程, 计划, 行动, 项目, 专项行动, 活动, 运动, 革命 …) and start after the
verb that introduces them (实施中医药振兴发展重大工程 → 中医药振兴发展重大工程); quoted names keep
only the quoted part (持续实施医疗服务能力“攀登计划” → 攀登计划); a list sharing one suffix after 等
gets it on every item (“三减三健”(…)等专项行动 → 三减三健专项行动). Lexicon: programmes.yaml.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.errors import ResourceError
from pipeline.nlp.component import MatchComponent
from pipeline.nlp.deadlines import alternation, ascii_digits, load_lexicon
from pipeline.nlp.extensions import PROGRAMME, add_spans, doc_text
from pipeline.store import read_yaml_mapping

log = logging.getLogger(__name__)

PROGRAMMES_FILE = "programmes.yaml"

_OPEN_QUOTES = '“"「『‘'
_CLOSE_QUOTES = '”"」』’'
_QUOTES = set(_OPEN_QUOTES + _CLOSE_QUOTES)
# Characters a programme name may hold (besides quotes and bracketed qualifiers).
_NAME_CHAR = re.compile(r"[\u4e00-\u9fff0-9A-Za-z+—·]")
_LIST_SEPARATORS = ("、", "和", "与", "及")
_PERIOD_NAMES = re.compile(r"^十[一二三四五六]五$")
# Items naming facilities or bodies (县妇幼保健院、县疾控中心等重点项目) list construction work.
# How far the scanners look, in characters. Names of programmes in policy texts run to about 25
# characters with their qualifiers (国家基层卫生人才能力提升培训项目); the reaches leave room for that.
_NAME_REACH = 40  # leftwards from a suffix (工程/计划/行动) to where its name may begin
_TITLE_TAIL = 30  # from a name to the 》 closing the document title it ends (实施方案(2023—2025年))
_QUOTED_REACH = 30  # the longest quoted list item (“优质服务基层行”)
_GLOSS_REACH = 60  # a bracketed gloss between a list and its 等: “三减三健”(减盐、减油…)等
_LIST_ITEMS = 12  # the most items read leftwards from one 等
_TRIGGER_REACH = 6  # the longest trigger verb (组织实施, 深入开展) ending right before a name
_FACILITY = re.compile(r"(?:院|中心|站|所|室|馆|校|园|基地|机构|平台|局|委)$")


@dataclass(frozen=True, slots=True)
class ProgrammeMatch:
    """One programme mention: offsets of the surface text and the normalised name."""

    start: int
    end: int
    text: str
    name: str


def normalise_name(text: str) -> str:
    """A programme name without quote marks and whitespace.

    >>> normalise_name("“千县工程” ")
    '千县工程'
    """
    return "".join(ch for ch in text if ch not in _QUOTES and not ch.isspace())


class ProgrammeLexicon:
    """Compiled programme patterns of ``programmes.yaml``."""

    def __init__(self, lexicon: dict[str, Any]) -> None:
        try:
            self.suffixes = [str(s) for s in lexicon["suffixes"]]
            self.triggers = [str(s) for s in lexicon["triggers"]]
            self.strip_prefixes = [str(s) for s in lexicon["strip_prefixes"]]
            self.generic_modifiers = [str(s) for s in lexicon["generic_modifiers"]]
            self.stop_names = frozenset(str(s) for s in lexicon["stop_names"])
            followers = [str(s) for s in lexicon.get("blocking_followers", [])]
            self.document_suffixes = tuple(str(s) for s in lexicon.get("document_suffixes", []))
            self.activity_suffixes = tuple(str(s) for s in lexicon.get("activity_suffixes", []))
            self.clause_triggers = frozenset(str(s) for s in lexicon.get("clause_triggers", []))
            slogan_triggers = [str(s) for s in lexicon.get("slogan_triggers", [])]
            self.slogan_gap = int(lexicon.get("slogan_gap", 8))
            count_prefix = str(lexicon.get("count_prefix", r"[0-9.]+[个项]"))
            re.compile(count_prefix)
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise ResourceError(
                f"{PROGRAMMES_FILE} malformed ({exc})", hint="it needs suffixes, triggers, …"
            ) from exc
        self.suffix = re.compile(
            rf"(?:{alternation(self.suffixes)})(?!{alternation(followers)})"
            if followers
            else alternation(self.suffixes)
        )
        self.trigger_end = re.compile(
            rf"(?:{alternation(self.triggers + sorted(self.clause_triggers))})$"
        )
        self.prefix = re.compile(rf"^(?:{alternation(self.strip_prefixes)}|{count_prefix})+")
        self.generic = re.compile(
            rf"^(?:{alternation(self.generic_modifiers)})*(?:{alternation(self.suffixes)})$"
        )
        self.slogan = (
            re.compile(
                rf"(?:{alternation(slogan_triggers)})[^，,。；;：:、“”\"]{{0,{self.slogan_gap}}}[“\"]([^”\"，,。；;、]{{2,12}})[”\"]"
                r"(?=\s*(?:[，,。；;、]|$))"
            )
            if slogan_triggers
            else None
        )
        self.suffix_at_end = re.compile(rf"(?:{alternation(self.suffixes)})$")

    def is_generic(self, name: str) -> bool:
        """True for names that are no programme (重点项目, 行动计划, 本规划 …).

        >>> default_programme_lexicon().is_generic("重点项目"), default_programme_lexicon().is_generic("千县工程")
        (True, False)
        """
        if len(name) < 3 or self.generic.match(name) or re.search(r"简称|各|有关|相关", name):
            return True
        # A list of short items or one ending in a bare suffix (政府、社会、个人共同行动,
        # 疾病预防、中医治未病、运动) names several things or none.
        parts = re.sub(r"[(（][^()（）]*[)）]", "", name).split("、")
        if len(parts) > 1 and (
            min(len(p) for p in parts) <= 2 or self.suffix_at_end.fullmatch(parts[-1])
        ):
            return True
        # A section marker (一、, (二)) or a count (158个) inside: no programme's name.
        if re.match(
            r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）])", name
        ) or re.search(r"\d+[个项所家]", name):
            return True
        # A stop name behind a one- or two-character verb (制定行动计划) is still generic.
        return any(name[k:] in self.stop_names for k in range(4))


@lru_cache(maxsize=1)
def default_programme_lexicon() -> ProgrammeLexicon:
    """The programme patterns of the shipped ``programmes.yaml``."""
    return ProgrammeLexicon(load_lexicon(PROGRAMMES_FILE))


def find_programmes(text: str, lexicon: ProgrammeLexicon | None = None) -> list[ProgrammeMatch]:
    """Every programme mention of ``text``, sorted by offset (overlaps resolved, longest kept).

    >>> [m.name for m in find_programmes("持续实施医疗服务能力“攀登计划”，实施中医药振兴发展重大工程。")]
    ['攀登计划', '中医药振兴发展重大工程']
    """
    lexicon = lexicon or default_programme_lexicon()
    text = ascii_digits(text)
    candidates: list[ProgrammeMatch] = []
    shared_suffix_ends: set[int] = set()
    for m in lexicon.suffix.finditer(text):
        if lexicon.suffix.match(text, m.end()):
            continue  # 行动计划: the name goes on to the next suffix
        shared = _shared_suffix(text, m.start(), m.end(), lexicon)
        if shared is not None:
            candidates.extend(shared)
            shared_suffix_ends.add(m.end())
            continue
        match = _suffixed_name(text, m.start(), m.end(), lexicon)
        if match is not None:
            candidates.append(match)
    for m in lexicon.slogan.finditer(text) if lexicon.slogan else ():
        name = normalise_name(m.group(1))
        if not _PERIOD_NAMES.match(name) and not lexicon.is_generic(name):
            candidates.append(ProgrammeMatch(m.start(1), m.end(1), m.group(1), name))
    return _resolve_overlaps(candidates, text)


def _suffixed_name(
    text: str, s_start: int, s_end: int, lexicon: ProgrammeLexicon
) -> ProgrammeMatch | None:
    """The programme name ending with the suffix at ``s_start:s_end``, or None if generic."""
    end = s_end
    if end < len(text) and text[end] in _CLOSE_QUOTES:
        end += 1
    start = _left_boundary(text, s_start, lexicon)
    surface = text[start:end]
    # A quoted part ending with the suffix is the name itself (医疗服务能力“攀登计划”).
    quoted = re.search(r"[“\"「『]([^“”\"「」『』]+)[”\"」』]$", surface)
    quoted_name = quoted is not None
    # A quoted slogan that a descriptive phrase and the suffix follow names the programme
    # (“每周一村”中医药义诊活动 → 每周一村); one the suffix follows directly takes it (“七优享”工程).
    inner = re.search(r"[“\"「『]([^“”\"「」『』]{2,12})[”\"」』]([\u4e00-\u9fff]{0,10})$", surface)
    if quoted and lexicon.suffix_at_end.search(quoted.group(1)):
        start = start + quoted.start(1)
        end = start + len(quoted.group(1))
        surface = text[start:end]
    elif (
        inner
        and not lexicon.suffix_at_end.search(inner.group(1))
        and not _PERIOD_NAMES.match(normalise_name(inner.group(1)))
        and len(re.findall(r"[\u4e00-\u9fff]", inner.group(1))) >= 2
    ):
        if not inner.group(2).endswith(lexicon.activity_suffixes):
            start += inner.start(1)  # “三秦优秀医生”培养计划: the name runs from the quote
            surface = text[start:end]
        else:
            name = normalise_name(inner.group(1))  # “每周一村”义诊活动: an activity of the slogan
            if _PERIOD_NAMES.match(name) or lexicon.is_generic(name):
                return None
            return ProgrammeMatch(
                start + inner.start(1), start + inner.end(1), inner.group(1), name
            )
    else:
        stripped = lexicon.prefix.match(surface)
        if stripped:
            start += stripped.end()
            surface = text[start:end]
    if _inside_document_title(text, start, end, lexicon):
        return None
    name = normalise_name(surface)
    if not quoted_name and name.endswith(lexicon.document_suffixes):
        return None  # …行动计划 unquoted names a plan document, not a programme
    if not name or lexicon.is_generic(name):
        return None
    return ProgrammeMatch(start, end, surface, name)


def _left_boundary(text: str, s_start: int, lexicon: ProgrammeLexicon) -> int:
    """Where a name ending at ``s_start`` begins: after the last trigger verb, punctuation, 的/等 or list item."""
    i = s_start
    limit = max(0, s_start - _NAME_REACH)
    while i > limit:
        ch = text[i - 1]
        if ch in ")）":
            open_at = max(text.rfind("(", limit, i - 1), text.rfind("（", limit, i - 1))
            if open_at < 0 or re.fullmatch(
                r"[一二三四五六七八九十\d]{1,3}", text[open_at + 1 : i - 1]
            ):
                break  # "(一)": a section marker, not a qualifier of the name
            i = open_at
            continue
        if ch in "年月日号" and i >= 2 and text[i - 2].isdigit():
            break  # a date before the name (2019年6月24日健康中国行动)
        if ch in _QUOTES:
            i -= 1
            continue
        trigger = lexicon.trigger_end.search(text[limit:i])
        if trigger:
            # “刺桐名医”培育计划: a verb between a quoted slogan and the suffix is part of the name;
            # a verb that also ends nouns (保障) opens a name only at the start of a clause.
            before = limit + trigger.start()
            quoted_verb = i >= s_start - 1 and before > 0 and text[before - 1] in _CLOSE_QUOTES
            inside_noun = (
                trigger.group() in lexicon.clause_triggers
                and before > 0
                and _NAME_CHAR.match(text[before - 1])
            )
            if not (quoted_verb or inside_noun):
                return i
        if ch in _LIST_SEPARATORS:
            left = text[limit : i - 1]
            if (
                not left
                or left[-1] in _CLOSE_QUOTES
                or lexicon.suffix_at_end.search(left)
                or not _NAME_CHAR.match(left[-1])
            ):
                break
            if ch != "、" and lexicon.trigger_end.search(left):
                break
            i -= 1
            continue
        if not _NAME_CHAR.match(ch) or ch in "的等":
            break
        i -= 1
    return i


def _shared_suffix(
    text: str, s_start: int, s_end: int, lexicon: ProgrammeLexicon
) -> list[ProgrammeMatch] | None:
    """Items of ``A、B等<suffix>`` each given the shared suffix, or None if this is no such list."""
    phrase_start = text.rfind("等", max(0, s_start - 6), s_start)
    if phrase_start < 0:
        return None
    phrase = text[phrase_start + 1 : s_end]
    if not re.fullmatch(r"[\u4e00-\u9fff]{0,6}", phrase) or any(
        sep in phrase for sep in _LIST_SEPARATORS
    ):
        return None
    suffix_phrase = lexicon.prefix.sub("", phrase)
    if not lexicon.generic.match(suffix_phrase):
        return None
    items = _list_items(text, phrase_start, lexicon)
    quoted = any(q for _, _, _, q in items)
    bare = [it for it in items if not lexicon.suffix_at_end.search(normalise_name(it[2]))]
    facilities = any(_FACILITY.search(normalise_name(it[2])) for it in items)
    if len(bare) != len(items) or not (quoted or len(items) >= 2) or (facilities and not quoted):
        return []  # 县妇幼保健院、县疾控中心等重点项目: a class of things, not named programmes
    matches = []
    for start, end, surface, _ in items:
        name = normalise_name(surface) + suffix_phrase
        if not lexicon.is_generic(name):
            matches.append(ProgrammeMatch(start, end, surface, name))
    return matches


def _list_items(text: str, end: int, lexicon: ProgrammeLexicon) -> list[tuple[int, int, str, bool]]:
    """The items (start, end, surface, quoted) of the list ending at ``end`` (the 等 of ``A、B等``)."""
    items: list[tuple[int, int, str, bool]] = []
    i = end
    # Skip a bracketed gloss right before 等: “三减三健”(减盐、减油…)等.
    if i > 0 and text[i - 1] in ")）":
        open_at = max(text.rfind("(", 0, i - 1), text.rfind("（", 0, i - 1))
        if open_at >= 0 and i - open_at < _GLOSS_REACH:
            i = open_at
    item_end = i
    while i > 0 and len(items) < _LIST_ITEMS:
        ch = text[i - 1]
        if ch in _CLOSE_QUOTES:
            open_at = max(text.rfind(q, max(0, i - _QUOTED_REACH), i - 1) for q in _OPEN_QUOTES)
            if open_at < 0:
                break
            items.append((open_at + 1, i - 1, text[open_at + 1 : i - 1], True))
            i = open_at
            item_end = i
            sep = text[i - 1] if i > 0 else ""
            if sep in ("、", "和"):
                i -= 1
                item_end = i
                continue
            break
        if ch in ("、", "和"):
            if item_end > i:
                items.append((i, item_end, text[i:item_end], False))
            i -= 1
            item_end = i
            continue
        if (
            not _NAME_CHAR.match(ch)
            or ch == "的"
            or lexicon.trigger_end.search(text[max(0, i - _TRIGGER_REACH) : i])
        ):
            break
        i -= 1
    if item_end > i:
        items.append((i, item_end, text[i:item_end], False))
    cleaned = []
    for start, stop, surface, quoted in reversed(items):
        stripped = lexicon.prefix.match(surface) if not quoted else None
        if stripped:
            start += stripped.end()
            surface = text[start:stop]
        if surface:
            cleaned.append((start, stop, surface, quoted))
    return cleaned


def _inside_document_title(text: str, start: int, end: int, lexicon: ProgrammeLexicon) -> bool:
    """True when the name ends a 《document title》 (the title names a document, not a programme)."""
    open_at = text.rfind("《", max(0, start - _NAME_REACH), start + 1)
    if open_at < 0 or "》" in text[open_at:start]:
        return False
    close_at = text.find("》", end, end + _TITLE_TAIL)
    if close_at < 0:
        return False
    rest = text[end:close_at]
    return bool(re.fullmatch(rf"(?:{alternation(lexicon.suffixes)})*(?:[(（][^)）]*[)）])?", rest))


def _resolve_overlaps(candidates: list[ProgrammeMatch], text: str) -> list[ProgrammeMatch]:
    """Longest candidates win; a candidate inside a kept one is dropped."""
    kept: list[ProgrammeMatch] = []
    for cand in sorted(
        set(candidates), key=lambda c: (-(c.end - c.start), -len(c.name), c.start, c.name)
    ):
        if any(k.start <= cand.start and cand.end <= k.end and k.name != cand.name for k in kept):
            continue
        if cand in kept:
            continue
        kept.append(cand)
    return sorted(kept, key=lambda c: (c.start, c.end, c.name))


class ProgrammeRecognizer(MatchComponent):
    """Finds programme mentions and adds PROGRAMME spans with ``programme_name``."""

    resource_files = (PROGRAMMES_FILE,)

    def __init__(
        self, nlp: Language, name: str = "policykg_programmes", resources_dir: str | None = None
    ) -> None:
        self.name = name
        self.use_resources(resources_dir)

    def load_resources(self, directory: Path) -> None:
        self.lexicon = ProgrammeLexicon(read_yaml_mapping(directory / PROGRAMMES_FILE))

    def match(self, doc: Doc) -> list[ProgrammeMatch]:
        """The programme mentions of ``doc``."""
        return find_programmes(doc_text(doc), self.lexicon)

    def set_annotations(self, doc: Doc, matches: list[ProgrammeMatch]) -> None:
        """Add one PROGRAMME span per mention."""
        spans = []
        for match in matches:
            span = doc.char_span(match.start, match.end, label=PROGRAMME, alignment_mode="expand")
            if span is None:
                continue
            span._.programme_name = match.name
            spans.append(span)
        add_spans(doc, spans)


@Language.factory(
    "policykg_programmes",
    assigns=["doc.spans"],
    requires=[],
    default_config={"resources_dir": None},
)
def make_programme_recognizer(
    nlp: Language, name: str, resources_dir: str | None
) -> ProgrammeRecognizer:
    """Build the ``policykg_programmes`` component."""
    return ProgrammeRecognizer(nlp, name, resources_dir)
