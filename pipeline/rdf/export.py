"""Writing graphs: Turtle and N-Triples per document; merged N-Triples, Turtle and JSON-LD.

The only module of ``pipeline.rdf`` that touches files. Per-document N-Triples are sorted line by
line; the merged files come from an external merge of those (never one big in-memory graph), and
Turtle/JSON-LD are written by pyoxigraph from sorted N-Triples, so every output is deterministic.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import pyoxigraph
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from pipeline.config import Settings
from pipeline.errors import GraphBuildError
from pipeline.rdf.namespace import PREFIXES
from pipeline.store import atomic_write_text, files_by_stem, record_path

log = logging.getLogger(__name__)

MERGED_STEM = "policykg"
#: Files merged at once by the external merge (each is an open file; sort merges in rounds).
SORT_BATCH = 256


#: Characters rdflib refuses in an IRI it writes (and N-Triples forbids).
_BAD_IRI_CHARACTERS = re.compile(r'[<>" {}|\\^`]')


def _quoted(lexical: str) -> str:
    """A literal's lexical form between quotes, escaped as rdflib's N-Triples serializer does."""
    return (
        '"'
        + (
            lexical.replace("\\", "\\\\")
            .replace("\n", "\\n")
            .replace('"', '\\"')
            .replace("\r", "\\r")
        )
        + '"'
    )


def _term_text(term: Node) -> str:
    """A subject, predicate or object in N-Triples, as rdflib's N-Triples serializer writes it."""
    if isinstance(term, Literal):
        quoted = _quoted(str(term))
        if term.language:
            return f"{quoted}@{term.language}"
        if term.datatype:
            return f"{quoted}^^<{term.datatype}>"
        return quoted
    if isinstance(term, URIRef):
        if _BAD_IRI_CHARACTERS.search(term):
            raise GraphBuildError(
                f"{str(term)!r} is not an IRI N-Triples can hold",
                hint="build IRIs with pipeline.rdf.iris, which percent-encodes them",
            )
        return f"<{term}>"
    return term.n3()


class NTLiteral(str):
    """A literal already written as N-Triples (:func:`nt_literal`): :func:`ntriples_text` writes
    it as it is."""

    __slots__ = ()


_XSD_INTEGER = "<http://www.w3.org/2001/XMLSchema#integer>"
_XSD_BOOLEAN = "<http://www.w3.org/2001/XMLSchema#boolean>"


def nt_literal(value: object, lang: str | None = None, datatype: URIRef | None = None) -> NTLiteral:
    """``Literal(value, lang=lang, datatype=datatype)`` as :func:`ntriples_text` writes it, without
    making the literal.

    rdflib's ``Literal`` costs several microseconds (it casts and normalises the value); the
    literals a document's graph is mostly made of (strings, Chinese strings, integers, booleans)
    are written here directly, any other through ``Literal``. ``tests/test_rdf_build.py`` checks
    that a document's N-Triples come out the same either way.

    >>> nt_literal("a\\"b", lang="zh"), nt_literal(12)
    ('"a\\\\"b"@zh', '"12"^^<http://www.w3.org/2001/XMLSchema#integer>')
    >>> nt_literal(True) == '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
    True
    """
    kind = type(value)
    if datatype is None:
        if kind is str and lang in (None, "zh"):
            quoted = _quoted(value)  # type: ignore[arg-type]
            return NTLiteral(f"{quoted}@zh" if lang else quoted)
        if lang is None and kind is int:
            return NTLiteral(f'"{value}"^^{_XSD_INTEGER}')
        if lang is None and kind is bool:
            return NTLiteral(f'"{"true" if value else "false"}"^^{_XSD_BOOLEAN}')
    return NTLiteral(_term_text(Literal(value, lang=lang, datatype=datatype)))


def ntriples_text(triples: Iterable[tuple[Node, Node, Node | NTLiteral]]) -> str:
    """N-Triples, one triple per line, lines sorted (code-point order = UTF-8 byte order) and unique.

    ``triples`` is a graph or any iterable of triples (repeats are fine). The lines are those of
    rdflib's N-Triples serializer (``tests/test_rdf_build.py`` compares them), made here with
    every IRI and blank node formatted once: a document's subjects and predicates repeat on many
    lines.
    """
    named: dict[Node, str] = {}
    lines = set()
    for s, p, o in triples:
        subject = named.get(s) or named.setdefault(s, _term_text(s))
        predicate = named.get(p) or named.setdefault(p, _term_text(p))
        obj: str
        if type(o) is NTLiteral:
            obj = o
        elif isinstance(o, Literal):
            obj = _term_text(o)
        else:
            term = cast(Node, o)
            obj = named.get(term) or named.setdefault(term, _term_text(term))
        lines.add(f"{subject} {predicate} {obj} .")
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
    turtle = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE, prefixes=_prefixes())
    assert turtle is not None  # serialised to bytes, not to a file
    return turtle.decode("utf-8")


def jsonld_from_ntriples(ntriples: str) -> str:
    """JSON-LD of a sorted N-Triples text: an ``@context`` with the project's prefixes and the
    nodes (expanded form, one per subject, in input order) under ``@graph``."""
    from pipeline.convert import write_jsonld

    triples = pyoxigraph.parse(ntriples.encode("utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    out = io.BytesIO()
    write_jsonld(triples, out, _prefixes())
    return out.getvalue().decode("utf-8")


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
                    [
                        sort,
                        "--merge",
                        "--unique",
                        f"--batch-size={SORT_BATCH}",
                        "-S",
                        "64M",
                        "-T",
                        str(out.parent),
                        "--files0-from",
                        str(list_file),
                        "-o",
                        str(tmp),
                    ],
                    check=True,
                    env={**os.environ, "LC_ALL": "C"},
                    capture_output=True,
                )
            finally:
                list_file.unlink(missing_ok=True)
        else:
            _heap_merge(paths, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except subprocess.CalledProcessError as exc:
        tmp.unlink(missing_ok=True)
        raise GraphBuildError(
            f"merging {len(paths)} N-Triples files failed: {exc.stderr.decode(errors='replace')[:200]}",
            hint="check free disk space under data/graph",
        ) from exc
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


def write_document_texts(
    doc_id: str, ntriples: str, turtle: str, docs_dir: Path
) -> tuple[Path, Path]:
    """Write a document's already serialised graph (see :mod:`pipeline.rdf.documents`)."""
    ttl_path = record_path(docs_dir, doc_id, ".ttl")
    nt_path = record_path(docs_dir, doc_id, ".nt")
    atomic_write_text(ttl_path, turtle)
    atomic_write_text(nt_path, ntriples)
    return ttl_path, nt_path


def merged_cache_dir(graph_dir: Path) -> Path:
    """Where the shards of the merged graph under ``graph_dir`` are kept (:mod:`pipeline.rdf.merged`):
    ``data/cache/graph/merged`` for ``data/graph``. A cold merge empties it, so it holds nothing
    else (the loader's digests, the import files' shards and the builder's rows are beside it)."""
    return graph_dir.parent / "cache" / graph_dir.name / "merged"


def _drop_legacy_cache(graph_dir: Path) -> None:
    """Remove the merged graph's shards kept where they were before they got a directory of their
    own (``data/cache/graph/{state.json,shards,docs}``): as large as the merged graph itself."""
    import shutil

    old = graph_dir.parent / "cache" / graph_dir.name
    if (old / "state.json").is_file():
        for name in ("shards", "docs"):
            shutil.rmtree(old / name, ignore_errors=True)
        (old / "state.json").unlink(missing_ok=True)


def export_merged(settings: Settings | None = None, *, jsonld: bool = True) -> dict[str, Path]:
    """Bring ``policykg.nt``, ``policykg.ttl`` and (with ``jsonld``) ``policykg.jsonld`` in line
    with ``data/graph/docs/*.nt``.

    Incremental (:class:`pipeline.rdf.merged.MergedGraph`): only the changed documents' lines are
    merged in and out, and only the shards they fall in are rendered again; the files are what a
    full merge and conversion write. Memory stays flat as the corpus grows.

    Returns:
        The written files by format name (``nt``, ``turtle``, ``json-ld``).
    """
    from pipeline.rdf.merged import MergedGraph

    settings = settings or Settings.from_env()
    graph_dir = settings.path(settings.graph_dir)
    docs_dir = graph_dir / "docs"
    nt_files = files_by_stem(docs_dir, ".nt")
    for stem, ttl in files_by_stem(docs_dir, ".ttl").items():  # Turtle without N-Triples (by hand)
        if stem not in nt_files:
            nt = ttl.with_suffix(".nt")
            atomic_write_text(nt, ntriples_text(Graph().parse(ttl, format="turtle")))
            nt_files[stem] = nt
    if not nt_files:
        raise GraphBuildError(
            f"{docs_dir}: no per-document graphs to merge",
            hint="run `policykg build` (or `policykg run`) first",
        )
    _drop_legacy_cache(graph_dir)
    merged = MergedGraph(merged_cache_dir(graph_dir), graph_dir, MERGED_STEM, _prefixes())
    formats = ["nt", "turtle", *(["json-ld"] if jsonld else [])]
    try:
        written = merged.update(nt_files, formats)
    except (SyntaxError, ValueError) as exc:
        raise GraphBuildError(
            f"writing the merged graph failed: {exc}",
            hint="a per-document graph under data/graph/docs is broken: rebuild it",
        ) from exc
    log.info("merged %d document graphs into %s", len(nt_files), graph_dir)
    return written
