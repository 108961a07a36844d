"""Document + DocumentFacts → the triples of the policykg ontology (pure: records in, triples out).

Every extracted fact hangs on a :data:`PK.Mention` node via ``prov:wasDerivedFrom`` (targets,
responsibilities, task headings) or ``pk:denotes`` (bodies, institutions, programmes, citations);
the mention carries the source file, the document, clean and raw character offsets and the sentence.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from rdflib import Graph, Literal, URIRef

from pipeline.models import (
    ANNUAL_DEADLINE_LABEL,
    OPEN_DEADLINE_LABEL,
    Body,
    CitationRelation,
    Comparator,
    Deadline,
    Document,
    DocumentFacts,
    Level,
    Provenance,
    Role,
    Section,
    Target,
    deadline_label,
)
from pipeline.rdf import iris
from pipeline.rdf.export import NTLiteral, nt_literal, ntriples_text
from pipeline.rdf.namespace import DCTERMS, PK, PREFIXES, PROV, RDF, SKOS, TIME, XSD

log = logging.getLogger(__name__)

# Kind codes of the records → ontology classes (the ontology states the same with
# pk:bodyKindCode / pk:institutionKindCode; tests/test_ontology.py checks they agree).
BODY_KIND_CLASSES: dict[str, URIRef] = {
    "party": PK.PartyOrgan,
    "government": PK.GovernmentOrgan,
    "department": PK.Department,
    "regulator": PK.Regulator,
    "agency": PK.Agency,
    "association": PK.Association,
    "military": PK.MilitaryOrgan,
}
INSTITUTION_KIND_CLASSES: dict[str, URIRef] = {
    "hospital": PK.Hospital,
    "cdc": PK.DiseaseControlCentre,
    "university": PK.University,
    "research": PK.ResearchInstitute,
}
COMPARATORS: dict[Comparator, URIRef] = {
    Comparator.GE: PK.AtLeast,
    Comparator.LE: PK.AtMost,
    Comparator.EQ: PK.EqualTo,
    Comparator.ABOUT: PK.About,
}
ROLES: dict[Role, URIRef] = {Role.LEAD: PK.LeadRole, Role.SUPPORT: PK.SupportRole}
LEVELS: dict[Level, URIRef] = {
    Level.NATIONAL: PK.NationalLevel,
    Level.PROVINCIAL: PK.ProvincialLevel,
    Level.MUNICIPAL: PK.MunicipalLevel,
    Level.COUNTY: PK.CountyLevel,
}

#: One RDF statement, in rdflib terms.
GraphTriple = tuple[URIRef, URIRef, URIRef | Literal]
#: One RDF statement as the builder makes it (its literals may be written already: :class:`NTLiteral`).
Triple = tuple[URIRef, URIRef, URIRef | Literal | NTLiteral]

_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def decimal_lexical(value: float) -> str:
    """The canonical ``xsd:decimal`` form of a number: no exponent, one digit at least after the point.

    >>> decimal_lexical(65.0), decimal_lexical(0.53), decimal_lexical(1e-05), decimal_lexical(2e6)
    ('65.0', '0.53', '0.00001', '2000000.0')
    """
    text = format(Decimal(repr(float(value))), "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0") or "0"
    whole = "0" if whole in ("", "-0") and fraction == "0" else whole
    return f"{whole}.{fraction}"


def date_datatype(value: str) -> URIRef | None:
    """The datatype of a date as the graph states it: ``xsd:date`` for an ISO date, ``xsd:gYear``
    for a year, ``xsd:gYearMonth`` for a year-month, none for anything else."""
    if _DATE.match(value):
        return XSD.date
    if _YEAR_MONTH.match(value):
        return XSD.gYearMonth
    if _YEAR.match(value):
        return XSD.gYear
    return None


#: How the builder makes a literal from a value, a language and a datatype: rdflib's ``Literal``
#: (for a graph), or :func:`pipeline.rdf.export.nt_literal` (for N-Triples text).
LiteralMaker = Callable[..., Literal | NTLiteral]


class _Builder:
    """Accumulates one document's triples; each ``add_*`` handles one kind of record.

    The triples go to a list (a shared node's type and label are stated again by every fact that
    refers to it), not to an rdflib graph: whoever uses them dedupes, and an rdflib graph costs
    about 9 µs per added triple (writing its N-Triples line from the list: 1.3 µs), which the
    serialised outputs do not need.
    """

    def __init__(
        self, doc: Document, facts: DocumentFacts, literal: LiteralMaker = Literal
    ) -> None:
        self.doc = doc
        self.facts = facts
        self.lit = literal
        self.triples: list[Triple] = []
        self.doc_iri = iris.document_iri(doc.doc_id)
        self.sections = {s.section_id: s for s in doc.sections}
        self._sentence_starts = [s.start for s in doc.sentences]
        self._described_bodies: set[str] = set()
        #: Whether every mention node so far is one ``pks:MentionShape`` accepts (see
        #: :meth:`_vouch_for`); the mentions' source, raw offsets and location by node.
        self.mentions_conform = True
        self._mentions: dict[URIRef, tuple[str, int, int, str | None]] = {}

    def add(self, s: URIRef, p: URIRef, o: URIRef | Literal | NTLiteral) -> None:
        self.triples.append((s, p, o))

    def zh(self, text: str) -> Literal | NTLiteral:
        return self.lit(text, lang="zh")

    def date(self, value: str) -> Literal | NTLiteral:
        """A date literal typed by :func:`date_datatype`, made by this builder's literal maker."""
        return self.lit(value, datatype=date_datatype(value))

    # -- provenance
    def sentence_at(self, start: int, end: int) -> str:
        """The sentence holding ``[start, end)``, else the line holding it."""
        text = self.doc.text
        i = bisect.bisect_right(self._sentence_starts, start) - 1
        if i >= 0:
            span = self.doc.sentences[i]
            if span.start <= start < max(span.end, start + 1):
                return text[span.start : span.end].strip()
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        return text[line_start : line_end if line_end >= 0 else len(text)].strip()

    def mention(self, prov: Provenance) -> URIRef:
        node = iris.mention_iri(prov.doc_id, prov.start, prov.end)
        if self.mentions_conform:
            self._vouch_for(node, prov)
        self.add(node, RDF.type, PK.Mention)
        self.add(node, PK.sourceFile, self.lit(prov.source))
        self.add(node, PK.inDocument, iris.document_iri(prov.doc_id))
        self.add(node, PK.startOffset, self.lit(prov.start))
        self.add(node, PK.endOffset, self.lit(prov.end))
        self.add(node, PK.rawStart, self.lit(prov.raw_start))
        self.add(node, PK.rawEnd, self.lit(prov.raw_end))
        self.add(node, PK.sentence, self.zh(prov.sentence))
        if prov.location:
            self.add(node, PK.sourceLocation, self.lit(prov.location))
        if prov.doc_id == self.doc.doc_id and 0 <= prov.start < prov.end <= len(self.doc.text):
            self.add(node, PK.mentionText, self.zh(self.doc.text[prov.start : prov.end]))
        return node

    def _vouch_for(self, node: URIRef, prov: Provenance) -> None:
        """Keep :attr:`mentions_conform` only while ``node`` is certain to satisfy
        ``pks:MentionShape`` as :meth:`mention` states it: one non-empty source file, this
        document (typed ``pk:PolicyDocument`` by :meth:`add_document`), integer offsets with
        ``0 <= start < end`` and ``0 <= raw start <= raw end``, a non-empty sentence, at most one
        non-empty location, and no other provenance of the same node that differs in any of
        them. Anything else (even what the shape would accept) leaves the verdict to the engine.
        """
        key = (prov.source, prov.raw_start, prov.raw_end, prov.location or None)
        if not (
            prov.doc_id == self.doc.doc_id
            and type(prov.source) is str
            and prov.source
            and type(prov.sentence) is str
            and prov.sentence
            and (prov.location is None or type(prov.location) is str)
            and type(prov.start) is int
            and type(prov.end) is int
            and type(prov.raw_start) is int
            and type(prov.raw_end) is int
            and 0 <= prov.start < prov.end
            and 0 <= prov.raw_start <= prov.raw_end
            and self._mentions.setdefault(node, key) == key
        ):
            self.mentions_conform = False

    def text_provenance(self, start: int, end: int) -> Provenance:
        """Provenance for a span the structure stage found (headings, citations)."""
        raw_start, raw_end = self.doc.article.offsets.to_raw(start, end)
        return Provenance(
            self.doc.article.source,
            self.doc.doc_id,
            start,
            end,
            raw_start,
            raw_end,
            self.sentence_at(start, end),
        )

    # -- document, hierarchy, citations
    def add_document(self) -> None:
        node, meta, article = self.doc_iri, self.doc.metadata, self.doc.article
        self.add(node, RDF.type, PK.PolicyDocument)
        self.add(node, PK.documentId, self.lit(self.doc.doc_id))
        self.add(node, PK.sourceFile, self.lit(article.source))
        self.add(node, PK.relevant, self.lit(article.relevant))
        if meta.title:
            self.add(node, DCTERMS.title, self.zh(meta.title))
        if meta.doc_number:
            self.add(node, PK.documentNumber, self.lit(meta.doc_number))
        if meta.date:
            self.add(node, DCTERMS.issued, self.date(meta.date))
        if meta.doc_type:
            self.add(node, PK.documentType, self.zh(meta.doc_type))
        if meta.plan_period_end and _YEAR.match(meta.plan_period_end):
            self.add(node, PK.planPeriodEnd, self.lit(meta.plan_period_end, datatype=XSD.gYear))
        if meta.level is not None:
            self.add(node, PK.level, LEVELS[meta.level])
        if meta.jurisdiction:
            self.add(node, PK.inJurisdiction, self.jurisdiction(meta.jurisdiction))
        for issuer in self.facts.issuers:
            self.add(node, PK.issuedBy, self.body_ref(issuer))

    def jurisdiction(self, name: str) -> URIRef:
        node = iris.jurisdiction_iri(name)
        self.add(node, RDF.type, PK.Jurisdiction)
        self.add(node, SKOS.prefLabel, self.zh(name))
        return node

    def task(self, section_id: str, heading: str | None) -> URIRef:
        """The task node of ``section_id``; sections the structure stage did not see get a stub."""
        node = iris.task_iri(self.doc.doc_id, section_id)
        if section_id not in self.sections:
            self.add(node, RDF.type, PK.Task)
            self.add(node, PK.sectionId, self.lit(section_id))
            self.add(node, PK.partOf, self.doc_iri)
            self.add(self.doc_iri, PK.hasTask, node)
            if heading:
                self.add(node, PK.heading, self.zh(heading))
        return node

    def add_section(self, section: Section) -> None:
        node = iris.task_iri(self.doc.doc_id, section.section_id)
        self.add(node, RDF.type, PK.Task)
        self.add(node, PK.sectionId, self.lit(section.section_id))
        self.add(node, PK.sectionKind, self.lit(section.kind.value))
        self.add(node, PK.marker, self.lit(section.marker))
        self.add(node, PK.ordinal, self.lit(section.ordinal))
        self.add(node, PK.heading, self.zh(section.heading))
        self.add(self.doc_iri, PK.hasTask, node)
        parent = section.parent_id if section.parent_id in self.sections else None
        self.add(
            node, PK.partOf, iris.task_iri(self.doc.doc_id, parent) if parent else self.doc_iri
        )
        if section.heading_end > section.heading_start:
            prov = self.text_provenance(section.heading_start, section.heading_end)
            self.add(node, PROV.wasDerivedFrom, self.mention(prov))

    def add_citations(self) -> None:
        for citation in self.doc.citations:
            if not (
                citation.doc_number or (citation.title and iris.normalise_name(citation.title))
            ):
                continue
            ref = iris.cited_document_iri(citation.doc_number, citation.title)
            self.add(ref, RDF.type, PK.PolicyDocument)
            if citation.doc_number:
                self.add(ref, PK.documentNumber, self.lit(citation.doc_number))
            if citation.title:
                self.add(ref, DCTERMS.title, self.zh(iris.normalise_name(citation.title)))
            self.add(self.doc_iri, PK.cites, ref)
            if citation.relation is CitationRelation.IMPLEMENTS:
                self.add(self.doc_iri, PK.implements, ref)
            if citation.end > citation.start:
                self.add(
                    self.mention(self.text_provenance(citation.start, citation.end)),
                    PK.denotes,
                    ref,
                )

    # -- bodies
    def body_ref(self, canonical: str) -> URIRef:
        """The IRI of a canonical body, typed and labelled even if the facts do not describe it."""
        node = iris.body_iri(canonical)
        self.add(node, RDF.type, PK.Body)
        self.add(node, SKOS.prefLabel, self.zh(canonical))
        return node

    def add_body(self, body: Body) -> None:
        node = self.body_ref(body.canonical)
        kind_class = BODY_KIND_CLASSES.get(body.kind)
        if kind_class is not None:
            self.add(node, RDF.type, kind_class)
        if body.kind:
            self.add(node, PK.bodyKind, self.lit(body.kind))
        for alias in body.aliases:
            if alias and alias != body.canonical:
                self.add(node, SKOS.altLabel, self.zh(alias))
        if body.level is not None:
            self.add(node, PK.level, LEVELS[body.level])
        if body.jurisdiction:
            self.add(node, PK.inJurisdiction, self.jurisdiction(body.jurisdiction))
        if body.parent and body.parent != body.canonical:
            self.add(node, PK.subOrganizationOf, self.body_ref(body.parent))

    def add_body_mentions(self) -> None:
        for mention in self.facts.body_mentions:
            body = self.body_ref(mention.canonical)
            self.add(self.doc_iri, PK.mentionsBody, body)
            self.add(self.mention(mention.provenance), PK.denotes, body)

    def add_institutions(self) -> None:
        for mention in self.facts.institutions:
            node = iris.institution_iri(mention.name)
            self.add(node, RDF.type, INSTITUTION_KIND_CLASSES.get(mention.kind, PK.Institution))
            self.add(node, SKOS.prefLabel, self.zh(mention.name))
            if mention.kind:
                self.add(node, PK.institutionKind, self.lit(mention.kind))
            self.add(self.doc_iri, PK.mentionsInstitution, node)
            self.add(self.mention(mention.provenance), PK.denotes, node)

    # -- facts with their own nodes
    def add_responsibilities(self) -> None:
        for resp in self.facts.responsibilities:
            task = self.task(resp.task_id, resp.task_heading)
            body = self.body_ref(resp.body)
            node = iris.responsibility_iri(
                self.doc.doc_id, resp.task_id, resp.role.value, resp.body
            )
            self.add(node, RDF.type, PK.Responsibility)
            self.add(node, PK.forTask, task)
            self.add(node, PK.responsibleBody, body)
            self.add(node, PK.role, ROLES[resp.role])
            if resp.surface:
                self.add(node, PK.surfaceText, self.zh(resp.surface))
            self.add(node, PROV.wasDerivedFrom, self.mention(resp.provenance))
            self.add(task, PK.leadBody if resp.role is Role.LEAD else PK.supportingBody, body)

    def deadline(self, deadline: Deadline | None) -> URIRef:
        """The deadline's node, labelled as it reads everywhere (:func:`deadline_label`): the
        annual and the open deadline carry a label too, and a year's last day is that year."""
        label = deadline_label(deadline)
        if label in (ANNUAL_DEADLINE_LABEL, OPEN_DEADLINE_LABEL):
            node = PK.AnnualDeadline if label == ANNUAL_DEADLINE_LABEL else PK.OpenDeadline
            self.add(node, SKOS.prefLabel, self.lit(label))
            return node
        node = iris.deadline_iri(label)
        self.add(node, RDF.type, PK.Deadline)
        self.add(node, SKOS.prefLabel, self.lit(label))
        datatype = date_datatype(label)
        time_properties = {XSD.date: TIME.inXSDDate, XSD.gYearMonth: TIME.inXSDgYearMonth}
        time_property = (
            time_properties.get(datatype, TIME.inXSDgYear) if datatype else TIME.inXSDgYear
        )
        literal = self.lit(label, datatype=datatype)
        self.add(node, time_property, literal)
        return node

    def add_targets(self) -> None:
        unique = sorted(set(self.facts.targets), key=_target_key)
        seen: dict[tuple[int, int], int] = {}
        for target in unique:
            span = (target.provenance.start, target.provenance.end)
            index = seen.get(span, 0)
            seen[span] = index + 1
            node = iris.target_iri(self.doc.doc_id, span[0], span[1], index)
            self.add(node, RDF.type, PK.Target)
            indicator = iris.indicator_iri(target.indicator)
            self.add(indicator, RDF.type, PK.Indicator)
            self.add(indicator, SKOS.prefLabel, self.zh(target.indicator))
            self.add(node, PK.measures, indicator)
            self.add(node, PK.comparator, COMPARATORS[target.comparator])
            self.add(
                node, PK.targetValue, self.lit(decimal_lexical(target.value), datatype=XSD.decimal)
            )
            self.add(node, PK.unit, self.lit(target.unit))
            self.add(node, PK.hasDeadline, self.deadline(target.deadline))
            if target.deadline and target.deadline.text:
                self.add(node, PK.deadlineText, self.zh(target.deadline.text))
            self.add(node, PROV.wasDerivedFrom, self.mention(target.provenance))
            holder = (
                self.task(target.task_id, target.task_heading) if target.task_id else self.doc_iri
            )
            self.add(holder, PK.hasTarget, node)

    def add_task_deadlines(self) -> None:
        """A task's deadline from its table row: the deadline, its words, and the cell's mention."""
        for item in self.facts.task_deadlines:
            task = self.task(item.task_id, item.task_heading)
            self.add(task, PK.hasDeadline, self.deadline(item.deadline))
            if item.deadline.text:
                self.add(task, PK.deadlineText, self.zh(item.deadline.text))
            self.add(task, PK.deadlineSource, self.mention(item.provenance))

    def add_programmes(self) -> None:
        for mention in self.facts.programmes:
            name = iris.normalise_name(mention.name)
            if not name:
                continue
            node = iris.programme_iri(name)
            self.add(node, RDF.type, PK.Programme)
            self.add(node, SKOS.prefLabel, self.zh(name))
            self.add(self.doc_iri, PK.mentionsProgramme, node)
            if mention.task_id:
                self.add(self.task(mention.task_id, None), PK.mentionsProgramme, node)
            self.add(self.mention(mention.provenance), PK.denotes, node)


def _target_key(target: Target) -> tuple:
    deadline = target.deadline
    return (
        target.provenance.start,
        target.provenance.end,
        target.task_id or "",
        target.indicator,
        target.comparator.value,
        target.value,
        target.unit,
        deadline.value or "" if deadline else "",
        deadline.text if deadline else "",
    )


def document_triples(doc: Document, facts: DocumentFacts) -> list[GraphTriple]:
    """The triples of one document and its extracted facts (a triple may be listed more than once).

    Args:
        doc: the structured document (metadata, citations, task hierarchy, sentences).
        facts: what extraction read from it (``facts.doc_id`` must be ``doc.doc_id``).

    Returns:
        The triples in the order they were stated; nodes shared across documents (bodies,
        programmes, indicators, jurisdictions, deadlines) carry the same IRI in every document.
    """
    return cast(list[GraphTriple], _builder(doc, facts, Literal).triples)


def document_ntriples(doc: Document, facts: DocumentFacts) -> str:
    """The N-Triples of one document and its extracted facts (:func:`document_triples` written by
    :func:`pipeline.rdf.export.ntriples_text`), with the literals written as they are stated."""
    return built_document(doc, facts).ntriples


@dataclass(frozen=True, slots=True)
class BuiltDocument:
    """A document's N-Triples (:func:`document_ntriples`), and whether the builder vouches that
    every mention node in them satisfies ``pks:MentionShape`` (the checks of
    ``_Builder._vouch_for``): validation may then leave that shape out."""

    ntriples: str
    mentions_conform: bool


def built_document(doc: Document, facts: DocumentFacts) -> BuiltDocument:
    """:func:`document_ntriples` with what the builder knows of its mentions."""
    builder = _builder(doc, facts, nt_literal)
    return BuiltDocument(ntriples_text(builder.triples), builder.mentions_conform)


def _builder(doc: Document, facts: DocumentFacts, literal: LiteralMaker) -> _Builder:
    if facts.doc_id != doc.doc_id:
        from pipeline.errors import GraphBuildError

        raise GraphBuildError(
            f"{doc.article.source}: facts of {facts.doc_id} given for document {doc.doc_id}",
            hint="pair each Document with the DocumentFacts of the same doc_id",
        )
    builder = _Builder(doc, facts, literal)
    builder.add_document()
    for section in doc.sections:
        builder.add_section(section)
    builder.add_citations()
    for body in facts.bodies:
        builder.add_body(body)
    builder.add_body_mentions()
    builder.add_institutions()
    builder.add_responsibilities()
    builder.add_targets()
    builder.add_task_deadlines()
    builder.add_programmes()
    return builder


def document_graph(doc: Document, facts: DocumentFacts) -> Graph:
    """The RDF graph of one document and its extracted facts (:func:`document_triples` in a graph
    with the project's prefixes bound)."""
    graph = new_graph()
    add = graph.add
    for triple in document_triples(doc, facts):
        add(triple)
    return graph


def corpus_graph(pairs: list[tuple[Document, DocumentFacts]]) -> Graph:
    """The union of the document graphs of ``pairs`` (shared nodes join on their IRIs)."""
    graph = new_graph()
    for doc, facts in pairs:
        graph += document_graph(doc, facts)
    return graph
