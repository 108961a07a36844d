"""Graph database side: RDF → property graph over Bolt, Neo4j 5 first, FalkorDB through an adapter.

The core speaks Neo4j 5 Cypher: ``mapping`` turns RDF into node/relationship rows (n10s style),
``statements`` holds the loader's Cypher (``UNWIND $rows … MERGE`` with typed parameters, the
schema statements), ``writer`` the one :class:`~writer.GraphWriter` interface and its Neo4j
implementation (a transaction per document), ``load`` brings the database in line with the
per-document Turtle files through a writer (``background`` does it alongside extraction),
``queries`` runs the named files under ``queries/``, ``export`` writes neo4j-admin CSVs and Cypher
scripts. ``server`` chooses the engine, starts the local server (``neo4j_local`` for Neo4j) and
connects (``connection``); it is the only core module that imports ``falkordb/``, the adapter
holding everything FalkorDB alone needs.
"""

import sys as _sys


def _import_driver_without_numpy() -> None:
    """Import the ``neo4j`` driver with numpy hidden, unless numpy is loaded already.

    The driver imports numpy when it is installed (spaCy brings it) only to convert numpy values
    in parameters and results, which policykg never sends: that import was 0.08 s of every
    ``policykg query`` and ``trace --db``. Later imports of numpy (spaCy's) load it as usual.
    """
    if "neo4j" in _sys.modules or "numpy" in _sys.modules:
        return
    _sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` raises ImportError
    try:
        import neo4j  # noqa: F401
    finally:
        del _sys.modules["numpy"]


_import_driver_without_numpy()
