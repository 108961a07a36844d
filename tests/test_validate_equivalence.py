"""The validation path (pyshacl-turbo, shapes compiled once, only the ontology axioms the shapes
read, a document's N-Triples as text) reports exactly what plain ``pyshacl.validate`` reports on the
whole graph with every structural ontology axiom."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD

from pipeline.config import Settings
from pipeline.rdf import document_graph
from pipeline.rdf.namespace import DCTERMS, PK, PROV, RDF, RDFS, SKOS, TIME
from pipeline.rdf.validate import (
    STRUCTURAL,
    _checker,
    _violations,
    load_ontology,
    load_shapes,
    validate_graph,
    validate_ntriples,
    validate_triples,
)

sys.path.insert(0, str(Path(__file__).parent))
from test_rdf_build import seed_pairs

PKS = Namespace("https://w3id.org/policykg/shapes#")
SEED_DOC = "003_e14da291fa1a9871#0"
NEW = URIRef("https://w3id.org/policykg/id/test/new")
OTHER = URIRef("https://w3id.org/policykg/id/test/other")


@pytest.fixture(scope="module")
def seed_graph() -> Graph:
    """A real seed document's graph: mentions, tasks, targets, deadlines, responsibilities, bodies."""
    return next(document_graph(doc, facts) for doc, facts in seed_pairs() if doc.doc_id == SEED_DOC)


def _copy(graph: Graph) -> Graph:
    copy = Graph(bind_namespaces="none")
    for prefix, namespace in graph.namespace_manager.namespaces():
        copy.bind(prefix, namespace)
    for triple in graph:
        copy.add(triple)
    return copy


def _nth(graph: Graph, cls: URIRef, n: int = 0) -> URIRef:
    """The ``n``-th instance of ``cls``: breakers touch different nodes, so they can all be applied."""
    return sorted(graph.subjects(RDF.type, cls))[n]


def _plain_pyshacl(graph: Graph) -> tuple[bool, tuple]:
    """The straightforward verdict: a fresh ``pyshacl.validate`` with every structural axiom."""
    import pyshacl

    data = _copy(graph)
    for triple in load_ontology(Settings()):
        if triple[1] in STRUCTURAL and not isinstance(triple[0], BNode):
            data.add(triple)
    conforms, results, _ = pyshacl.validate(
        data,
        shacl_graph=load_shapes(Settings()),
        inference="none",
        allow_warnings=True,
        advanced=False,
    )
    return bool(conforms), _violations(results, load_shapes(Settings()), graph)


# Each breaker injects one violation into the graph and returns the report line it must cause.
Breaker = Callable[[Graph], str]


def _missing_source_file(graph: Graph) -> str:
    mention = _nth(graph, PK.Mention)
    graph.remove((mention, PK.sourceFile, None))
    return (
        f"Violation: pks:MentionShape (source file) failed on <{mention}> pk:sourceFile: "
        "a mention must name exactly one source file"
    )


def _string_offset(graph: Graph) -> str:
    mention = _nth(graph, PK.Mention, 1)
    graph.set((mention, PK.endOffset, Literal("12")))
    return (
        f'Violation: pks:MentionShape (clean end) failed on <{mention}> pk:endOffset (value "12"): '
        "a mention needs one clean end offset >= 0"
    )


def _document_is_a_task(graph: Graph) -> str:
    mention, task = _nth(graph, PK.Mention, 2), _nth(graph, PK.Task)
    graph.set((mention, PK.inDocument, task))
    return (
        f"Violation: pks:MentionShape (document) failed on <{mention}> pk:inDocument (value <{task}>): "
        "a mention must lie in exactly one policy document"
    )


def _start_after_end(graph: Graph) -> str:
    mention = _nth(graph, PK.Mention, 3)
    graph.set((mention, PK.startOffset, Literal(90)))
    graph.set((mention, PK.endOffset, Literal(10)))
    return (
        f'Violation: pks:MentionShape (clean start) failed on <{mention}> pk:startOffset (value "90"^^xsd:integer): '
        "a mention needs one clean start offset >= 0, below its end offset"
    )


def _raw_start_after_end(graph: Graph) -> str:
    mention = _nth(graph, PK.Mention, 4)
    graph.set((mention, PK.rawStart, Literal(500)))
    graph.set((mention, PK.rawEnd, Literal(10)))
    return (
        f'Violation: pks:MentionShape (raw start) failed on <{mention}> pk:rawStart (value "500"^^xsd:integer): '
        "a mention needs one raw start offset >= 0, not after its raw end offset"
    )


def _comparator_not_in_list(graph: Graph) -> str:
    target = _nth(graph, PK.Target)
    graph.set((target, PK.comparator, PK.LeadRole))
    return (
        f"Violation: pks:TargetShape (comparator) failed on <{target}> pk:comparator (value pk:LeadRole): "
        "a target needs exactly one comparator (pk:AtLeast, pk:AtMost, pk:EqualTo, pk:About)"
    )


def _two_roles(graph: Graph) -> str:
    responsibility = _nth(graph, PK.Responsibility)
    graph.add((responsibility, PK.role, PK.SupportRole))
    graph.add((responsibility, PK.role, PK.LeadRole))
    return (
        f"Violation: pks:ResponsibilityShape (role) failed on <{responsibility}> pk:role: "
        "a responsibility needs exactly one role, pk:LeadRole or pk:SupportRole"
    )


def _task_part_of_body(graph: Graph) -> str:
    task, body = _nth(graph, PK.Task), _nth(graph, PK.Body)
    graph.set((task, PK.partOf, body))
    return (
        f"Violation: pks:TaskShape (parent) failed on <{task}> pk:partOf (value <{body}>): "
        "a task must be part of exactly one task or document"
    )


def _deadline_two_dates(graph: Graph) -> str:
    deadline = _nth(graph, PK.Deadline)
    graph.add((deadline, TIME.inXSDgYearMonth, Literal("2025-06", datatype=XSD.gYearMonth)))
    return (
        f"Violation: pks:DeadlineShape (time) failed on <{deadline}> "
        "time:inXSDgYear|time:inXSDgYearMonth|time:inXSDDate: "
        "a deadline has at most one of time:inXSDgYear, time:inXSDgYearMonth, time:inXSDDate"
    )


def _deadline_without_date(graph: Graph) -> str:
    graph.add((NEW, RDF.type, PK.Deadline))
    return (
        f"Violation: pks:DeadlineShape failed on <{NEW}> (value <{NEW}>): a deadline needs a "
        "time:inXSDgYear, time:inXSDgYearMonth or time:inXSDDate, or to be pk:OpenDeadline / pk:AnnualDeadline"
    )


def _year_as_a_date(graph: Graph) -> str:
    graph.add((OTHER, RDF.type, PK.Deadline))
    graph.add((OTHER, TIME.inXSDgYear, Literal("2030-01-01", datatype=XSD.date)))
    return (
        f'Violation: pks:DeadlineShape (year) failed on <{OTHER}> time:inXSDgYear (value "2030-01-01"^^xsd:date): '
        "time:inXSDgYear takes an xsd:gYear"
    )


def _open_deadline_with_a_date(graph: Graph) -> str:
    graph.add((PK.OpenDeadline, TIME.inXSDgYear, Literal("2030", datatype=XSD.gYear)))
    return (
        "Violation: pks:OpenDeadlineShape (time) failed on pk:OpenDeadline "
        "time:inXSDgYear|time:inXSDgYearMonth|time:inXSDDate: pk:OpenDeadline and pk:AnnualDeadline have no date"
    )


def _deadline_not_a_deadline(graph: Graph) -> str:
    target, body = _nth(graph, PK.Target, 1), _nth(graph, PK.Body)
    graph.set((target, PK.hasDeadline, body))
    return (
        f"Violation: pks:TargetShape (deadline) failed on <{target}> pk:hasDeadline (value <{body}>): "
        "a target needs exactly one deadline; use pk:OpenDeadline when the text gives none"
    )


def _unnamed_cited_document(graph: Graph) -> str:
    graph.add((NEW, RDF.type, PK.PolicyDocument))
    graph.add((next(graph.subjects(PK.documentId, None)), PK.cites, NEW))
    return (
        f"Violation: pks:PolicyDocumentShape (identified by) failed on <{NEW}> "
        "pk:documentId|pk:documentNumber|dcterms:title: "
        "a policy document needs a document id, a document number or a title"
    )


def _issued_plain_string(graph: Graph) -> str:
    document = next(graph.subjects(PK.documentId, None))
    graph.set((document, DCTERMS.issued, Literal("2024-03")))
    return (
        f'Violation: pks:CorpusDocumentShape (issued) failed on <{document}> dcterms:issued (value "2024-03"): '
        "a document has at most one issue date (xsd:date, xsd:gYearMonth or xsd:gYear)"
    )


def _subclass_body_without_name(graph: Graph) -> str:
    organ = _nth(graph, PK.GovernmentOrgan)
    graph.remove((organ, SKOS.prefLabel, None))
    return (
        f"Violation: pks:BodyShape (canonical name) failed on <{organ}> skos:prefLabel: "
        "a body needs exactly one canonical name (skos:prefLabel)"
    )


def _institution_without_mention(graph: Graph) -> str:
    hospital = _nth(graph, PK.Hospital)
    graph.remove((None, PK.denotes, hospital))
    return (
        f"Violation: pks:InstitutionShape (provenance) failed on <{hospital}> ^pk:denotes: "
        "an institution must be denoted by at least one pk:Mention"
    )


def _target_from_a_task(graph: Graph) -> str:
    target, task = _nth(graph, PK.Target, 2), _nth(graph, PK.Task)
    graph.set((target, PROV.wasDerivedFrom, task))
    return (
        f"Violation: pks:TargetShape (provenance) failed on <{target}> prov:wasDerivedFrom (value <{task}>): "
        "a target must be derived from a pk:Mention (source, offsets, sentence)"
    )


def _body_through_data_subclass(graph: Graph) -> str:
    # pk:Goal is an pk:Objective in the ontology; the data makes pk:Objective a pk:Body, so NEW (a
    # goal) is a body without a name: only visible with the ontology's pk:Goal -> pk:Objective link.
    graph.add((PK.Objective, RDFS.subClassOf, PK.Body))
    graph.add((NEW, RDF.type, PK.Goal))
    return (
        f"Violation: pks:BodyShape (canonical name) failed on <{NEW}> skos:prefLabel: "
        "a body needs exactly one canonical name (skos:prefLabel)"
    )


def _metrics_out_of_range(graph: Graph) -> str:
    body = _nth(graph, PK.Body)
    graph.add((body, PK.betweenness, Literal("2", datatype=XSD.decimal)))
    return (
        f'Violation: pks:BodyMetricsShape (betweenness) failed on <{body}> pk:betweenness (value "2"^^xsd:decimal): '
        "a ranked body needs exactly one xsd:decimal betweenness in [0, 1]"
    )


BREAKERS: dict[str, Breaker] = {
    "min count": _missing_source_file,
    "datatype": _string_offset,
    "class": _document_is_a_task,
    "less than": _start_after_end,
    "less than or equals": _raw_start_after_end,
    "in": _comparator_not_in_list,
    "max count": _two_roles,
    "class of a union": _task_part_of_body,
    "max count on alternatives": _deadline_two_dates,
    "node-level or with an alternative path": _deadline_without_date,
    "datatype of one alternative": _year_as_a_date,
    "target node": _open_deadline_with_a_date,
    "class via ontology individual": _deadline_not_a_deadline,
    "min count on alternatives": _unnamed_cited_document,
    "or of datatypes": _issued_plain_string,
    "target via subclass": _subclass_body_without_name,
    "inverse path": _institution_without_mention,
    "class of provenance": _target_from_a_task,
    "subclass link in the data": _body_through_data_subclass,
    "analysis shape": _metrics_out_of_range,
}


def _as_triples(graph: Graph):
    """The graph's triples as the builder hands them over: a list, some stated twice."""
    triples = sorted(graph)
    return validate_triples(triples + triples[::7], distinct=len(graph))


def _as_ntriples(graph: Graph):
    """The graph as a document's N-Triples text, as the runner validates it."""
    from pipeline.rdf.export import ntriples_text

    return validate_ntriples(ntriples_text(graph))


VALIDATORS = {
    "copy": validate_graph,
    "inplace": lambda graph: validate_graph(graph, inplace=True),
    "triples": _as_triples,
    "ntriples": _as_ntriples,
}


@pytest.mark.parametrize("breaker", BREAKERS.values(), ids=BREAKERS.keys())
@pytest.mark.parametrize("validator", VALIDATORS.values(), ids=VALIDATORS.keys())
def test_validate_graph_reports_injected_violation(
    seed_graph: Graph, breaker: Breaker, validator
) -> None:
    graph = _copy(seed_graph)
    expected = breaker(graph)
    triples = len(graph)
    report = validator(graph)
    assert not report.conforms and report.triples == triples
    assert expected in [v.line() for v in report.violations], str(report)


def test_validate_graph_matches_plain_pyshacl_on_every_violation_at_once(seed_graph: Graph) -> None:
    graph = _copy(seed_graph)
    expected = [breaker(graph) for breaker in BREAKERS.values()]
    conforms, reference = _plain_pyshacl(graph)
    report = validate_graph(graph)
    assert (report.conforms, report.violations) == (conforms, reference)
    assert set(expected) <= {v.line() for v in report.violations}


@pytest.mark.parametrize("breaker", BREAKERS.values(), ids=BREAKERS.keys())
def test_validate_graph_matches_plain_pyshacl(seed_graph: Graph, breaker: Breaker) -> None:
    graph = _copy(seed_graph)
    breaker(graph)
    reference = _plain_pyshacl(graph)
    for validator in (validate_graph, _as_triples, _as_ntriples):
        report = validator(graph)
        assert (report.conforms, report.violations) == reference


def test_validate_triples_of_a_conforming_document(seed_graph: Graph) -> None:
    report = _as_triples(seed_graph)
    assert report.conforms and report.triples == len(seed_graph)
    assert report.text == validate_graph(seed_graph).text


def test_validate_graph_open_deadline_conforms(seed_graph: Graph) -> None:
    graph = _copy(seed_graph)
    graph.set((_nth(graph, PK.Target), PK.hasDeadline, PK.OpenDeadline))
    graph.add((PK.OpenDeadline, SKOS.prefLabel, Literal("未定")))  # as the builder labels it
    report = validate_graph(graph)
    assert report.conforms, str(report)


def test_validate_graph_refuses_a_deadline_without_label(seed_graph: Graph) -> None:
    graph = _copy(seed_graph)
    graph.set((_nth(graph, PK.Target), PK.hasDeadline, PK.AnnualDeadline))
    graph.remove((PK.AnnualDeadline, SKOS.prefLabel, None))
    report = validate_graph(graph)
    assert report.violations and {v.shape for v in report.violations} == {
        "pks:TargetShape (deadline label)"
    }


def test_validate_graph_reused_shapes_keep_no_state(seed_graph: Graph) -> None:
    broken = _copy(seed_graph)
    for breaker in BREAKERS.values():
        breaker(broken)
    first = validate_graph(_copy(broken)).text
    good = validate_graph(_copy(seed_graph))
    again = validate_graph(_copy(broken)).text
    assert good.conforms and good.violations == ()
    assert first == again
    assert first.startswith(f"does not conform: {first.count(chr(10))} result(s)")


def test_checker_mixes_in_only_the_axioms_shapes_read() -> None:
    checker = _checker(Settings().ontology_path())
    needed = set(checker.needed_axioms)
    assert {
        (PK.OpenDeadline, RDF.type, PK.Deadline),
        (PK.GovernmentOrgan, RDFS.subClassOf, PK.Body),
        (PK.Hospital, RDFS.subClassOf, PK.Institution),
        (PK.Task, RDFS.subClassOf, PK.TaskContainer),
    } <= needed
    assert (PK.Goal, RDFS.subClassOf, PK.Objective) not in needed  # no shape names pk:Objective
    assert (PK.LeadRole, RDF.type, PK.Role) not in needed  # roles are checked with sh:in
    assert needed < set(checker.structural_axioms)


@pytest.mark.parametrize("breaker", BREAKERS.values(), ids=BREAKERS.keys())
def test_quick_verdict_sends_every_violation_to_the_full_report(
    seed_graph: Graph, breaker: Breaker
) -> None:
    """``validate_ntriples`` asks the engine for its verdict alone first; a document with an
    injected violation must not pass that way (the report then comes from the full path)."""
    from pipeline.rdf.export import ntriples_text
    from pipeline.rdf.validate import _conforms_quickly

    checker = _checker(Settings().ontology_path())
    good = ntriples_text(seed_graph)
    assert _conforms_quickly(checker.compiled, good + checker.needed_ntriples)
    graph = _copy(seed_graph)
    breaker(graph)
    broken = ntriples_text(graph)
    assert not _conforms_quickly(checker.compiled, broken + checker.structural_ntriples)
    assert not validate_ntriples(broken).conforms


def _closure(shapes: Graph, node) -> set:
    triples: set = set()
    for p, o in shapes.predicate_objects(node):
        triples.add((node, p, o))
        if isinstance(o, BNode):
            triples |= _closure(shapes, o)
    return triples


def test_shapes_without_the_mention_shape_keep_every_other_shape_whole() -> None:
    from pipeline.rdf.validate import MENTION_SHAPE, _without

    shapes = load_shapes(Settings())
    rest = _without(shapes, MENTION_SHAPE)
    assert set(rest) == set(shapes) - _closure(shapes, MENTION_SHAPE)
    assert (MENTION_SHAPE, RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")) in shapes
    others = set(shapes.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))
    for shape in others - {MENTION_SHAPE}:
        assert _closure(rest, shape) == _closure(shapes, shape), shape


def _seed_records():
    return next((doc, facts) for doc, facts in seed_pairs() if doc.doc_id == SEED_DOC)


def _with_mentions(facts, *provenances):
    """``facts`` with its first body mention restated with each provenance of ``provenances``
    (made from the first one's)."""
    from dataclasses import replace

    first = facts.body_mentions[0]
    extra = tuple(replace(first, provenance=p(first.provenance)) for p in provenances)
    return replace(facts, body_mentions=(*extra, *facts.body_mentions[1:]))


def _set(**changes):
    from dataclasses import replace

    return lambda prov: replace(prov, **changes)


def _same(prov):
    return prov


# How a mention can break pks:MentionShape: each must stop the builder vouching for it (the
# last, a location on one of two provenances of a node, is one the shape accepts: the builder
# does not vouch for what it has not checked).
BROKEN_MENTIONS = {
    "negative start": (_set(start=-1),),
    "empty span": (lambda p: _set(end=p.start)(p),),
    "raw start after raw end": (lambda p: _set(raw_start=p.raw_end + 1)(p),),
    "negative raw start": (_set(raw_start=-2),),
    "empty sentence": (_set(sentence=""),),
    "empty source file": (_set(source=""),),
    "another document": (_set(doc_id="999_other#0"),),
    "two source files": (_same, _set(source="other.txt")),
    "two raw starts": (_same, lambda p: _set(raw_start=p.raw_start + 1)(p)),
    "two locations": (_set(location="page 1"), _set(location="page 2")),
    "a location on one of two": (_same, _set(location="page 2")),
}


def test_the_builder_vouches_for_the_seed_documents_mentions() -> None:
    from pipeline.rdf.build import built_document

    for doc, facts in seed_pairs():
        built = built_document(doc, facts)
        assert built.mentions_conform, doc.doc_id
        report = validate_ntriples(built.ntriples, mentions_conform=True)
        assert report.conforms and report == validate_ntriples(built.ntriples)


@pytest.mark.parametrize("provenances", BROKEN_MENTIONS.values(), ids=BROKEN_MENTIONS.keys())
def test_the_builder_does_not_vouch_for_a_broken_mention(provenances) -> None:
    from pipeline.rdf.build import built_document

    doc, facts = _seed_records()
    built = built_document(doc, _with_mentions(facts, *provenances))
    full = validate_ntriples(built.ntriples)
    assert not built.mentions_conform
    assert validate_ntriples(built.ntriples, mentions_conform=built.mentions_conform) == full


def test_a_broken_mention_fails_the_mention_shape() -> None:
    """The broken mentions above are ones the shape refuses (the cases are real violations)."""
    from pipeline.rdf.build import built_document

    doc, facts = _seed_records()
    refused = []
    for name, provenances in BROKEN_MENTIONS.items():
        report = validate_ntriples(
            built_document(doc, _with_mentions(facts, *provenances)).ntriples
        )
        if any(v.shape.startswith("pks:MentionShape") for v in report.violations):
            refused.append(name)
    assert refused == list(BROKEN_MENTIONS)[:-1]
