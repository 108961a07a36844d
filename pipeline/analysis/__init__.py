"""Analyses over the built graph: the co-responsibility network, cascades, traces and the report.

Every function here is pure (records in, results out); :func:`analyse` runs the network and
cascade analyses once for the CLI commands and the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from pipeline.analysis.cascade import DEFAULT_THRESHOLD, DocumentLink, TaskMatch, cascade
from pipeline.analysis.corpus import Corpus, load_corpus
from pipeline.analysis.network import (
    BodyRank,
    CoordinationPair,
    body_rankings,
    coordination_pairs,
    coresponsibility_network,
)

__all__ = ["Analysis", "Corpus", "analyse", "load_corpus"]


@dataclass(frozen=True)
class Analysis:
    """Network rankings and cascade links of one corpus."""

    graph: nx.Graph
    rankings: list[BodyRank]
    pairs: list[CoordinationPair]
    document_links: list[DocumentLink]
    task_links: list[TaskMatch]


def analyse(corpus: Corpus, threshold: float = DEFAULT_THRESHOLD) -> Analysis:
    """Build the co-responsibility network and match cascades over ``corpus``."""
    graph = coresponsibility_network(corpus.facts)
    doc_links, task_links = cascade(corpus, threshold)
    return Analysis(graph, body_rankings(graph), coordination_pairs(graph), doc_links, task_links)
