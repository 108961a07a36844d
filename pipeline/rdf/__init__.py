"""RDF stage: Document + DocumentFacts → an rdflib graph in the policykg ontology, exports, SHACL.

``document_graph`` builds one document's graph (pure); ``pipeline.rdf.documents`` serialises and
checks one document where it was extracted; ``pipeline.rdf.export`` writes Turtle, N-Triples and
JSON-LD; ``pipeline.rdf.validate`` checks a graph against ``ontology/shapes.ttl``.
"""

from __future__ import annotations

from pipeline.rdf.build import corpus_graph, document_graph, new_graph

__all__ = ["corpus_graph", "document_graph", "new_graph"]
