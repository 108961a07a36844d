"""Graph database side: RDF → property graph over Bolt (Neo4j 5 or the local FalkorDB server).

``server`` runs the local FalkorDB (Bolt kept on loopback by the ``bindlocal.c`` shim),
``connection`` opens driver sessions, ``dialect`` holds every Neo4j/FalkorDB difference,
``mapping`` turns RDF into node/relationship rows (n10s style), ``statements`` holds the
loader's Cypher and packs rows into statements that fit, ``load`` writes them per document
(all or nothing), ``export`` writes neo4j-admin CSVs and a Cypher script, ``queries`` runs the
named files under ``queries/``.
"""

from __future__ import annotations

__all__ = ["load", "run_query"]


def load(*args, **kwargs):  # noqa: ANN002, ANN003 - thin re-export, see pipeline.graphdb.load
    """Load ``data/graph/docs/*.ttl`` into the graph database (see :func:`load.load_graph`)."""
    from pipeline.graphdb.load import load_graph

    return load_graph(*args, **kwargs)


def run_query(*args, **kwargs):  # noqa: ANN002, ANN003
    """Run a named query file (see :func:`queries.run_query`)."""
    from pipeline.graphdb.queries import run_query as _run

    return _run(*args, **kwargs)
