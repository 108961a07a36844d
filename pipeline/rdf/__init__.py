"""RDF stage: Document + DocumentFacts → an rdflib graph in the policykg ontology, exports, SHACL.

``document_graph`` builds one document's graph (pure); ``pipeline.rdf.export`` writes Turtle,
N-Triples and JSON-LD; ``pipeline.rdf.validate`` checks a graph against ``ontology/shapes.ttl``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.rdf.build import corpus_graph, document_graph, new_graph

if TYPE_CHECKING:
    from pipeline.config import Settings

__all__ = ["corpus_graph", "document_graph", "export_graph", "new_graph"]


def export_graph(settings: Settings | None = None) -> dict[str, Path]:
    """Write the merged Turtle, N-Triples and JSON-LD from ``data/graph/docs`` (see export.py)."""
    from pipeline.rdf.export import export_merged

    return export_merged(settings)
