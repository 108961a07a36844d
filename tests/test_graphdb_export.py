"""neo4j-admin CSVs and the Cypher script written from per-document Turtle."""

from __future__ import annotations

import csv
import json

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


# --------------------------------------------------------------------------- incremental


def _outputs(graph_dir):
    names = ["import/nodes.csv", "import/relationships.csv", "import/load_csv.cypher",
             "import/neo4j-admin-import.sh", "policykg.cypher"]  # fmt: skip
    return {name: (graph_dir / name).read_bytes() for name in names}


def _replace(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def test_incremental_export_writes_what_a_cold_export_writes(tmp_path, monkeypatch):
    """Seed graphs in many small shards: after a changed, a removed and a new document, and new
    analysis results, the files are those of a cold export of the same graphs."""
    import shutil
    from pathlib import Path

    from pipeline.graphdb import export_shards
    from pipeline.runner import run

    root = Path(__file__).resolve().parents[1]
    settings = Settings(root=tmp_path / "live", workers=1)
    shutil.copytree(root / "data" / "raw", settings.path(settings.raw_dir))
    run(settings, load=False)  # the analysis included: body metrics and ANSWERS links
    monkeypatch.setattr(export_shards, "SHARD_ROWS", 60)
    monkeypatch.setattr(export_shards, "COLD_SHARE", 1.0)
    graph_dir = settings.path(settings.graph_dir)
    export_graph_files(settings)
    colds = []
    real_cold = export_shards.ShardedRows._cold
    monkeypatch.setattr(
        export_shards.ShardedRows, "_cold", lambda self, *a: colds.append(1) or real_cold(self, *a)
    )

    docs = sorted((graph_dir / "docs").glob("*.ttl"))
    text = docs[0].read_text(encoding="utf-8")
    _replace(docs[0], text.replace("@zh", "@zh-Hans", 3))  # labels and properties change
    docs[1].unlink()
    new_raw = settings.path(settings.raw_dir) / "999_new.txt"
    new_raw.write_text("x", encoding="utf-8")  # the new document's raw file exists
    shutil.copy(docs[2], graph_dir / "docs" / "999_new.0.ttl")
    rows_path = graph_dir / "analysis_rows.json"
    rows = json.loads(rows_path.read_text(encoding="utf-8"))
    rows["bodies"] = rows["bodies"][1:]
    rows_path.write_text(json.dumps(rows), encoding="utf-8")
    export_graph_files(settings)
    assert not colds  # a delta, not a cold export
    incremental = _outputs(graph_dir)

    cold = Settings(root=tmp_path / "cold")
    shutil.copytree(settings.path(settings.raw_dir), cold.path(cold.raw_dir))
    shutil.copytree(graph_dir / "docs", cold.path(cold.graph_dir) / "docs")
    shutil.copy(rows_path, cold.path(cold.graph_dir) / "analysis_rows.json")
    export_graph_files(cold)
    assert incremental == _outputs(cold.path(cold.graph_dir))


def test_cold_export_in_buckets_writes_what_one_merge_writes(tmp_path, monkeypatch):
    """A cold export spills the rows into many buckets and cuts each on its own (bounded memory);
    the files are those of every document merged in one bucket, with a view budget too small to
    keep any shard (every shard read again for its CSV rows)."""
    import shutil
    from pathlib import Path

    from pipeline.graphdb import export, export_shards
    from pipeline.runner import run

    root = Path(__file__).resolve().parents[1]
    settings = Settings(root=tmp_path / "one", workers=1)
    shutil.copytree(root / "data" / "raw", settings.path(settings.raw_dir))
    run(settings, load=False)
    graph_dir = settings.path(settings.graph_dir)
    monkeypatch.setattr(export_shards, "SHARD_ROWS", 40)
    monkeypatch.setattr(export_shards, "BUCKET_SHARDS", 10**9)  # one bucket
    export_graph_files(settings)
    one = _outputs(graph_dir)

    monkeypatch.setattr(export_shards, "BUCKET_SHARDS", 1)
    monkeypatch.setattr(export_shards, "SAMPLE_EVERY", 2)
    monkeypatch.setattr(export_shards, "OPEN_BUCKETS", 3)  # bucket files closed and reopened
    monkeypatch.setattr(export, "VIEW_ROWS", 0)
    buckets = []
    real_keys = export_shards._bucket_keys
    monkeypatch.setattr(
        export_shards, "_bucket_keys", lambda s: buckets.append(real_keys(s)) or buckets[-1]
    )
    shutil.rmtree(settings.path(settings.graph_dir).parent / "cache")
    export_graph_files(settings)
    assert len(buckets[0]) > 10  # many buckets, many shards
    assert _outputs(graph_dir) == one
    assert not (graph_dir.parent / "cache" / "graph" / "import" / "spill").exists()


def test_an_export_rendered_in_processes_writes_what_one_process_writes(tmp_path, monkeypatch):
    """Many shards to render (a cold export) go to worker processes: the same files, and a
    rebuild after one document changed (rendered in this process) still matches a full export."""
    import shutil
    from pathlib import Path

    from pipeline.graphdb import export, export_shards
    from pipeline.runner import run

    root = Path(__file__).resolve().parents[1]
    settings = Settings(root=tmp_path / "one", workers=1)
    shutil.copytree(root / "data" / "raw", settings.path(settings.raw_dir))
    run(settings, load=False)
    graph_dir = settings.path(settings.graph_dir)
    cache = graph_dir.parent / "cache" / graph_dir.name / "import"
    monkeypatch.setattr(export_shards, "SHARD_ROWS", 40)
    shutil.rmtree(cache)
    export_graph_files(settings)
    one = _outputs(graph_dir)

    jobs = []
    real = export._in_processes
    monkeypatch.setattr(
        export, "_in_processes", lambda fn, items, n: jobs.append(len(items)) or real(fn, items, n)
    )
    monkeypatch.setattr(export, "PARALLEL_SHARDS", 4)
    shutil.rmtree(cache)
    export_graph_files(settings.with_overrides(workers=2))
    assert jobs and jobs[0] > 4  # the Cypher pass and the CSV pass went to the processes
    assert _outputs(graph_dir) == one
    # one document changed: few shards, rendered here, over shards rendered by the processes
    doc = min((graph_dir / "docs").glob("*.ttl"))
    doc.write_text(
        doc.read_text(encoding="utf-8")
        + '<https://w3id.org/policykg/ontology#x> <http://www.w3.org/2004/02/skos/core#prefLabel> "x"@zh .\n',
        encoding="utf-8",
    )
    jobs.clear()
    export_graph_files(settings.with_overrides(workers=2))
    assert not jobs
    incremental = _outputs(graph_dir)
    shutil.rmtree(cache)
    export_graph_files(settings)
    assert incremental == _outputs(graph_dir) != one


def test_column_types_of_mixed_values():
    """Every value class a column can hold, alone and mixed, in lists and not (the classes are
    gathered without building a set for a value that adds nothing new)."""
    from pipeline.graphdb.export import column_type

    assert column_type([None]) == "string"
    assert column_type([1, None, 2]) == "long"
    assert column_type([1, 2.5, 3]) == "double"
    assert column_type([True, False]) == "boolean"
    assert column_type([True, 1]) == "string"
    assert column_type([[1], [2.5]]) == "double[]"
    assert column_type([1, [2]]) == "long[]"
    assert column_type([[], "a"]) == "string[]"
    assert column_type([[True], [True, False]]) == "boolean[]"


def test_cypher_literals_of_every_kind():
    class Name(str):
        pass

    assert cypher_literal("a'b\\c\nd\re") == "'a\\'b\\\\c\\nd\\re'"
    assert cypher_literal(Name("x'")) == "'x\\''"
    assert [cypher_literal(v) for v in (True, 3, 2.5, [1, "a", False])] == [
        "true",
        "3",
        "2.5",
        "[1, 'a', false]",
    ]
