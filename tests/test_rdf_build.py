"""Tests for pipeline.rdf.build / iris / export: hand-built records, then the seed documents."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from pipeline.errors import GraphBuildError
from pipeline.models import (
    Article,
    Body,
    BodyMention,
    Citation,
    CitationRelation,
    Comparator,
    Deadline,
    Document,
    DocumentFacts,
    DocumentMetadata,
    InstitutionMention,
    Level,
    OffsetMap,
    ProgrammeMention,
    Provenance,
    Responsibility,
    Role,
    Section,
    SectionKind,
    Segment,
    SourceFormat,
    Span,
    Target,
)
from pipeline.rdf import document_graph, iris
from pipeline.rdf import export as rdf_export
from pipeline.rdf.build import corpus_graph, document_triples
from pipeline.rdf.export import (
    jsonld_text,
    merge_ntriples,
    merge_sorted_files,
    ntriples_text,
    turtle_text,
)
from pipeline.rdf.namespace import PK, PROV, RDF, SKOS, TIME, XSD

RAW_SHIFT = 7  # the raw file has 7 characters of noise before the article
TEXT = (
    "聊城市完善医疗卫生服务体系的实施方案\n"
    "为贯彻落实《关于进一步完善医疗卫生服务体系的意见》(中办发〔2023〕10号),制定本方案。\n"
    "一、重点任务\n"
    "(一)筑牢基层服务网底。到2025年,基层门急诊人次占比达到65%以上。实施“千县工程”。"
    "(责任单位:市卫生健康委、市财政局,列第一位者为牵头单位)\n"
    "(二)强化公共卫生。每千人口执业医师数达到3.2人左右。聊城市人民医院牵头组建医联体。\n"
)


def _span(text: str, needle: str, after: int = 0) -> tuple[int, int]:
    start = TEXT.index(needle, after)
    return start, start + len(needle)


def _sentence_spans() -> tuple[Span, ...]:
    spans, start = [], 0
    for match in re.finditer(r"[。\n]", TEXT):
        if TEXT[start : match.end()].strip():
            spans.append(Span(start, match.end()))
        start = match.end()
    return tuple(spans)


SENTENCES = _sentence_spans()


def _prov(needle: str, source: str = "900_sample.txt", doc_id: str = "900_sample#0") -> Provenance:
    start, end = _span(TEXT, needle)
    sentence = next(TEXT[s.start : s.end].strip() for s in SENTENCES if s.start <= start < s.end)
    return Provenance(source, doc_id, start, end, start + RAW_SHIFT, end + RAW_SHIFT, sentence)


def _section(
    section_id: str, kind: SectionKind, marker: str, ordinal: int, heading: str, parent: str | None
) -> Section:
    heading_start, heading_end = _span(TEXT, heading)
    return Section(
        section_id,
        kind,
        marker,
        ordinal,
        heading,
        heading_start - len(marker),
        len(TEXT),
        heading_start,
        heading_end,
        parent,
    )


def sample_records(doc_id: str = "900_sample#0") -> tuple[Document, DocumentFacts]:
    """A small literal document with one fact of every kind."""
    source = doc_id.split("#")[0] + ".txt"
    article = Article(
        doc_id=doc_id,
        source=source,
        source_sha256="0" * 64,
        index=0,
        text=TEXT,
        offsets=OffsetMap((Segment(0, len(TEXT), RAW_SHIFT, RAW_SHIFT + len(TEXT)),)),
        encoding="utf-8",
        source_format=SourceFormat.TEXT,
        relevant=True,
        relevance_score=0.9,
    )
    metadata = DocumentMetadata(
        title="聊城市完善医疗卫生服务体系的实施方案",
        doc_number=None,
        issuer_names=("市卫生健康委",),
        date="2024-03-05",
        level=Level.MUNICIPAL,
        jurisdiction="聊城市",
        doc_type="实施方案",
        plan_period_end="2025",
    )
    cite_start, cite_end = _span(
        TEXT, "《关于进一步完善医疗卫生服务体系的意见》(中办发〔2023〕10号)"
    )
    citations = (
        Citation(
            "关于进一步完善医疗卫生服务体系的意见",
            "中办发〔2023〕10号",
            CitationRelation.IMPLEMENTS,
            cite_start,
            cite_end,
        ),
    )
    sections = (
        _section("p1", SectionKind.PART, "一、", 1, "重点任务", None),
        _section("p1.i1", SectionKind.ITEM, "(一)", 1, "筑牢基层服务网底", "p1"),
        _section("p1.i2", SectionKind.ITEM, "(二)", 2, "强化公共卫生", "p1"),
    )
    document = Document(article, metadata, citations, sections, SENTENCES)
    p = lambda needle: _prov(needle, source, doc_id)
    health = Body(
        "聊城市卫生健康委员会",
        Level.MUNICIPAL,
        "聊城市",
        "department",
        ("市卫生健康委", "市卫健委"),
        "聊城市人民政府",
    )
    finance = Body("聊城市财政局", Level.MUNICIPAL, "聊城市", "department", ("市财政局",), None)
    duty = "(责任单位:市卫生健康委、市财政局,列第一位者为牵头单位)"
    facts = DocumentFacts(
        doc_id=doc_id,
        source=source,
        issuers=("聊城市卫生健康委员会",),
        bodies=(health, finance),
        body_mentions=(
            BodyMention("市卫生健康委", "聊城市卫生健康委员会", p("市卫生健康委")),
            BodyMention("市财政局", "聊城市财政局", p("市财政局")),
        ),
        institutions=(InstitutionMention("聊城市人民医院", "hospital", p("聊城市人民医院")),),
        responsibilities=(
            Responsibility(
                "p1.i1",
                "筑牢基层服务网底",
                "聊城市卫生健康委员会",
                Role.LEAD,
                "市卫生健康委",
                p(duty),
            ),
            Responsibility(
                "p1.i1", "筑牢基层服务网底", "聊城市财政局", Role.SUPPORT, "市财政局", p(duty)
            ),
        ),
        targets=(
            Target(
                "p1.i1",
                "筑牢基层服务网底",
                "基层门急诊人次占比",
                Comparator.GE,
                65.0,
                "%",
                Deadline("到2025年", "2025", 2025),
                p("基层门急诊人次占比达到65%以上"),
            ),
            Target(
                "p1.i2",
                "强化公共卫生",
                "每千人口执业医师数",
                Comparator.ABOUT,
                3.2,
                "人",
                None,
                p("每千人口执业医师数达到3.2人左右"),
            ),
        ),
        programmes=(ProgrammeMention("“千县工程”", "p1.i1", p("千县工程")),),
    )
    return document, facts


@pytest.fixture(scope="module")
def sample_graph() -> Graph:
    return document_graph(*sample_records())


# --------------------------------------------------------------------------- IRIs


@pytest.mark.parametrize(
    ("name", "segment"),
    [
        ("聊城市卫生健康委员会", "聊城市卫生健康委员会"),
        ("国办发〔2022〕11号", "国办发〔2022〕11号"),
        ("健康 中国\u3000行动", "健康中国行动"),
        ("A/B#C?", "A%2FB%23C%3F"),
        ("心脑血管疾病\uff08试点\uff09", "心脑血管疾病\uff08试点\uff09"),
        ("心脑血管疾病(试点)", "心脑血管疾病%28试点%29"),
        ("50%", "50%25"),
    ],
)
def test_iri_segment_keeps_chinese_and_escapes_reserved(name: str, segment: str) -> None:
    assert iris.iri_segment(name) == segment


def test_iri_segment_empty_name_raises() -> None:
    with pytest.raises(GraphBuildError):
        iris.iri_segment(" \u3000")


def test_iris_same_name_same_iri_across_documents() -> None:
    assert iris.programme_iri("“千县工程”") == iris.programme_iri("千县工程")
    assert iris.body_iri("聊城市财政局") == iris.body_iri("聊城市财政局")
    assert iris.task_iri("a#0", "p1.i1") != iris.task_iri("a#1", "p1.i1")


def test_iris_accepted_by_second_parser(sample_graph: Graph) -> None:
    names = [
        "聊城市卫生健康委员会",
        "国办发〔2022〕11号",
        "A/B 计划 (试点)",
        "“健康中国·2030”",
        "50%",
    ]
    lines = "".join(f'<{iris.body_iri(n)}> <http://example.org/p> "{n}" .\n' for n in names)
    parsed = list(pyoxigraph.parse(lines.encode("utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES))
    assert [q.subject.value for q in parsed] == [str(iris.body_iri(n)) for n in names]


# --------------------------------------------------------------------------- build


def test_document_graph_document_metadata(sample_graph: Graph) -> None:
    doc = iris.document_iri("900_sample#0")
    assert (doc, RDF.type, PK.PolicyDocument) in sample_graph
    assert sample_graph.value(doc, PK.level) == PK.MunicipalLevel
    assert sample_graph.value(doc, PK.issuedBy) == iris.body_iri("聊城市卫生健康委员会")
    issued = sample_graph.value(doc, URIRef("http://purl.org/dc/terms/issued"))
    assert issued == Literal("2024-03-05", datatype=XSD.date)
    ref = iris.cited_document_iri("中办发〔2023〕10号", None)
    assert (doc, PK.cites, ref) in sample_graph and (doc, PK.implements, ref) in sample_graph


def test_document_graph_task_hierarchy(sample_graph: Graph) -> None:
    item = iris.task_iri("900_sample#0", "p1.i1")
    assert sample_graph.value(item, PK.partOf) == iris.task_iri("900_sample#0", "p1")
    assert sample_graph.value(iris.task_iri("900_sample#0", "p1"), PK.partOf) == iris.document_iri(
        "900_sample#0"
    )
    assert str(sample_graph.value(item, PK.heading)) == "筑牢基层服务网底"
    heading_mention = sample_graph.value(item, PROV.wasDerivedFrom)
    start = int(sample_graph.value(heading_mention, PK.startOffset))
    assert int(sample_graph.value(heading_mention, PK.rawStart)) == start + RAW_SHIFT


def test_document_graph_responsibility_is_reified_with_role_and_provenance(
    sample_graph: Graph,
) -> None:
    node = iris.responsibility_iri("900_sample#0", "p1.i1", "support", "聊城市财政局")
    assert sample_graph.value(node, PK.role) == PK.SupportRole
    assert sample_graph.value(node, PK.responsibleBody) == iris.body_iri("聊城市财政局")
    mention = sample_graph.value(node, PROV.wasDerivedFrom)
    assert str(sample_graph.value(mention, PK.sentence)).startswith("(责任单位")
    task = iris.task_iri("900_sample#0", "p1.i1")
    assert (task, PK.leadBody, iris.body_iri("聊城市卫生健康委员会")) in sample_graph


def test_document_graph_target_value_unit_deadline(sample_graph: Graph) -> None:
    (target,) = sample_graph.objects(iris.task_iri("900_sample#0", "p1.i1"), PK.hasTarget)
    assert sample_graph.value(target, PK.targetValue) == Literal("65.0", datatype=XSD.decimal)
    assert str(sample_graph.value(target, PK.unit)) == "%"
    assert sample_graph.value(target, PK.comparator) == PK.AtLeast
    deadline = sample_graph.value(target, PK.hasDeadline)
    assert sample_graph.value(deadline, TIME.inXSDgYear) == Literal("2025", datatype=XSD.gYear)
    mention = sample_graph.value(target, PROV.wasDerivedFrom)
    start, end = (
        int(sample_graph.value(mention, PK.startOffset)),
        int(sample_graph.value(mention, PK.endOffset)),
    )
    assert TEXT[start:end] == "基层门急诊人次占比达到65%以上"
    raw_start = int(sample_graph.value(mention, PK.rawStart))
    assert (raw_start - start, str(sample_graph.value(mention, PK.sourceFile))) == (
        RAW_SHIFT,
        "900_sample.txt",
    )


def test_document_graph_target_without_deadline_is_open(sample_graph: Graph) -> None:
    (target,) = sample_graph.objects(iris.task_iri("900_sample#0", "p1.i2"), PK.hasTarget)
    assert sample_graph.value(target, PK.hasDeadline) == PK.OpenDeadline
    assert sample_graph.value(target, PK.targetValue) == Literal("3.2", datatype=XSD.decimal)


def test_document_graph_body_kind_parent_and_aliases(sample_graph: Graph) -> None:
    body = iris.body_iri("聊城市卫生健康委员会")
    assert (body, RDF.type, PK.Department) in sample_graph
    assert sample_graph.value(body, PK.subOrganizationOf) == iris.body_iri("聊城市人民政府")
    assert {str(a) for a in sample_graph.objects(body, SKOS.altLabel)} == {
        "市卫生健康委",
        "市卫健委",
    }


def test_document_graph_programme_and_institution_have_mentions(sample_graph: Graph) -> None:
    programme = iris.programme_iri("千县工程")
    assert str(sample_graph.value(programme, SKOS.prefLabel)) == "千县工程"
    assert sample_graph.value(predicate=PK.denotes, object=programme) is not None
    hospital = iris.institution_iri("聊城市人民医院")
    assert (hospital, RDF.type, PK.Hospital) in sample_graph


def test_document_graph_mismatched_facts_raise() -> None:
    document, _ = sample_records("900_sample#0")
    _, facts = sample_records("901_other#0")
    with pytest.raises(GraphBuildError):
        document_graph(document, facts)


def test_corpus_graph_joins_bodies_across_documents() -> None:
    graph = corpus_graph([sample_records("900_sample#0"), sample_records("901_other#0")])
    issuers = set(graph.subjects(PK.issuedBy, iris.body_iri("聊城市卫生健康委员会")))
    assert issuers == {iris.document_iri("900_sample#0"), iris.document_iri("901_other#0")}


# --------------------------------------------------------------------------- serialisation


def test_build_twice_is_byte_identical() -> None:
    first, second = document_graph(*sample_records()), document_graph(*sample_records())
    assert turtle_text(first) == turtle_text(second)
    assert ntriples_text(first) == ntriples_text(second)
    assert jsonld_text(first) == jsonld_text(second)


def test_ntriples_lines_are_sorted(sample_graph: Graph) -> None:
    lines = ntriples_text(sample_graph).splitlines()
    assert lines == sorted(set(lines)) and len(lines) == len(sample_graph)


def _rdflib_ntriples(graph: Graph) -> str:
    """What rdflib's own N-Triples serializer writes, sorted and deduplicated."""
    lines = {line for line in graph.serialize(format="nt").splitlines() if line.strip()}
    return "".join(line + "\n" for line in sorted(lines))


def test_ntriples_are_rdflibs_for_every_kind_of_term() -> None:
    graph = Graph()
    s, p = (
        URIRef("https://w3id.org/policykg/id/test/s"),
        URIRef("https://w3id.org/policykg/ontology#p"),
    )
    for value in (
        Literal('引号"反斜杠\\换行\n回车\r制表\t'),
        Literal(7),
        Literal(True),
        Literal(0.1),
        Literal("65.0", datatype=XSD.decimal),
        Literal("2025", datatype=XSD.gYear),
        Literal("卫生健康委", lang="zh"),
        Literal("𠀀 astral"),
        BNode("b1"),
        URIRef("urn:x"),
    ):
        graph.add((s, p, value))
    graph.add((BNode("b2"), p, s))
    assert ntriples_text(graph) == _rdflib_ntriples(graph)
    assert ntriples_text(graph).count("\n") == len(graph) == 11


@pytest.mark.parametrize(
    ("value", "lang", "datatype"),
    [
        ('引号"反斜杠\\换行\n回车\r制表\t', None, None),
        ("卫生健康委 “千县工程”", "zh", None),
        ("", None, None),
        ("𠀀 astral", "zh", None),
        (0, None, None),
        (-12, None, None),
        (10**20, None, None),
        (True, None, None),
        (False, None, None),
        (0.1, None, None),
        ("65.0", None, XSD.decimal),
        ("2025", None, XSD.gYear),
        ("2025-06", None, XSD.gYearMonth),
        ("2024-03-05", None, XSD.date),
        ("text", "en", None),
    ],
)
def test_nt_literal_is_how_ntriples_write_the_literal(value: object, lang, datatype) -> None:
    """The literals the builder writes directly come out as ``ntriples_text`` writes rdflib's."""
    from pipeline.rdf.export import nt_literal

    s, p = URIRef("https://w3id.org/policykg/id/test/s"), RDF.value
    expected = ntriples_text([(s, p, Literal(value, lang=lang, datatype=datatype))])
    assert ntriples_text([(s, p, nt_literal(value, lang=lang, datatype=datatype))]) == expected


def test_document_ntriples_are_those_of_the_graph(sample_graph: Graph) -> None:
    from pipeline.rdf.build import document_ntriples

    assert document_ntriples(*sample_records()) == _rdflib_ntriples(sample_graph)


def test_ntriples_of_the_triples_equal_those_of_the_graph(sample_graph: Graph) -> None:
    triples = document_triples(*sample_records())
    assert len(triples) > len(sample_graph)  # shared nodes are restated: the writer dedupes
    assert ntriples_text(triples) == ntriples_text(sample_graph) == _rdflib_ntriples(sample_graph)


def test_ntriples_refuse_an_iri_they_cannot_hold() -> None:
    bad = URIRef("https://w3id.org/policykg/id/has space")
    with pytest.raises(GraphBuildError, match="not an IRI N-Triples can hold"):
        ntriples_text([(bad, RDF.type, PK.Task)])


def test_turtle_round_trip_is_isomorphic(sample_graph: Graph) -> None:
    reparsed = Graph().parse(data=turtle_text(sample_graph), format="turtle")
    assert isomorphic(sample_graph, reparsed)


def test_turtle_parses_with_oxigraph(sample_graph: Graph) -> None:
    quads = list(
        pyoxigraph.parse(
            turtle_text(sample_graph).encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE
        )
    )
    assert len(quads) == len(sample_graph)


def test_jsonld_round_trip_is_isomorphic(sample_graph: Graph) -> None:
    reparsed = Graph().parse(data=jsonld_text(sample_graph), format="json-ld")
    assert isomorphic(sample_graph, reparsed)


@pytest.mark.parametrize("external_sort", [True, False])
def test_merge_sorted_files_is_the_sorted_union(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, external_sort: bool
) -> None:
    graphs = [
        document_graph(*sample_records("900_sample#0")),
        document_graph(*sample_records("901_other#0")),
    ]
    texts = [ntriples_text(g) for g in graphs] * 2  # shared lines must come out once
    paths = []
    for i, text in enumerate(texts):
        paths.append(tmp_path / f"{i}.nt")
        paths[-1].write_text(text, encoding="utf-8")
    if not external_sort:  # the Python fallback, in groups of two files
        monkeypatch.setattr(rdf_export.shutil, "which", lambda _name: None)
        monkeypatch.setattr(rdf_export, "SORT_BATCH", 2)
    out = tmp_path / "merged.nt"
    merge_sorted_files(paths, out)
    assert out.read_text(encoding="utf-8") == merge_ntriples(texts)
    assert isomorphic(Graph().parse(out, format="nt"), graphs[0] + graphs[1])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*(p.name for p in paths), "merged.nt"]
    )


def test_converter_refuses_a_wrong_call() -> None:
    from pipeline.convert import main

    assert main(["in.nt", "out.xml", "rdf-xml"]) == 2


# --------------------------------------------------------------------------- seed documents

SEED_DIR = Path(__file__).resolve().parents[1] / "data" / "raw"

LEADS_WITH_TARGETS_2025 = """
PREFIX pk:   <https://w3id.org/policykg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX time: <http://www.w3.org/2006/time#>
SELECT ?body ?heading ?indicator ?comparator ?value ?unit ?sentence WHERE {
  ?task pk:leadBody/skos:prefLabel ?body ; pk:heading ?heading ; pk:hasTarget ?target .
  ?target pk:measures/skos:prefLabel ?indicator ; pk:comparator ?comparator ;
          pk:targetValue ?value ; pk:unit ?unit ;
          pk:hasDeadline/time:inXSDgYear ?year ;
          prov:wasDerivedFrom/pk:sentence ?sentence .
  FILTER(STR(?year) = "2025")
}
"""


def seed_pairs() -> list[tuple[Document, DocumentFacts]]:
    """Every article of the seed documents through ingest → structure → extract."""
    from pipeline.extract import extract_document
    from pipeline.ingest import ingest_bytes
    from pipeline.nlp import build_nlp
    from pipeline.structure import structure_article

    nlp = build_nlp()
    pairs = []
    for path in sorted(SEED_DIR.iterdir()):
        for article in ingest_bytes(path.name, path.read_bytes()):
            document = structure_article(article)
            pairs.append((document, extract_document(document, nlp)))
    return pairs


@pytest.fixture(scope="module")
def seed_graphs() -> dict[str, Graph]:
    return {doc.doc_id: document_graph(doc, facts) for doc, facts in seed_pairs()}


def test_seed_sparql_lead_bodies_with_2025_targets(seed_graphs: dict[str, Graph]) -> None:
    turtle = turtle_text(seed_graphs["003_e14da291fa1a9871#0"])
    graph = Graph().parse(data=turtle, format="turtle")
    rows = {
        (
            str(r.body),
            str(r.heading),
            str(r.indicator),
            r.comparator,
            float(r.value),
            str(r.unit),
        ): str(r.sentence)
        for r in graph.query(LEADS_WITH_TARGETS_2025)
    }
    key = ("聊城市卫生健康委员会", "筑牢基层服务网底", "基层门急诊人次占比", PK.AtLeast, 65.0, "%")
    assert key in rows
    assert "65%" in rows[key]
    # every answer carries the sentence its number was read from
    assert all(f"{value:g}" in sentence for (_, _, _, _, value, _), sentence in rows.items())


def test_seed_ntriples_are_rdflibs(seed_graphs: dict[str, Graph]) -> None:
    for doc_id, graph in seed_graphs.items():
        assert ntriples_text(graph) == _rdflib_ntriples(graph), doc_id


def test_seed_document_ntriples_are_those_of_the_graph(seed_graphs: dict[str, Graph]) -> None:
    """The runner writes a document's N-Triples with its literals made as text
    (:func:`document_ntriples`): the same lines as the rdflib graph's."""
    from pipeline.rdf.build import document_ntriples

    for doc, facts in seed_pairs():
        expected = _rdflib_ntriples(seed_graphs[doc.doc_id])
        assert document_ntriples(doc, facts) == expected, doc.doc_id


def test_seed_build_twice_is_byte_identical(seed_graphs: dict[str, Graph]) -> None:
    pairs = {doc.doc_id: (doc, facts) for doc, facts in seed_pairs()}
    for doc_id, graph in seed_graphs.items():
        again = document_graph(*pairs[doc_id])
        assert turtle_text(again) == turtle_text(graph), doc_id
        assert ntriples_text(again) == ntriples_text(graph), doc_id


def test_seed_turtle_second_parser_and_round_trip(seed_graphs: dict[str, Graph]) -> None:
    for doc_id, graph in seed_graphs.items():
        turtle = turtle_text(graph)
        quads = list(pyoxigraph.parse(turtle.encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE))
        assert len(quads) == len(graph), doc_id
        assert isomorphic(Graph().parse(data=turtle, format="turtle"), graph), doc_id


def test_seed_bodies_join_across_documents(seed_graphs: dict[str, Graph]) -> None:
    docs_by_body: dict[URIRef, set[URIRef]] = {}
    for graph in seed_graphs.values():
        for prop in (PK.issuedBy, PK.mentionsBody):
            for doc, body in graph.subject_objects(prop):
                docs_by_body.setdefault(body, set()).add(doc)
    assert len(docs_by_body[iris.body_iri("国务院办公厅")]) >= 2


def test_seed_mentions_point_back_to_the_raw_words(seed_graphs: dict[str, Graph]) -> None:
    import unicodedata

    from pipeline.ingest import decode_raw

    raw = {p.name: decode_raw(p.read_bytes())[0] for p in SEED_DIR.iterdir()}
    fold = lambda s: re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))
    same = total = 0
    for graph in seed_graphs.values():
        for mention in graph.subjects(RDF.type, PK.Mention):
            text = graph.value(mention, PK.mentionText)
            source = str(graph.value(mention, PK.sourceFile))
            start, end = (
                int(graph.value(mention, PK.rawStart)),
                int(graph.value(mention, PK.rawEnd)),
            )
            total += 1
            same += text is not None and fold(raw[source][start:end]) == fold(str(text))
    assert total > 300
    assert same / total >= 0.95


def test_seed_every_deadline_reads_as_one_label(seed_graphs: dict[str, Graph]) -> None:
    # Annual and open deadlines carry skos:prefLabel as dated ones do; 2025年底 is the deadline 2025.
    labels: dict[str, set] = {}
    for graph in seed_graphs.values():
        rows = graph.query(
            """
            SELECT ?deadline ?label WHERE {
              ?target a pk:Target ; pk:hasDeadline ?deadline .
              OPTIONAL { ?deadline skos:prefLabel ?label } }""",
            initNs={"pk": PK, "skos": SKOS},
        )
        for deadline, label in rows:
            assert label is not None, f"{deadline} has no label"
            labels.setdefault(str(label), set()).add(deadline)
    assert all(len(nodes) == 1 for nodes in labels.values()), labels
    assert "2025" in labels and not any(label.endswith("-12-31") for label in labels)
    assert labels.get("未定", {PK.OpenDeadline}) == {PK.OpenDeadline}


def test_jsonld_carries_a_context(sample_graph: Graph) -> None:
    import json

    data = json.loads(jsonld_text(sample_graph))
    assert data["@context"]["pk"] == str(PK) and data["@context"]["skos"] == str(SKOS)
    assert data["@graph"] and all("@id" in node for node in data["@graph"])
