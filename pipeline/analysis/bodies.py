"""Every body the corpus knows, with its aliases and fact counts; and what a misspelt name may mean.

:func:`body_table` lists the bodies (``policykg bodies``); :func:`suggest_bodies` ranks the known
names against one that matched nothing. Names are compared Chinese-aware: width-folded (NFKC),
Traditional read as Simplified (OpenCC), punctuation dropped, a trailing abbreviation written
out (卫健委 → 卫生健康委员会); then by edit distance and containment (rapidfuzz) against every
canonical name, alias and surface form the documents used.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

from pipeline.analysis.cascade import normalize
from pipeline.analysis.corpus import Corpus
from pipeline.analysis.trace import (
    BodyNames,
    body_names,
    corpus_bodies,
    corpus_surfaces,
    expand_abbreviation,
)
from pipeline.models import Role

#: Suggestions scoring below this (0–100) are not offered.
MIN_SCORE = 60.0
#: Only names scoring within this of the best one are offered with it.
CLOSE_TO_BEST = 8.0


@dataclass(frozen=True, slots=True)
class BodyEntry:
    """One canonical body: its names and how many facts name it."""

    canonical: str
    level: str
    jurisdiction: str
    kind: str
    aliases: tuple[str, ...]
    lead_tasks: int
    support_tasks: int
    issued: int
    mentions: int


def body_table(
    corpus: Corpus, level: str | None = None, jurisdiction: str | None = None
) -> list[BodyEntry]:
    """The corpus's bodies, by name, optionally only those of one level (``municipal`` or 市级)
    and of a jurisdiction (its name contains the text)."""
    leads: Counter[str] = Counter()
    supports: Counter[str] = Counter()
    issued: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    names: dict[str, set[str]] = defaultdict(set)
    for facts in corpus.facts:
        tasks = {(r.body, r.task_id or r.task_heading, r.role) for r in facts.responsibilities}
        for name, _task, role in tasks:
            (leads if role is Role.LEAD else supports)[name] += 1
        issued.update(set(facts.issuers))
        mentions.update(m.canonical for m in facts.body_mentions)
    for surface, canonical in corpus_surfaces(corpus):
        names[canonical].add(surface)
    entries = []
    for canonical, body in corpus_bodies(corpus).items():
        body_level = body.level.value if body.level else ""
        if level and level not in (body_level, _LEVEL_WORDS.get(body_level, "")):
            continue
        if jurisdiction and jurisdiction not in (body.jurisdiction or ""):
            continue
        aliases = sorted((set(body.aliases) | names[canonical]) - {canonical})
        entries.append(
            BodyEntry(
                canonical,
                body_level,
                body.jurisdiction or "",
                body.kind,
                tuple(aliases),
                leads[canonical],
                supports[canonical],
                issued[canonical],
                mentions[canonical],
            )
        )
    return entries


_LEVEL_WORDS = {"national": "国家级", "provincial": "省级", "municipal": "市级", "county": "县级"}


def fold(name: str) -> str:
    """A name as names are compared: width-folded, Simplified, without punctuation, with its
    trailing abbreviation written out.

    >>> fold("聊城市衛健委"), fold("（市）财政局")
    ('聊城市卫生健康委员会', '市财政局')
    """
    from pipeline.ingest.clean import simplified

    text = normalize(simplified(unicodedata.normalize("NFKC", name)))
    return expand_abbreviation(text)


def suggest_bodies(name: str, corpus: Corpus | BodyNames, limit: int = 5) -> list[str]:
    """Canonical bodies ``name`` may have meant, best first (at most ``limit``)."""
    from rapidfuzz import fuzz

    query = fold(name)
    if not query:
        return []
    read = body_names(corpus)
    known = read.bodies
    written: dict[str, set[str]] = defaultdict(set)
    for canonical, body in known.items():
        written[canonical].update((canonical, *body.aliases))
    for surface, canonical in read.surfaces:
        if canonical in written:
            written[canonical].add(surface)
    forms: dict[str, set[str]] = {}
    for canonical, names in written.items():
        place = known[canonical].jurisdiction or ""
        forms[canonical] = {f for name in names for f in _variants(name, place)}
    scored = []
    for canonical, folded in forms.items():
        best = max(max(fuzz.ratio(query, f), _contained(query, f)) for f in folded if f)
        if best >= MIN_SCORE:
            scored.append((-best, len(canonical), canonical))
    scored.sort()
    top = -scored[0][0] if scored else 0.0
    return [canonical for score, _, canonical in scored[:limit] if -score >= top - CLOSE_TO_BEST]


def _variants(name: str, place: str) -> set[str]:
    """A name as written and folded, and with its jurisdiction in front where it starts from the
    level alone (市卫健委 → 聊城市卫健委), as a reader may write it.

    >>> sorted(_variants("市卫健委", "聊城市"))
    ['市卫健委', '市卫生健康委员会', '聊城市卫健委', '聊城市卫生健康委员会']
    """
    forms = {normalize(name), fold(name)}
    if place and not name.startswith(place):
        level = place[-1]
        forms |= {place + f[1:] if f.startswith(level) else place + f for f in list(forms)}
    return {f for f in forms if f}


def _contained(query: str, form: str) -> float:
    """The score of a query that is (nearly) a part of a longer name: 卫生健康委 in 聊城市卫生健康委员会."""
    from rapidfuzz import fuzz

    if len(query) < 2 or len(query) >= len(form):
        return 0.0
    return fuzz.partial_ratio(query, form) * 0.9


def did_you_mean(name: str, corpus: Corpus | BodyNames) -> str:
    """``did you mean 甲, 乙?`` for a name that matched nothing; empty when nothing is close."""
    found = suggest_bodies(name, corpus)
    return f"did you mean {'、'.join(found)}?" if found else ""
