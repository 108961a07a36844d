"""neo4j-admin import CSVs and a plain ``.cypher`` script of the graph, for users without Python.

The script is the one place values appear literally in Cypher; :func:`cypher_literal` escapes them.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pipeline.config import Settings
from pipeline.graphdb.dialect import quote_name
from pipeline.graphdb.load import load_files
from pipeline.graphdb.mapping import NodeRow, RelRow
from pipeline.store import atomic_concatenate, atomic_write_text, files_by_stem

if TYPE_CHECKING:
    from pipeline.graphdb.writer import DocumentFile

_Out = TypeVar("_Out")


def cypher_literal(value: object) -> str:
    """A Cypher literal for a property value.

    >>> cypher_literal("它's \\\\ ok"), cypher_literal([1, 2.5, True])
    ("'它\\\\'s \\\\\\\\ ok'", '[1, 2.5, true]')
    """
    if type(value) is not str:  # strings first: most values are
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return repr(value)
        if isinstance(value, list):
            return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    text = (
        str(value)
        .replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )
    return f"'{text}'"


def merge_node(uri: str, contributions: dict[str, tuple[tuple[str, ...], dict]]) -> NodeRow:
    """One node as every document states it (``contributions``: labels and props by document):
    labels and ``docs`` united, props of later documents (in key order) over earlier ones."""
    labels: set[str] = set()
    props: dict = {}
    for doc in sorted(contributions):
        doc_labels, doc_props = contributions[doc]
        labels |= set(doc_labels)
        props.update(doc_props)
    return NodeRow(uri, tuple(sorted(labels)), {**props, "docs": sorted(contributions)})


def merge_rel(key: tuple[str, str, str], docs: set[str]) -> tuple[RelRow, list[str]]:
    """One relationship and the documents stating it."""
    return RelRow(*key), sorted(docs)


#: Analysis results the export adds (written by the analysis beside analysis.ttl).
ANALYSIS_ROWS = "analysis_rows.json"
#: Array (and label) delimiters tried in turn: the first that no value contains is used.
DELIMITERS = (";", "|", "\x1f")


def column_type(values: list[object]) -> str:
    """The neo4j-admin import type of a column holding ``values`` (``None`` for absent ones):
    ``long``/``double``/``boolean``/``string`` (64-bit, as the loader's Bolt parameters store
    them), with ``[]`` when any value is a list.

    >>> column_type([1, 2, None]), column_type([1, 2.5]), column_type([True]), column_type([["a"], "b"])
    ('long', 'double', 'boolean', 'string[]')
    """
    keys: dict[str, tuple[frozenset[str], bool]] = {}
    for value in values:
        Columns._add(keys, {"column": value})
    return _kind(*keys.get("column", (frozenset(), False)))


def _cell(value: object, kind: str, delimiter: str) -> object:
    """``value`` as written in a column of ``kind``."""
    if value is None:
        return None
    if kind.endswith("[]"):
        items = value if isinstance(value, list) else [value]
        return delimiter.join(_cell(x, kind[:-2], delimiter) for x in items)  # type: ignore[misc]
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "double":
        return repr(float(value))  # type: ignore[arg-type]
    return value


def analysis_rows(settings: Settings) -> dict[str, list[dict]]:
    """What the last analysis wrote into the database (body metrics, ANSWERS links), or nothing."""
    path = settings.path(settings.graph_dir) / ANALYSIS_ROWS
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"bodies": [], "answers": []}


def _csv_field(value: object) -> str:
    """One CSV field: absent values empty, every present one quoted (so an empty string stays an
    empty string, not an absent property).

    >>> _csv_field(None), _csv_field(""), _csv_field('a"b'), _csv_field(2)
    ('', '""', '"a""b"', '"2"')
    """
    if value is None:
        return ""
    return '"' + (value if type(value) is str else str(value)).replace('"', '""') + '"'


def _props_literal(props: dict) -> str:
    return ", ".join(f"{_KEYS.get(k) or _key(k)}: {cypher_literal(v)}"
                     for k, v in sorted(props.items()) if v is not None)  # fmt: skip


#: Property keys as Cypher map keys, by key (a graph has a few dozen keys and a million values).
_KEYS: dict[str, str] = {}


def _key(k: str) -> str:
    return _KEYS.setdefault(k, quote_name(k) if k.isidentifier() else json.dumps(k))


_CONVERT = {"long": "toInteger({})", "double": "toFloat({})", "boolean": "toBoolean({})",
            "string": "{}"}  # fmt: skip


def _converted(column: str, kind: str, delimiter: str) -> str:
    """Cypher reading ``row.`column``` of ``kind`` (null when the cell is empty)."""
    cell = f"row.`{column}`"
    if not kind.endswith("[]"):
        return _CONVERT[kind].format(cell)
    item = _CONVERT[kind[:-2]].format("v")
    return (f"CASE WHEN {cell} IS NULL THEN null "
            f"ELSE [v IN split({cell}, {cypher_literal(delimiter)}) | {item}] END")  # fmt: skip


def load_csv_script(node_header: list[str], rel_header: list[str], delimiter: str) -> str:
    """``LOAD CSV`` statements importing the two CSVs (from Neo4j's import directory) into a
    running Neo4j 5.26+, reading each column by its header type: for a server that cannot be
    stopped for ``neo4j-admin database import``. Statements end with ``;`` at a line's end."""
    sets = [f"n.`{name}` = {_converted(col, kind, delimiter)}"
            for col in node_header[2:] for name, kind in [col.rsplit(":", 1)]]  # fmt: skip
    rel_sets = [f"r.`{name}` = {_converted(col, kind, delimiter)}"
                for col in rel_header[3:] for name, kind in [col.rsplit(":", 1)]]  # fmt: skip
    return (
        "\n".join(
            [
                "// policykg graph from data/graph/import/*.csv, copied into Neo4j's import directory",
                "CREATE CONSTRAINT resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE;",
                "LOAD CSV WITH HEADERS FROM 'file:///nodes.csv' AS row CALL (row) {",
                "  MERGE (n:Resource {uri: row.`uri:ID`})",
                f"  SET n:$(split(row.`:LABEL`, {cypher_literal(delimiter)}))",
                *(f"  SET {item}" for item in sets),
                "} IN TRANSACTIONS OF 1000 ROWS;",
                "LOAD CSV WITH HEADERS FROM 'file:///relationships.csv' AS row CALL (row) {",
                "  MATCH (a:Resource {uri: row.`:START_ID`}) MATCH (b:Resource {uri: row.`:END_ID`})",
                "  MERGE (a)-[r:$(row.`:TYPE`)]->(b)",
                *(f"  SET {item}" for item in rel_sets),
                "} IN TRANSACTIONS OF 1000 ROWS;",
            ]
        )
        + "\n"
    )


def _cypher_node(n: NodeRow) -> str:
    labels = ":".join(quote_name(lb) for lb in n.labels)
    return (f"MERGE (n:Resource {{uri: {cypher_literal(n.uri)}}}) SET n:{labels} "
            f"SET n += {{{_props_literal(n.props)}}};")  # fmt: skip


def _cypher_rel(rel: RelRow, props: dict) -> str:
    return (
        f"MATCH (a:Resource {{uri: {cypher_literal(rel.start)}}}), (b:Resource {{uri: {cypher_literal(rel.end)}}}) "
        f"MERGE (a)-[r:{quote_name(rel.type)}]->(b) SET r += {{{_props_literal(props)}}};"
    )


def _value_class(x: object) -> str:
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return "int"
    return "float" if isinstance(x, float) else "other"


@dataclass
class Columns:
    """What decides the CSV columns of some rows: each property key with the classes of its
    values and whether a list occurs, and which array delimiters occur in a value or label."""

    node_keys: dict[str, tuple[frozenset[str], bool]] = field(default_factory=dict)
    rel_keys: dict[str, tuple[frozenset[str], bool]] = field(default_factory=dict)
    delimiters: frozenset[str] = frozenset()

    @staticmethod
    def _add(keys: dict[str, tuple[frozenset[str], bool]], props: dict) -> None:
        for k, v in props.items():
            entry = keys.get(k)
            if entry is None:
                entry = keys[k] = (frozenset(), False)
            classes, listed = entry
            if isinstance(v, list):
                found = {_value_class(x) for x in v}
                if not (listed and found <= classes):
                    keys[k] = (classes | found, True)
            elif v is not None:
                found_one = _value_class(v)
                if found_one not in classes:  # most values add nothing new: no new set
                    keys[k] = (classes | {found_one}, listed)

    @classmethod
    def of(cls, nodes: list[NodeRow], rels: list[tuple[RelRow, dict]]) -> Columns:
        columns = cls()
        texts: list[str] = []
        for n in nodes:
            cls._add(columns.node_keys, n.props)
            texts += [str(x) for v in n.props.values() if isinstance(v, list) for x in v]
            texts += list(n.labels)
        for _, props in rels:
            cls._add(columns.rel_keys, props)
            texts += [str(x) for v in props.values() if isinstance(v, list) for x in v]
        columns.delimiters = frozenset(d for d in DELIMITERS if any(d in t for t in texts))
        return columns

    def union(self, other: Columns) -> Columns:
        out = Columns(dict(self.node_keys), dict(self.rel_keys), self.delimiters | other.delimiters)
        for mine, theirs in ((out.node_keys, other.node_keys), (out.rel_keys, other.rel_keys)):
            for k, (classes, listed) in theirs.items():
                have, had = mine.get(k, (frozenset(), False))
                mine[k] = (have | classes, had or listed)
        return out

    def header(self) -> tuple[dict[str, str], dict[str, str], str]:
        """Node column kinds, relationship column kinds (by key, sorted) and the delimiter,
        for all the rows (the first delimiter no value or label contains)."""
        kinds = [
            {k: _kind(*keys[k]) for k in sorted(keys)} for keys in (self.node_keys, self.rel_keys)
        ]
        delimiter = next((d for d in DELIMITERS if d not in self.delimiters), None)
        if delimiter is None:
            raise ValueError("every array delimiter occurs in some value")
        return kinds[0], kinds[1], delimiter


def _kind(classes: frozenset[str], listed: bool) -> str:
    suffix = "[]" if listed else ""
    if classes and classes == {"bool"}:
        return "boolean" + suffix
    if classes and classes == {"int"}:
        return "long" + suffix
    if classes and classes <= {"int", "float"}:
        return "double" + suffix
    return "string" + suffix


def _csv_node(n: NodeRow, kinds: dict[str, str], delimiter: str) -> str:
    cells = [n.uri, delimiter.join(n.labels)] + [_cell(n.props.get(k), kind, delimiter)
                                                 for k, kind in kinds.items()]  # fmt: skip
    return ",".join(_csv_field(cell) for cell in cells)


def _csv_rel(rel: RelRow, props: dict, kinds: dict[str, str], delimiter: str) -> str:
    cells = [rel.start, rel.type, rel.end] + [_cell(props.get(k), kind, delimiter)
                                              for k, kind in kinds.items()]  # fmt: skip
    return ",".join(_csv_field(cell) for cell in cells)


@dataclass
class _Rendered:
    """A shard's summary: its columns, its Task nodes, and the CSV header it was rendered for."""

    columns: Columns
    tasks: frozenset[str]


def _shard_view(
    rows: object, bodies: list[dict]
) -> tuple[list[NodeRow], list[tuple[RelRow, dict]]]:
    """A shard's merged rows with the analysis' body metrics set (as the analysis write leaves
    the database)."""
    from pipeline.graphdb.export_shards import merged_nodes, merged_rels

    nodes = merged_nodes(rows, merge_node)  # type: ignore[arg-type]
    by_uri = {n.uri: n for n in nodes}
    for body in bodies:
        node = by_uri.get(body["iri"])
        if node is not None and "Body" in node.labels:
            node.props.update(degree=body["degree"], coordinationStrength=body["strength"],
                              betweenness=body["betweenness"])  # fmt: skip
    rels = [(rel, {"docs": docs}) for rel, docs in merged_rels(rows, merge_rel)]  # type: ignore[arg-type]
    return nodes, rels


#: Rows of rendered shards an export keeps in memory for their CSV pass.
VIEW_ROWS = 200_000
#: From this many shards to render, an export renders them in ``settings.workers`` processes.
PARALLEL_SHARDS = 64

#: How a shard's CSV is rendered: node column kinds, relationship column kinds, array delimiter.
CsvContext = tuple[dict[str, str], dict[str, str], str]
View = tuple[list[NodeRow], list[tuple[RelRow, dict]]]


def _render_cypher(shard_dir: Path, name: str, bodies: list[dict]) -> tuple[_Rendered, View]:
    """Render shard ``name``'s Cypher lines; its summary and its merged rows."""
    from pipeline.graphdb.export_shards import read_shard_rows

    nodes, rels = _shard_view(read_shard_rows(shard_dir, name), bodies)
    (shard_dir / f"{name}.nodes.cypher").write_text(
        "".join(_cypher_node(n) + "\n" for n in nodes), encoding="utf-8"
    )
    (shard_dir / f"{name}.rels.cypher").write_text(
        "".join(_cypher_rel(r, props) + "\n" for r, props in rels), encoding="utf-8"
    )
    tasks = frozenset(n.uri for n in nodes if "Task" in n.labels)
    return _Rendered(Columns.of(nodes, rels), tasks), (nodes, rels)


def _render_cypher_job(job: tuple[Path, str, list[dict]]) -> _Rendered:
    return _render_cypher(*job)[0]


def _render_csv(
    shard_dir: Path, name: str, bodies: list[dict], context: CsvContext, view: View | None = None
) -> None:
    """Render shard ``name``'s CSV rows for ``context`` (from ``view`` when it is kept)."""
    from pipeline.graphdb.export_shards import read_shard_rows

    kinds, rel_kinds, delimiter = context
    nodes, rels = view or _shard_view(read_shard_rows(shard_dir, name), bodies)
    (shard_dir / f"{name}.nodes.csv").write_text(
        "".join(_csv_node(n, kinds, delimiter) + "\n" for n in nodes), encoding="utf-8"
    )
    (shard_dir / f"{name}.rels.csv").write_text(
        "".join(_csv_rel(r, p, rel_kinds, delimiter) + "\n" for r, p in rels), encoding="utf-8"
    )


def _render_csv_job(job: tuple[Path, str, list[dict], CsvContext]) -> None:
    _render_csv(*job)


def _in_processes(fn: Callable[[Any], _Out], jobs: list[Any], processes: int) -> list[_Out]:
    """``[fn(job) for job in jobs]``, computed in ``processes`` worker processes."""
    from concurrent.futures import ProcessPoolExecutor

    chunk = max(1, len(jobs) // (processes * 8))
    with ProcessPoolExecutor(max_workers=processes) as pool:
        return list(pool.map(fn, jobs, chunksize=chunk))


def export_graph_files(
    settings: Settings, documents: Mapping[str, DocumentFile] | None = None
) -> dict[str, Path]:
    """Write ``data/graph/import/{nodes,relationships}.csv`` (typed headers), the
    ``neo4j-admin database import`` command for them, and ``data/graph/policykg.cypher``: the
    graph the loader and the analysis write, without the loader's own ``PolicykgLoad`` records.

    Incremental (:mod:`pipeline.graphdb.export_shards`): only the changed documents are read and
    only the shards they fall in are rendered again; the files are those a full export writes.
    Many shards to render (a cold export) are rendered in ``settings.workers`` processes.
    ``documents``: :func:`pipeline.graphdb.load.load_files` of ``settings`` when the caller has
    it already (read here otherwise)."""
    from bisect import bisect_right

    from pipeline.graphdb.export_shards import ShardedRows

    graph_dir = settings.path(settings.graph_dir)
    cache = graph_dir.parent / "cache" / graph_dir.name / "import"
    if documents is None:  # with the rows the builder kept: no Turtle parsed for them
        documents = load_files(settings)
    sharded = ShardedRows(cache, graph_dir, lambda _path, doc: documents[doc].graph_and_source())
    state, dirty = sharded.update({doc: document.path for doc, document in documents.items()})
    analysis = analysis_rows(settings)
    keys = [s.key for s in state.shards]
    bodies: dict[int, list[dict]] = {}
    for body in analysis.get("bodies", []):
        bodies.setdefault(bisect_right(keys, body["iri"]) - 1, []).append(body)
    overlays = [json.dumps(bodies.get(i, []), sort_keys=True) for i in range(len(state.shards))]
    stale = [i for i, shard in enumerate(state.shards)
             if shard.name in dirty or shard.overlay != overlays[i] or shard.summary is None]  # fmt: skip
    parallel = settings.workers > 1 and len(stale) >= PARALLEL_SHARDS
    shard_dir = sharded.shard_dir
    # rendered shards kept for their CSV rows (whose columns are known at the end), within a
    # bound: past it a shard is read again, so a cold export's memory does not grow with the corpus
    views: dict[str, View] = {}
    if parallel:
        jobs = [(shard_dir, state.shards[i].name, bodies.get(i, [])) for i in stale]
        summaries = _in_processes(_render_cypher_job, jobs, settings.workers)
    else:
        summaries = []
        held = 0
        for i in stale:
            summary, view = _render_cypher(shard_dir, state.shards[i].name, bodies.get(i, []))
            summaries.append(summary)
            if held + len(view[0]) + len(view[1]) <= VIEW_ROWS:
                views[state.shards[i].name] = view
                held += len(view[0]) + len(view[1])
    for i, summary in zip(stale, summaries, strict=True):
        shard = state.shards[i]
        shard.summary, shard.overlay, shard.csv_context = summary, overlays[i], None
    # the analysis' ANSWERS links, after every document's relationships
    tasks = frozenset().union(*(s.summary.tasks for s in state.shards))
    answers = [(RelRow(link["from_iri"], "ANSWERS", link["to_iri"]), {"score": float(link["score"])})
               for link in analysis.get("answers", [])
               if link["from_iri"] in tasks and link["to_iri"] in tasks]  # fmt: skip
    columns = Columns.of([], answers)
    for shard in state.shards:
        columns = columns.union(shard.summary.columns)
    kinds, rel_kinds, delimiter = columns.header()
    context = (kinds, rel_kinds, delimiter)
    redo = [i for i, shard in enumerate(state.shards) if shard.csv_context != context]
    if settings.workers > 1 and len(redo) >= PARALLEL_SHARDS:
        jobs_csv = [(shard_dir, state.shards[i].name, bodies.get(i, []), context) for i in redo]
        _in_processes(_render_csv_job, jobs_csv, settings.workers)
    else:
        for i in redo:
            name = state.shards[i].name
            _render_csv(shard_dir, name, bodies.get(i, []), context, views.get(name))
    for i in redo:
        state.shards[i].csv_context = context
    sharded.save_state(state)

    node_header = ["uri:ID", ":LABEL"] + [f"{k}:{kind}" for k, kind in kinds.items()]
    rel_header = [":START_ID", ":TYPE", ":END_ID"] + [
        f"{k}:{kind}" for k, kind in rel_kinds.items()
    ]
    paths = {
        "nodes": graph_dir / "import" / "nodes.csv",
        "relationships": graph_dir / "import" / "relationships.csv",
        "import command": graph_dir / "import" / "neo4j-admin-import.sh",
        "load csv": graph_dir / "import" / "load_csv.cypher",
        "cypher": graph_dir / "policykg.cypher",
    }
    # the database name first: --nodes/--relationships take every word after them as a file
    command = ("#!/bin/sh\n# Into an empty, stopped Neo4j 5 database (run from data/graph/import/):\n"
               f"exec neo4j-admin database import full \"${{1:-neo4j}}\" --overwrite-destination "
               f"--array-delimiter={shlex.quote(delimiter)} --multiline-fields=true --nodes=nodes.csv "
               "--relationships=relationships.csv\n")  # fmt: skip
    part = sharded.text_path
    atomic_concatenate(paths["nodes"], [(",".join(node_header) + "\n").encode(),
                                        *(part(s, "nodes.csv") for s in state.shards)])  # fmt: skip
    atomic_concatenate(paths["relationships"], [
        (",".join(rel_header) + "\n").encode(), *(part(s, "rels.csv") for s in state.shards),
        "".join(_csv_rel(r, p, rel_kinds, delimiter) + "\n" for r, p in answers).encode(),
    ])  # fmt: skip
    atomic_write_text(paths["import command"], command)
    atomic_write_text(paths["load csv"], load_csv_script(node_header, rel_header, delimiter))
    head = ("// policykg graph; load with: cypher-shell -f policykg.cypher\n"
            "CREATE CONSTRAINT resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE;\n")  # fmt: skip
    atomic_concatenate(paths["cypher"], [
        head.encode(), *(part(s, "nodes.cypher") for s in state.shards),
        *(part(s, "rels.cypher") for s in state.shards),
        "".join(_cypher_rel(r, p) + "\n" for r, p in answers).encode(),
    ])  # fmt: skip
    return paths


def exports_current(settings: Settings) -> bool:
    """Whether every export file exists and is newer than every per-document graph and the
    analysis results (else ``make graph`` writes them again)."""
    graph_dir = settings.path(settings.graph_dir)
    outputs = [graph_dir / "import" / "nodes.csv", graph_dir / "import" / "relationships.csv",
               graph_dir / "policykg.cypher"]  # fmt: skip
    if not all(p.is_file() for p in outputs):
        return False
    oldest = min(p.stat().st_mtime for p in outputs)
    analysis = graph_dir / ANALYSIS_ROWS
    if analysis.is_file() and analysis.stat().st_mtime > oldest:
        return False
    turtle = files_by_stem(graph_dir / "docs", ".ttl").values()
    return all(os.stat(path).st_mtime <= oldest for path in turtle)
