"""The co-responsibility network: bodies linked by the tasks they share, weighted by role.

Two bodies named responsible for the same task (one document, one task item) coordinate on it.
Each shared task adds to the pair's **coordination strength** by the roles the two bodies hold:

==================  ======  ==========================================================
roles               weight  why
==================  ======  ==========================================================
lead – lead         1.00    joint owners answer for the result together
lead – support      0.75    the lead must steer the supporting body
support – support   0.50    both only contribute; they meet through the lead
==================  ======  ==========================================================

A body that holds both roles on one task counts as lead. Rankings: ``degree`` is the number of
distinct partner bodies, ``strength`` the sum of the weights of its edges, ``betweenness`` the
normalised betweenness centrality with edge length ``1 / weight`` (strong ties are short).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import networkx as nx

from pipeline.models import DocumentFacts, Role

#: Coordination weight of one shared task by the pair's roles (order-free).
ROLE_PAIR_WEIGHTS: dict[frozenset[Role], float] = {
    frozenset({Role.LEAD}): 1.0,
    frozenset({Role.LEAD, Role.SUPPORT}): 0.75,
    frozenset({Role.SUPPORT}): 0.5,
}


@dataclass(frozen=True, slots=True)
class TaskKey:
    """One task of one document: ``(doc_id, task_id)``; ``heading`` for display."""

    doc_id: str
    task_id: str
    heading: str


@dataclass(frozen=True, slots=True)
class BodyRank:
    body: str
    degree: int
    strength: float
    betweenness: float
    lead_tasks: int
    support_tasks: int


@dataclass(frozen=True, slots=True)
class CoordinationPair:
    first: str
    second: str
    strength: float
    shared_tasks: int


def pair_weight(first: Role, second: Role) -> float:
    """Coordination weight of one shared task for two roles.

    >>> pair_weight(Role.LEAD, Role.SUPPORT), pair_weight(Role.SUPPORT, Role.SUPPORT)
    (0.75, 0.5)
    """
    return ROLE_PAIR_WEIGHTS[frozenset({first, second})]


def task_roles(facts: Iterable[DocumentFacts]) -> dict[TaskKey, dict[str, Role]]:
    """Each task's responsible bodies and their role (lead wins over support)."""
    tasks: dict[TaskKey, dict[str, Role]] = defaultdict(dict)
    for record in facts:
        for resp in record.responsibilities:
            key = TaskKey(record.doc_id, resp.task_id or resp.task_heading, resp.task_heading)
            roles = tasks[key]
            if roles.get(resp.body) is not Role.LEAD:
                roles[resp.body] = resp.role
    return dict(sorted(tasks.items(), key=lambda kv: (kv[0].doc_id, kv[0].task_id)))


def coresponsibility_network(facts: Iterable[DocumentFacts]) -> nx.Graph:
    """Undirected graph: nodes are bodies (with ``lead_tasks``/``support_tasks`` counts), edges
    carry ``weight`` (coordination strength), ``shared_tasks`` and ``distance`` (``1/weight``)."""
    graph = nx.Graph()
    for roles in task_roles(facts).values():
        for body, role in sorted(roles.items()):
            if body not in graph:
                graph.add_node(body, lead_tasks=0, support_tasks=0)
            graph.nodes[body]["lead_tasks" if role is Role.LEAD else "support_tasks"] += 1
        for first, second in combinations(sorted(roles), 2):
            weight = pair_weight(roles[first], roles[second])
            if graph.has_edge(first, second):
                edge = graph.edges[first, second]
                edge["weight"] += weight
                edge["shared_tasks"] += 1
            else:
                graph.add_edge(first, second, weight=weight, shared_tasks=1)
    for _, _, data in graph.edges(data=True):
        data["distance"] = 1.0 / data["weight"]
    return graph


def body_rankings(graph: nx.Graph) -> list[BodyRank]:
    """Bodies by degree, then strength, then betweenness (ties by name)."""
    betweenness = nx.betweenness_centrality(graph, weight="distance", normalized=True)
    ranks = [
        BodyRank(
            body=body,
            degree=graph.degree(body),
            strength=round(graph.degree(body, weight="weight"), 4),
            betweenness=round(betweenness.get(body, 0.0), 4),
            lead_tasks=data["lead_tasks"],
            support_tasks=data["support_tasks"],
        )
        for body, data in graph.nodes(data=True)
    ]
    return sorted(ranks, key=lambda r: (-r.degree, -r.strength, -r.betweenness, r.body))


def coordination_pairs(graph: nx.Graph) -> list[CoordinationPair]:
    """Every linked pair of bodies, strongest first (ties by names)."""
    pairs = [
        CoordinationPair(min(a, b), max(a, b), round(data["weight"], 4), data["shared_tasks"])
        for a, b, data in graph.edges(data=True)
    ]
    return sorted(pairs, key=lambda p: (-p.strength, p.first, p.second))
