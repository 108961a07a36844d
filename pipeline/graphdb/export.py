"""neo4j-admin import CSVs and a plain ``.cypher`` script of the graph, for users without Python.

The script is the one place values appear literally in Cypher; :func:`cypher_literal` escapes them.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from pipeline.config import Settings
from pipeline.graphdb.dialect import quote_name
from pipeline.graphdb.load import document_files
from pipeline.graphdb.mapping import NodeRow, RelRow, read_document
from pipeline.store import atomic_write_text


def cypher_literal(value: object) -> str:
    """A Cypher literal for a property value.

    >>> cypher_literal("它's \\\\ ok"), cypher_literal([1, 2.5, True])
    ("'它\\\\'s \\\\\\\\ ok'", '[1, 2.5, true]')
    """
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


def merged_rows(settings: Settings) -> tuple[list[NodeRow], list[tuple[RelRow, list[str]]]]:
    """All documents' rows merged: nodes by uri (labels, props and ``docs`` united)."""
    nodes: dict[str, dict] = {}
    rels: dict[RelRow, set[str]] = {}
    for doc, path in sorted(document_files(settings).items()):
        pg = read_document(path, doc)
        for node in pg.nodes:
            entry = nodes.setdefault(node.uri, {"labels": set(), "props": {}, "docs": set()})
            entry["labels"] |= set(node.labels)
            entry["props"].update(node.props)
            entry["docs"].add(doc)
        for rel in pg.relationships:
            rels.setdefault(rel, set()).add(doc)
    node_rows = [
        NodeRow(uri, tuple(sorted(e["labels"])), {**e["props"], "docs": sorted(e["docs"])})
        for uri, e in sorted(nodes.items())
    ]
    rel_rows = [
        (rel, sorted(docs))
        for rel, docs in sorted(rels.items(), key=lambda x: (x[0].start, x[0].type, x[0].end))
    ]
    return node_rows, rel_rows


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
    scalars = [x for v in values if v is not None for x in (v if isinstance(v, list) else [v])]
    suffix = "[]" if any(isinstance(v, list) for v in values) else ""
    if scalars and all(isinstance(x, bool) for x in scalars):
        return "boolean" + suffix
    if scalars and all(isinstance(x, int) and not isinstance(x, bool) for x in scalars):
        return "long" + suffix
    if scalars and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in scalars):
        return "double" + suffix
    return "string" + suffix


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


def _with_analysis(
    settings: Settings, nodes: list[NodeRow], rels: list[tuple[RelRow, list[str]]]
) -> tuple[list[NodeRow], list[tuple[RelRow, dict]]]:
    """Nodes with the body metrics set, and relationships with their properties (``docs``, and
    ``score`` on ANSWERS links), as the analysis write leaves the database."""
    rows = analysis_rows(settings)
    by_uri = {n.uri: n for n in nodes}
    for body in rows.get("bodies", []):
        node = by_uri.get(body["iri"])
        if node is not None and "Body" in node.labels:
            node.props.update(degree=body["degree"], coordinationStrength=body["strength"],
                              betweenness=body["betweenness"])  # fmt: skip
    out: list[tuple[RelRow, dict]] = [(rel, {"docs": docs}) for rel, docs in rels]
    for link in rows.get("answers", []):
        start, end = by_uri.get(link["from_iri"]), by_uri.get(link["to_iri"])
        if (
            start is not None
            and end is not None
            and "Task" in start.labels
            and "Task" in end.labels
        ):
            out.append((RelRow(start.uri, "ANSWERS", end.uri), {"score": float(link["score"])}))
    return nodes, out


def _delimiter(nodes: list[NodeRow], rels: list[tuple[RelRow, dict]]) -> str:
    texts = [str(x) for n in nodes for v in n.props.values() if isinstance(v, list) for x in v]
    texts += [label for n in nodes for label in n.labels]
    texts += [str(x) for _, props in rels for v in props.values() if isinstance(v, list) for x in v]
    for delimiter in DELIMITERS:
        if not any(delimiter in text for text in texts):
            return delimiter
    raise ValueError("every array delimiter occurs in some value")


def _csv_field(value: object) -> str:
    """One CSV field: absent values empty, every present one quoted (so an empty string stays an
    empty string, not an absent property).

    >>> _csv_field(None), _csv_field(""), _csv_field('a"b'), _csv_field(2)
    ('', '""', '"a""b"', '"2"')
    """
    if value is None:
        return ""
    return '"' + str(value).replace('"', '""') + '"'


def _csv_text(header: list[str], rows: list[list[object]]) -> str:
    lines = [",".join(header)]
    lines += [",".join(_csv_field(cell) for cell in row) for row in rows]
    return "\n".join(lines) + "\n"


def _props_literal(props: dict) -> str:
    return ", ".join(f"{quote_name(k) if k.isidentifier() else json.dumps(k)}: {cypher_literal(v)}"
                     for k, v in sorted(props.items()) if v is not None)  # fmt: skip


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


def export_graph_files(settings: Settings) -> dict[str, Path]:
    """Write ``data/graph/import/{nodes,relationships}.csv`` (typed headers), the
    ``neo4j-admin database import`` command for them, and ``data/graph/policykg.cypher``: the
    graph the loader and the analysis write, without the loader's own ``PolicykgLoad`` records."""
    nodes, rels = _with_analysis(settings, *merged_rows(settings))
    delimiter = _delimiter(nodes, rels)
    keys = sorted({k for n in nodes for k in n.props})
    kinds = {k: column_type([n.props.get(k) for n in nodes]) for k in keys}
    node_header = ["uri:ID", ":LABEL"] + [f"{k}:{kinds[k]}" for k in keys]
    nodes_csv = _csv_text(
        node_header,
        [[n.uri, delimiter.join(n.labels)] + [_cell(n.props.get(k), kinds[k], delimiter) for k in keys]
         for n in nodes],
    )  # fmt: skip
    rel_keys = sorted({k for _, props in rels for k in props})
    rel_kinds = {k: column_type([props.get(k) for _, props in rels]) for k in rel_keys}
    rel_header = [":START_ID", ":TYPE", ":END_ID"] + [f"{k}:{rel_kinds[k]}" for k in rel_keys]
    rels_csv = _csv_text(
        rel_header,
        [[rel.start, rel.type, rel.end] + [_cell(props.get(k), rel_kinds[k], delimiter) for k in rel_keys]
         for rel, props in rels],
    )  # fmt: skip
    lines = ["// policykg graph; load with: cypher-shell -f policykg.cypher",
             "CREATE CONSTRAINT resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE;"]  # fmt: skip
    for n in nodes:
        labels = ":".join(quote_name(lb) for lb in n.labels)
        lines.append(f"MERGE (n:Resource {{uri: {cypher_literal(n.uri)}}}) SET n:{labels} "
                     f"SET n += {{{_props_literal(n.props)}}};")  # fmt: skip
    for rel, props in rels:
        lines.append(
            f"MATCH (a:Resource {{uri: {cypher_literal(rel.start)}}}), (b:Resource {{uri: {cypher_literal(rel.end)}}}) "
            f"MERGE (a)-[r:{quote_name(rel.type)}]->(b) SET r += {{{_props_literal(props)}}};"
        )
    graph_dir = settings.path(settings.graph_dir)
    paths = {
        "nodes": graph_dir / "import" / "nodes.csv",
        "relationships": graph_dir / "import" / "relationships.csv",
        "import command": graph_dir / "import" / "neo4j-admin-import.sh",
        "load csv": graph_dir / "import" / "load_csv.cypher",
        "cypher": graph_dir / "policykg.cypher",
    }
    command = ("#!/bin/sh\n# Into an empty, stopped Neo4j 5 database (run from data/graph/import/):\n"
               f"exec neo4j-admin database import full --overwrite-destination "
               f"--array-delimiter={shlex.quote(delimiter)} --multiline-fields=true --nodes=nodes.csv "
               f"--relationships=relationships.csv \"${{1:-neo4j}}\"\n")  # fmt: skip
    atomic_write_text(paths["nodes"], nodes_csv)
    atomic_write_text(paths["relationships"], rels_csv)
    atomic_write_text(paths["import command"], command)
    atomic_write_text(paths["load csv"], load_csv_script(node_header, rel_header, delimiter))
    atomic_write_text(paths["cypher"], "\n".join(lines) + "\n")
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
    inputs = [*(graph_dir / "docs").glob("*.ttl"), graph_dir / ANALYSIS_ROWS]
    return all(p.stat().st_mtime <= oldest for p in inputs if p.is_file())
