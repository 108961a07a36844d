"""Tests for pipeline.rdf.validate and the build/validate commands: shapes catch broken graphs."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import GraphBuildError
from pipeline.rdf import document_graph, iris
from pipeline.rdf.export import ntriples_text
from pipeline.rdf.namespace import PK, PROV, RDF
from pipeline.rdf.validate import validate_graph
from pipeline.store import record_path, write_json

sys.path.insert(0, str(Path(__file__).parent))
from test_rdf_build import sample_records, seed_pairs

DOC = "900_sample#0"


def _sample() -> Graph:
    return document_graph(*sample_records(DOC))


def _first_target(graph: Graph):  # type: ignore[no-untyped-def]
    return min(graph.subjects(RDF.type, PK.Target))


def _first_mention(graph: Graph):  # type: ignore[no-untyped-def]
    return min(graph.subjects(RDF.type, PK.Mention))


def _drop(subject_of: Callable[[Graph], object], prop) -> Callable[[Graph], None]:  # type: ignore[no-untyped-def]
    def breaker(graph: Graph) -> None:
        graph.remove((subject_of(graph), prop, None))

    return breaker


def _swap_raw_offsets(graph: Graph) -> None:
    mention = _first_mention(graph)
    graph.set((mention, PK.rawStart, Literal(500)))
    graph.set((mention, PK.rawEnd, Literal(10)))


def _two_roles(graph: Graph) -> None:
    node = min(graph.subjects(RDF.type, PK.Responsibility))
    graph.add((node, PK.role, PK.SupportRole))
    graph.add((node, PK.role, PK.LeadRole))


def test_validate_graph_sample_conforms() -> None:
    report = validate_graph(_sample())
    assert report.conforms and report.violations == ()
    assert str(report).startswith("conforms")


@pytest.mark.parametrize(
    ("breaker", "shape", "path"),
    [
        (_drop(_first_target, PK.unit), "pks:TargetShape (unit)", "pk:unit"),
        (_drop(_first_target, PK.targetValue), "pks:TargetShape (value)", "pk:targetValue"),
        (_drop(_first_target, PK.hasDeadline), "pks:TargetShape (deadline)", "pk:hasDeadline"),
        (
            _drop(_first_target, PROV.wasDerivedFrom),
            "pks:TargetShape (provenance)",
            "prov:wasDerivedFrom",
        ),
        (
            _drop(lambda g: min(g.subjects(RDF.type, PK.Responsibility)), PK.responsibleBody),
            "pks:ResponsibilityShape (body)",
            "pk:responsibleBody",
        ),
        (
            _drop(lambda g: min(g.subjects(RDF.type, PK.Responsibility)), PK.forTask),
            "pks:ResponsibilityShape (task)",
            "pk:forTask",
        ),
        (_two_roles, "pks:ResponsibilityShape (role)", "pk:role"),
        (_drop(_first_mention, PK.sentence), "pks:MentionShape (sentence)", "pk:sentence"),
        (_drop(_first_mention, PK.sourceFile), "pks:MentionShape (source file)", "pk:sourceFile"),
        (_swap_raw_offsets, "pks:MentionShape (raw start)", "pk:rawStart"),
    ],
)
def test_validate_graph_reports_shape_node_and_path(breaker, shape: str, path: str) -> None:  # type: ignore[no-untyped-def]
    graph = _sample()
    breaker(graph)
    report = validate_graph(graph)
    assert not report.conforms
    hits = [v for v in report.violations if v.shape == shape and v.path == path]
    assert hits, str(report)
    assert hits[0].focus.startswith("<https://w3id.org/policykg/id/doc/900_sample.0/")
    assert shape in str(report)


def test_validate_graph_unknown_deadline_node_fails() -> None:
    graph = _sample()
    target = _first_target(graph)
    bogus = iris.deadline_iri("someday")
    graph.set((target, PK.hasDeadline, bogus))
    graph.add((bogus, RDF.type, PK.Deadline))
    report = validate_graph(graph)
    assert any(v.shape == "pks:DeadlineShape" for v in report.violations)


def test_validate_graph_seed_documents_conform() -> None:
    for doc, facts in seed_pairs():
        report = validate_graph(document_graph(doc, facts))
        assert report.conforms, f"{doc.doc_id}: {report}"


# --------------------------------------------------------------------------- commands


@pytest.fixture()
def interim(tmp_path: Path) -> Path:
    for doc_id in ("900_sample#0", "901_other#0"):
        document, facts = sample_records(doc_id)
        write_json(record_path(tmp_path / "interim" / "documents", doc_id), document)
        write_json(record_path(tmp_path / "interim" / "facts", doc_id), facts)
    return tmp_path / "interim"


def test_build_command_writes_every_format(interim: Path, tmp_path: Path) -> None:
    out = tmp_path / "graph"
    result = CliRunner().invoke(
        app, ["build", "--in", str(interim), "--out", str(out), "--validate"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "docs").iterdir()) == [
        "900_sample.0.nt",
        "900_sample.0.ttl",
        "901_other.0.nt",
        "901_other.0.ttl",
    ]
    merged = Graph().parse(out / "policykg.ttl", format="turtle")
    expected = _sample() + document_graph(*sample_records("901_other#0"))
    assert len(merged) == len(expected)
    assert (out / "policykg.nt").read_text(encoding="utf-8") == ntriples_text(expected)
    assert len(Graph().parse(out / "policykg.jsonld", format="json-ld")) == len(expected)


def test_build_command_is_byte_identical_across_runs(interim: Path, tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        assert (
            CliRunner().invoke(app, ["build", "--in", str(interim), "--out", str(out)]).exit_code
            == 0
        )
        outputs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*.*"))})
    assert outputs[0] == outputs[1]


def test_build_command_bad_record_names_the_file(interim: Path, tmp_path: Path) -> None:
    bad = interim / "documents" / "900_sample.0.json"
    bad.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "--in", str(interim), "--out", str(tmp_path / "g")])
    assert isinstance(result.exception, GraphBuildError)
    assert "900_sample.0.json" in str(result.exception)


def test_validate_command_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.nt"
    good.write_text(ntriples_text(_sample()), encoding="utf-8")
    ok = CliRunner().invoke(app, ["validate", str(good)])
    assert ok.exit_code == 0 and "conforms" in ok.output
    graph = _sample()
    graph.remove((_first_target(graph), PK.unit, None))
    broken = tmp_path / "broken.ttl"
    broken.write_text(graph.serialize(format="turtle"), encoding="utf-8")
    failed = CliRunner().invoke(app, ["validate", str(broken)])
    assert failed.exit_code == 1
    assert "pks:TargetShape (unit)" in failed.output and "pk:unit" in failed.output
