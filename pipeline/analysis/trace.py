"""Traces: a body's goals and targets, and the owners of an indicator, with evidence sentences.

Body names are resolved in tiers; the first tier with any hit decides (one hit resolves, several
are ambiguous): the canonical name, a known alias (``Body.aliases`` of the facts), a surface form
the documents used for the body (mentions, responsibility clauses), the gazetteer's resolution
in each jurisdiction of the corpus, then the name with its abbreviation
expanded (``resources/analysis/abbreviations.tsv``: 卫健委 → 卫生健康委员会) and its level prefix
(市/省/国家/县) read as a constraint on the body's level.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from pipeline.analysis.cascade import lcs_length, normalize
from pipeline.analysis.corpus import Corpus, in_task
from pipeline.config import RESOURCES_DIR
from pipeline.errors import AnalysisError, ResourceError
from pipeline.models import (
    OPEN_DEADLINE_LABEL,
    Body,
    Level,
    Role,
    Target,
    TaskDeadline,
    deadline_label,
)

log = logging.getLogger(__name__)

ABBREVIATIONS_FILE = RESOURCES_DIR / "analysis" / "abbreviations.tsv"
_LEVEL_PREFIXES = (
    ("国家", Level.NATIONAL),
    ("省", Level.PROVINCIAL),
    ("市", Level.MUNICIPAL),
    ("县", Level.COUNTY),
    ("区", Level.COUNTY),
)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact was read: source file, document, clean offsets and the sentence."""

    source: str
    doc_id: str
    start: int
    end: int
    sentence: str
    #: The file and the place in it, as a reader cites it: ``plan.pdf, page 7``.
    where: str = ""


@dataclass(frozen=True, slots=True)
class TracedTarget:
    indicator: str
    comparator: str
    value: float
    unit: str
    deadline: str | None
    year: int | None
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class TracedTask:
    """A task a body is responsible for, with the other bodies on it and its targets."""

    doc_id: str
    document_title: str
    task_id: str
    heading: str
    role: Role
    leads: tuple[str, ...]
    supports: tuple[str, ...]
    evidence: Evidence
    targets: tuple[TracedTarget, ...]
    #: The task's own deadline from its table row (完成时限): its label (2025, 每年, or the cell's
    #: words for an open one such as 长期坚持), year, and the cell it was read from.
    deadline: str | None = None
    deadline_year: int | None = None
    deadline_evidence: Evidence | None = None

    @property
    def first_year(self) -> int | None:
        years = [t.year for t in self.targets if t.year is not None]
        if self.deadline_year is not None:
            years.append(self.deadline_year)
        return min(years) if years else None


@dataclass(frozen=True, slots=True)
class IssuedTargets:
    """Targets of a document the body issued, where the text names no responsible body."""

    doc_id: str
    document_title: str
    targets: tuple[tuple[str | None, TracedTarget], ...]  # (task heading, target)


@dataclass(frozen=True, slots=True)
class BodyTrace:
    body: str
    tasks: tuple[TracedTask, ...]
    issued: tuple[IssuedTargets, ...] = ()

    def documents(self) -> list[tuple[str, str, list[TracedTask]]]:
        """``(doc_id, title, tasks)`` groups in trace order."""
        groups: dict[str, list[TracedTask]] = defaultdict(list)
        for task in self.tasks:
            groups[task.doc_id].append(task)
        return [(doc_id, tasks[0].document_title, tasks) for doc_id, tasks in groups.items()]


@dataclass(frozen=True, slots=True)
class GoalOwnership:
    """A target whose indicator matches a query, and who owns it."""

    target: TracedTarget
    doc_id: str
    document_title: str
    task_heading: str | None
    leads: tuple[str, ...]
    supports: tuple[str, ...]
    issuers: tuple[str, ...]
    match: float


# --------------------------------------------------------------------------- helpers


def evidence_of(provenance: Any) -> Evidence:
    return Evidence(
        provenance.source,
        provenance.doc_id,
        provenance.start,
        provenance.end,
        provenance.sentence,
        provenance.where(),
    )


def traced_target(target: Target) -> TracedTarget:
    deadline = target.deadline
    return TracedTarget(
        target.indicator,
        target.comparator.value,
        target.value,
        target.unit,
        deadline_label(deadline) if deadline and (deadline.value or deadline.year) else None,
        deadline.year if deadline else None,
        evidence_of(target.provenance),
    )


def task_deadline_label(item: TaskDeadline) -> str:
    """How a task's table deadline reads: its label, or for the open deadline the cell's words.

    >>> from pipeline.models import Deadline, Provenance
    >>> p = Provenance("a.xlsx", "a#0", 0, 4, 0, 4, "", "sheet 分工表, row 3, column E")
    >>> task_deadline_label(TaskDeadline("r1", "甲", Deadline("2025年底前", "2025-12-31", 2025), p))
    '2025'
    >>> task_deadline_label(TaskDeadline("r2", "乙", Deadline("长期坚持", None, None), p))
    '长期坚持'
    """
    label = deadline_label(item.deadline)
    return item.deadline.text or label if label == OPEN_DEADLINE_LABEL else label


def _year_key(year: int | None) -> int:
    return year if year is not None else 9999


# --------------------------------------------------------------------------- body names


@lru_cache(maxsize=1)
def abbreviations() -> tuple[tuple[str, str], ...]:
    """``(short, full)`` pairs, longest short form first."""
    try:
        lines = ABBREVIATIONS_FILE.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ResourceError(
            f"{ABBREVIATIONS_FILE}: cannot read ({exc})",
            hint="restore the file from the repository",
        ) from exc
    pairs = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 2 or not all(c.strip() for c in cells):
            raise ResourceError(
                f"{ABBREVIATIONS_FILE}:{number}: expected 'short<TAB>full'", hint="fix the line"
            )
        pairs.append((cells[0].strip(), cells[1].strip()))
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), p[0])))


def expand_abbreviation(name: str) -> str:
    """``name`` with its trailing abbreviation written out.

    >>> expand_abbreviation("市卫健委"), expand_abbreviation("财政局")
    ('市卫生健康委员会', '财政局')
    """
    for short, full in abbreviations():
        if name.endswith(short) and not name.endswith(full):
            return name[: -len(short)] + full
    return name


def corpus_bodies(corpus: Corpus) -> dict[str, Body]:
    """Every canonical body the corpus names (facts' bodies, issuers, responsible bodies)."""
    bodies: dict[str, Body] = {}
    for facts in corpus.facts:
        for body in facts.bodies:
            known = bodies.get(body.canonical)
            if known is None or len(body.aliases) > len(known.aliases):
                bodies[body.canonical] = body
        names = list(facts.issuers) + [r.body for r in facts.responsibilities]
        for name in names:
            bodies.setdefault(name, Body(name, None, None, "unknown"))
    return dict(sorted(bodies.items()))


def corpus_surfaces(corpus: Corpus) -> set[tuple[str, str]]:
    """``(surface, canonical)`` pairs: how the documents themselves wrote each body's name."""
    pairs: set[tuple[str, str]] = set()
    for facts in corpus.facts:
        pairs.update((m.surface, m.canonical) for m in facts.body_mentions)
        pairs.update((r.surface, r.body) for r in facts.responsibilities)
    return pairs


@dataclass(frozen=True)
class BodyNames:
    """What a body's name is resolved against: the corpus's bodies, the surface forms its
    documents wrote them in, and its documents' jurisdictions (for the gazetteer)."""

    bodies: dict[str, Body]
    surfaces: frozenset[tuple[str, str]]
    jurisdictions: tuple[str, ...]

    @classmethod
    def of(cls, corpus: Corpus) -> BodyNames:
        jurisdictions = {d.metadata.jurisdiction for d in corpus.documents}
        return cls(
            corpus_bodies(corpus),
            frozenset(corpus_surfaces(corpus)),
            tuple(sorted(j for j in jurisdictions if j)),
        )


def body_names(names: Corpus | BodyNames) -> BodyNames:
    """``names`` itself, or the names of a corpus."""
    return names if isinstance(names, BodyNames) else BodyNames.of(names)


def _gazetteer() -> Any | None:
    """The extraction engineer's gazetteer, if that module is there and loads."""
    try:
        from pipeline.resolve import Gazetteer
    except ImportError:
        return None
    try:
        return Gazetteer.load()
    except Exception as exc:  # noqa: BLE001 - a broken gazetteer must not stop a trace
        log.warning("gazetteer not available: %s", exc)
        return None


class LazyGazetteer:
    """The gazetteer, loaded the first time a name reaches its tier (most names resolve by
    their canonical form, an alias or a surface form first)."""

    def __init__(self) -> None:
        self._loaded = False
        self._gazetteer: Any | None = None

    def resolve(self, surface: str, jurisdiction: str | None) -> Any | None:
        if not self._loaded:
            self._gazetteer, self._loaded = _gazetteer(), True
        if self._gazetteer is None:
            return None
        return self._gazetteer.resolve(surface, jurisdiction)


def _gazetteer_resolve(gazetteer: Any, surface: str, jurisdiction: str | None) -> str | None:
    try:
        body = gazetteer.resolve(surface, jurisdiction)
    except Exception as exc:  # noqa: BLE001
        log.debug("gazetteer.resolve(%r, %r) failed: %s", surface, jurisdiction, exc)
        return None
    return getattr(body, "canonical", None) if body is not None else None


def body_candidates(
    name: str, corpus: Corpus | BodyNames, gazetteer: Any | None = None
) -> list[str]:
    """Canonical bodies of ``corpus`` that ``name`` may mean, from the first tier with a hit."""
    names = body_names(corpus)
    bodies = names.bodies
    query = normalize(name)
    if not query:
        return []
    if query in bodies:
        return [query]
    by_alias = sorted(
        b.canonical for b in bodies.values() if query in {normalize(a) for a in b.aliases}
    )
    if by_alias:
        return by_alias
    by_surface = sorted(
        {
            canonical
            for surface, canonical in names.surfaces
            if normalize(surface) == query and canonical in bodies
        }
    )
    if by_surface:
        return by_surface
    if gazetteer is not None:
        found = {_gazetteer_resolve(gazetteer, query, j) for j in [None, *names.jurisdictions]}
        hits = sorted(c for c in found if c in bodies)
        if hits:
            return hits
    core, level = expand_abbreviation(query), None
    for prefix, prefix_level in _LEVEL_PREFIXES:
        if core.startswith(prefix) and len(core) > len(prefix) + 2:
            core, level = core[len(prefix) :], prefix_level
            break
    hits = []
    for canonical, body in bodies.items():
        forms = [canonical, *(expand_abbreviation(normalize(a)) for a in body.aliases)]
        if not any(form.endswith(core) or core in form for form in forms):
            continue
        if level is not None and body.level is not None and body.level is not level:
            continue
        hits.append(canonical)
    return sorted(hits)


def resolve_body_name(name: str, corpus: Corpus | BodyNames, gazetteer: Any | None = None) -> str:
    """The one canonical body ``name`` means; raises :class:`AnalysisError` otherwise."""
    names = body_names(corpus)
    candidates = body_candidates(name, names, gazetteer)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        from pipeline.analysis.bodies import did_you_mean

        suggestion = did_you_mean(name, names)
        raise AnalysisError(
            f"no body named {name!r} in the built graph"
            + (f"; {suggestion}" if suggestion else ""),
            hint="list the bodies with `policykg bodies`",
        )
    raise AnalysisError(
        f"{name!r} is ambiguous: {'; '.join(candidates)}", hint="give one of these names"
    )


# --------------------------------------------------------------------------- traces


def trace_body(body: str, corpus: Corpus) -> BodyTrace:
    """The tasks ``body`` leads or supports, grouped by document (top-down, by doc id) and ordered
    by their earliest target deadline, each with its targets and evidence sentences."""
    return body_traces(corpus).get(body) or BodyTrace(body, ())


def body_traces(corpus: Corpus) -> dict[str, BodyTrace]:
    """:func:`trace_body` of every body that is responsible for a task or issued targets, read
    in one pass over the corpus."""
    tasks: dict[str, list[TracedTask]] = defaultdict(list)
    issued: dict[str, list[IssuedTargets]] = defaultdict(list)
    for facts in corpus.facts:
        for body, task in _task_traces(facts, corpus):
            tasks[body].append(task)
        found = _issued_rows(facts)
        if found:
            entry = IssuedTargets(facts.doc_id, corpus.title(facts.doc_id), found)
            for body in _unique(facts.issuers):
                issued[body].append(entry)
    traces = {}
    for body in sorted(tasks.keys() | issued.keys()):
        own = sorted(
            tasks.get(body, ()), key=lambda t: (t.doc_id, _year_key(t.first_year), t.evidence.start)
        )
        traces[body] = BodyTrace(body, tuple(own), tuple(issued.get(body, ())))
    return traces


def _task_traces(facts: Any, corpus: Corpus) -> list[tuple[str, TracedTask]]:
    """``(body, task)`` for each body responsible for a task of one document, in text order."""
    by_task: dict[str, list] = defaultdict(list)
    for resp in facts.responsibilities:
        by_task[resp.task_id or resp.task_heading].append(resp)
    found = []
    for task_id, resps in by_task.items():
        leads, supports = _roles(resps)
        due = corpus.deadline_of_task(facts.doc_id, task_id)
        targets = tuple(
            sorted(
                (traced_target(t) for t in corpus.targets_of_task(facts.doc_id, task_id)),
                key=lambda t: (_year_key(t.year), t.evidence.start),
            )
        )
        for body in _unique(r.body for r in resps):
            own = [r for r in resps if r.body == body]
            role = Role.LEAD if any(r.role is Role.LEAD for r in own) else Role.SUPPORT
            first = min(own, key=lambda r: r.provenance.start)
            task = TracedTask(
                facts.doc_id,
                corpus.title(facts.doc_id),
                task_id,
                first.task_heading,
                role,
                leads,
                supports,
                evidence_of(first.provenance),
                targets,
                task_deadline_label(due) if due else None,
                due.deadline.year if due else None,
                evidence_of(due.provenance) if due else None,
            )
            found.append((body, task))
    return found


def issued_targets(body: str, corpus: Corpus) -> tuple[IssuedTargets, ...]:
    """Targets of the documents ``body`` issued that sit in tasks naming no responsible body
    (a national plan's targets belong to its issuer), ordered by deadline."""
    found = []
    for facts in corpus.facts:
        if body not in facts.issuers:
            continue
        rows = _issued_rows(facts)
        if rows:
            found.append(IssuedTargets(facts.doc_id, corpus.title(facts.doc_id), rows))
    return tuple(found)


def _issued_rows(facts: Any) -> tuple[tuple[str | None, TracedTarget], ...]:
    """A document's targets in tasks that name no responsible body, by deadline."""
    owned = {r.task_id for r in facts.responsibilities if r.task_id}
    free = [
        t
        for t in facts.targets
        if not (t.task_id and any(in_task(t.task_id, task) for task in owned))
    ]
    return tuple(
        sorted(
            ((t.task_heading, traced_target(t)) for t in free),
            key=lambda row: (_year_key(row[1].year), row[1].evidence.start),
        )
    )


def _roles(resps: list[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The lead bodies and the (other) supporting bodies of a task's responsibilities."""
    leads = _unique(r.body for r in resps if r.role is Role.LEAD)
    supports = _unique(r.body for r in resps if r.role is Role.SUPPORT and r.body not in leads)
    return leads, supports


def _unique(names: Any) -> tuple[str, ...]:
    seen: list[str] = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return tuple(seen)


def indicator_match(query: str, indicator: str) -> float:
    """How well an indicator matches a query: 1.0 when one contains the other, else the share of
    the query's characters found in order in the indicator.

    >>> indicator_match("基层门急诊人次占比", "基层门急诊人次占比"), indicator_match("签约率", "重点人群签约率")
    (1.0, 1.0)
    >>> indicator_match("门急诊占比", "基层门急诊人次占比")
    1.0
    >>> indicator_match("床医比", "医护比") < 0.8
    True
    """
    q, ind = normalize(query), normalize(indicator)
    if not q or not ind:
        return 0.0
    if q in ind or ind in q:
        return 1.0
    return round(lcs_length(q, ind) / len(q), 4)


def goal_owners(query: str, corpus: Corpus, minimum: float = 0.8) -> list[GoalOwnership]:
    """Targets whose indicator matches ``query`` (best first, then by deadline) and their owners:
    the bodies responsible for the target's task, and the document's issuers."""
    return match_goals(query, goal_rows(corpus), minimum)


def goal_rows(corpus: Corpus) -> list[GoalOwnership]:
    """Every target of the corpus with its owners (``match`` 0), by document and in text order."""
    found: list[GoalOwnership] = []
    for facts in corpus.facts:
        roles: dict[str, list] = defaultdict(list)
        for resp in facts.responsibilities:
            roles[resp.task_id or resp.task_heading].append(resp)
        for target in facts.targets:
            resps = [
                r
                for task_id, rs in roles.items()
                if target.task_id and in_task(target.task_id, task_id)
                for r in rs
            ]
            leads, supports = _roles(resps)
            found.append(
                GoalOwnership(
                    traced_target(target),
                    facts.doc_id,
                    corpus.title(facts.doc_id),
                    target.task_heading,
                    leads,
                    supports,
                    tuple(facts.issuers),
                    0.0,
                )
            )
    return found


def match_goals(
    query: str, rows: Iterable[GoalOwnership], minimum: float = 0.8
) -> list[GoalOwnership]:
    """The rows of :func:`goal_rows` whose indicator matches ``query`` at least ``minimum``, with
    their score, best first, then by deadline."""
    scores: dict[str, float] = {}
    found = []
    for row in rows:
        indicator = row.target.indicator
        if indicator not in scores:
            scores[indicator] = indicator_match(query, indicator)
        if scores[indicator] >= minimum:
            found.append(replace(row, match=scores[indicator]))
    found.sort(
        key=lambda g: (-g.match, _year_key(g.target.year), g.doc_id, g.target.evidence.start)
    )
    return found
