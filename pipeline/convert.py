"""Stream an N-Triples file into Turtle or JSON-LD with pyoxigraph, as a process of its own.

``python -m pipeline.convert SOURCE OUT FORMAT [PREFIXES_JSON]`` writes ``OUT`` atomically (a
temporary file, then a rename). :func:`pipeline.rdf.export.export_merged` runs one such process
per merged format: each conversion holds the GIL for its whole pass, so threads would not
overlap, and a plain subprocess (unlike a forked worker) is safe while other threads of the
caller are busy (a load runs beside the export). It imports nothing but pyoxigraph, so it
starts in about 60 ms.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import pyoxigraph

FORMATS = {"turtle": pyoxigraph.RdfFormat.TURTLE, "json-ld": pyoxigraph.RdfFormat.JSON_LD}


def convert(
    source: Path, out: Path, format_name: str, prefixes: dict[str, str] | None = None
) -> None:
    """Write the N-Triples file ``source`` to ``out`` in the named format (atomic replace)."""
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        triples = pyoxigraph.parse(path=source, format=pyoxigraph.RdfFormat.N_TRIPLES)
        if format_name == "json-ld":
            with open(tmp_name, "wb") as stream:
                write_jsonld(triples, stream, prefixes or {})
        else:
            pyoxigraph.serialize(triples, tmp_name, FORMATS[format_name], prefixes=prefixes)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, out)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def jsonld_opening(prefixes: dict[str, str]) -> bytes:
    """What a merged JSON-LD file starts with: the ``@context`` and the opening of ``@graph``."""
    context = json.dumps({"@context": prefixes}, ensure_ascii=False, sort_keys=True)
    return context[:-1].encode("utf-8") + b', "@graph": ['


def write_jsonld(triples: object, stream: object, prefixes: dict[str, str]) -> None:
    """JSON-LD with an ``@context`` naming the prefixes, the nodes (expanded form, in input order,
    streamed by pyoxigraph) under ``@graph``."""
    stream.write(jsonld_opening(prefixes)[:-1])  # type: ignore[attr-defined]
    pyoxigraph.serialize(triples, stream, pyoxigraph.RdfFormat.JSON_LD)  # type: ignore[arg-type]
    stream.write(b"}\n")  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4) or argv[2] not in FORMATS:
        print(
            f"usage: python -m pipeline.convert SOURCE OUT {{{','.join(FORMATS)}}} [PREFIXES_JSON]",
            file=sys.stderr,
        )
        return 2
    prefixes = json.loads(argv[3]) if len(argv) == 4 else None
    try:
        convert(Path(argv[0]), Path(argv[1]), argv[2], prefixes)
    except (OSError, SyntaxError, ValueError) as exc:
        print(f"{argv[0]}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
