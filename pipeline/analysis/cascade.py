"""Cascade matching: which task of an implemented document each task of an implementing one answers.

A document *implements* the documents it cites with 贯彻落实/根据… (``CitationRelation.IMPLEMENTS``;
when it marks none, every citation counts). A citation is matched to a document of the corpus by
its 文号 **or** by its title (``core_title`` strips issuers, 《》/〈〉 and the 关于印发…的通知 wrapper),
because a city plan cites a national 意见 by number while the 意见's own text may carry none.

Two tasks are compared on their headings — character-bigram Dice and longest common subsequence
over the heading's content words (generic verbs like 加强/推进/建设 from
``resources/analysis/generic_terms.txt`` removed) — and, when both set targets, on their targets
(indicator similarity, same unit, same deadline year). No external model is used.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline.analysis.corpus import LEVEL_RANK, Corpus
from pipeline.config import RESOURCES_DIR
from pipeline.errors import ResourceError
from pipeline.models import Citation, CitationRelation, Document, Section, SectionKind, Target

#: Minimum task score for a cascade link.
DEFAULT_THRESHOLD = 0.5
#: Weight of the heading score when both tasks set targets (the rest is the target score).
HEADING_WEIGHT = 0.7
GENERIC_TERMS_FILE = RESOURCES_DIR / "analysis" / "generic_terms.txt"
#: Scores are rounded to 4 places; a bound this far below the threshold may still reach it.
_ROUNDING = 1e-4
#: Core titles shorter than this name too many documents to identify one.
MIN_TITLE = 6

_PUNCT = re.compile(
    r"[\s\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
    r"!-/:-@\[-`{-~“”‘’·—…、]+"
)
_WRAPPED = re.compile(r"印发(.+)的通知$")


@dataclass(frozen=True, slots=True)
class TaskMatch:
    """A task of ``implementing_doc`` answering a task of ``implemented_doc``."""

    implementing_doc: str
    implementing_task: str
    implementing_heading: str
    implemented_doc: str
    implemented_task: str
    implemented_heading: str
    score: float
    heading_score: float
    target_score: float | None
    target_pairs: tuple[tuple[Target, Target], ...] = ()


@dataclass(frozen=True, slots=True)
class DocumentLink:
    """``implementing`` implements ``implemented`` through ``citation`` (by number or title);
    ``implemented_also`` / ``implementing_also`` name the other articles that are the same policy
    document (reprints, see :mod:`pipeline.analysis.reprints`)."""

    implementing: str
    implemented: str
    citation: Citation
    matched_by: str  # "doc_number" | "title"
    implemented_also: tuple[str, ...] = ()
    implementing_also: tuple[str, ...] = ()


# --------------------------------------------------------------------------- text similarity


@lru_cache(maxsize=1)
def generic_terms() -> tuple[str, ...]:
    """Generic heading words, longest first, from ``resources/analysis/generic_terms.txt``."""
    try:
        lines = GENERIC_TERMS_FILE.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ResourceError(
            f"{GENERIC_TERMS_FILE}: cannot read ({exc})",
            hint="restore the file from the repository",
        ) from exc
    terms = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    return tuple(sorted(terms, key=lambda t: (-len(t), t)))


def normalize(text: str) -> str:
    """Text without whitespace and punctuation.

    >>> normalize("(一) 全面推进“紧密型”县域医共体建设。")
    '一全面推进紧密型县域医共体建设'
    """
    return _PUNCT.sub("", text)


@lru_cache(maxsize=65536)
def content_words(heading: str) -> str:
    """A heading without punctuation and generic policy verbs (all of it if nothing is left).

    >>> content_words("全面推进紧密型县域医共体建设")
    '紧密型县域医共体'
    >>> content_words("加强建设")
    '加强建设'
    """
    text = normalize(heading)
    stripped = text
    for term in generic_terms():
        stripped = stripped.replace(term, "")
    return stripped if len(stripped) >= 2 else text


def bigram_dice(a: str, b: str) -> float:
    """Dice coefficient over character bigrams (single characters for one-char strings).

    >>> round(bigram_dice("县域医共体", "紧密型县域医共体"), 3)
    0.727
    """
    if not a or not b:
        return 0.0
    common = _overlap(_bigrams(a), _bigrams(b))
    return 2.0 * common / (max(len(a) - 1, 1) + max(len(b) - 1, 1))  # the bigrams of each


def _overlap(a: Counter[str], b: Counter[str]) -> int:
    """``sum((a & b).values())`` without building the intersection (the cascade asks it of some
    hundred thousand pairs of headings).

    >>> _overlap(Counter("aab"), Counter("abbc"))
    2
    """
    if len(a) > len(b):
        a, b = b, a
    return sum(min(n, b[k]) for k, n in a.items() if k in b)


@lru_cache(maxsize=65536)
def _bigrams(text: str) -> Counter[str]:
    if len(text) == 1:
        return Counter([text])
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


@lru_cache(maxsize=65536)
def _characters(text: str) -> Counter[str]:
    return Counter(text)


def similarity_bound(a: str, b: str) -> float:
    """An upper bound of :func:`text_similarity` without the LCS (which is at most the number of
    characters the two texts share): cheap enough to skip hopeless pairs.

    >>> similarity_bound("县域医共体", "县域医共体"), similarity_bound("县域", "中医") < 0.3
    (1.0, True)
    """
    if not a or not b:
        return 0.0
    shared = _overlap(_characters(a), _characters(b))
    return (bigram_dice(a, b) + 2.0 * shared / (len(a) + len(b))) / 2.0


def lcs_length(a: str, b: str) -> int:
    """Length of the longest common subsequence.

    >>> lcs_length("推进县域医共体建设", "全面推进紧密型县域医共体建设")
    9
    """
    if not a or not b:
        return 0
    previous = [0] * (len(b) + 1)
    for ch in a:
        current = [0]
        for j, other in enumerate(b):
            current.append(previous[j] + 1 if ch == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def text_similarity(a: str, b: str) -> float:
    """Mean of bigram Dice and the LCS ratio ``2·lcs/(|a|+|b|)``, in [0, 1].

    >>> text_similarity("县域医共体", "县域医共体")
    1.0
    >>> text_similarity("县域医共体", "中医药服务") < 0.2
    True
    """
    if not a or not b:
        return 0.0
    lcs_ratio = 2.0 * lcs_length(a, b) / (len(a) + len(b))
    return round((bigram_dice(a, b) + lcs_ratio) / 2.0, 4)


def heading_similarity(a: str, b: str) -> float:
    """Similarity of two task headings on their content words.

    >>> heading_similarity("全面推进紧密型县域医共体建设", "推进县域医共体建设") > 0.7
    True
    >>> heading_similarity("完善中医药服务体系", "加强公立医院绩效考核") < 0.3
    True
    """
    return text_similarity(content_words(a), content_words(b))


def target_similarity(a: Target, b: Target) -> float:
    """Indicator similarity (0.6) + same unit (0.2) + same deadline year (0.2)."""
    indicator = text_similarity(normalize(a.indicator), normalize(b.indicator))
    same_unit = 1.0 if a.unit == b.unit else 0.0
    year_a = a.deadline.year if a.deadline else None
    year_b = b.deadline.year if b.deadline else None
    same_year = 1.0 if year_a is not None and year_a == year_b else 0.0
    return round(0.6 * indicator + 0.2 * same_unit + 0.2 * same_year, 4)


# --------------------------------------------------------------------------- citations


@lru_cache(maxsize=1)
def _draft_marker_re() -> re.Pattern[str]:
    """A bracketed draft marker of the structure vocabulary: (征求意见稿), (草案) …"""
    from pipeline.structure.lexicon import structure_lexicon

    markers = "|".join(re.escape(m) for m in structure_lexicon().draft_markers)
    return re.compile(rf"[(（](?:{markers})[)）]")


@lru_cache(maxsize=65536)
def core_title(title: str) -> str:
    """A title reduced to what identifies the document across citations.

    >>> core_title("《中共中央办公厅 国务院办公厅印发〈关于进一步完善医疗卫生服务体系的意见〉的通知》")
    '进一步完善医疗卫生服务体系的意见'
    >>> core_title("山东省人民政府办公厅关于印发山东省进一步完善医疗卫生服务体系的实施方案的通知")
    '山东省进一步完善医疗卫生服务体系的实施方案'
    >>> core_title("聊城市进一步完善医疗卫生服务体系的实施方案(征求意见稿)")
    '聊城市进一步完善医疗卫生服务体系的实施方案'
    """
    text = _draft_marker_re().sub("", title)
    text = normalize(text.replace("《", "").replace("》", "").replace("〈", "").replace("〉", ""))
    wrapped = _WRAPPED.search(text)
    if wrapped:
        text = wrapped.group(1)
    if "关于" in text:
        text = text[text.index("关于") + 2 :]
    return text


def normalize_doc_number(number: str) -> str:
    """A 文号 with its year brackets unified to 〔〕 and spaces removed.

    >>> normalize_doc_number("中办发[2023] 10号")
    '中办发〔2023〕10号'
    """
    text = re.sub(r"\s+", "", number)
    return re.sub(r"[\[【(（［]\s*(\d{4})\s*[\]】)）］]", r"〔\1〕", text)


def citation_matches(citation: Citation, document: Document) -> str | None:
    """``"doc_number"`` or ``"title"`` when ``citation`` names ``document``, else None.

    Two different 文号 name two documents, whatever their titles (a plan and its earlier
    namesake); the title decides only when one side has no number.
    """
    meta = document.metadata
    if citation.doc_number and meta.doc_number:
        if normalize_doc_number(citation.doc_number) == normalize_doc_number(meta.doc_number):
            return "doc_number"
        return None
    if citation.title and meta.title:
        cited, own = core_title(citation.title), core_title(meta.title)
        if len(cited) < MIN_TITLE or len(own) < MIN_TITLE:
            return None
        if cited == own:
            return "title"
        longer, shorter = (cited, own) if len(cited) > len(own) else (own, cited)
        from pipeline.resolve import LEVEL_WORDS  # here: the trace commands import this module

        # 关于X with an issuer written before it without 关于; but a place before it names
        # another jurisdiction's document (山东省进一步…的意见 is not the national …的意见).
        if longer.endswith(shorter) and not longer[: -len(shorter)].endswith(tuple(LEVEL_WORDS)):
            return "title"
    return None


@dataclass(frozen=True)
class CitationIndex:
    """Documents by what a citation can name them by, so that resolving a citation looks up a
    few candidates instead of comparing it with every document of the corpus.

    ``by_number``: normalised 文号; ``by_title``: core title; ``by_title_end``: every proper
    ending (of at least ``MIN_TITLE`` characters) of a core title.
    """

    by_number: dict[str, list[Document]]
    by_title: dict[str, list[Document]]
    by_title_end: dict[str, list[Document]]

    @classmethod
    def of(cls, documents: Iterable[Document]) -> CitationIndex:
        by_number: dict[str, list[Document]] = defaultdict(list)
        by_title: dict[str, list[Document]] = defaultdict(list)
        by_title_end: dict[str, list[Document]] = defaultdict(list)
        for document in documents:
            meta = document.metadata
            if meta.doc_number:
                by_number[normalize_doc_number(meta.doc_number)].append(document)
            title = core_title(meta.title) if meta.title else ""
            if len(title) >= MIN_TITLE:
                by_title[title].append(document)
                for start in range(1, len(title) - MIN_TITLE + 1):
                    by_title_end[title[start:]].append(document)
        return cls(dict(by_number), dict(by_title), dict(by_title_end))

    def candidates(self, citation: Citation) -> list[Document]:
        """Every document :func:`citation_matches` may accept for ``citation``, by ``doc_id``."""
        found: dict[str, Document] = {}
        if citation.doc_number:
            for doc in self.by_number.get(normalize_doc_number(citation.doc_number), ()):
                found[doc.doc_id] = doc
        cited = core_title(citation.title) if citation.title else ""
        if len(cited) >= MIN_TITLE:
            # the same title, a longer one ending with it, or a shorter one it ends with
            endings = [cited[start:] for start in range(len(cited) - MIN_TITLE + 1)]
            for doc in (
                *self.by_title_end.get(cited, ()),
                *(d for end in endings for d in self.by_title.get(end, ())),
            ):
                found[doc.doc_id] = doc
        return [found[k] for k in sorted(found)]


def implemented_documents(
    document: Document, corpus: Corpus, index: CitationIndex | None = None
) -> list[DocumentLink]:
    """The documents of ``corpus`` that ``document`` implements, via its citations (``index``:
    the corpus's relevant documents, built here when not given).

    A citation names one document: when several match it (namesakes of other years), the one
    :func:`cited_document` prefers.
    """
    citations = [c for c in document.citations if c.relation is CitationRelation.IMPLEMENTS]
    if not citations:
        citations = list(document.citations)
    if not citations:
        return []
    index = index or CitationIndex.of(corpus.relevant_documents())
    links: dict[str, DocumentLink] = {}
    for citation in citations:
        matches = [
            (other, how)
            for other in index.candidates(citation)
            if other.doc_id != document.doc_id and other.doc_id not in links
            for how in [citation_matches(citation, other)]
            if how
        ]
        if matches:
            other, how = cited_document(document, matches)
            links[other.doc_id] = DocumentLink(document.doc_id, other.doc_id, citation, how)
    return [links[k] for k in sorted(links)]


def cited_document(citing: Document, matches: list[tuple[Document, str]]) -> tuple[Document, str]:
    """Of the documents matching one citation, the one it names: a 文号 match first, then the
    latest issued no later than the citing document, then an undated one, then the first."""
    issued = citing.metadata.date

    def preference(match: tuple[Document, str]) -> tuple:
        other, how = match
        date = other.metadata.date
        before = date is not None and (issued is None or date <= issued)
        return (
            how != "doc_number",
            not before,
            date is None,
            _descending(date or ""),
            other.doc_id,
        )

    return min(matches, key=preference)


def _descending(text: str) -> tuple[int, ...]:
    """A sort key putting ``text`` in descending order.

    >>> sorted(["2022-04-27", "2023-03-23"], key=_descending)
    ['2023-03-23', '2022-04-27']
    """
    return tuple(-ord(c) for c in text)


# --------------------------------------------------------------------------- task matching


def _tier(section: Section) -> int:
    return 0 if section.kind is SectionKind.PART else 1


def task_sections(document: Document) -> list[Section]:
    """The document's sections that carry a heading (parts, items, sub-items)."""
    return [s for s in document.sections if s.heading and s.heading.strip()]


def score_bound(own: str, their: str, both_set_targets: bool) -> float:
    """An upper bound of :func:`score_tasks` for two headings (the best target score is ≤ 1)."""
    heading = similarity_bound(content_words(own), content_words(their))
    if both_set_targets:
        return max(HEADING_WEIGHT * heading + (1 - HEADING_WEIGHT), heading)
    return heading


def score_tasks(
    implementing: tuple[Section, list[Target]], implemented: tuple[Section, list[Target]]
) -> tuple[float, float, float | None, tuple[tuple[Target, Target], ...]]:
    """``(score, heading_score, target_score, matching target pairs)`` of two tasks."""
    (own, own_targets), (their, their_targets) = implementing, implemented
    heading = heading_similarity(own.heading, their.heading)
    if not own_targets or not their_targets:
        return heading, heading, None, ()
    scored = [(target_similarity(a, b), a, b) for a in own_targets for b in their_targets]
    best = max(s for s, _, _ in scored)
    pairs = tuple((a, b) for s, a, b in scored if s >= 0.6)
    score = round(HEADING_WEIGHT * heading + (1 - HEADING_WEIGHT) * best, 4)
    return max(score, heading), heading, best, pairs


def match_tasks(
    implementing: Document,
    implemented: Document,
    corpus: Corpus,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[TaskMatch]:
    """For each task of ``implementing``, its best-scoring task(s) of ``implemented`` above
    ``threshold`` (ties kept), compared only at the same tier (part ↔ part, item ↔ item)."""
    theirs = [
        (s, corpus.targets_of_task(implemented.doc_id, s.section_id))
        for s in task_sections(implemented)
    ]
    matches: list[TaskMatch] = []
    for own in task_sections(implementing):
        own_targets = corpus.targets_of_task(implementing.doc_id, own.section_id)
        scored = []
        for their, their_targets in theirs:
            if _tier(their) != _tier(own):
                continue
            # scores are rounded to 4 places: keep what could round up to the threshold
            bound = score_bound(own.heading, their.heading, bool(own_targets and their_targets))
            if bound < threshold - _ROUNDING:
                continue
            score, heading, target, pairs = score_tasks((own, own_targets), (their, their_targets))
            if score >= threshold:
                scored.append((score, heading, target, pairs, their))
        if not scored:
            continue
        top = max(s[0] for s in scored)
        for score, heading, target, pairs, their in scored:
            if score >= top - 1e-9:
                matches.append(
                    TaskMatch(
                        implementing.doc_id,
                        own.section_id,
                        own.heading,
                        implemented.doc_id,
                        their.section_id,
                        their.heading,
                        score,
                        heading,
                        target,
                        pairs,
                    )
                )
    return matches


def cascade(
    corpus: Corpus,
    threshold: float = DEFAULT_THRESHOLD,
    also_in: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[list[DocumentLink], list[TaskMatch]]:
    """Every implementation link between documents of the corpus and the task matches under it,
    ordered top-down (national implemented documents first) and by text position.

    ``corpus`` should hold one article per policy document (reprints folded); ``also_in`` maps a
    document to the other articles that are the same document, named on its links.
    """
    elsewhere = also_in or {}
    index = CitationIndex.of(corpus.relevant_documents())
    doc_links: list[DocumentLink] = []
    for document in corpus.relevant_documents():
        doc_links.extend(
            replace(
                link,
                implemented_also=tuple(elsewhere.get(link.implemented, ())),
                implementing_also=tuple(elsewhere.get(link.implementing, ())),
            )
            for link in implemented_documents(document, corpus, index)
        )
    task_links: list[TaskMatch] = []
    for link in doc_links:
        own, their = corpus.document(link.implementing), corpus.document(link.implemented)
        if own is not None and their is not None:
            task_links.extend(match_tasks(own, their, corpus, threshold))
    return doc_links, sorted(task_links, key=lambda m: _order(corpus, m))


def _order(corpus: Corpus, match: TaskMatch) -> tuple:
    def position(doc_id: str, section_id: str) -> int:
        section = corpus.section(doc_id, section_id)
        return section.start if section else 0

    level = corpus.document(match.implemented_doc)
    rank = LEVEL_RANK.get(level.metadata.level, 9) if level and level.metadata.level else 9
    return (
        rank,
        match.implemented_doc,
        match.implementing_doc,
        position(match.implementing_doc, match.implementing_task),
        position(match.implemented_doc, match.implemented_task),
    )


def links_between(
    matches: Iterable[TaskMatch], implementing: str, implemented: str
) -> list[TaskMatch]:
    """The task matches of one implementing/implemented document pair."""
    return [
        m
        for m in matches
        if m.implementing_doc == implementing and m.implemented_doc == implemented
    ]
