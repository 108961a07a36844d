"""Writing graphs: Turtle per document, merged Turtle, sorted N-Triples, JSON-LD (all deterministic).

The only module of ``pipeline.rdf`` that touches files. Merging works on the per-document files
under ``data/graph/docs`` (sorted, deduplicated lines) so a corpus never has to be serialised by
rdflib's Turtle writer as one big graph.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import Graph

from pipeline.config import Settings
from pipeline.errors import GraphBuildError
from pipeline.rdf.namespace import PREFIXES
from pipeline.store import atomic_write_text, record_path

log = logging.getLogger(__name__)

MERGED_STEM = "policykg"
#: Cache of JSON-LD node texts by the hash of their subject's N-Triples (under data/interim).
JSONLD_CACHE = "jsonld-nodes.json"
#: Subjects serialised to JSON-LD per rdflib graph (bounds memory on a cold export).
JSONLD_CHUNK = 2000


def turtle_text(graph: Graph) -> str:
    """Turtle with subjects and predicates in sorted order (rdflib's serializer sorts them)."""
    return graph.serialize(format="turtle")


def ntriples_text(graph: Graph) -> str:
    """N-Triples, one triple per line, lines sorted and deduplicated."""
    lines = {line for line in graph.serialize(format="nt").splitlines() if line.strip()}
    return "".join(line + "\n" for line in sorted(lines))


def merge_ntriples(texts: Iterable[str]) -> str:
    """The sorted union of several N-Triples texts.

    >>> merge_ntriples(["<a> <b> <c> .\\n", "<a> <b> <c> .\\n<a> <b> <d> .\\n"])
    '<a> <b> <c> .\\n<a> <b> <d> .\\n'
    """
    lines: set[str] = set()
    for text in texts:
        lines.update(line for line in text.splitlines() if line.strip())
    return "".join(line + "\n" for line in sorted(lines))


def merge_turtle(texts: Iterable[str]) -> str:
    """One Turtle document from several: the union of their ``@prefix`` lines, then each body.

    Turtle statements do not depend on each other once prefixes are declared, so concatenating
    the per-document statements under one header is the merged graph (shared nodes repeat).
    """
    prefixes: dict[str, str] = {}
    bodies: list[str] = []
    for text in texts:
        body_lines = []
        for line in text.splitlines():
            if line.startswith("@prefix "):
                name = line.split()[1]
                if prefixes.setdefault(name, line) != line:
                    raise GraphBuildError(f"prefix {name} is bound to two namespaces while merging Turtle",
                                          hint="bind prefixes only through pipeline.rdf.namespace.PREFIXES")
            else:
                body_lines.append(line)
        body = "\n".join(body_lines).strip()
        if body:
            bodies.append(body)
    header = "\n".join(prefixes[name] for name in sorted(prefixes))
    return header + "\n\n" + "\n\n".join(bodies) + "\n"


def _sorted_jsonld(value: object) -> object:
    if isinstance(value, dict):
        return {key: _sorted_jsonld(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        items = [_sorted_jsonld(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


def jsonld_text(graph: Graph) -> str:
    """Compact JSON-LD with the project's prefixes as context, every array sorted (no RDF lists)."""
    return json.dumps(_jsonld_data(graph), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def _jsonld_data(graph: Graph) -> Any:
    """The JSON value :func:`jsonld_text` writes."""
    context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    if isinstance(data, dict) and "@graph" not in data and "@context" in data:
        ctx = data.pop("@context")
        data = {"@context": ctx, "@graph": [data] if data else []}
    if isinstance(data, dict) and "@graph" in data:
        data["@graph"] = sorted((_sorted_jsonld(n) for n in data["@graph"]),
                                key=lambda n: (str(n.get("@id", "")) if isinstance(n, dict) else "",
                                               json.dumps(n, ensure_ascii=False, sort_keys=True)))
    return data


def _subject_blocks(merged_nt: str) -> list[str]:
    """The lines of a sorted N-Triples text grouped by subject (each group ends with a newline)."""
    blocks: list[str] = []
    current: list[str] = []
    subject = None
    for line in merged_nt.splitlines(keepends=True):
        head = line[: line.find(" ")]
        if head != subject and current:
            blocks.append("".join(current))
            current = []
        subject = head
        current.append(line)
    if current:
        blocks.append("".join(current))
    return blocks


def _indent_node(node: object) -> str:
    """A node as it appears inside the ``@graph`` array of :func:`jsonld_text`'s output."""
    return "  " + json.dumps(node, ensure_ascii=False, indent=1, sort_keys=True).replace("\n", "\n  ")


def jsonld_from_ntriples(merged_nt: str, cache_path: Path | None = None) -> str:
    """:func:`jsonld_text` of a sorted N-Triples text, reusing the nodes of unchanged subjects.

    A JSON-LD node depends only on its subject's triples (no blank nodes, no RDF lists), so the
    node text of every subject is cached under the hash of its N-Triples lines and only subjects
    whose lines changed are serialised again. The output is byte-identical to :func:`jsonld_text`.
    """
    if cache_path is None or not merged_nt or "_:" in merged_nt or "rdf-syntax-ns#first>" in merged_nt:
        return jsonld_text(Graph().parse(data=merged_nt, format="nt"))
    context_key = hashlib.sha256(json.dumps({k: str(v) for k, v in PREFIXES.items()}, sort_keys=True).encode())
    cache: dict[str, list[str]] = {}
    header = None
    if cache_path.is_file():
        try:
            stored = json.loads(cache_path.read_text(encoding="utf-8"))
            if stored.get("context_key") == context_key.hexdigest():
                cache, header = stored["nodes"], stored["header"]
        except (ValueError, KeyError, AttributeError):
            cache, header = {}, None
    blocks = _subject_blocks(merged_nt)
    keys = [hashlib.sha256(block.encode("utf-8")).hexdigest() for block in blocks]
    missing = [(key, block) for key, block in zip(keys, blocks) if key not in cache]
    if header is None and not missing:
        missing = [(keys[0], blocks[0])]
    context = _context()
    # Subjects are independent, so the new ones are serialised in bounded chunks (bounded memory).
    for start in range(0, len(missing), JSONLD_CHUNK):
        chunk = missing[start : start + JSONLD_CHUNK]
        fresh = _jsonld_data(Graph().parse(data="".join(block for _, block in chunk), format="nt"))
        nodes = fresh.get("@graph", []) if isinstance(fresh, dict) else []
        if len(nodes) != len(chunk):  # not one node per subject: do it the plain way
            return jsonld_text(Graph().parse(data=merged_nt, format="nt"))
        header = json.dumps({"@context": fresh["@context"], "@graph": []}, ensure_ascii=False, indent=1,
                            sort_keys=True)
        by_id = {str(n.get("@id", "")): n for n in nodes}
        for key, block in chunk:
            node = by_id.get(context.shrink_iri(block[1 : block.find(">")]))
            if node is None:
                return jsonld_text(Graph().parse(data=merged_nt, format="nt"))
            cache[key] = [str(node.get("@id", "")), json.dumps(node, ensure_ascii=False, sort_keys=True),
                          _indent_node(node)]
    if header is None:
        return jsonld_text(Graph().parse(data=merged_nt, format="nt"))
    used = {key: cache[key] for key in keys}
    ordered = sorted(used.values(), key=lambda entry: (entry[0], entry[1]))
    if not header.endswith('"@graph": []\n}'):
        return jsonld_text(Graph().parse(data=merged_nt, format="nt"))
    text = header[: -len("[]\n}")] + "[\n" + ",\n".join(e[2] for e in ordered) + "\n ]\n}\n"
    atomic_write_text(cache_path, json.dumps({"context_key": context_key.hexdigest(), "header": header,
                                              "nodes": used}, ensure_ascii=False))
    return text


def _context() -> Any:
    from rdflib.plugins.shared.jsonld.context import Context

    return Context({prefix: str(ns) for prefix, ns in PREFIXES.items()})


def write_document_graph(graph: Graph, doc_id: str, docs_dir: Path) -> tuple[Path, Path]:
    """Write one document's graph as ``<stem>.<i>.ttl`` and ``<stem>.<i>.nt`` under ``docs_dir``."""
    ttl = record_path(docs_dir, doc_id, ".ttl")
    nt = record_path(docs_dir, doc_id, ".nt")
    atomic_write_text(ttl, turtle_text(graph))
    atomic_write_text(nt, ntriples_text(graph))
    return ttl, nt


def export_merged(settings: Settings | None = None, *, jsonld: bool = True) -> dict[str, Path]:
    """Merge ``data/graph/docs/*`` into ``policykg.ttl``, ``policykg.nt`` and ``policykg.jsonld``.

    Returns:
        The written files by format name.
    """
    settings = settings or Settings.from_env()
    graph_dir = settings.path(settings.graph_dir)
    docs_dir = graph_dir / "docs"
    nt_files = sorted(docs_dir.glob("*.nt"))
    ttl_files = sorted(docs_dir.glob("*.ttl"))
    if not nt_files and not ttl_files:
        raise GraphBuildError(f"{docs_dir}: no per-document graphs to merge",
                              hint="run `policykg build` (or `policykg run`) first")
    nt_texts = [p.read_text(encoding="utf-8") for p in nt_files]
    if len(nt_files) < len(ttl_files):  # Turtle without N-Triples: derive them
        nt_texts = [ntriples_text(Graph().parse(p, format="turtle")) for p in ttl_files]
    merged_nt = merge_ntriples(nt_texts)
    written = {"nt": graph_dir / f"{MERGED_STEM}.nt", "turtle": graph_dir / f"{MERGED_STEM}.ttl"}
    atomic_write_text(written["nt"], merged_nt)
    atomic_write_text(written["turtle"], merge_turtle(p.read_text(encoding="utf-8") for p in ttl_files))
    if jsonld:
        # Node texts of unchanged subjects come from a cache beside the records (rebuilds stay fast).
        cache = settings.path(settings.interim_dir) / JSONLD_CACHE
        written["json-ld"] = graph_dir / f"{MERGED_STEM}.jsonld"
        atomic_write_text(written["json-ld"], jsonld_from_ntriples(merged_nt, cache))
    log.info("merged %d document graphs into %s", len(ttl_files), graph_dir)
    return written
