"""``policykg trace --db``: a body's tasks and targets read from the graph database.

The default ``trace`` answers from the built records (through the trace index); this one asks
the loaded graph, on either engine, with plain Cypher: which tasks name the body (its
``Responsibility`` nodes), who else is named on them, and the targets set under each task or its
sub-items, with the mention each fact was read from. It answers what the records answer for the
same build (``tests/test_trace_db.py`` compares them on both engines); what it cannot give is what
only the records hold: reprints folded into one document, and the targets of documents the body
issued without naming anyone.
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from pipeline.analysis.trace import (
    BodyTrace,
    Evidence,
    GoalOwnership,
    TracedTarget,
    TracedTask,
    _roles,
    _year_key,
    indicator_match,
    match_goals,
)
from pipeline.config import Settings
from pipeline.errors import AnalysisError
from pipeline.models import Role

#: The tasks naming the body, with the mention each responsibility was read from.
TASKS = """
MATCH (b:Body {prefLabel: $body})<-[:responsibleBody]-(r:Responsibility)-[:forTask]->(t:Task)
MATCH (r)-[:role]->(role)
MATCH (r)-[:wasDerivedFrom]->(m:Mention)-[:inDocument]->(d)
RETURN t.uri AS task, t.heading AS heading, d.documentId AS doc, d.title AS title,
       role.uri AS role, m.sourceFile AS source, m.startOffset AS start, m.endOffset AS end,
       m.sentence AS sentence
"""
#: Every body named on those tasks, with its role.
BODIES = """
MATCH (r:Responsibility)-[:forTask]->(t:Task)
WHERE t.uri IN $tasks
MATCH (r)-[:responsibleBody]->(b)
MATCH (r)-[:role]->(role)
MATCH (r)-[:wasDerivedFrom]->(m:Mention)
RETURN t.uri AS task, b.prefLabel AS body, role.uri AS role, m.startOffset AS start
"""
#: The targets set under those tasks or their sub-items.
TARGETS = """
MATCH (s)-[:partOf*0..]->(t:Task)
WHERE t.uri IN $tasks
MATCH (s)-[:hasTarget]->(g:Target)
MATCH (g)-[:measures]->(i)
MATCH (g)-[:wasDerivedFrom]->(m:Mention)-[:inDocument]->(d)
OPTIONAL MATCH (g)-[:comparator]->(c)
OPTIONAL MATCH (g)-[:hasDeadline]->(dl)
RETURN DISTINCT t.uri AS task, i.prefLabel AS indicator, c.uri AS comparator,
       g.targetValue AS value, g.unit AS unit, dl.prefLabel AS deadline, d.documentId AS doc,
       m.sourceFile AS source, m.startOffset AS start, m.endOffset AS end, m.sentence AS sentence
"""
#: Every indicator the graph holds targets on.
INDICATORS = """
MATCH (:Target)-[:measures]->(i)
RETURN DISTINCT i.prefLabel AS indicator
"""
#: The targets on the given indicators, with the task (section) each sits in and its document.
GOALS = """
MATCH (g:Target)-[:measures]->(i)
WHERE i.prefLabel IN $indicators
MATCH (g)-[:wasDerivedFrom]->(m:Mention)-[:inDocument]->(d)
OPTIONAL MATCH (s:Task)-[:hasTarget]->(g)
OPTIONAL MATCH (g)-[:comparator]->(c)
OPTIONAL MATCH (g)-[:hasDeadline]->(dl)
RETURN g.uri AS target, i.prefLabel AS indicator, c.uri AS comparator, g.targetValue AS value,
       g.unit AS unit, dl.prefLabel AS deadline, d.documentId AS doc, d.title AS title,
       s.uri AS task, s.heading AS heading, m.sourceFile AS source, m.startOffset AS start,
       m.endOffset AS end, m.sentence AS sentence
"""
#: The bodies named on the given tasks or on a task enclosing them.
OWNERS = """
MATCH (s:Task)-[:partOf*0..]->(t:Task)<-[:forTask]-(r:Responsibility)
WHERE s.uri IN $tasks
MATCH (r)-[:responsibleBody]->(b)
MATCH (r)-[:role]->(role)
MATCH (r)-[:wasDerivedFrom]->(m:Mention)
RETURN DISTINCT s.uri AS task, b.prefLabel AS body, role.uri AS role, m.startOffset AS start
"""
#: The issuers of the given documents.
ISSUERS = """
MATCH (d:PolicyDocument)-[:issuedBy]->(b)
WHERE d.documentId IN $docs
RETURN d.documentId AS doc, b.prefLabel AS body
"""
_COMPARATORS = {"AtLeast": ">=", "AtMost": "<=", "About": "~", "EqualTo": "="}


def _local(iri: str | None) -> str:
    return (iri or "").rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _evidence(row: dict[str, Any]) -> Evidence:
    return Evidence(
        row["source"] or "", row["doc"] or "", row["start"], row["end"], row["sentence"] or ""
    )


def _year(label: str | None) -> int | None:
    return int(label[:4]) if label and label[:4].isdigit() else None


def _rows(session: Any, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [record.data() for record in session.run(text, params)]


def _traced_target(row: dict[str, Any]) -> TracedTarget:
    return TracedTarget(
        row["indicator"],
        _COMPARATORS.get(_local(row["comparator"]), "="),
        float(row["value"]),
        row["unit"] or "",
        row["deadline"],
        _year(row["deadline"]),
        _evidence(row),
    )


def _lead_and_support(named: list[tuple[int, str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The records' rule (:func:`~pipeline.analysis.trace._roles`) over ``(start, body, role)``
    rows in text order."""
    role_of = {"LeadRole": Role.LEAD}
    return _roles(
        [SimpleNamespace(body=b, role=role_of.get(r, Role.SUPPORT)) for _, b, r in sorted(named)]
    )


def goals_from_database(session: Any, query: str, minimum: float = 0.8) -> list[GoalOwnership]:
    """What :func:`~pipeline.analysis.trace.goal_owners` gives for ``query``, read from the
    loaded graph (a document's issuers sorted by name: the graph does not keep their order)."""
    indicators = [
        row["indicator"]
        for row in _rows(session, INDICATORS, {})
        if indicator_match(query, row["indicator"]) >= minimum
    ]
    if not indicators:
        return []
    found = _rows(session, GOALS, {"indicators": sorted(indicators)})
    tasks = sorted({row["task"] for row in found if row["task"]})
    named: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for row in _rows(session, OWNERS, {"tasks": tasks}):
        named[row["task"]].append((row["start"], row["body"], _local(row["role"])))
    issuers: dict[str, list[str]] = defaultdict(list)
    for row in _rows(session, ISSUERS, {"docs": sorted({row["doc"] for row in found})}):
        issuers[row["doc"]].append(row["body"])
    rows = []
    for row in sorted(found, key=lambda r: (r["doc"], r["start"], r["end"], r["target"])):
        leads, supports = _lead_and_support(named.get(row["task"], []))
        rows.append(
            GoalOwnership(
                _traced_target(row),
                row["doc"],
                row["title"] or row["doc"],
                row["heading"],
                leads,
                supports,
                tuple(sorted(issuers[row["doc"]])),
                0.0,
            )
        )
    return match_goals(query, rows, minimum)


def trace_from_database(session: Any, body: str) -> BodyTrace:
    """The tasks ``body`` (a canonical name) leads or supports, read from the loaded graph, in the
    order :func:`~pipeline.analysis.trace.trace_body` gives them (its ``issued`` left empty)."""
    found = _rows(session, TASKS, {"body": body})
    if not found:
        return BodyTrace(body, ())
    tasks = sorted({row["task"] for row in found})
    named: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for row in _rows(session, BODIES, {"tasks": tasks}):
        named[row["task"]].append((row["start"], row["body"], _local(row["role"])))
    targets: dict[str, list[TracedTarget]] = defaultdict(list)
    for row in _rows(session, TARGETS, {"tasks": tasks}):
        targets[row["task"]].append(_traced_target(row))
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in found:
        by_task[row["task"]].append(row)
    traced = []
    for task, rows in by_task.items():
        first = min(rows, key=lambda r: r["start"])
        role = Role.LEAD if any(_local(r["role"]) == "LeadRole" for r in rows) else Role.SUPPORT
        leads, supports = _lead_and_support(named[task])
        own_targets = sorted(targets[task], key=lambda t: (_year_key(t.year), t.evidence.start))
        traced.append(
            TracedTask(
                first["doc"],
                first["title"] or first["doc"],
                _local(task),
                first["heading"] or "",
                role,
                leads,
                supports,
                _evidence(first),
                tuple(own_targets),
            )
        )
    traced.sort(key=lambda t: (t.doc_id, _year_key(t.first_year), t.evidence.start))
    return BodyTrace(body, tuple(traced))


#: Bodies whose preferred or alternative label is the name given.
NAMED = """
MATCH (b:Body)
WHERE b.prefLabel = $name OR $name IN coalesce(b.altLabel, [])
RETURN DISTINCT b.prefLabel AS body
ORDER BY body
"""


def database_trace(settings: Settings, name: str) -> tuple[str, BodyTrace]:
    """``(canonical name, trace)`` of the body ``name`` means, from the graph ``settings`` reach.

    A name the graph holds as a label resolves there; any other alias (市卫健委) resolves through
    the built records when there are some, as the records' ``trace`` does."""
    from pipeline.graphdb.server import connect

    with connect(settings) as conn, conn.session(read_only=True) as session:
        named = [row["body"] for row in _rows(session, NAMED, {"name": name})]
        if len(named) > 1:
            raise AnalysisError(
                f"{name!r} is ambiguous in the database: {'、'.join(named)}",
                hint="give one of these names",
            )
        canonical = named[0] if named else _resolve_by_records(settings, name)
        return canonical, trace_from_database(session, canonical)


def _resolve_by_records(settings: Settings, name: str) -> str:
    from pipeline.analysis.trace import LazyGazetteer, resolve_body_name
    from pipeline.analysis.trace_index import open_trace_index

    try:
        index = open_trace_index(settings)
    except AnalysisError as exc:
        raise AnalysisError(
            f"no body in the database is called {name!r}",
            hint="give its full name, or build the records for alias lookup (`policykg run`)",
        ) from exc
    return resolve_body_name(name, index.names(), LazyGazetteer())


def database_goals(settings: Settings, query: str) -> list[GoalOwnership]:
    """:func:`goals_from_database` on the graph ``settings`` reach."""
    from pipeline.graphdb.server import connect

    with connect(settings) as conn, conn.session(read_only=True) as session:
        return goals_from_database(session, query)
