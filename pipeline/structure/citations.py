"""Documents a text cites: every 《…》 that names a document, its 文号, and whether it is implemented.

One :class:`Citation` per cited document (first mention's span): mentions of the same document in
different spellings — ``《中共中央办公厅 国务院办公厅印发〈关于…意见〉的通知》`` and
``《中共中央办公厅国务院办公厅关于…意见》(中办发〔2023〕10号)`` — share a :func:`title_key` or a 文号.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline.models import Citation, CitationRelation
from pipeline.structure.lexicon import StructureLexicon, structure_lexicon
from pipeline.structure.text import DOC_NUMBER_RE, normalise_doc_number

BOOK_TITLE_RE = re.compile(r"《([^《》\n]{2,120})》")
_NUMBER_AFTER_RE = re.compile(r"\s*[(（]\s*([^()（）\n]{4,30})\s*[)）]")
_CLAUSE_BREAK = "。;；!?！？\n"
_ISSUE_OF_PERIODICAL_RE = re.compile(r"\s*(?:(?:19|20)\d{2}\s*年)?\s*第\s*\d+\s*期")


def strip_draft_marker(title: str, lexicon: StructureLexicon | None = None) -> str:
    """A title without a trailing (征求意见稿)/(草案) marker and without 《》.

    >>> strip_draft_marker("《聊城市实施方案(征求意见稿)》")
    '聊城市实施方案'
    """
    lex = lexicon or structure_lexicon()
    title = title.strip().strip("《》").strip()
    return _draft_marker_re(lex.draft_markers).sub("", title).strip()


@functools.lru_cache(maxsize=4)
def _draft_marker_re(draft_markers: tuple[str, ...]) -> re.Pattern[str]:
    """A trailing bracketed draft marker, built once per list of markers."""
    markers = "|".join(re.escape(m) for m in draft_markers)
    return re.compile(rf"\s*[(（【\[]\s*(?:{markers})\s*[)）】\]]\s*$")


@functools.lru_cache(maxsize=4096)  # the same titles are compared again and again
def title_key(title: str) -> str:
    """What identifies a document across spellings: the issued document of an 印发 notice,
    the words from 关于 on, without issuer prefix, spaces and quote marks.

    >>> title_key("中共中央办公厅 国务院办公厅印发〈关于进一步完善医疗卫生服务体系的意见〉的通知")
    '关于进一步完善医疗卫生服务体系的意见'
    >>> title_key("中共中央办公厅国务院办公厅关于进一步完善医疗卫生服务体系的意见")
    '关于进一步完善医疗卫生服务体系的意见'
    >>> title_key("山东省人民政府办公厅关于印发山东省实施方案的通知") == title_key("山东省人民政府办公厅关于印发〈山东省实施方案〉的通知")
    True
    >>> title_key("行动计划(2024—2027年)") == title_key("行动计划")
    True
    """
    text = re.sub(r"\s+", "", strip_draft_marker(title))
    inner = re.search(r"[〈<《]([^〈〉<>《》]+)[〉>》]", text)
    if inner:
        text = inner.group(1)
    else:
        issued = re.search(r"印发(.+?)的通知$", text)
        if issued:
            text = issued.group(1)
    at = text.find("关于")
    if at > 0:
        text = text[at:]
    text = re.sub(r"[(（][^()（）]*(?:\d{4}|试行|暂行|修订)[^()（）]*[)）]$", "", text)
    return re.sub(r"[“”\"'‘’「」]", "", text)


@dataclass
class _Mention:
    title: str
    key: str
    number: str | None
    implements: bool
    start: int
    end: int


def _is_periodical(text: str, match: re.Match[str], lex: StructureLexicon) -> bool:
    name = match.group(1).strip()
    if name in lex.periodicals:
        return True
    line_start = text.rfind("\n", 0, match.start()) + 1
    before = text[line_start : match.start()]
    if any(before.rstrip(" :：").endswith(cue) for cue in lex.periodical_cues):
        return True
    return bool(_ISSUE_OF_PERIODICAL_RE.match(text, match.end()))


def _implements(text: str, start: int, lex: StructureLexicon) -> bool:
    """Whether the clause before ``start`` says the document implements / is based on the citation."""
    clause_start = max(text.rfind(ch, 0, start) for ch in _CLAUSE_BREAK) + 1
    before = BOOK_TITLE_RE.sub("", text[clause_start:start])
    return any(cue in before for cue in lex.implements_cues)


def _number_after(text: str, end: int) -> str | None:
    match = _NUMBER_AFTER_RE.match(text, end)
    if not match or not DOC_NUMBER_RE.search(match.group(1)):
        return None
    return normalise_doc_number(match.group(1))


def is_self_reference(
    title: str, own_title: str | None, lexicon: StructureLexicon | None = None
) -> bool:
    """``《意见》``/``《本方案》`` short forms, and the document's own title in any spelling.

    >>> is_self_reference("方案", "聊城市实施方案"), is_self_reference("聊城市实施方案(征求意见稿)", "聊城市实施方案")
    (True, True)
    """
    lex = lexicon or structure_lexicon()
    bare = title.strip()
    if bare in lex.self_short_forms or any(bare == word for word, _ in lex.doc_types):
        return True
    return bool(own_title) and title_key(title) == title_key(own_title or "")


def find_citations(
    text: str, own_title: str | None, start: int = 0, end: int | None = None
) -> tuple[Citation, ...]:
    """Documents cited in ``text[start:end]``, one per document, in order of first mention."""
    lex = structure_lexicon()
    stop = len(text) if end is None else end
    groups: list[list[_Mention]] = []
    for match in BOOK_TITLE_RE.finditer(text, start, stop):
        raw_title = match.group(1)
        if is_self_reference(raw_title, own_title, lex) or _is_periodical(text, match, lex):
            continue
        if re.search(r"(?:简称|以下称|下称)\s*$", text[max(0, match.start() - 6) : match.start()]):
            continue  # an alias of the document just cited, or of this one
        title = re.sub(
            r"[〈〉]",
            lambda m: "《" if m.group(0) == "〈" else "》",
            strip_draft_marker(raw_title, lex),
        )
        mention = _Mention(
            title=title,
            key=title_key(raw_title),
            number=_number_after(text, match.end()),
            implements=_implements(text, match.start(), lex),
            start=match.start(),
            end=match.end(),
        )
        for group in groups:
            if any(
                m.key == mention.key or (mention.number and m.number == mention.number)
                for m in group
            ):
                group.append(mention)
                break
        else:
            groups.append([mention])
    citations = []
    for group in groups:
        first = group[0]
        number = next((m.number for m in group if m.number), None)
        relation = (
            CitationRelation.IMPLEMENTS
            if any(m.implements for m in group)
            else CitationRelation.CITES
        )
        citations.append(Citation(first.title, number, relation, first.start, first.end))
    return tuple(citations)
