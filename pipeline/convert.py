"""Stream an N-Triples file into Turtle or JSON-LD with pyoxigraph, as a process of its own.

``python -m pipeline.convert SOURCE OUT FORMAT [PREFIXES_JSON]`` writes ``OUT`` atomically (a
temporary file, then a rename); ``python -m pipeline.convert --shards PREFIXES_JSON SHARD.nt ...``
renders shards of the merged graph (:class:`Renderer`, for :mod:`pipeline.rdf.merged`'s cold
build, a few processes at once). :func:`pipeline.rdf.export.export_merged` runs one such process
per merged format: each conversion holds the GIL for its whole pass, so threads would not
overlap, and a plain subprocess (unlike a forked worker) is safe while other threads of the
caller are busy (a load runs beside the export). It imports nothing but pyoxigraph, so it
starts in about 60 ms.
"""

from __future__ import annotations

import io
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


class Renderer:
    """Turtle and JSON-LD of a run of whole subjects of sorted N-Triples, without the parts a
    merged file has once (Turtle's prefix lines; JSON-LD's context and brackets), for
    :mod:`pipeline.rdf.merged` to concatenate."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes
        self.jsonld_head = jsonld_opening(prefixes)
        probe = self._turtle(b"<urn:x> <urn:y> <urn:z> .\n")
        self.turtle_head = probe[: probe.index(b"<urn:x>")]

    @staticmethod
    def _parse(ntriples: bytes) -> object:
        return pyoxigraph.parse(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES)

    def _turtle(self, ntriples: bytes) -> bytes:
        text = pyoxigraph.serialize(
            self._parse(ntriples),  # type: ignore[arg-type]
            format=pyoxigraph.RdfFormat.TURTLE,
            prefixes=self.prefixes,
        )
        return text or b""

    def turtle(self, ntriples: bytes) -> bytes:
        if not ntriples:
            return b""
        text = self._turtle(ntriples)
        if not text.startswith(self.turtle_head):
            raise ValueError("pyoxigraph wrote Turtle without the expected prefix lines")
        return text[len(self.turtle_head) :]

    def jsonld(self, ntriples: bytes) -> bytes:
        """The nodes of ``ntriples`` as JSON-LD objects joined by commas (no brackets)."""
        if not ntriples:
            return b""
        out = io.BytesIO()
        pyoxigraph.serialize(self._parse(ntriples), out, pyoxigraph.RdfFormat.JSON_LD)  # type: ignore[arg-type]
        text = out.getvalue()
        if not (text.startswith(b"[") and text.endswith(b"]")):
            raise ValueError("pyoxigraph wrote JSON-LD that is not one array")
        return text[1:-1]

    def render(self, nt_path: Path) -> None:
        """Write ``X.ttl`` and ``X.jsonld`` beside the shard ``X.nt``."""
        text = nt_path.read_bytes()
        nt_path.with_suffix(".ttl").write_bytes(self.turtle(text))
        nt_path.with_suffix(".jsonld").write_bytes(self.jsonld(text))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--shards"] and len(argv) >= 2:
        # python -m pipeline.convert --shards PREFIXES_JSON SHARD.nt ...
        try:
            renderer = Renderer(json.loads(argv[1]))
            for name in argv[2:]:
                renderer.render(Path(name))
        except (OSError, SyntaxError, ValueError) as exc:
            print(f"{exc}", file=sys.stderr)
            return 1
        return 0
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
