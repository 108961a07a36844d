"""Writing graphs: Turtle per document, merged Turtle, sorted N-Triples, JSON-LD (all deterministic).

The only module of ``pipeline.rdf`` that touches files. Merging works on the per-document files
under ``data/graph/docs`` (sorted, deduplicated lines) so a corpus never has to be serialised by
rdflib's Turtle writer as one big graph.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph

from pipeline.config import Settings
from pipeline.errors import GraphBuildError
from pipeline.rdf.namespace import PREFIXES
from pipeline.store import atomic_write_text, record_path

log = logging.getLogger(__name__)

MERGED_STEM = "policykg"


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
    context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    if isinstance(data, dict) and "@graph" not in data and "@context" in data:
        ctx = data.pop("@context")
        data = {"@context": ctx, "@graph": [data] if data else []}
    if isinstance(data, dict) and "@graph" in data:
        data["@graph"] = sorted((_sorted_jsonld(n) for n in data["@graph"]),
                                key=lambda n: (str(n.get("@id", "")) if isinstance(n, dict) else "",
                                               json.dumps(n, ensure_ascii=False, sort_keys=True)))
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


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
        graph = Graph().parse(data=merged_nt, format="nt")
        written["json-ld"] = graph_dir / f"{MERGED_STEM}.jsonld"
        atomic_write_text(written["json-ld"], jsonld_text(graph))
    log.info("merged %d document graphs into %s", len(ttl_files), graph_dir)
    return written
