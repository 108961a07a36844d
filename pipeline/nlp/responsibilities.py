"""Component ``policykg_responsibilities``: who leads and who supports each task.

Reads the responsibility clauses of policy texts, whose cue words live in
``resources/responsibility_cues.yaml``:

* labelled lists: ``(责任单位：A、B、C，排第一位为牵头单位，下同)``, ``(牵头单位：A；配合单位：B)`` — the
  first-is-lead rule, once stated, holds for the rest of the document; a clause cut off at the end
  of its line (no closing parenthesis) still counts;
* verb clauses: ``(A牵头，B配合)``, ``(A、B按职责分工负责)``, ``(A等部门按职责分工负责)``;
* in running text: ``由A牵头``, ``A负责``, a sentence ``A牵头，B配合。`` — only when the whole list
  is made of known bodies.

Each listed body becomes a BODY span (``span._.role``), a ``Relation(body, role, clause)`` and a
``ResponsibilityLink`` attached to the enclosing task item of ``doc._.sections``.

A task table's deadline column (完成时限, 时间节点 …) gives each row's task its deadline, normalised
by :func:`pipeline.nlp.deadlines.column_deadline`, as a ``TaskDeadlineLink`` of
``doc._.task_deadlines``; where the table reached the text flattened, a row's last word counts when
it reads as a deadline (:func:`pipeline.nlp.deadlines.flattened_deadline`).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.config import RESOURCES_DIR
from pipeline.errors import ResourceError
from pipeline.models import Body, Deadline, Level, Role
from pipeline.nlp.bodies import doc_level
from pipeline.nlp.component import MatchComponent
from pipeline.nlp.deadlines import (
    COMPARATORS_FILE,
    DeadlineLexicon,
    column_deadline,
    flattened_deadline,
)
from pipeline.nlp.extensions import (
    BODY,
    DocSection,
    Relation,
    ResponsibilityLink,
    TaskDeadlineLink,
    add_spans,
    doc_text,
    policykg_spans,
)
from pipeline.resolve import BodyMatch, Gazetteer
from pipeline.store import read_yaml_mapping
from pipeline.structure.tables import Row, Table, find_tables, table_columns

CUES_FILE = RESOURCES_DIR / "responsibility_cues.yaml"
_CJK_LIST = r"[\u4e00-\u9fff、，,（）()\s]"
# Inner parentheses allowed inside a clause: 各县（市、区）人民政府.
_INNER = r"[(（][^()（）\n]{1,12}[)）]"
_GROUPED = re.compile(r"各?(?:县|市|区|省)[(（][^()（）\n]{1,10}[)）][\u4e00-\u9fff]{2,12}")
# "(牵头)" right after a body in a list: that body leads.
_LEAD_MARK = re.compile(r"\s*[(（]\s*牵头\s*[)）]")
_SECTION_PRIORITY = {"item": 0, "subitem": 1, "part": 2}
# What may follow a role sentence's verbs: when the task is due (2025年6月底前完成, 持续推进).
_SCHEDULE = (
    r"(?:[0-9０-９]|[年月日底前内中旬季度半上下起至到每、]|完成|持续|长期|推进|坚持|开展|实施)"
)


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
            tuple(data["list_labels"]),
            tuple(data["lead_labels"]),
            tuple(data["support_labels"]),
            re.compile(data["first_is_lead_rule"]),
            tuple(data["lead_verbs"]),
            tuple(data["support_verbs"]),
            tuple(data["shared_verbs"]),
            tuple(re.compile(f) for f in data["fillers"]),
        )
    except (KeyError, TypeError, re.error) as exc:
        raise ResourceError(
            f"cannot read responsibility cues {path}: {exc}", hint="fix the YAML file"
        ) from exc


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


@dataclass(frozen=True, slots=True)
class RowDeadline:
    """A table row's deadline cell (offsets) and the deadline it states; ``row_start`` places it
    in the row's task."""

    start: int
    end: int
    row_start: int
    deadline: Deadline


@dataclass(frozen=True, slots=True)
class Reading:
    """What :meth:`ResponsibilityReader.match` found: the bodies' roles and the rows' deadlines."""

    assignments: list[Assignment]
    deadlines: list[RowDeadline]


class ResponsibilityReader(MatchComponent):
    """Finds responsibility clauses and assigns lead/support roles to the bodies they list."""

    resource_files = ("responsibility_cues.yaml", "bodies.tsv", "places.tsv", COMPARATORS_FILE)

    def __init__(
        self,
        nlp: Language,
        name: str,
        first_is_lead: bool,
        max_clause: int,
        resources_dir: str | None = None,
    ) -> None:
        self.name = name
        self.first_is_lead = first_is_lead
        self.max_clause = max_clause
        self.use_resources(resources_dir)

    def load_resources(self, directory: Path) -> None:
        max_clause = self.max_clause
        self.gazetteer = Gazetteer.load(directory / "bodies.tsv", directory / "places.tsv")
        self.table_columns = table_columns(directory / "responsibility_cues.yaml")
        self.deadlines = DeadlineLexicon(read_yaml_mapping(directory / COMPARATORS_FILE))
        self.cues = cues = load_cues(directory / "responsibility_cues.yaml")
        labels = cues.list_labels + cues.lead_labels + cues.support_labels
        body = f"(?:[^()（）\\n。；;]|{_INNER}){{1,{max_clause}}}?"
        # 责任单位：LIST  up to ； ) 。 or the end of the line
        # 责任单位：LIST  up to ； ) 。, the end of the line or the next label (牵头单位:A 配合单位:B)
        self.labelled = re.compile(
            f"(?P<label>{_alternation(labels)})\\s*[:：]\\s*(?P<list>{body})"
            f"(?=[)）】\\]。；;\\n]|$|\\s*{_alternation(labels)}\\s*[:：])"
        )
        # (A牵头，B配合) / (A、B按职责分工负责): a parenthesised clause without a label
        # (…) / （…） / 〔…〕 / 【…】: the brackets a role clause is written in
        self.paren = re.compile(
            f"[(（〔【\\[](?P<inner>(?:[^()（）〔〕【】\\[\\]\\n]|{_INNER}){{2,{max_clause}}}?)(?:[)）〕】\\]]|(?=\\n)|$)"
        )
        self.lead_re = re.compile(f"(?P<list>{_CJK_LIST}+?){_alternation(cues.lead_verbs)}")
        self.support_re = re.compile(f"(?P<list>{_CJK_LIST}+?){_alternation(cues.support_verbs)}")
        self.shared_re = re.compile(f"(?P<list>{_CJK_LIST}+?){_alternation(cues.shared_verbs)}")
        self.verb_cue = re.compile(
            _alternation(cues.lead_verbs + cues.support_verbs + cues.shared_verbs)
        )
        self.label_in = re.compile(_alternation(labels) + r"\s*[:：]")
        # in running text: 由A、B牵头 / A负责 (after a clause boundary)
        self.by_lead = re.compile(
            f"由(?P<list>[\\u4e00-\\u9fff、]{{2,40}}?){_alternation(cues.lead_verbs)}"
            f"(?:[，,]\\s*(?P<support>[\\u4e00-\\u9fff、]{{2,40}}?){_alternation(cues.support_verbs)})?"
        )
        # a sentence of its own: A牵头，B配合[，2025年底前完成]。 Nothing else in the sentence
        # (建立县级医院牵头、乡镇卫生院参与的医共体 names no responsibility)
        ends = "(?=[，,。；;\\n]|$)"
        self.lead_sentence = re.compile(
            f"(?:^|(?<=[。；;：:\\n]))\\s*(?P<list>[\\u4e00-\\u9fff、]{{2,40}}?)"
            f"{_alternation(cues.lead_verbs)}{ends}"
            f"(?:[，,]\\s*(?P<support>[\\u4e00-\\u9fff、]{{2,40}}?){_alternation(cues.support_verbs)}{ends})?"
            f"(?=(?:[，,]{_SCHEDULE}+)?\\s*(?:[。；;\\n]|$))"
        )
        self.shared_text = re.compile(
            f"(?:^|(?<=[，。；：:,;\\n]))(?P<list>[\\u4e00-\\u9fff、]{{2,40}}?){_alternation(cues.shared_verbs)}"
        )

    # ------------------------------------------------------------------ compute

    def match(self, doc: Doc) -> Reading:
        text = doc_text(doc)
        jurisdiction, level = doc._.jurisdiction, doc_level(doc)
        sections = doc._.sections
        rules = [m.start() for m in self.cues.first_is_lead_rule.finditer(text)]
        out: list[Assignment] = []
        covered: list[tuple[int, int]] = []
        labelled = list(self.labelled.finditer(text))
        # Tasks whose clauses name a lead by label: there a plain list label names the others.
        led_tasks = {
            enclosing_task(sections, m.start())
            for m in labelled
            if m.group("label") in self.cues.lead_labels
        }
        for m in labelled:
            clause_end = m.end()
            tail = re.search(r"[，,]\s*(?:排|列|位|下同|其中|第一|按)", m.group("list"))
            list_end = m.start("list") + (tail.start() if tail else len(m.group("list")))
            # the rule holds from where it is stated (in this clause or before) to the end (下同)
            first_lead = self.first_is_lead or any(r < clause_end for r in rules)
            label = m.group("label")
            matches = self._bodies(text, m.start("list"), list_end, jurisdiction, level)
            led = enclosing_task(sections, m.start()) in led_tasks
            for i, bm in enumerate(matches):
                if label in self.cues.support_labels:
                    role = Role.SUPPORT
                elif label in self.cues.lead_labels:
                    role = Role.LEAD
                elif led:
                    role = Role.SUPPORT
                else:
                    role = Role.LEAD if (i == 0 or not first_lead) else Role.SUPPORT
                out.append(self._assign(bm, role, m.start(), clause_end))
            covered.append((m.start(), clause_end))
        for m in self.paren.finditer(text):
            if any(s <= m.start("inner") < e for s, e in covered) or self.label_in.search(
                m.group("inner")
            ):
                continue
            first_lead = self.first_is_lead or any(r < m.end() for r in rules)
            if self.verb_cue.search(m.group("inner")):
                found = self._verb_clause(
                    text, m.start("inner"), m.end("inner"), jurisdiction, level, first_lead
                )
            elif not text[m.end() :].strip():
                # A list cut off by the end of the file: "(A、B、C" — bodies only.
                bodies = self._bodies(
                    text, m.start("inner"), m.end("inner"), jurisdiction, level, strict=True
                )
                found = self._listed(bodies, first_lead)
            else:
                continue
            if found:
                out.extend(self._assign(bm, role, m.start(), m.end()) for bm, role in found)
                covered.append((m.start(), m.end()))
        row_deadlines: list[RowDeadline] = []
        for table in find_tables(text, self.table_columns, doc._.tables or ()):
            for row in table.rows:
                found = self._row_cells(text, row, table, jurisdiction, level)
                out.extend(self._assign(bm, role, row.start, row.end) for bm, role in found)
                if found:
                    covered.append((row.start, row.end))
                deadline = self._row_deadline(text, row, table)
                if deadline is not None:
                    row_deadlines.append(deadline)
        for pattern in (self.by_lead, self.lead_sentence, self.shared_text):
            for m in pattern.finditer(text):
                if any(s <= m.start() < e for s, e in covered):
                    continue
                role = Role.LEAD
                matches = self._bodies(
                    text, m.start("list"), m.end("list"), jurisdiction, level, strict=True
                )
                out.extend(self._assign(bm, role, m.start(), m.end()) for bm in matches)
                if matches and "support" in m.groupdict() and m.group("support"):
                    supports = self._bodies(
                        text, m.start("support"), m.end("support"), jurisdiction, level, strict=True
                    )
                    out.extend(
                        self._assign(bm, Role.SUPPORT, m.start(), m.end()) for bm in supports
                    )
        return Reading(
            self._marked_leads(
                text, sorted(out, key=lambda a: (a.clause_start, a.start, a.role.value))
            ),
            row_deadlines,
        )

    def _row_deadline(self, text: str, row: Row, table: Table) -> RowDeadline | None:
        """The deadline of a row of a table with a deadline column: its deadline cell where the
        cells are known, else the row's last word when that reads as a deadline."""
        if "deadline" not in table.columns:
            return None
        if row.deadline is not None:
            start, end = row.deadline
            deadline = column_deadline(text[start:end], self.deadlines)
        elif row.cells or table.columns[-1] != "deadline":
            return None  # cells without a deadline cell, or a column after the deadline
        else:
            last = None
            for last in re.finditer(r"\S+", text[row.cells_start : row.end]):
                pass
            if last is None:
                return None
            start, end = row.cells_start + last.start(), row.cells_start + last.end()
            deadline = flattened_deadline(last.group(), self.deadlines)
        if deadline is None:
            return None
        # the cell's words without the spaces around them
        cell = text[start:end]
        start, end = start + len(cell) - len(cell.lstrip()), end - (len(cell) - len(cell.rstrip()))
        return RowDeadline(start, end, row.start, deadline)

    @staticmethod
    def _marked_leads(text: str, assignments: list[Assignment]) -> list[Assignment]:
        """A body marked (牵头) in a list leads, and the other bodies of its clause support it."""
        marked = {(a.clause_start, a.start) for a in assignments if _LEAD_MARK.match(text, a.end)}
        clauses = {clause for clause, _ in marked}
        if not marked:
            return assignments
        return [
            dataclasses.replace(
                a, role=Role.LEAD if (a.clause_start, a.start) in marked else Role.SUPPORT
            )
            if a.clause_start in clauses
            else a
            for a in assignments
        ]

    def _row_cells(
        self, text: str, row: Row, table: Table, jurisdiction: str | None, level: Level | None
    ) -> list[tuple[BodyMatch, Role]]:
        """Bodies of a table row's cells, in column order: person names before them are skipped,
        vague members (县直有关单位) hold a cell but name nobody, and the first other cell ends them.
        Where the cells are known (a Word, Excel or HTML table), each body cell has its column's role."""
        if row.cells:
            return self._known_cells(text, row, jurisdiction, level)
        found: list[tuple[BodyMatch, Role]] = []
        cell = 0
        seen: set[str] = set()
        for token in re.finditer(r"\S+", text[row.cells_start : row.end]):
            start = row.cells_start + token.start()
            end = row.cells_start + token.end()
            if any(f.fullmatch(token.group()) for f in self.cues.fillers):
                cell += 1
                continue
            bodies = self._bodies(text, start, end, jurisdiction, level, strict=True)
            if not bodies:
                if cell == 0 and len(token.group()) <= 3:
                    continue  # a person's name (牵头领导) before the body columns
                break
            role = Role.LEAD if table.role_of_cell(cell) == "lead" else Role.SUPPORT
            for bm in bodies:
                if bm.body is not None and bm.body.canonical not in seen:
                    seen.add(bm.body.canonical)
                    found.append((bm, role))
            cell += 1
        return found

    def _known_cells(
        self, text: str, row: Row, jurisdiction: str | None, level: Level | None
    ) -> list[tuple[BodyMatch, Role]]:
        """Bodies of a row whose cells ingest kept: a lead or list column leads, a support column
        supports (a body named twice keeps its first role)."""
        found: list[tuple[BodyMatch, Role]] = []
        seen: set[str] = set()
        for start, end, column in row.cells:
            role = Role.SUPPORT if column == "support" else Role.LEAD
            for bm in self._bodies(text, start, end, jurisdiction, level, strict=True):
                if bm.body is not None and bm.body.canonical not in seen:
                    seen.add(bm.body.canonical)
                    found.append((bm, role))
        return found

    @staticmethod
    def _listed(bodies: list[BodyMatch], first_lead: bool) -> list[tuple[BodyMatch, Role]]:
        """Roles of a list without role words: all lead, or the first when the rule says so."""
        return [
            (bm, Role.LEAD if (i == 0 or not first_lead) else Role.SUPPORT)
            for i, bm in enumerate(bodies)
        ]

    def _verb_clause(
        self,
        text: str,
        start: int,
        end: int,
        jurisdiction: str | None,
        level: Level | None,
        first_lead: bool,
    ) -> list[tuple[BodyMatch, Role]]:
        """(A牵头，B配合) / (A、B按职责分工负责) / (A负责。列第一位者为牵头…) in ``text[start:end]``."""
        inner = text[start:end]
        found: list[tuple[BodyMatch, Role]] = []
        lead = self.lead_re.match(inner)
        shared = None if lead else self.shared_re.match(inner)
        if lead is None and shared is None:
            return []
        head = lead or shared
        assert head is not None
        rest = inner[head.end() :]
        # What follows the verb: the end, another clause (", B配合"), or a note ("。列第一位者…").
        if rest.strip(" 。") and rest.lstrip(" ")[:1] not in "，,；;。":
            return []
        # Inside parentheses ending with a role verb every list item is a body: one the
        # gazetteer does not know is kept by its surface, and the known ones are never dropped.
        bodies = self._bodies(
            text, start, start + head.end("list"), jurisdiction, level, lenient=True
        )
        found = [(bm, Role.LEAD) for bm in bodies] if lead else self._listed(bodies, first_lead)
        if not found:
            return []
        tail = rest.lstrip("，,；; ")
        offset = start + len(inner) - len(tail)
        # After the named bodies, "Y配合" and "Y按职责分工负责" both make Y supporting bodies.
        support = self.support_re.match(tail) or (self.shared_re.match(tail) if lead else None)
        if support:
            found += [
                (bm, Role.SUPPORT)
                for bm in self._bodies(
                    text, offset, offset + support.end("list"), jurisdiction, level
                )
            ]
        return found

    def _bodies(
        self,
        text: str,
        start: int,
        end: int,
        jurisdiction: str | None,
        level: Level | None,
        strict: bool = False,
        lenient: bool = False,
    ) -> list[BodyMatch]:
        """Bodies listed in ``text[start:end]`` with absolute offsets; strict: all text must be
        bodies; lenient: list items no body covers are bodies named by their surface."""
        chunk = text[start:end]
        for filler in self.cues.fillers:
            chunk = filler.sub(lambda m: " " * len(m.group()), chunk)
        pieces: list[BodyMatch] = []
        pos = 0
        for g in _GROUPED.finditer(chunk):
            pieces += self._split(chunk, pos, g.start(), jurisdiction, level)
            surface = text[start + g.start() : start + g.end()]
            known = self._split(chunk, g.start(), g.end(), jurisdiction, level)
            if (
                len(known) == 1
                and known[0].body
                and (known[0].start, known[0].end) == (g.start(), g.end())
            ):
                pieces += known  # 各县(市、区)人民政府: a collective body of the gazetteer
            else:
                # A grouped collective the gazetteer lacks: named with the document's place.
                canonical = (
                    (jurisdiction or "") + surface
                    if jurisdiction and jurisdiction != "全国"
                    else surface
                )
                pieces.append(
                    BodyMatch(
                        g.start(),
                        g.end(),
                        surface,
                        Body(canonical, None, jurisdiction, "government", (surface,)),
                        known=False,
                    )
                )
            pos = g.end()
        pieces += self._split(chunk, pos, len(chunk), jurisdiction, level)
        if lenient:
            pieces = sorted(
                pieces + self._uncovered_items(chunk, pieces, jurisdiction), key=lambda m: m.start
            )
        if strict:
            covered = sum(m.end - m.start for m in pieces if m.body)
            meaningful = sum(1 for ch in chunk if ch not in "、，, \u3000")
            if not pieces or covered < meaningful:
                return []
        return [
            BodyMatch(m.start + start, m.end + start, m.surface, m.body, m.known)
            for m in pieces
            if m.body
        ]

    @staticmethod
    def _uncovered_items(
        chunk: str, pieces: list[BodyMatch], jurisdiction: str | None
    ) -> list[BodyMatch]:
        """List items (between 、 ， and spaces) that no found body overlaps, as bodies."""
        covered = [(m.start, m.end) for m in pieces if m.body]
        out = []
        for item in re.finditer(r"[\u4e00-\u9fff()（）]{2,20}", chunk):
            if any(a < item.end() and item.start() < b for a, b in covered):
                continue
            surface = item.group()
            out.append(
                BodyMatch(
                    item.start(),
                    item.end(),
                    surface,
                    Body(surface, None, jurisdiction, "organisation", (surface,)),
                    known=False,
                )
            )
        return out

    def _split(
        self, chunk: str, a: int, b: int, jurisdiction: str | None, level: Level | None
    ) -> list[BodyMatch]:
        if b <= a:
            return []
        return [
            BodyMatch(m.start + a, m.end + a, m.surface, m.body, m.known)
            for m in self.gazetteer.split_body_list(chunk[a:b], jurisdiction, level)
        ]

    @staticmethod
    def _assign(bm: BodyMatch, role: Role, clause_start: int, clause_end: int) -> Assignment:
        assert bm.body is not None
        return Assignment(bm.start, bm.end, bm.surface, bm.body, role, clause_start, clause_end)

    # ------------------------------------------------------------------ mutate

    def set_annotations(self, doc: Doc, found: Reading) -> None:
        assignments = found.assignments
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
            links.append(
                ResponsibilityLink(
                    enclosing_task(doc._.sections, a.clause_start), span, a.role.value, clause
                )
            )
            relations.append(Relation(span, a.role.value, clause))
        add_spans(doc, new_spans)
        doc._.responsibilities = links
        doc._.relations = relations
        deadlines: list[TaskDeadlineLink] = list(doc._.task_deadlines or [])
        for row in found.deadlines:
            cell = doc.char_span(row.start, row.end, alignment_mode="expand")
            if cell is None:
                continue
            d = row.deadline
            deadlines.append(
                TaskDeadlineLink(
                    enclosing_task(doc._.sections, row.row_start), cell, d.text, d.value, d.year
                )
            )
        doc._.task_deadlines = deadlines


def enclosing_task(sections: Sequence[DocSection] | None, offset: int) -> str | None:
    """The id of the task a clause belongs to: the innermost enclosing item or sub-item, else
    the part.

    >>> rows = [DocSection("p2", "part", "优化", 0, 100), DocSection("p2.i1", "item", "配置", 10, 50),
    ...         DocSection("p2.i1.s1", "subitem", "布局", 20, 45)]
    >>> enclosing_task(rows, 40), enclosing_task(rows, 48), enclosing_task(rows, 60)
    ('p2.i1.s1', 'p2.i1', 'p2')
    """
    best: tuple[int, int, str] | None = None
    for section in sections or ():
        if section.start <= offset < section.end and section.kind in _SECTION_PRIORITY:
            key = (int(section.kind == "part"), section.end - section.start, section.section_id)
            if best is None or key < best:
                best = key
    return best[2] if best else None


@Language.factory(
    "policykg_responsibilities",
    assigns=[
        "doc.spans",
        "doc._.responsibilities",
        "doc._.relations",
        "doc._.task_deadlines",
        "span._.role",
    ],
    requires=["doc._.jurisdiction", "doc._.sections"],
    default_config={"first_is_lead": False, "max_clause": 160, "resources_dir": None},
)
def make_responsibilities(
    nlp: Language, name: str, first_is_lead: bool, max_clause: int, resources_dir: str | None
) -> ResponsibilityReader:
    return ResponsibilityReader(nlp, name, first_is_lead, max_clause, resources_dir)
