"""Document metadata read from the text and the ingest hints: title, 文号, issuers, date, level, type.

Titles, in order of strength: the document a news page prints in full (``《X》全文如下``); the
document an issue notice issues (``…关于印发X的通知``); the draft a consultation notice is about
(``关于对《X(征求意见稿)》征求意见的公告``); the document a news headline says was issued
(``A B印发《X》``); a speech headline without its ``speaker:`` prefix; else the headline.

Dates, in order of strength: the signature date under the issuer (also when its 年月日 were lost,
``202435``); the start of a consultation period; a news dateline's month/day with the year printed
on the page; an explicit publication time; a front-matter (repost) date.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.config import RESOURCES_DIR
from pipeline.models import Article, DocumentMetadata, Level
from pipeline.resolve import LEVEL_WORDS
from pipeline.store import read_yaml_mapping
from pipeline.structure.citations import is_self_reference, strip_draft_marker, title_key
from pipeline.structure.fields import read_fields
from pipeline.structure.lexicon import Jurisdiction, StructureLexicon, structure_lexicon
from pipeline.structure.text import (
    DOC_NUMBER_RE,
    HAN,
    MONTH_DAY_RE,
    all_full_dates,
    collapse_spaces,
    is_date_line,
    iso_date,
    iter_lines,
    normalise_doc_number,
    ordered_overlap,
    parse_full_date,
    parse_run_together_date,
    remove_layout_spaces,
)

FULL_TEXT_RE = re.compile(r"^\s*《?(?P<t>[^《》\n]{4,120}?)》?\s*(?:全文|原文)(?:如下|发布|公布)")
ISSUE_NOTICE_RE = re.compile(r"^(?P<subject>.*?)(?:关于)?(?:联合)?(?:转发|印发)(?P<t>.+?)的通知$")
CONSULTATION_RE = re.compile(
    r"《(?P<t>[^《》]+)》[^《》]{0,12}征求.{0,8}意见|征求.{0,6}《(?P<t2>[^《》]+)》.{0,4}意见"
)
ISSUED_NEWS_RE = re.compile(
    r"^(?P<subject>[^《》]{2,80}?)\s*(?:近日|日前|近期)?\s*(?:联合)?(?:印发|出台|发布)(?:了)?\s*(?P<t>《[^《》]+》|[^《》]+)$"
)
# The notice's own sentence naming what it issues: "《X》已经市政府同意,现印发给你们",
# "现将《X》印发给你们"; without 《》 it names the document by a short form ("现将实施方案印发给你们").
SELF_ISSUE_RE = re.compile(
    r"《(?P<t>[^《》\n]{4,100})》(?:(?:已经|已|经)[^。\n《》()]{0,60}?(?:同意|通过|批准|审定|研究)"
    r"[^。\n《》()]{0,12}?)?(?:现)?(?:印发|转发|发)给你们"
)
APPROVED_BY_RE = re.compile(
    rf"(?:已经|已|经)(?P<who>[{HAN}]{{2,20}}?)(?:研究|审议|常务会议)?(?:同意|通过|批准)[,，]\s*现(?:将[^。]{{0,60}})?(?:印发|转发)给你们"
)
SHORT_ISSUE_RE = re.compile(r"现将(?P<t>[^《》\n,，。:]{2,60}?)(?:印发|转发)给你们")
ATTACHMENT_RE = re.compile(r"^\s*附件\s*\d*\s*[:：]\s*(?:\d+\s*[.、]\s*)?(?P<t>[^:：。]{4,100})$")
# A journal's running header: "2023 年 3 月 第 1 期 … 3".
RUNNING_HEADER_RE = re.compile(
    r"^(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*)?第\s*\d{1,3}\s*期\s*|\s+\d{1,3}$"
)
ISSUE_CLAUSE_RE = re.compile(r"(?:联合)?(?:印发|发布|出台)(?:了)?\s*《(?P<t>[^《》]+)》")
# The verbs ISSUE_NOTICE_RE, ISSUED_NEWS_RE and ISSUE_CLAUSE_RE need: a line without one is
# none of them.
_ISSUE_VERB = re.compile("印发|转发|出台|发布")
_HAN_CHAR = re.compile(f"[{HAN}]")
DATELINE_RE = re.compile(
    rf"^[{HAN}]{{1,8}}(?:社|报|台|网)[{HAN}]{{0,8}}?(?P<md>\d{{1,2}}月\d{{1,2}}日)?(?:电|讯)"
)
# A signature run into the text: a sentence that is only an issuer (or nothing) and a date.
INLINE_SIGNATURE_RE = re.compile(
    rf"(?:^|(?<=[。!?！？\n]))\s*(?P<who>[{HAN}()（）]{{2,40}}?)?\s*(?P<when>(?:19|20)\d{{2}}年\d{{1,2}}月\d{{1,2}}日)(?!\s*[,，、至到前后起以])"
)
DIGITS_DATE_RE = re.compile(r"^\s*((?:19|20)\d{4,6})\s*$")
YEAR_PLAN_RE = re.compile(r"((?:19|20)\d{2})\s*年(?!以来|以前|之前|前|后|底前|起)(?:度)?")
PERIOD_RE = re.compile(r"((?:19|20)\d{2})\s*[—\-–~至到]+\s*((?:19|20)\d{2})\s*年")
_TIME_WORDS = re.compile(
    r"^(?:近日|日前|近期|今天|昨天|今年\d{1,2}月\d{1,2}日|\d{1,2}月\d{1,2}日)[,，\s]*"
)
_BODY_SPLIT = re.compile(r"[、,，\s]+|(?<=[办厅部局委会院府署])(?:和|及|与)")


@dataclass(frozen=True, slots=True)
class _Signature:
    issuers: tuple[str, ...]
    date: str | None


# --------------------------------------------------------------------------- bodies


def is_body_name(name: str, lexicon: StructureLexicon | None = None) -> bool:
    """Whether ``name`` looks like an issuing body: Chinese, ends with a body word.

    >>> is_body_name("聊城市卫生健康委员会"), is_body_name("国务院"), is_body_name("征求意见")
    (True, True, False)
    """
    lex = lexicon or structure_lexicon()
    if (
        not (2 <= len(name) <= 30)
        or not re.fullmatch(rf"[{HAN}()（）]+", name)
        or name.endswith("公司")
    ):
        return False
    return name in lex.central_bodies or name.endswith(lex.body_suffixes)


def _starts_body(name: str, lex: StructureLexicon) -> bool:
    if name.startswith((*lex.central_bodies, *lex.national_prefixes, "中共")):
        return True
    return _gazetteer_prefix(name, lex.jurisdictions) is not None


def split_bodies(text: str, lexicon: StructureLexicon | None = None) -> tuple[str, ...]:
    """Bodies named in an issuer list; run-together names are cut where a new body starts.

    >>> split_bodies("中共中央办公厅国务院办公厅")
    ('中共中央办公厅', '国务院办公厅')
    >>> split_bodies("中共中央办公厅、国务院办公厅"), split_bodies("国家卫生健康委员会")
    (('中共中央办公厅', '国务院办公厅'), ('国家卫生健康委员会',))
    """
    lex = lexicon or structure_lexicon()
    bodies: list[str] = []
    for chunk in _BODY_SPLIT.split(text.strip()):
        chunk = chunk.strip('“”"')
        if not chunk:
            continue
        if not is_body_name(chunk, lex):
            return ()
        parts = [chunk]
        while True:
            head = parts[-1]
            cut = next(
                (
                    i
                    for i in range(2, len(head) - 1)
                    if is_body_name(head[:i], lex)
                    and is_body_name(head[i:], lex)
                    and _starts_body(head[i:], lex)
                ),
                None,
            )
            if cut is None:
                break
            parts[-1:] = [head[:cut], head[cut:]]
        bodies.extend(parts)
    if not bodies or not all(is_body_name(b, lex) for b in bodies):
        return ()
    return tuple(dict.fromkeys(bodies))


def _subject_bodies(subject: str, lex: StructureLexicon) -> tuple[str, ...]:
    """The bodies at the end of the clause before an 印发 verb (dateline and time words removed)."""
    clause = re.split(r"[,，。;；:：!?！？]", subject)[-1]
    clause = re.sub(rf"^.*?[{HAN}]\d{{1,2}}月\d{{1,2}}日(?:电|讯)\s*", "", clause).strip()
    clause = _TIME_WORDS.sub("", clause).strip()
    clause = re.sub(r"(?:近日|日前|近期)$", "", clause).strip()
    clause = re.sub(r"等\s*\d*\s*(?:个)?(?:部门|单位)$", "", clause).strip()  # 省卫生健康委等10部门
    return split_bodies(clause, lex)


# --------------------------------------------------------------------------- title


def _clean_title(title: str, relevant: bool) -> str:
    """A title without draft marker and book-title marks. Spaces between Chinese characters are
    layout in a document's title (``…医疗卫生 共同体建设实施方案``) and in an unrelated
    article's; a news headline keeps the space between its two parts."""
    title = strip_draft_marker(title)
    title = re.sub(r"[《》〈〉]", "", title)
    issuer = re.match(r"^(?P<who>[^关]{2,40}?)(?:等\s*\d+\s*(?:个)?部门|等部门)?关于", title)
    if issuer and split_bodies(issuer.group("who")):
        title = title[issuer.end() - 2 :]  # 某某办公厅等5部门关于…的通知: the title is 关于…
    if not relevant or _ends_like_title(title, structure_lexicon()):
        return remove_layout_spaces(title)
    return collapse_spaces(title)


def _ends_like_title(line: str, lex: StructureLexicon) -> bool:
    """Whether ``line`` ends with a document-type word (a trailing ``(…)`` allowed).

    >>> _ends_like_title("健康黔南行动实施方案", structure_lexicon()), _ends_like_title("总体目标", structure_lexicon())
    (True, False)
    """
    bare = re.sub(r"\s*[(（][^()（）]{1,20}[)）]$", "", line.strip()).strip('”"')
    return bool(bare) and bare.endswith(lex.doc_type_words)


def _title_like(line: str, lex: StructureLexicon) -> bool:
    stripped = line.strip()
    return (
        6 <= len(stripped) <= 80
        and not re.search(r"[。!?！？;；]", stripped)
        and _ends_like_title(stripped, lex)
    )


def page_title(title: str) -> str:
    """A web page title without its site name (``标题_某某网``, ``标题 - 中国政府网``).

    >>> page_title("关于印发某方案的通知_某省卫生健康委员会"), page_title("某某规划 - 中国政府网")
    ('关于印发某方案的通知', '某某规划')
    """
    parts = [p.strip() for p in re.split(r"\s*(?:_|\s[-–—|｜]\s|｜)\s*", title) if p.strip()]
    return parts[0] if parts else title.strip()


def _headline_candidates(article: Article, front: Sequence[str]) -> list[str]:
    """Hints, then the head lines; a title broken over two lines is also offered joined."""
    lex = structure_lexicon()
    hints = [article.hints.get("headline", ""), page_title(article.hints.get("title", ""))]
    lines: list[str] = []
    for line in (RUNNING_HEADER_RE.sub("", c).strip() for c in [*hints, *front]):
        # "站点 - 栏目 - 标题": the part that reads as a title comes first.
        parts = [p.strip() for p in re.split(r"\s+[-–—|｜]\s+|_", line) if p.strip()]
        lines.extend(p for p in parts[1:] if _title_like(p, lex))
        lines.append(line)
    joined: list[str] = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if (
            nxt  # the cheap tests first: most lines are paragraphs, too long to join
            and len(line) + len(nxt) <= 100
            and len(_HAN_CHAR.findall(line)) >= 2
            and not is_date_line(line)
            and not _ends_like_title(line, lex)
            and not re.search(r"[。!?！？;；:：,，【】|]", line)
            and _ends_like_title(line + nxt, lex)
            and not re.search(r"[。!?！？;；]", line + nxt)
            and not (
                _title_like(nxt, lex)
                and (
                    jurisdiction_of(nxt, lex, is_body=False)
                    or "关于" in nxt[:24]
                    or nxt.startswith("《")
                )
            )
            and not re.search(r"(?:网站|网|门户|平台|频道|专栏)$", line)
            and not split_bodies(line, lex)
        ):
            joined.append(line + nxt)
        joined.append(line)
    return [c.strip() for c in joined if c and c.strip()]


def _own_heading(title: str, candidates: Sequence[str], lex: StructureLexicon) -> str:
    """The document's heading as its own text spells it, when a head line names ``title``
    (``2023年全省卫生健康工作要点`` for the notice's ``2023年浙江省卫生健康工作要点``)."""
    key = strip_punctuation_spaces(title)
    best = title
    for line in candidates:
        if not _title_like(line, lex) or "关于" in line[:4] or "通知" in line[-3:]:
            continue
        other = strip_punctuation_spaces(_clean_title(line, True))
        if other == key:
            return _clean_title(line, True)
        if ordered_overlap(key, other) >= 0.8 and _doc_type_word(other, lex) == _doc_type_word(
            key, lex
        ):
            best = _clean_title(line, True)
    return best


def _doc_type_word(title: str, lex: StructureLexicon) -> str | None:
    bare = re.sub(r"[(（][^()（）]{1,20}[)）]$", "", title)
    return next((word for word, _ in lex.doc_types if bare.endswith(word)), None)


def strip_punctuation_spaces(text: str) -> str:
    """``text`` without spaces, quote and book-title marks.

    >>> strip_punctuation_spaces("《“十四五” 规划》")
    '十四五规划'
    """
    return re.sub(r"[\s《》〈〉“”\"'‘’]", "", text)


def _issued_here(article: Article, candidates: Sequence[str], lex: StructureLexicon) -> str | None:
    """The title a notice gives the document it issues in its own sentence, or by an
    attachment line (附件:X), spelled as the document's own heading where the text has one."""
    head = article.text[:3000]
    match = SELF_ISSUE_RE.search(head)
    if match and not is_self_reference(match.group("t"), None, lex):
        return _own_heading(_clean_title(match.group("t"), True), candidates, lex)
    short = SHORT_ISSUE_RE.search(head)
    if short:
        word = short.group("t").strip()
        for line in candidates:
            attachment = ATTACHMENT_RE.match(line)
            if attachment and attachment.group("t").strip().endswith(word):
                return _clean_title(attachment.group("t"), True)
        for line in candidates:
            if _title_like(line, lex) and line.strip().endswith(word) and "通知" not in line[-3:]:
                return _clean_title(line, True)
    return None


def _speech_title(line: str, lex: StructureLexicon) -> str | None:
    match = re.match(r"^(?P<prefix>[^:：]{2,40})[:：]\s*(?P<t>.{4,})$", line)
    if match and any(p in match.group("prefix") for p in lex.positions):
        return match.group("t").strip()
    return None


def _fuller_title(text: str, title: str) -> str:
    """The longest 《…》 spelling of ``title`` in ``text`` (a notice's title may drop ``(2024—2027年)``)."""
    key = title_key(title)
    spellings = [_clean_title(m.group(1), True) for m in re.finditer(r"《([^《》\n]+)》", text)]
    return max(
        (s for s in spellings if title_key(s) == key and s.startswith(title)),
        key=len,
        default=title,
    )


def find_title(
    article: Article,
    front: Sequence[str],
    lex: StructureLexicon,
    fields: dict[str, str] | None = None,
) -> tuple[str | None, str]:
    """The document's own title and how it was found (``full_text``, ``notice``, ``speech``, ...)."""
    for text_line in iter_lines(article.text):
        match = FULL_TEXT_RE.match(text_line.text)
        if match and not is_self_reference(match.group("t"), None, lex):
            return _clean_title(match.group("t"), True), "full_text"
    candidates = _headline_candidates(article, front)
    named = (fields or {}).get("title")
    if named:
        notice = ISSUE_NOTICE_RE.match(named.strip())
        if notice and notice.group("t").strip("《》 "):
            return _own_heading(_clean_title(notice.group("t"), True), candidates, lex), "notice"
        return _clean_title(named, True), "field"
    wrapper = next(
        (c for c in candidates if (n := ISSUE_NOTICE_RE.match(c)) and n.group("t").strip("《》 ")),
        None,
    )
    issued = _issued_here(article, candidates, lex)
    if issued:
        return _unless_absent(issued, wrapper, article.text), "notice"
    if wrapper:
        notice = ISSUE_NOTICE_RE.match(wrapper)
        assert notice is not None
        title = _fuller_title(article.text, _clean_title(notice.group("t"), True))
        return _unless_absent(_own_heading(title, candidates, lex), wrapper, article.text), "notice"
    for line in candidates:
        consultation = CONSULTATION_RE.search(line)
        if consultation:
            return _clean_title(
                consultation.group("t") or consultation.group("t2"), True
            ), "consultation"
    # A news headline about the issue may sit mid-text on a newspaper page (a continued article).
    for line in [*candidates, *(ln.text.strip() for ln in iter_lines(article.text))]:
        news = ISSUED_NEWS_RE.match(line)
        if news and re.search(r"[,，。;；:：]", news.group("subject")):
            continue
        if news and (
            news.group("t").startswith("《")
            or split_bodies(_TIME_WORDS.sub("", news.group("subject")), lex)
        ):
            issued_title = news.group("t").strip()
            if not is_self_reference(issued_title.strip("《》"), None, lex):
                return _clean_title(issued_title, True), "issued"
    if article.relevant:
        for line in candidates[:14]:
            if _title_like(line, lex):
                return _clean_title(_after_issuer(line, lex)[1], True), "heading"
        # A news item without a headline: the document its opening sentence says bodies issued
        # (近日，省卫生健康委等10部门联合印发《X》…).
        opening = article.text[:300]
        clause = ISSUE_CLAUSE_RE.search(opening)
        if clause and _subject_bodies(opening[: clause.start()], lex):
            return _clean_title(clause.group("t"), True), "issued"
    for line in candidates:
        speech = _speech_title(line, lex)
        if speech:
            return _clean_title(speech, article.relevant), "speech"
    if candidates:
        return _clean_title(candidates[0], article.relevant), "headline"
    return None, "none"


def _unless_absent(title: str, wrapper: str | None, text: str) -> str:
    """``title``, unless the text holds only the notice: its heading line closes the text (the
    issued list or plan itself is not there), and then the notice is the document."""
    if wrapper is None:
        return title
    at = text.rfind("\n" + title)
    rest = text[at + len(title) + 1 :] if at >= 0 else ""
    if (
        at >= 0
        and "。" not in rest
        and not re.search(
            r"(?m)^\s*(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\))", rest
        )
    ):
        return _clean_title(wrapper, True)
    return title


def _after_issuer(line: str, lex: StructureLexicon) -> tuple[tuple[str, ...], str]:
    """``某某办公室:标题`` → the issuing bodies and the title; else ((), line)."""
    match = re.match(r"^(?P<who>[^:：]{2,40})[:：](?P<t>.{4,})$", line.strip())
    if match:
        bodies = split_bodies(match.group("who"), lex)
        if bodies:
            return bodies, match.group("t").strip()
    return (), line


# --------------------------------------------------------------------------- issuers, date


def _issue_subjects(lines: Iterable[str], title: str | None, lex: StructureLexicon) -> list[str]:
    """Bodies said to issue this document (``A、B印发了《X》`` with X this document)."""
    found: list[str] = []
    for line in lines:
        if not _ISSUE_VERB.search(line):  # every pattern below needs one of these verbs
            continue
        notice = ISSUE_NOTICE_RE.match(line.strip())
        if notice and title and title_key(notice.group("t")) == title_key(title):
            found.extend(split_bodies(notice.group("subject"), lex))
            continue
        news = ISSUED_NEWS_RE.match(line.strip())
        if (
            news
            and title
            and (
                is_self_reference(news.group("t").strip("《》 "), title, lex)
                or title_key(news.group("t")) == title_key(title)
            )
        ):
            found.extend(_subject_bodies(news.group("subject"), lex))
        for match in ISSUE_CLAUSE_RE.finditer(line):
            if is_self_reference(match.group("t"), title, lex):
                found.extend(_subject_bodies(line[: match.start()], lex))
    return list(dict.fromkeys(found))


def _signature(
    lines: Sequence[str], known_dates: tuple[str, ...], lex: StructureLexicon
) -> _Signature | None:
    """Issuer line(s) directly above a date line (also ``issuer date`` on one line, and digits
    whose 年月日 were lost); the first signature of the text."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        date: str | None = None
        bodies: list[str] = []
        if is_date_line(stripped):
            date = parse_full_date(stripped)
        elif (digits := DIGITS_DATE_RE.match(stripped)) is not None:
            date = parse_run_together_date(digits.group(1), known_dates)
        else:
            same_line = re.fullmatch(r"(?P<who>.+?)\s+(?P<when>\S+)", stripped)
            if same_line:
                when = same_line.group("when")
                if is_date_line(when):
                    date = parse_full_date(when)
                elif (digits := DIGITS_DATE_RE.match(when)) is not None:
                    date = parse_run_together_date(digits.group(1), known_dates)
                bodies = list(split_bodies(same_line.group("who"), lex)) if date else []
            if not bodies:
                continue
        for above in reversed(lines[max(0, i - 8) : i] if not bodies else []):
            if re.fullmatch(r"\s*[(（][^()（）]{2,30}[)）]\s*", above):
                continue  # "(国家中医药管理局代章)" between the issuer and the date
            found = split_bodies(above, lex)
            if not found:
                break
            bodies[:0] = found
        if bodies:
            return _Signature(tuple(dict.fromkeys(bodies)), date)
    return None


def _head_date_line(lines: Sequence[str], known: tuple[str, ...] = ()) -> str | None:
    """A date standing alone on a line near the top: an issue notice whose signature was lost
    (also digits whose 年月日 were lost, ``2020928``).

    >>> _head_date_line(["现将《规划》印发给你们。", "2021年11月26日", "规划"])
    '2021-11-26'
    """
    for line in lines:
        stripped = line.strip().strip("()（）")
        if is_date_line(stripped):
            return parse_full_date(stripped)
        digits = DIGITS_DATE_RE.match(stripped)
        if digits:
            value = parse_run_together_date(digits.group(1), known)
            if value:
                return value
    return None


def _cued_bodies(lines: Sequence[str], lex: StructureLexicon) -> tuple[str, ...]:
    """Bodies on a ``发文机关: …`` line of a metadata table."""
    cues = "|".join(re.escape(c) for c in lex.issuer_cues)
    for line in lines:
        match = re.match(rf"^\s*(?:{cues})\s*[:：]\s*(.+?)\s*$", line)
        if match and (bodies := split_bodies(match.group(1), lex)):
            return bodies
    return ()


def _implied_place(
    issuers: Sequence[str], text: str, lex: StructureLexicon
) -> tuple[Level, str] | None:
    """``省卫生健康委`` names no place: the level from its first word, the place most named in the text.

    >>> _implied_place(["省卫生健康委"], "山东省各市。全省。山东省。河南省", structure_lexicon())
    (<Level.PROVINCIAL: 'provincial'>, '山东省')
    """
    first = next((word for b in issuers for word in LEVEL_WORDS if b.startswith(word)), None)
    if first is None:
        return None
    level = LEVEL_WORDS[first]
    counts = Counter(
        {
            _area_name(j): text.count(j.name) + (text.count(j.short) if len(j.short) >= 2 else 0)
            for j in lex.jurisdictions
            if j.level is level
        }
    )
    name, count = counts.most_common(1)[0] if counts else ("", 0)
    return (level, name) if count else None


def _speaker_bodies(candidates: Iterable[str], lex: StructureLexicon) -> tuple[str, ...]:
    """The body of a speaker/author line: ``国家卫生健康委党组书记、主任 雷海潮`` -> 国家卫生健康委."""
    positions = "|".join(re.escape(p) for p in lex.positions)
    pattern = re.compile(
        rf"^(?P<body>[{HAN}]{{2,30}}?)(?:{positions})(?:[、,，](?:{positions}))*\s*[{HAN}·×○＊*]{{2,5}}"
        rf"(?:[:：].*|\s*[(（][^()（）]{{4,16}}[)）])?$"
    )
    for line in candidates:
        match = pattern.match(line.strip())
        if match:
            bodies = split_bodies(match.group("body"), lex)
            if bodies:
                return bodies
    return ()


def _consultation_date(text: str, lex: StructureLexicon) -> str | None:
    for cue in lex.consultation_cues:
        at = text.find(cue)
        if at >= 0:
            value = parse_full_date(text[at : at + len(cue) + 20])
            if value:
                return value
    return None


def _cued_date(lines: Sequence[str], cue_words: Sequence[str]) -> str | None:
    """A date on a ``cue: date`` line (``成文日期:2023年05月06日``)."""
    cues = "|".join(re.escape(c) for c in cue_words)
    for line in lines:
        match = re.match(rf"^\s*(?:{cues})\s*[:：]\s*(.+)$", line)
        if match:
            value = parse_full_date(match.group(1))
            if value:
                return value
    return None


def _published_date(article: Article, lines: Sequence[str], lex: StructureLexicon) -> str | None:
    if article.hints.get("published"):
        value = parse_full_date(article.hints["published"])
        if value:
            return value
    return _cued_date(lines, lex.published_cues)


def _dateline_date(article: Article, lines: Sequence[str], page_dates: Sequence[str]) -> str | None:
    dateline = article.hints.get("dateline") or next(
        (m.group(0) for ln in lines[:8] if (m := DATELINE_RE.match(ln))), ""
    )
    md = MONTH_DAY_RE.search(dateline)
    if not md:
        return None
    years = [d[:4] for d in page_dates]
    for key in ("date", "published", "page_date"):
        found = re.search(r"(?:19|20)\d{2}", article.hints.get(key, ""))
        if found:
            years.insert(0, found.group(0))
    if not years:
        return None
    year = Counter(years).most_common(1)[0][0]
    return iso_date(year, *md.groups())


# --------------------------------------------------------------------------- level, type, period


def jurisdiction_of(
    name: str, lexicon: StructureLexicon | None = None, *, is_body: bool = True
) -> tuple[Level, str] | None:
    """Level and area of a body (or a title, gazetteer places only) that starts with a place.

    >>> jurisdiction_of("聊城市卫生健康委员会"), jurisdiction_of("国务院办公厅")
    ((<Level.MUNICIPAL: 'municipal'>, '聊城市'), (<Level.NATIONAL: 'national'>, '全国'))
    >>> jurisdiction_of("中共某某县委办公室")
    (<Level.COUNTY: 'county'>, '某某县')
    """
    lex = lexicon or structure_lexicon()
    text = re.sub(r"^(?:中共|关于(?:印发|转发)?|《)", "", name.strip())
    place = _gazetteer_prefix(text, lex.jurisdictions)
    if place is not None:
        written = place.name if text.startswith(place.name) else place.short
        inner = _gazetteer_prefix(text[len(written) :], lex.jurisdictions)
        if inner is not None and inner.level is Level.COUNTY:
            place = inner
        else:
            county = re.match(rf"^([{HAN}]{{1,4}}?(?:县|区|旗))", text[len(written) :])
            if (
                county
                and place.level is Level.MUNICIPAL
                and len(text) > len(written) + len(county.group(1))
            ):
                return Level.COUNTY, county.group(1)
        return place.level, _area_name(place)
    if not is_body:
        return None
    if name.startswith(lex.national_prefixes) or name in lex.central_bodies:
        return Level.NATIONAL, "全国"
    for pattern, level in (
        (rf"^([{HAN}]{{2,5}}?(?:省|自治区))", Level.PROVINCIAL),
        (rf"^(?:[{HAN}]{{2,4}}市)?([{HAN}]{{1,4}}?(?:县|区|旗))", Level.COUNTY),
        (rf"^([{HAN}]{{2,4}}?市)", Level.MUNICIPAL),
    ):
        match = re.match(pattern, text)
        if (
            match
            and len(text) > len(match.group(0)) + 1
            and match.group(1) not in ("自治区", "自治州", "自治县")
        ):
            return level, match.group(1)
    return None


def _gazetteer_prefix(text: str, places: Sequence[Jurisdiction]) -> Jurisdiction | None:
    """The place ``text`` starts with, by its full name or its administrative short form (黔南州);
    the longest name first, as ``places`` orders them."""
    names, shorts, longest = _place_index(tuple(places))
    for index in (names, shorts):
        for k in range(min(len(text), longest), 1, -1):
            found = index.get(text[:k])
            if found is not None:
                return found
    return None


_PLACE_INDEXES: dict[int, tuple[dict[str, Jurisdiction], dict[str, Jurisdiction], int]] = {}


def _place_index(
    places: tuple[Jurisdiction, ...],
) -> tuple[dict[str, Jurisdiction], dict[str, Jurisdiction], int]:
    """Places by full name and by 州/县 short form, first in ``places`` order (kept per table)."""
    key = id(places[0]) if places else 0
    cached = _PLACE_INDEXES.get(key)
    if cached is None:
        names: dict[str, Jurisdiction] = {}
        shorts: dict[str, Jurisdiction] = {}
        for place in places:
            names.setdefault(place.name, place)
            if _suffixed_short(place):
                shorts.setdefault(place.short, place)
        longest = max((len(n) for n in [*names, *shorts]), default=0)
        cached = _PLACE_INDEXES[key] = (names, shorts, longest)
    return cached


def _suffixed_short(place: Jurisdiction) -> bool:
    """Whether the place's short form keeps its kind of unit (黔南州, 化隆县), so it names it alone."""
    return len(place.short) >= 3 and place.short[-1] in "州县旗盟" and place.short != place.name


def _area_name(place: Jurisdiction) -> str:
    """The name a jurisdiction goes by: an autonomous prefecture by its 州 form (黔南州)."""
    return place.short if place.name.endswith("自治州") and _suffixed_short(place) else place.name


def doc_type_of(
    title: str | None, form: str, lexicon: StructureLexicon | None = None
) -> str | None:
    """The document type from the title's last word, else from its form (speech, news).

    >>> doc_type_of("聊城市进一步完善医疗卫生服务体系的实施方案", "consultation"), doc_type_of("某标题", "speech")
    ('实施方案', '讲话/文章')
    """
    lex = lexicon or structure_lexicon()
    if form == "speech" or (title and any(w in title for w in lex.speech_words)):
        return "讲话/文章"
    if title:
        bare = re.sub(r"[(（][^()（）]*[)）]$", "", title).strip('”"')
        for word, kind in lex.doc_types:
            if bare.endswith(word):
                return kind
    return "新闻" if form in ("headline", "issued", "full_text") else None


@functools.cache
def plan_periods() -> dict[str, int]:
    """The plan-period table (``十四五`` -> 2025) of ``comparators.yaml``, which deadlines read too."""
    data = read_yaml_mapping(RESOURCES_DIR / "comparators.yaml")
    return {str(k): int(v) for k, v in data["plan_periods"].items()}


def plan_period_end(title: str | None) -> str | None:
    """The last year of the fixed period a plan covers (``十四五`` -> 2025, ``(2021—2025年)`` -> 2025).

    >>> plan_period_end("“十四五”国民健康规划"), plan_period_end("行动计划(2021—2025年)"), plan_period_end("意见")
    ('2025', '2025', None)
    >>> plan_period_end("2023年全省卫生健康工作要点"), plan_period_end("2019年以来的工作总结")
    ('2023', None)
    """
    if not title:
        return None
    for name, end in plan_periods().items():
        if name in title:
            return str(end)
    period = PERIOD_RE.search(title)
    if period:
        return period.group(2)
    # A plan for one year: 2023年工作要点, 2014年新型农村合作医疗统筹补偿方案.
    years = YEAR_PLAN_RE.findall(title)
    return (
        years[0] if len(set(years)) == 1 and _ends_like_title(title, structure_lexicon()) else None
    )


# --------------------------------------------------------------------------- entry point


def _field_bodies(
    fields: dict[str, str], lex: StructureLexicon, known: Sequence[str] = ()
) -> tuple[str, ...]:
    """Bodies of the issuer field; of the source field when nothing else names an issuer."""
    for kind in ("issuer", "source"):
        if kind == "source" and known:
            break
        value = fields.get(kind, "")
        if kind == "source" and not (
            jurisdiction_of(value.strip(), lex) or value.strip()[:1] in "省市县区州"
        ):
            continue  # 来源:办公室 names an office of the site, not the issuer
        bodies = (
            split_bodies(re.split(r"\s{2,}|\s(?=[^\s]+[:：])", value.strip())[0], lex)
            if value
            else ()
        )
        if bodies:
            return bodies
    return ()


def _inline_signature(text: str, lex: StructureLexicon) -> _Signature | None:
    """A signature run into the text: ``…组织实施。国务院办公厅2019年6月24日健康中国行动…``."""
    for match in INLINE_SIGNATURE_RE.finditer(text[:3000]):
        bodies = split_bodies(match.group("who"), lex) if match.group("who") else ()
        date = parse_full_date(match.group("when"))
        if date and (bodies or match.group("who") is None):
            return _Signature(bodies, date)
    return None


def _number_issuers(number: str | None, lex: StructureLexicon) -> tuple[str, ...]:
    """Issuers a national 文号 prefix names (国办发 → 国务院办公厅)."""
    if not number:
        return ()
    prefix = number.split("〔", 1)[0]
    for word, body in lex.number_issuers:
        if prefix == word:
            return (body,)
    return ()


def _doc_number(front: Sequence[str], fields: dict[str, str], lex: StructureLexicon) -> str | None:
    """The document's own 文号: a metadata field, a line of its own (noise after it allowed),
    or one opening the text before the addressees."""
    if fields.get("number"):
        found = normalise_doc_number(fields["number"])
        if found:
            return found
    number_cues = "|".join(re.escape(c) for c in lex.number_cues)
    for line in front:
        if re.match(
            rf"^\W{{0,3}}(?:(?:{number_cues})\s*[:：]\s*)?[(（]?\s*{DOC_NUMBER_RE.pattern}\s*[)）]?(?![\u4e00-\u9fff])",
            line.strip(),
        ):
            return normalise_doc_number(line)
    for line in front[:12]:
        head = re.match(
            rf"^(?:<[^<>]{{1,4}}>|【[^【】]{{1,4}}】|[^\u4e00-\u9fff])*?({DOC_NUMBER_RE.pattern})(?=[\u4e00-\u9fff]{{1,12}}[、,，])",
            line.strip(),
        )
        if head:
            return normalise_doc_number(head.group(1))
    return None


def _title_line_issuer(lines: Sequence[str], title: str, lex: StructureLexicon) -> list[str]:
    """The bodies before ``关于`` on the line the title ``关于…`` was read from (``title`` is
    kept without them; :func:`_clean_title`).

    >>> _title_line_issuer(["某市卫生健康委员会关于加强某工作的实施方案"], "关于加强某工作的实施方案",
    ...                    structure_lexicon())
    ['某市卫生健康委员会']
    """
    if not title.startswith("关于"):
        return []
    bare = re.sub(r"[\s《》〈〉]", "", title)
    for line in lines:
        text = re.sub(r"[\s《》〈〉]", "", line)
        if text.endswith(bare) and len(text) > len(bare):
            owner = re.fullmatch(
                r"(?P<who>[^关]{2,40}?)(?:等\d+(?:个)?部门|等部门)?", text[: -len(bare)]
            )
            return list(split_bodies(owner.group("who"), lex)) if owner else []
    return []


def read_metadata(
    article: Article, front: Sequence[str], page_dates: Sequence[str] = ()
) -> DocumentMetadata:
    """Metadata of one article; ``front`` are the lines before the task hierarchy."""
    lex = structure_lexicon()
    lines = [line.text for line in iter_lines(article.text) if line.text.strip()]
    fields = read_fields(lines[:30], lex)
    title, form = find_title(article, front, lex, fields)
    if not article.relevant:
        return DocumentMetadata(title, None, (), None, None, None, "新闻", None)
    known = tuple(all_full_dates(article.text))
    head = _headline_candidates(article, lines)

    signature = _signature(lines, known, lex)
    inline = None if signature else _inline_signature(article.text, lex)
    issuers = _issue_subjects(head, title, lex)
    if signature:
        issuers.extend(b for b in signature.issuers if b not in issuers)
    if not issuers:
        issuers.extend(_cued_bodies(lines[:30], lex))
    if not issuers and form == "speech" or doc_type_of(title, form, lex) == "讲话/文章":
        issuers.extend(b for b in _speaker_bodies(head[:12], lex) if b not in issuers)
    # The publishing body of the page's information table issues or publishes it too.
    issuers.extend(b for b in _field_bodies(fields, lex, issuers) if b not in issuers)
    if not issuers and inline:
        issuers.extend(inline.issuers)
    if not issuers:
        heading = next((c for c in head[:14] if _title_like(c, lex)), None)
        if heading:
            issuers.extend(_after_issuer(heading, lex)[0])
    if not issuers:
        issuers.extend(_speaker_bodies(head[:12], lex))
    number = _doc_number(front, fields, lex)
    if not issuers:
        issuers.extend(_number_issuers(number, lex))
    if not issuers and title:
        # A title that opens with its issuer (某市卫生健康委员会2024年度工作计划).
        owner = re.match(
            r"^(?P<who>.{2,30}?(?:委员会|人民政府|办公厅|办公室|局|厅|委))(?=(?:19|20)\d{2}年|关于)",
            title,
        )
        if owner:
            issuers.extend(split_bodies(owner.group("who"), lex))
        else:  # 某市卫生健康委员会关于…: the title kept is 关于…, its line names the issuer
            issuers.extend(_title_line_issuer(lines[:15], title, lex))
    if not issuers:
        # A notice signed by nobody: the body that approved what it issues (已经县人民政府研究同意，现转发…)
        approved = APPROVED_BY_RE.search(article.text[:3000])
        if approved:
            issuers.extend(split_bodies(approved.group("who"), lex))

    date = (
        (signature.date if signature else None)
        or (inline.date if inline else None)
        or _head_date_line(lines[:15], known)
        or (parse_full_date(fields["issued"]) if fields.get("issued") else None)
        or _cued_date(lines[:30], lex.issued_cues)
        or _consultation_date(article.text, lex)
        or _dateline_date(article, lines, page_dates)
        or (parse_full_date(fields["published"]) if fields.get("published") else None)
        or _published_date(article, lines, lex)
        or parse_full_date(article.hints.get("date", ""))
    )

    place = (
        next((p for p in (jurisdiction_of(b, lex) for b in issuers) if p), None)
        or (jurisdiction_of(title, lex, is_body=False) if title else None)
        or _implied_place(issuers, article.text, lex)
    )
    return DocumentMetadata(
        title=title,
        doc_number=number,
        issuer_names=tuple(issuers),
        date=date,
        level=place[0] if place else None,
        jurisdiction=place[1] if place else None,
        doc_type=doc_type_of(title, form, lex),
        plan_period_end=plan_period_end(title),
    )
