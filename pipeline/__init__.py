"""policykg: a knowledge-graph build pipeline for Chinese health-policy documents.

The stages, in the order data flows through them:

- :mod:`pipeline.ingest`    raw files -> clean, offset-preserving articles
- :mod:`pipeline.structure` articles -> documents (metadata, citations, task hierarchy)
- :mod:`pipeline.nlp`       the spaCy pipeline (blank ``zh`` + our components)
- :mod:`pipeline.extract`   documents -> facts (bodies, responsibilities, targets, programmes)
- :mod:`pipeline.facts`     documents + facts -> the gold-format JSON analysts and scorers read
- :mod:`pipeline.rdf`       facts -> RDF graph against ``ontology/policykg.ttl``
- :mod:`pipeline.graphdb`   RDF graph -> Neo4j / FalkorDB over Bolt, and the Cypher query library
- :mod:`pipeline.analysis`  networks, cascade matching, traces and the HTML report
"""

__version__ = "0.1.0"
