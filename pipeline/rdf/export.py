"""Writing graphs: Turtle and N-Triples per document; merged N-Triples, Turtle and JSON-LD.

The only module of ``pipeline.rdf`` that touches files. Per-document N-Triples are sorted line by
line; the merged files come from an external merge of those (never one big in-memory graph), and
Turtle/JSON-LD are written by pyoxigraph from sorted N-Triples, so every output is deterministic.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import multiprocessing
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyoxigraph
from rdflib import Graph

from pipeline.config import Settings, available_cpus
from pipeline.errors import GraphBuildError
from pipeline.rdf.namespace import PREFIXES
from pipeline.store import atomic_write_text, record_path

log = logging.getLogger(__name__)

MERGED_STEM = "policykg"
#: Files merged at once by the external merge (each is an open file; sort merges in rounds).
SORT_BATCH = 256


def ntriples_text(graph: Graph) -> str:
    """N-Triples, one triple per line, lines sorted (code-point order = UTF-8 byte order) and unique."""
    lines = {line for line in graph.serialize(format="nt").splitlines() if line.strip()}
    return "".join(line + "\n" for line in sorted(lines))


def _prefixes() -> dict[str, str]:
    return {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def turtle_from_ntriples(ntriples: str) -> str:
    """Turtle of a sorted N-Triples text, written by pyoxigraph (subjects grouped, in input order).

    pyoxigraph's writer streams its input in order, so sorted N-Triples give deterministic Turtle;
    it is 10-50x faster than rdflib's Turtle serializer, which mattered on corpus-sized builds.

    >>> turtle_from_ntriples('<https://w3id.org/policykg/ontology#a> <http://www.w3.org/2004/02/skos/core#prefLabel> "x"@zh .\\n').splitlines()[-1]
    'pk:a skos:prefLabel "x"@zh .'
    """
    triples = pyoxigraph.parse(ntriples.encode("utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes=_prefixes()).decode("utf-8")


def jsonld_from_ntriples(ntriples: str) -> str:
    """JSON-LD (expanded form, one node per subject, in input order) of a sorted N-Triples text."""
    triples = pyoxigraph.parse(ntriples.encode("utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.JSON_LD).decode("utf-8")


def turtle_text(graph: Graph) -> str:
    """Deterministic Turtle of ``graph`` (see :func:`turtle_from_ntriples`)."""
    return turtle_from_ntriples(ntriples_text(graph))


def jsonld_text(graph: Graph) -> str:
    """Deterministic JSON-LD of ``graph`` (see :func:`jsonld_from_ntriples`)."""
    return jsonld_from_ntriples(ntriples_text(graph))


def merge_ntriples(texts: Iterable[str]) -> str:
    """The sorted union of several N-Triples texts.

    >>> merge_ntriples(["<a> <b> <c> .\\n", "<a> <b> <c> .\\n<a> <b> <d> .\\n"])
    '<a> <b> <c> .\\n<a> <b> <d> .\\n'
    """
    lines: set[str] = set()
    for text in texts:
        lines.update(line for line in text.splitlines() if line.strip())
    return "".join(line + "\n" for line in sorted(lines))


def merge_sorted_files(paths: list[Path], out: Path) -> None:
    """Write the sorted, deduplicated union of already-sorted N-Triples files to ``out``.

    Streams: GNU ``sort --merge --unique`` in the C locale (byte order, which is the code-point order
    Python sorted the lines in) keeps memory flat whatever the corpus size; without ``sort`` on the
    PATH a Python heap merge does the same, slower.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        sort = shutil.which("sort")
        if sort and paths:
            list_file = tmp.with_suffix(".files")
            list_file.write_bytes(b"\0".join(str(p).encode() for p in paths) + b"\0")
            try:
                subprocess.run(
                    [sort, "--merge", "--unique", f"--batch-size={SORT_BATCH}", "-S", "64M",
                     "-T", str(out.parent), "--files0-from", str(list_file), "-o", str(tmp)],
                    check=True, env={**os.environ, "LC_ALL": "C"}, capture_output=True,
                )
            finally:
                list_file.unlink(missing_ok=True)
        else:
            _heap_merge(paths, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except subprocess.CalledProcessError as exc:
        tmp.unlink(missing_ok=True)
        raise GraphBuildError(f"merging {len(paths)} N-Triples files failed: {exc.stderr.decode(errors='replace')[:200]}",
                              hint="check free disk space under data/graph") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _heap_merge(paths: list[Path], out: Path) -> None:
    """:func:`merge_sorted_files` in Python, a bounded number of files open at a time."""
    if len(paths) > SORT_BATCH:  # merge in groups first, then merge the groups
        parts = []
        for i in range(0, len(paths), SORT_BATCH):
            part = out.with_name(f"{out.name}.part{i // SORT_BATCH}")
            _heap_merge(paths[i : i + SORT_BATCH], part)
            parts.append(part)
        try:
            _heap_merge(parts, out)
        finally:
            for part in parts:
                part.unlink(missing_ok=True)
        return
    with contextlib.ExitStack() as stack:
        sources = [stack.enter_context(p.open("rb")) for p in paths]
        with out.open("wb") as sink:
            previous = None
            for line in heapq.merge(*sources):
                if line != previous and line.strip():
                    sink.write(line if line.endswith(b"\n") else line + b"\n")
                previous = line


def write_document_graph(graph: Graph, doc_id: str, docs_dir: Path) -> tuple[Path, Path]:
    """Write one document's graph as ``<stem>.<i>.ttl`` and ``<stem>.<i>.nt`` under ``docs_dir``."""
    nt = ntriples_text(graph)
    return write_document_texts(doc_id, nt, turtle_from_ntriples(nt), docs_dir)


def write_document_texts(doc_id: str, ntriples: str, turtle: str, docs_dir: Path) -> tuple[Path, Path]:
    """Write a document's already serialised graph (see :mod:`pipeline.rdf.documents`)."""
    ttl_path = record_path(docs_dir, doc_id, ".ttl")
    nt_path = record_path(docs_dir, doc_id, ".nt")
    atomic_write_text(ttl_path, turtle)
    atomic_write_text(nt_path, ntriples)
    return ttl_path, nt_path


def export_merged(settings: Settings | None = None, *, jsonld: bool = True) -> dict[str, Path]:
    """Merge ``data/graph/docs/*.nt`` into ``policykg.nt``, then write ``policykg.ttl`` and ``.jsonld``.

    Everything streams (an external merge of the sorted per-document files, then pyoxigraph
    reading the merged file and writing each format), so memory stays flat as the corpus grows.

    Returns:
        The written files by format name.
    """
    settings = settings or Settings.from_env()
    graph_dir = settings.path(settings.graph_dir)
    docs_dir = graph_dir / "docs"
    nt_files = sorted(docs_dir.glob("*.nt"))
    for ttl in sorted(docs_dir.glob("*.ttl")):  # Turtle without N-Triples (written by hand): derive them
        nt = ttl.with_suffix(".nt")
        if not nt.exists():
            atomic_write_text(nt, ntriples_text(Graph().parse(ttl, format="turtle")))
            nt_files.append(nt)
    if not nt_files:
        raise GraphBuildError(f"{docs_dir}: no per-document graphs to merge",
                              hint="run `policykg build` (or `policykg run`) first")
    written = {"nt": graph_dir / f"{MERGED_STEM}.nt", "turtle": graph_dir / f"{MERGED_STEM}.ttl"}
    merge_sorted_files(sorted(nt_files), written["nt"])
    conversions = [(written["nt"], written["turtle"], "turtle")]
    if jsonld:
        written["json-ld"] = graph_dir / f"{MERGED_STEM}.jsonld"
        conversions.append((written["nt"], written["json-ld"], "json-ld"))
    _convert_all(conversions)
    log.info("merged %d document graphs into %s", len(nt_files), graph_dir)
    return written


#: The merged formats written from the merged N-Triples, by name: (pyoxigraph format, prefixes?).
_FORMATS = {"turtle": (pyoxigraph.RdfFormat.TURTLE, True), "json-ld": (pyoxigraph.RdfFormat.JSON_LD, False)}


def _convert_all(conversions: list[tuple[Path, Path, str]]) -> None:
    """Run :func:`_convert` for each item; in parallel processes when there are CPUs to spare.

    Each conversion is one pass of pyoxigraph over the merged file and holds the GIL, so threads
    would not overlap; forked processes do (the merged files are the slowest part of a rebuild).
    """
    if len(conversions) > 1 and available_cpus() > 1 and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=len(conversions), mp_context=context) as pool:
            for future in [pool.submit(_convert, *item) for item in conversions]:
                future.result()
        return
    for item in conversions:
        _convert(*item)


def _convert(source: Path, out: Path, format_name: str) -> None:
    """Stream the N-Triples file ``source`` into ``out`` in the named format (atomic replace)."""
    rdf_format, with_prefixes = _FORMATS[format_name]
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        triples = pyoxigraph.parse(path=source, format=pyoxigraph.RdfFormat.N_TRIPLES)
        pyoxigraph.serialize(triples, tmp_name, rdf_format, prefixes=_prefixes() if with_prefixes else None)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
