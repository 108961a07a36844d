"""Analyses over the built graph: the co-responsibility network, cascades, traces and the report.

The analyses are pure (records in, results out); :func:`analyse` runs the network and cascade
analyses once for the CLI commands and the report, on one article per policy document
(reprints folded, :mod:`pipeline.analysis.reprints`). :func:`run_analysis` is the edge the
pipeline runner calls after loading: it reads the records, writes ``data/graph/analysis.ttl``
(SHACL-checked) and, when asked, the metrics and ANSWERS links in the graph database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.analysis.cascade import DEFAULT_THRESHOLD, DocumentLink, TaskMatch, cascade
from pipeline.analysis.corpus import Corpus, load_corpus
from pipeline.analysis.reprints import Reprints, find_reprints, without_reprints

if TYPE_CHECKING:
    # networkx is imported where the network is built: the trace commands import this package
    # and need none of it
    import networkx as nx

    from pipeline.analysis.network import BodyRank, CoordinationPair
    from pipeline.analysis.outputs import AnalysisSummary
    from pipeline.config import Settings

__all__ = ["Analysis", "Corpus", "analyse", "load_corpus", "run_analysis"]


@dataclass(frozen=True)
class Analysis:
    """Network rankings and cascade links of one corpus.

    ``corpus`` is the corpus analysed: one article per policy document; ``reprints`` names the
    articles folded into another one.
    """

    graph: nx.Graph
    rankings: list[BodyRank]
    pairs: list[CoordinationPair]
    document_links: list[DocumentLink]
    task_links: list[TaskMatch]
    corpus: Corpus
    reprints: Reprints


def analyse(corpus: Corpus, threshold: float = DEFAULT_THRESHOLD) -> Analysis:
    """Fold reprints, build the co-responsibility network and match cascades over ``corpus``."""
    from pipeline.analysis.network import (
        body_rankings,
        coordination_pairs,
        coresponsibility_network,
    )

    reprints = find_reprints(corpus)
    distinct = without_reprints(corpus, reprints)
    graph = coresponsibility_network(distinct.facts)
    doc_links, task_links = cascade(distinct, threshold, reprints.groups)
    return Analysis(
        graph,
        body_rankings(graph),
        coordination_pairs(graph),
        doc_links,
        task_links,
        distinct,
        reprints,
    )


def run_analysis(
    settings: Settings, *, write_db: bool, threshold: float = DEFAULT_THRESHOLD
) -> AnalysisSummary:
    """Analyse the built records and publish the results (see :func:`outputs.run_analysis`)."""
    from pipeline.analysis.outputs import run_analysis as run

    return run(settings, write_db=write_db, threshold=threshold)
