"""Component ``policykg_responsibilities``: who leads and who supports each task.

Reads the responsibility clauses of policy texts, whose cue words live in
``resources/responsibility_cues.yaml``:

* labelled lists: ``(责任单位：A、B、C，排第一位为牵头单位，下同)``, ``(牵头单位：A；配合单位：B)`` — the
  first-is-lead rule, once stated, holds for the rest of the document; a clause cut off at the end
  of its line (no closing parenthesis) still counts;
* verb clauses: ``(A牵头，B配合)``, ``(A、B按职责分工负责)``, ``(A等部门按职责分工负责)``;
* in running text: ``由A牵头``, ``A负责`` — only when the whole list is made of known bodies.

Each listed body becomes a BODY span (``span._.role``), a ``Relation(body, role, clause)`` and a
``ResponsibilityLink`` attached to the enclosing task item of ``doc._.sections``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.config import RESOURCES_DIR
from pipeline.errors import ResourceError
from pipeline.models import Body, Level, Role
from pipeline.nlp.bodies import doc_level
from pipeline.nlp.extensions import BODY, Relation, ResponsibilityLink, add_spans, doc_text, policykg_spans
from pipeline.resolve import BodyMatch, Gazetteer
from pipeline.nlp.component import MatchComponent
from pipeline.store import read_yaml_mapping

CUES_FILE = RESOURCES_DIR / "responsibility_cues.yaml"
_CJK_LIST = r"[\u4e00-\u9fff、，,（）()\s]"
# Inner parentheses allowed inside a clause: 各县（市、区）人民政府.
_INNER = r"[(（][^()（）\n]{1,12}[)）]"
_GROUPED = re.compile(r"各?(?:县|市|区|省)[(（][^()（）\n]{1,10}[)）][\u4e00-\u9fff]{2,12}")
_SECTION_PRIORITY = {"item": 0, "subitem": 1, "part": 2}


@dataclass(frozen=True, slots=True)
class Cues:
    list_labels: tuple[str, ...]
    lead_labels: tuple[str, ...]
    support_labels: tuple[str, ...]
    first_is_lead_rule: re.Pattern[str]
    lead_verbs: tuple[str, ...]
    support_verbs: tuple[str, ...]
    shared_verbs: tuple[str, ...]
    fillers: tuple[re.Pattern[str], ...]


@functools.lru_cache(maxsize=2)
def load_cues(path: Path = CUES_FILE) -> Cues:
    """The cue words of ``responsibility_cues.yaml``."""
    data = read_yaml_mapping(path)
    try:
        return Cues(
            tuple(data["list_labels"]), tuple(data["lead_labels"]), tuple(data["support_labels"]),
            re.compile(data["first_is_lead_rule"]), tuple(data["lead_verbs"]),
            tuple(data["support_verbs"]), tuple(data["shared_verbs"]),
            tuple(re.compile(f) for f in data["fillers"]),
        )
    except (KeyError, TypeError, re.error) as exc:
        raise ResourceError(f"cannot read responsibility cues {path}: {exc}", hint="fix the YAML file") from exc


def _alternation(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


@dataclass(frozen=True, slots=True)
class Assignment:
    """One body named responsible: text offsets, the body, the role, the clause offsets."""

    start: int
    end: int
    surface: str
    body: Body
    role: Role
    clause_start: int
    clause_end: int


class ResponsibilityReader(MatchComponent):
    """Finds responsibility clauses and assigns lead/support roles to the bodies they list."""

    def __init__(self, nlp: Language, name: str, first_is_lead: bool, max_clause: int) -> None:
        self.name = name
        self.first_is_lead = first_is_lead
        self.gazetteer = Gazetteer.load()
        self.cues = cues = load_cues()
        labels = cues.list_labels + cues.lead_labels + cues.support_labels
        body = f"(?:[^()（）\\n。；;]|{_INNER}){{1,{max_clause}}}?"
        # 责任单位：LIST  up to ； ) 。 or the end of the line
        self.labelled = re.compile(
            f"(?P<label>{_alternation(labels)})\\s*[:：]\\s*(?P<list>{body})(?=[)）。；;\\n]|$)"
        )
        # (A牵头，B配合) / (A、B按职责分工负责): a parenthesised clause without a label
        self.paren = re.compile(f"[(（](?P<inner>(?:[^()（）\\n]|{_INNER}){{2,{max_clause}}}?)(?:[)）]|(?=\\n)|$)")
        self.lead_re = re.compile(f"(?P<list>{_CJK_LIST}+?){_alternation(cues.lead_verbs)}")
        self.support_re = re.compile(f"(?P<list>{_CJK_LIST}+?){_alternation(cues.support_verbs)}")
        self.shared_re = re.compile(f"(?P<list>{_CJK_LIST}+?){_alternation(cues.shared_verbs)}")
        self.verb_cue = re.compile(_alternation(cues.lead_verbs + cues.support_verbs + cues.shared_verbs))
        self.label_in = re.compile(_alternation(labels) + r"\s*[:：]")
        # in running text: 由A、B牵头 / A负责 (after a clause boundary)
        self.by_lead = re.compile(f"由(?P<list>[\\u4e00-\\u9fff、]{{2,40}}?){_alternation(cues.lead_verbs)}")
        self.shared_text = re.compile(
            f"(?:^|(?<=[，。；：:,;\\n]))(?P<list>[\\u4e00-\\u9fff、]{{2,40}}?){_alternation(cues.shared_verbs)}"
        )

    # ------------------------------------------------------------------ compute

    def match(self, doc: Doc) -> list[Assignment]:
        text = doc_text(doc)
        jurisdiction, level = doc._.jurisdiction, doc_level(doc)
        rules = [m.start() for m in self.cues.first_is_lead_rule.finditer(text)]
        out: list[Assignment] = []
        covered: list[tuple[int, int]] = []
        for m in self.labelled.finditer(text):
            clause_end = m.end()
            tail = re.search(r"[，,]\s*(?:排|列|位|下同|其中|第一|按)", m.group("list"))
            list_end = m.start("list") + (tail.start() if tail else len(m.group("list")))
            # the rule holds from where it is stated (in this clause or before) to the end (下同)
            first_lead = self.first_is_lead or any(r < clause_end for r in rules)
            label = m.group("label")
            matches = self._bodies(text, m.start("list"), list_end, jurisdiction, level)
            for i, bm in enumerate(matches):
                if label in self.cues.support_labels:
                    role = Role.SUPPORT
                elif label in self.cues.lead_labels:
                    role = Role.LEAD
                else:
                    role = Role.LEAD if (i == 0 or not first_lead) else Role.SUPPORT
                out.append(self._assign(bm, role, m.start(), clause_end))
            covered.append((m.start(), clause_end))
        for m in self.paren.finditer(text):
            if not self.verb_cue.search(m.group("inner")):
                continue
            if any(s <= m.start("inner") < e for s, e in covered) or self.label_in.search(m.group("inner")):
                continue
            found = self._verb_clause(text, m.start("inner"), m.end("inner"), jurisdiction, level, strict=False)
            if found:
                out.extend(self._assign(bm, role, m.start(), m.end()) for bm, role in found)
                covered.append((m.start(), m.end()))
        for pattern in (self.by_lead, self.shared_text):
            for m in pattern.finditer(text):
                if any(s <= m.start() < e for s, e in covered):
                    continue
                role = Role.LEAD
                matches = self._bodies(text, m.start("list"), m.end("list"), jurisdiction, level, strict=True)
                out.extend(self._assign(bm, role, m.start(), m.end()) for bm in matches)
        return sorted(out, key=lambda a: (a.clause_start, a.start, a.role.value))

    def _verb_clause(self, text: str, start: int, end: int, jurisdiction: str | None, level: Level | None,
                     strict: bool) -> list[tuple[BodyMatch, Role]]:
        """(A牵头，B配合) / (A、B按职责分工负责) inside ``text[start:end]``."""
        inner = text[start:end]
        found: list[tuple[BodyMatch, Role]] = []
        pos = 0
        lead = self.lead_re.match(inner)
        if lead:
            found += [(bm, Role.LEAD) for bm in self._bodies(text, start, start + lead.end("list"), jurisdiction, level)]
            pos = lead.end()
            rest = inner[pos:].lstrip("，,；;、 ")
            offset = start + len(inner) - len(rest)
            # After a named lead, "Y配合" and "Y按职责分工负责" both make Y supporting bodies.
            support = self.support_re.match(rest) or self.shared_re.match(rest)
            if support:
                found += [(bm, Role.SUPPORT) for bm in
                          self._bodies(text, offset, offset + support.end("list"), jurisdiction, level)]
            return found if found else []
        shared = self.shared_re.fullmatch(inner) or self.shared_re.match(inner)
        if shared and shared.end() == len(inner.rstrip("。 ")):
            bodies = self._bodies(text, start, start + shared.end("list"), jurisdiction, level, strict=True)
            return [(bm, Role.LEAD) for bm in bodies]
        return []

    def _bodies(self, text: str, start: int, end: int, jurisdiction: str | None, level: Level | None,
                strict: bool = False) -> list[BodyMatch]:
        """Bodies listed in ``text[start:end]`` with absolute offsets; strict: all text must be bodies."""
        chunk = text[start:end]
        for filler in self.cues.fillers:
            chunk = filler.sub(lambda m: " " * len(m.group()), chunk)
        pieces: list[BodyMatch] = []
        pos = 0
        for g in _GROUPED.finditer(chunk):
            pieces += self._split(chunk, pos, g.start(), jurisdiction, level)
            surface = text[start + g.start():start + g.end()]
            canonical = surface.replace("(", "（").replace(")", "）")
            pieces.append(BodyMatch(g.start(), g.end(), surface, Body(canonical, None, jurisdiction, "government", (surface,)), known=False))
            pos = g.end()
        pieces += self._split(chunk, pos, len(chunk), jurisdiction, level)
        if strict:
            known = sum(m.end - m.start for m in pieces if m.body and m.known)
            meaningful = sum(1 for ch in chunk if ch not in "、，, \u3000")
            if not pieces or known < meaningful:
                return []
        return [BodyMatch(m.start + start, m.end + start, m.surface, m.body, m.known) for m in pieces if m.body]

    def _split(self, chunk: str, a: int, b: int, jurisdiction: str | None, level: Level | None) -> list[BodyMatch]:
        if b <= a:
            return []
        return [BodyMatch(m.start + a, m.end + a, m.surface, m.body, m.known)
                for m in self.gazetteer.split_body_list(chunk[a:b], jurisdiction, level)]

    @staticmethod
    def _assign(bm: BodyMatch, role: Role, clause_start: int, clause_end: int) -> Assignment:
        assert bm.body is not None
        return Assignment(bm.start, bm.end, bm.surface, bm.body, role, clause_start, clause_end)

    # ------------------------------------------------------------------ mutate

    def set_annotations(self, doc: Doc, assignments: list[Assignment]) -> None:
        existing = {(s.start_char, s.end_char): s for s in policykg_spans(doc, BODY)}
        new_spans: list[Span] = []
        links: list[ResponsibilityLink] = list(doc._.responsibilities or [])
        relations: list[Relation] = list(doc._.relations or [])
        seen: set[tuple[int, str]] = set()
        for a in assignments:
            key = (a.clause_start, a.body.canonical)
            if key in seen:
                continue
            seen.add(key)
            span = doc.char_span(a.start, a.end, label=BODY, alignment_mode="expand")
            clause = doc.char_span(a.clause_start, a.clause_end, alignment_mode="expand")
            if span is None or clause is None:
                continue
            if (span.start_char, span.end_char) in existing:
                span = existing[(span.start_char, span.end_char)]
            else:
                new_spans.append(span)
            span._.canonical = a.body.canonical
            span._.kind = a.body.kind
            span._.role = a.role.value
            links.append(ResponsibilityLink(enclosing_task(doc._.sections, a.clause_start), span, a.role.value, clause))
            relations.append(Relation(span, a.role.value, clause))
        add_spans(doc, new_spans)
        doc._.responsibilities = links
        doc._.relations = relations


def enclosing_task(sections: list | None, offset: int) -> str | None:
    """The id of the task a clause belongs to: the enclosing item, else sub-item, else part.

    >>> enclosing_task([("p2", "part", "优化", 0, 100), ("p2.i1", "item", "配置", 10, 50)], 40)
    'p2.i1'
    """
    best: tuple[int, int, str] | None = None
    for section_id, kind, _heading, start, end in sections or ():
        kind_value = getattr(kind, "value", kind)
        if start <= offset < end and kind_value in _SECTION_PRIORITY:
            key = (_SECTION_PRIORITY[kind_value], end - start, section_id)
            if best is None or key < best:
                best = key
    return best[2] if best else None


@Language.factory(
    "policykg_responsibilities",
    assigns=["doc.spans", "doc._.responsibilities", "doc._.relations", "span._.role"],
    requires=["doc._.jurisdiction", "doc._.sections"],
    default_config={"first_is_lead": False, "max_clause": 160},
)
def make_responsibilities(nlp: Language, name: str, first_is_lead: bool, max_clause: int) -> ResponsibilityReader:
    return ResponsibilityReader(nlp, name, first_is_lead, max_clause)
