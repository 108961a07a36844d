"""neo4j-admin CSVs and the Cypher script written from per-document Turtle."""

from __future__ import annotations

import csv

from pipeline.config import Settings
from pipeline.graphdb.export import cypher_literal, export_graph_files

TTL = """
@prefix ex: <http://example.org/onto#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/id/body/1> a ex:Body ; skos:prefLabel "某委'员\\\\会"@zh ;
    skos:altLabel "卫生健康委"@zh ; ex:partOf <http://example.org/id/gov/1> .
"""


def test_cypher_literal_escapes_quotes_and_backslashes():
    assert cypher_literal("a'b\\c") == "'a\\'b\\\\c'"


def test_export_writes_admin_import_headers_and_script(tmp_path):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "a.txt").write_text("x", encoding="utf-8")
    docs = tmp_path / "data" / "graph" / "docs"
    docs.mkdir(parents=True)
    (docs / "a.0.ttl").write_text(TTL, encoding="utf-8")
    paths = export_graph_files(Settings(root=tmp_path))
    nodes = list(csv.reader(paths["nodes"].open(encoding="utf-8")))
    assert nodes[0][:2] == ["uri:ID", ":LABEL"] and "altLabel:string[]" in nodes[0]
    assert ["http://example.org/id/body/1", "Body;Resource"] == nodes[1][:2]
    rels = list(csv.reader(paths["relationships"].open(encoding="utf-8")))
    assert rels[0][:3] == [":START_ID", ":TYPE", ":END_ID"]
    assert rels[1][:3] == ["http://example.org/id/body/1", "partOf", "http://example.org/id/gov/1"]
    script = paths["cypher"].read_text(encoding="utf-8")
    assert "`prefLabel`: '某委\\'员\\\\会'" in script
