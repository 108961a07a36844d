"""Tests for ontology/policykg.ttl and pipeline.rdf.namespace: declared, labelled, consistent, reused."""

from __future__ import annotations

import sys
from pathlib import Path

import owlready2
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME

from pipeline.config import Settings
from pipeline.rdf.build import BODY_KIND_CLASSES, INSTITUTION_KIND_CLASSES
from pipeline.rdf.namespace import ONTOLOGY_IRI, ORG, PK
from pipeline.rdf.validate import load_ontology

sys.path.insert(0, str(Path(__file__).parent))
from test_rdf_build import sample_records

from pipeline.rdf import document_graph

PK_NS = ONTOLOGY_IRI + "#"
DECLARATION_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    OWL.NamedIndividual,
)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology(Settings())


def _pk_terms_declared(ontology: Graph) -> set[URIRef]:
    return {
        s
        for t in DECLARATION_TYPES
        for s in ontology.subjects(RDF.type, t)
        if isinstance(s, URIRef) and str(s).startswith(PK_NS)
    }


def test_ontology_is_an_owl_ontology(ontology: Graph) -> None:
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in ontology


def test_namespace_and_ontology_declare_the_same_terms(ontology: Graph) -> None:
    in_code = {URIRef(PK_NS + name) for name in PK.__annotations__}
    assert in_code == _pk_terms_declared(ontology)


def test_namespace_rejects_unknown_terms() -> None:
    with pytest.raises(AttributeError):
        PK.Polcy  # noqa: B018


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ontology_every_term_has_label_and_definition(ontology: Graph, lang: str) -> None:
    missing = []
    for term in sorted(_pk_terms_declared(ontology)):
        labels = {o.language for o in ontology.objects(term, RDFS.label)}
        definitions = {
            o.language for p in (SKOS.definition, RDFS.comment) for o in ontology.objects(term, p)
        }
        if lang not in labels or lang not in definitions:
            missing.append(str(term))
    assert missing == []


@pytest.mark.parametrize(
    ("term", "relation", "reused"),
    [
        (PK.Body, RDFS.subClassOf, ORG.FormalOrganization),
        (PK.Institution, RDFS.subClassOf, ORG.Organization),
        (PK.Deadline, RDFS.subClassOf, TIME.Instant),
        (PK.Mention, RDFS.subClassOf, PROV.Entity),
        (PK.PolicyDocument, RDFS.subClassOf, PROV.Entity),
        (PK.Jurisdiction, RDFS.subClassOf, DCTERMS.Jurisdiction),
        (PK.subOrganizationOf, OWL.equivalentProperty, ORG.subOrganizationOf),
        (PK.partOf, RDFS.subPropertyOf, DCTERMS.isPartOf),
        (PK.cites, RDFS.subPropertyOf, DCTERMS.references),
        (PK.implements, RDFS.subPropertyOf, PK.cites),
        (PK.issuedBy, RDFS.subPropertyOf, DCTERMS.creator),
        (PK.documentNumber, RDFS.subPropertyOf, DCTERMS.identifier),
    ],
)
def test_ontology_reuses_w3c_vocabularies(
    ontology: Graph, term: URIRef, relation: URIRef, reused: URIRef
) -> None:
    assert (term, relation, reused) in ontology


def test_ontology_kind_codes_match_build_tables(ontology: Graph) -> None:
    body_codes = {str(code): cls for cls, code in ontology.subject_objects(PK.bodyKindCode)}
    institution_codes = {
        str(code): cls for cls, code in ontology.subject_objects(PK.institutionKindCode)
    }
    assert body_codes == BODY_KIND_CLASSES
    assert institution_codes == INSTITUTION_KIND_CLASSES


def test_ontology_loads_in_owlready2_and_is_consistent(ontology: Graph, tmp_path: Path) -> None:
    path = tmp_path / "policykg.nt"
    ontology.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    onto = world.get_ontology(path.as_uri()).load()
    names = {c.name for c in onto.classes()}
    assert {
        "PolicyDocument",
        "Task",
        "Goal",
        "Target",
        "Indicator",
        "Deadline",
        "Programme",
        "Body",
        "Institution",
        "Jurisdiction",
        "Mention",
        "Responsibility",
    } <= names
    with onto:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    assert list(world.inconsistent_classes()) == []


def test_build_emits_only_declared_terms(ontology: Graph) -> None:
    graph = document_graph(*sample_records())
    declared = set(ontology.subjects(RDF.type, None))
    used = {p for p in graph.predicates()} | set(graph.objects(None, RDF.type))
    used |= {o for o in graph.objects() if isinstance(o, URIRef) and str(o).startswith(PK_NS)}
    undeclared = sorted(str(t) for t in used if t not in declared and t != RDF.type)
    assert undeclared == []


def test_analysis_terms_are_declared_and_shaped(ontology: Graph) -> None:
    from pipeline.analysis.export import ANALYSIS_TERMS
    from pipeline.analysis.outputs import analysis_shapes
    from pipeline.rdf.namespace import SH
    from pipeline.rdf.validate import load_shapes

    declared = _pk_terms_declared(ontology)
    assert set(ANALYSIS_TERMS) <= declared
    shapes = analysis_shapes(load_shapes(Settings()))
    constrained = set(shapes.objects(None, SH.path)) | set(shapes.objects(None, SH.targetClass))
    assert set(ANALYSIS_TERMS) <= constrained
    for term in (PK.answersTask, PK.pairMember, PK.implementingTask, PK.implementedTask):
        assert (term, RDFS.range, PK.Task if term != PK.pairMember else PK.Body) in ontology
