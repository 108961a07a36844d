"""FalkorDB's text rows (``pipeline.graphdb.falkordb.codec``): kinds, list fallback, sizing, round-trips."""

from __future__ import annotations

import math

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS
from test_graphdb import _write_docs
from test_graphdb_atomic import _snapshot

from pipeline.graphdb import statements
from pipeline.graphdb.dialect import Statement
from pipeline.graphdb.falkordb import staging
from pipeline.graphdb.falkordb.codec import (
    FIELD_SEPARATOR,
    ROW_SEPARATOR,
    Kind,
    TextRows,
    binary_parts,
    props_signature,
    value_kind,
)
from pipeline.graphdb.falkordb.driver import escape_parameters
from pipeline.graphdb.falkordb.staging import (
    MAX_STATEMENT_BYTES,
    document_parts,
    prepare_document,
    statement_bytes,
)
from pipeline.graphdb.load import load_documents
from pipeline.graphdb.mapping import NodeRow, PropertyGraph, RelRow, read_document
from pipeline.graphdb.ports import bolt_answers

LIMIT = MAX_STATEMENT_BYTES
EX = Namespace("http://example.org/onto#")
DOUBLE = URIRef("http://www.w3.org/2001/XMLSchema#double")
DECIMAL = URIRef("http://www.w3.org/2001/XMLSchema#decimal")
ID = "http://example.org/id/"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("任务 it's \\ \n", Kind.STR),
        ("", Kind.STR),
        ("a\x1fb", None),
        ("a\x1eb", None),
        ("a\x1db", None),
        ("a\x1cb", None),
        ("a\x00b", None),
        (0, Kind.INT),
        (-(2**63), Kind.INT),
        (2**63 - 1, Kind.INT),
        (2**63, None),
        (True, Kind.BOOL),
        (False, Kind.BOOL),
        (0.1, Kind.FLOAT),
        (0.0, Kind.FLOAT),
        (-0.0, None),
        (math.nan, None),
        (math.inf, None),
        (["卫健委", ""], Kind.STR_LIST),
        ([], None),
        ([1, 2], None),
        ([1, "a"], None),
        (["a\x1db"], None),
        ({"k": 1}, None),
        (None, None),
    ],
)
def test_value_kind(value, kind):
    assert value_kind(value) is kind


def test_props_signature_needs_plain_keys_and_known_kinds():
    assert props_signature({"a": 1, "b": ["x"]}) == (("a", Kind.INT), ("b", Kind.STR_LIST))
    assert props_signature({"a b": 1}) is None
    assert props_signature({"a": 1, "b": [1]}) is None
    assert props_signature({}) == ()


@pytest.mark.parametrize(
    "value", [0.1, 65.0, 1e-7, -2.5, 0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
)
def test_float_binary_parts_are_exact_and_fit_64_bits(value):
    mantissa, exponent = binary_parts(value)
    assert math.ldexp(mantissa, exponent) == value
    assert abs(mantissa) < 2**53 and -1074 <= exponent <= 971


def _text_rows(statement: Statement) -> list[list[str]]:
    """Every text row of a statement, split into fields, in part order."""
    keys = sorted((k for k in statement.params if k.startswith("rows")), key=lambda k: int(k[5:]))
    return [
        row.split(FIELD_SEPARATOR)
        for key in keys
        for row in statement.params[key].split(ROW_SEPARATOR)
    ]


def _as_falkordb_writes(value: object) -> str:
    """A parameter value as FalkorDB's Bolt layer writes it into the query text (see dialect)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, float):
        return f"{value:f}"
    if isinstance(value, list):
        return "[" + ", ".join(_as_falkordb_writes(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_as_falkordb_writes(v)}" for k, v in value.items()) + "}"
    return "null" if value is None else str(value)


def _spliced_bytes(statement: Statement) -> int:
    """Bytes of the query text FalkorDB builds from a statement (escaped params spliced in)."""
    params = escape_parameters(statement.params)
    assert isinstance(params, dict)
    spliced = " ".join(f"{key}={_as_falkordb_writes(v)}" for key, v in params.items())
    return len(f"CYPHER {spliced} {statement.text}".encode())


LONG_SENTENCES = [("句'\\" * (7 * i + 1)) + "尾" for i in range(1, 60)]  # escapes double ' and \


def _long_strings_graph() -> PropertyGraph:
    nodes = tuple(
        NodeRow(f"{ID}mention/{i:03d}", ("Mention", "Resource"), {"n": i, "sentence": sentence})
        for i, sentence in enumerate(LONG_SENTENCES)
    )
    return PropertyGraph(nodes, ())


def test_text_rows_of_long_strings_fit_the_limit_and_decode_to_the_rows():
    prepared = prepare_document("long.0", "0" * 64, _long_strings_graph(), 500, replacing=False)
    sizes = [statement_bytes(st.text, st.params) for st in prepared.statements]
    for st, size in zip(prepared.statements, sizes, strict=True):
        assert _spliced_bytes(st) <= size <= LIMIT
    staging = [st for st in prepared.statements if "pre" in st.params]
    decoded = [
        (st.params["pre"][int(prefix)] + suffix, int(n), sentence)
        for st in staging
        for prefix, suffix, n, sentence in _text_rows(st)
    ]
    assert decoded == [(f"{ID}mention/{i:03d}", i, s) for i, s in enumerate(LONG_SENTENCES)]
    assert len(staging) > 3 and max(sizes) > 3700


def test_rows_without_a_signature_fall_back_to_list_rows():
    nodes = (
        NodeRow(f"{ID}a", ("Resource", "Task"), {"heading": "ok", "ordinal": 1}),
        NodeRow(f"{ID}b", ("Resource", "Task"), {"heading": "bad\x1f", "ordinal": 2}),
        NodeRow(f"{ID}c", ("Resource", "Task"), {"heading": "ok", "ordinal": [1, 2]}),
        NodeRow(f"{ID}d\x1e", ("Resource",), {}),
    )
    rels = (RelRow(f"{ID}a", "next", f"{ID}c"), RelRow(f"{ID}a", "next", f"{ID}d\x1e"))
    parts = document_parts(PropertyGraph(nodes, rels))
    as_lists = [p for p in parts if p.text_rows is None]
    as_text = [(p.rows, p.text_rows) for p in parts if p.text_rows is not None]
    assert [p.rows for p in as_lists] == [
        ((f"{ID}d\x1e", {}),),
        ((f"{ID}b", nodes[1].props), (f"{ID}c", nodes[2].props)),
        ((f"{ID}a", f"{ID}d\x1e"),),
    ]
    assert all(p.text.startswith("UNWIND $rows AS w ") for p in as_lists)
    assert all(p.text.startswith("UNWIND split($rows, $rs)") for p in parts if p.text_rows)
    signature = (("heading", Kind.STR), ("ordinal", Kind.INT))
    assert as_text == [
        (((f"{ID}a", nodes[0].props),), TextRows(1, signature)),
        (((f"{ID}a", f"{ID}c"),), TextRows(2)),
    ]


def test_neo4j_parts_keep_list_rows():
    nodes = (NodeRow(f"{ID}a", ("Resource", "Task"), {"ordinal": 1}),)
    rels = (RelRow(f"{ID}a", "next", f"{ID}a"),)
    parts = statements.document_parts(PropertyGraph(nodes, rels))
    assert [p.text_rows for p in parts] == [None, None]
    assert parts[0].text.startswith(
        "UNWIND $rows AS w MERGE (n:Resource {uri: $pre[w[0]] + w[1]}) SET n += w[2]"
    )
    assert parts[1].text.startswith(
        "UNWIND $rows AS w MATCH (a:Resource {uri: $pre[w[0]] + w[1]}) "
        "MATCH (b:Resource {uri: $pre[w[2]] + w[3]}) MERGE (a)-[r:$(w[4])]->(b)"
    )
    # labels and types travel per row (Neo4j 5.26 dynamic labels and types): one part each
    assert parts[0].rows == ((f"{ID}a", {"ordinal": 1}, ["Resource", "Task"]),)
    assert parts[1].rows == ((f"{ID}a", f"{ID}a", "next"),)


def test_row_fitting_only_beside_the_shorter_list_text_goes_as_a_list():
    long_row = NodeRow(f"{ID}long", ("Resource",), {"sentence": "长" * 1100})
    short_row = NodeRow(f"{ID}short", ("Resource",), {"sentence": "短"})
    pg = PropertyGraph((long_row, short_row), ())
    prepared = prepare_document("l.0", "0" * 64, pg, 500, replacing=False)
    rows = [v for st in prepared.statements for k, v in st.params.items() if k.startswith("rows")]
    short_text = FIELD_SEPARATOR.join(["0", "short", "短"])
    assert rows == [[[0, "long", {"sentence": "长" * 1100}]], short_text]
    for st in prepared.statements:
        assert _spliced_bytes(st) <= statement_bytes(st.text, st.params) <= LIMIT


def _every_kind_turtle() -> str:
    graph = Graph()
    kinds = URIRef(f"{ID}kinds")
    graph.add((kinds, RDF.type, EX.Kinds))
    for predicate, value in [
        (EX.text, Literal("it's a \"quote\", a back\\slash\\',\nline 2, 中文 ‘引号’")),
        (EX.empty, Literal("")),
        (EX.ordinal, Literal(42)),
        (EX.negative, Literal(-7)),
        (EX.big, Literal(2**62 + 1)),
        (EX.tenth, Literal("0.1", datatype=DOUBLE)),
        (EX.percent, Literal("65.0", datatype=DECIMAL)),
        (EX.tiny, Literal("1e-7", datatype=DOUBLE)),
        (EX.huge, Literal("1e300", datatype=DOUBLE)),
        (EX.flag, Literal(True)),
        (EX.off, Literal(False)),
        (SKOS.altLabel, Literal("卫健委")),
        (SKOS.altLabel, Literal("it's\\")),
    ]:
        graph.add((kinds, predicate, value))
    fallback = URIRef(f"{ID}fallback")
    graph.add((fallback, RDF.type, EX.Kinds))
    graph.add((fallback, EX.text, Literal("unit\x1fseparator")))
    graph.add((fallback, EX.ordinal, Literal(1)))
    graph.add((kinds, EX.next, fallback))
    return graph.serialize(format="turtle")


def _typed(props: dict) -> dict:
    """Properties with each value's type, so that 65 and 65.0 or 1 and True differ."""
    return {k: (type(v).__name__, v) for k, v in props.items() if k not in {"uri", "docs"}}


@pytest.mark.integration
def test_every_property_kind_round_trips_exactly(graph, graph_server):
    files = _write_docs(graph_server, {"kinds.0": _every_kind_turtle()})
    expected = {n.uri: n.props for n in read_document(files["kinds.0"], "kinds.0").nodes}
    assert expected[f"{ID}kinds"]["tiny"] == 1e-7 and expected[f"{ID}kinds"]["big"] == 2**62 + 1
    sent = []
    load_documents(graph, files, on_statement=sent.append)
    with graph.session() as session:
        found = {
            r["uri"]: r["props"]
            for r in session.run("MATCH (n:Resource) RETURN n.uri AS uri, properties(n) AS props")
        }
        rels = session.run("MATCH (a)-[r:next]->(b) RETURN a.uri AS a, b.uri AS b").data()
    assert {uri: _typed(props) for uri, props in found.items()} == {
        uri: _typed(props) for uri, props in expected.items()
    }
    assert rels == [{"a": f"{ID}kinds", "b": f"{ID}fallback"}]
    rows = [v for st in sent for k, v in st.params.items() if k.startswith("rows")]
    assert any(isinstance(v, list) for v in rows) and any(isinstance(v, str) for v in rows)


@pytest.mark.integration
def test_text_rows_near_the_size_limit_load(graph, graph_server):
    nodes = _long_strings_graph().nodes
    turtle = "\n".join(
        f"<{n.uri}> <{EX.n}> {n.props['n']} ; <{EX.sentence}> {Literal(n.props['sentence']).n3()} ."
        for n in nodes
    )
    files = _write_docs(graph_server, {"long.0": turtle})
    pg = read_document(files["long.0"], "long.0")
    prepared = prepare_document("long.0", "0" * 64, pg, 500, replacing=False)
    sizes = [statement_bytes(s.text, s.params) for s in prepared.statements]
    rows = [v for st in prepared.statements for k, v in st.params.items() if k.startswith("rows")]
    assert max(sizes) > 3700 and all(isinstance(v, str) for v in rows)
    assert load_documents(graph, files).loaded == ("long.0",)
    with graph.session() as session:
        records = session.run("MATCH (m:Resource) RETURN m.n AS n, m.sentence AS s")
        found = {r["n"]: r["s"] for r in records}
    assert found == dict(enumerate(LONG_SENTENCES))
    assert bolt_answers(graph_server.local_bolt_port)


@pytest.mark.integration
def test_seed_documents_load_the_same_as_with_list_rows(graph, seed_docs, monkeypatch):
    sent: list[Statement] = []
    load_documents(graph, seed_docs, on_statement=sent.append)
    as_text = _snapshot(graph)
    graph.clear()
    monkeypatch.setattr(staging, "props_signature", lambda props: None)
    monkeypatch.setattr(staging, "safe_text", lambda text: False)
    sent_as_lists: list[Statement] = []
    load_documents(graph, seed_docs, on_statement=sent_as_lists.append)

    def rows(sent):
        return [v for st in sent for k, v in st.params.items() if k.startswith("rows")]

    assert rows(sent) and all(isinstance(v, str) for v in rows(sent))
    assert rows(sent_as_lists) and all(isinstance(v, list) for v in rows(sent_as_lists))
    assert len(as_text["nodes"]) > 500
    assert _snapshot(graph) == as_text
