"""neo4j-admin import CSVs and a plain ``.cypher`` script of the graph, for users without Python.

The script is the one place values appear literally in Cypher; :func:`cypher_literal` escapes them.
"""

from __future__ import annotations

import csv
import io
import json
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
    text = str(value).replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
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
    rel_rows = [(rel, sorted(docs)) for rel, docs in sorted(rels.items(), key=lambda x: (x[0].start, x[0].type, x[0].end))]
    return node_rows, rel_rows


def export_graph_files(settings: Settings) -> dict[str, Path]:
    """Write ``data/graph/import/{nodes,relationships}.csv`` and ``data/graph/policykg.cypher``."""
    nodes, rels = merged_rows(settings)
    keys = sorted({k for n in nodes for k in n.props})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    list_keys = {k for n in nodes for k, v in n.props.items() if isinstance(v, list)}
    writer.writerow(["uri:ID", ":LABEL"] + [f"{k}:string[]" if k in list_keys else k for k in keys])
    for n in nodes:
        cells = []
        for k in keys:
            v = n.props.get(k)
            if k in list_keys:
                v = ";".join(str(x) for x in (v if isinstance(v, list) else [v])) if v is not None else ""
            cells.append("" if v is None else v)
        writer.writerow([n.uri, ";".join(n.labels)] + cells)
    nodes_csv = out.getvalue()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([":START_ID", ":TYPE", ":END_ID", "docs:string[]"])
    for rel, docs in rels:
        writer.writerow([rel.start, rel.type, rel.end, ";".join(docs)])
    rels_csv = out.getvalue()
    lines = ["// policykg graph; load with: cypher-shell -f policykg.cypher",
             "CREATE CONSTRAINT resource_uri IF NOT EXISTS FOR (n:Resource) REQUIRE n.uri IS UNIQUE;"]  # fmt: skip
    for n in nodes:
        props = ", ".join(f"{quote_name(k) if k.isidentifier() else json.dumps(k)}: {cypher_literal(v)}"
                          for k, v in sorted(n.props.items()))  # fmt: skip
        labels = ":".join(quote_name(lb) for lb in n.labels)
        lines.append(f"MERGE (n:Resource {{uri: {cypher_literal(n.uri)}}}) SET n:{labels} SET n += {{{props}}};")
    for rel, docs in rels:
        lines.append(
            f"MATCH (a:Resource {{uri: {cypher_literal(rel.start)}}}), (b:Resource {{uri: {cypher_literal(rel.end)}}}) "
            f"MERGE (a)-[r:{quote_name(rel.type)}]->(b) SET r.docs = {cypher_literal(docs)};"
        )
    graph_dir = settings.path(settings.graph_dir)
    paths = {
        "nodes": graph_dir / "import" / "nodes.csv",
        "relationships": graph_dir / "import" / "relationships.csv",
        "cypher": graph_dir / "policykg.cypher",
    }
    atomic_write_text(paths["nodes"], nodes_csv)
    atomic_write_text(paths["relationships"], rels_csv)
    atomic_write_text(paths["cypher"], "\n".join(lines) + "\n")
    return paths
