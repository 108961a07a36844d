"""The ontology's terms as an rdflib ``DefinedNamespace`` (unknown terms raise), plus the reused vocabularies.

Every IRI of the ontology used in code comes from :class:`PK`; a typo is an ``AttributeError``
at import time, not a silently new predicate in the graph.

>>> str(PK.Target)
'https://w3id.org/policykg/ontology#Target'
>>> PK.Tagret
Traceback (most recent call last):
...
AttributeError: term 'Tagret' not in namespace 'https://w3id.org/policykg/ontology#'
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD, DefinedNamespace

ONTOLOGY_IRI = "https://w3id.org/policykg/ontology"
ID_BASE = "https://w3id.org/policykg/id/"

ORG = Namespace("http://www.w3.org/ns/org#")
SH = Namespace("http://www.w3.org/ns/shacl#")


class PK(DefinedNamespace):
    """Classes, properties and individuals of ``ontology/policykg.ttl``."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # classes
    PolicyDocument: URIRef
    Task: URIRef
    TaskContainer: URIRef
    Objective: URIRef
    Goal: URIRef
    Target: URIRef
    Indicator: URIRef
    Comparator: URIRef
    Deadline: URIRef
    Programme: URIRef
    Jurisdiction: URIRef
    AdministrativeLevel: URIRef
    Body: URIRef
    PartyOrgan: URIRef
    GovernmentOrgan: URIRef
    Department: URIRef
    Regulator: URIRef
    Agency: URIRef
    Association: URIRef
    MilitaryOrgan: URIRef
    Institution: URIRef
    Hospital: URIRef
    DiseaseControlCentre: URIRef
    University: URIRef
    ResearchInstitute: URIRef
    Responsibility: URIRef
    Role: URIRef
    Mention: URIRef
    CoordinationPair: URIRef
    CascadeMatch: URIRef

    # individuals
    AtLeast: URIRef
    AtMost: URIRef
    EqualTo: URIRef
    About: URIRef
    LeadRole: URIRef
    SupportRole: URIRef
    NationalLevel: URIRef
    ProvincialLevel: URIRef
    MunicipalLevel: URIRef
    CountyLevel: URIRef
    OpenDeadline: URIRef
    AnnualDeadline: URIRef

    # annotation properties
    bodyKindCode: URIRef
    institutionKindCode: URIRef

    # object properties
    issuedBy: URIRef
    cites: URIRef
    implements: URIRef
    hasTask: URIRef
    partOf: URIRef
    leadBody: URIRef
    supportingBody: URIRef
    forTask: URIRef
    responsibleBody: URIRef
    role: URIRef
    hasTarget: URIRef
    hasGoal: URIRef
    measures: URIRef
    comparator: URIRef
    hasDeadline: URIRef
    deadlineSource: URIRef
    mentionsProgramme: URIRef
    mentionsInstitution: URIRef
    mentionsBody: URIRef
    inJurisdiction: URIRef
    level: URIRef
    subOrganizationOf: URIRef
    inDocument: URIRef
    denotes: URIRef
    answersTask: URIRef
    pairMember: URIRef
    implementingTask: URIRef
    implementedTask: URIRef

    # datatype properties
    sourceFile: URIRef
    documentId: URIRef
    documentNumber: URIRef
    documentType: URIRef
    planPeriodEnd: URIRef
    relevant: URIRef
    sectionId: URIRef
    sectionKind: URIRef
    marker: URIRef
    ordinal: URIRef
    heading: URIRef
    targetValue: URIRef
    unit: URIRef
    deadlineText: URIRef
    sourceLocation: URIRef
    bodyKind: URIRef
    institutionKind: URIRef
    surfaceText: URIRef
    startOffset: URIRef
    endOffset: URIRef
    rawStart: URIRef
    rawEnd: URIRef
    sentence: URIRef
    mentionText: URIRef
    symbol: URIRef
    levelCode: URIRef
    degree: URIRef
    betweenness: URIRef
    coordinationStrength: URIRef
    sharedTasks: URIRef
    matchScore: URIRef
    headingScore: URIRef
    targetScore: URIRef


PREFIXES: dict[str, Namespace] = {
    "pk": Namespace(ONTOLOGY_IRI + "#"),
    "dcterms": Namespace(str(DCTERMS)),
    "org": ORG,
    "owl": Namespace(str(OWL)),
    "prov": Namespace(str(PROV)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "skos": Namespace(str(SKOS)),
    "time": Namespace(str(TIME)),
    "xsd": Namespace(str(XSD)),
}

__all__ = [
    "DCTERMS",
    "ID_BASE",
    "ONTOLOGY_IRI",
    "ORG",
    "OWL",
    "PK",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SH",
    "SKOS",
    "TIME",
    "XSD",
]
