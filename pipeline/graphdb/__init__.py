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
