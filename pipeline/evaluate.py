"""Score predicted facts against hand-written gold, following ``shared/eval/README.md``.

Per field, precision / recall / F1 over the set of facts, summed over all documents (micro):

- responsibilities: ``(task heading, body, role)`` triples; bodies compared after mapping every
  surface form in ``bodies*.tsv`` to its canonical name; headings compared after removing
  whitespace and punctuation;
- targets: a predicted target matches a gold one when value, unit and deadline are equal and the
  indicators overlap (at least 60% of the shorter one's characters, in order, occur in the longer);
  each gold target is matched at most once;
- programmes: exact names after removing quote marks and whitespace;
- relevance: relevant-document detection, a document being a positive when it is relevant;
- metadata: exact match per field (title, doc_number, date, level, jurisdiction), set F1 for
  issuers and cites; ``metadata_accuracy`` counts a field as right when equal (sets: equal sets),
  over the gold-relevant documents.

Predicted documents are aligned to gold documents of the same raw file by title (best character
overlap, one to one, at least 60%); a file with exactly one relevant predicted document pairs it
with the gold document whatever its title. An unaligned document's facts are all false positives
(or negatives).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import EvaluationError
from pipeline.structure.text import ordered_overlap

EXACT_FIELDS = ("title", "doc_number", "date", "level", "jurisdiction")
SET_FIELDS = ("issuers", "cites")
FACT_FIELDS = ("responsibilities", "targets", "programmes", "relevance")
INDICATOR_OVERLAP = 0.6
TITLE_ALIGN_MIN = 0.6

_QUOTES = "“”‘’\"'「」『』《》〈〉"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else (1.0 if not self.fn else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else (1.0 if not self.fp else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass
class Scores:
    fields: dict[str, Counts] = field(
        default_factory=lambda: {k: Counts() for k in FACT_FIELDS + SET_FIELDS}
    )
    metadata_right: dict[str, int] = field(
        default_factory=lambda: {k: 0 for k in EXACT_FIELDS + SET_FIELDS}
    )
    metadata_total: int = 0
    documents: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def metadata_accuracy(self) -> float:
        total = self.metadata_total * len(self.metadata_right)
        return sum(self.metadata_right.values()) / total if total else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "fields": {k: v.as_dict() for k, v in self.fields.items()},
            "metadata": {
                "accuracy": round(self.metadata_accuracy, 4),
                "documents": self.metadata_total,
                "per_field": {
                    k: round(v / self.metadata_total, 4) if self.metadata_total else 1.0
                    for k, v in self.metadata_right.items()
                },
            },
            "documents": self.documents,
            "errors": self.errors,
        }


# --------------------------------------------------------------------------- normalisation


def strip_punctuation(text: str) -> str:
    """Remove whitespace and punctuation (Unicode categories P*, S*, Z*).

    >>> strip_punctuation("(一)科学配置 医疗资源。")
    '一科学配置医疗资源'
    """
    return "".join(
        ch
        for ch in unicodedata.normalize("NFKC", text)
        if unicodedata.category(ch)[0] not in "PSZ" and not ch.isspace()
    )


def programme_key(name: str) -> str:
    """A programme name without quote marks and whitespace.

    >>> programme_key("“千县工程” ")
    '千县工程'
    """
    return "".join(ch for ch in name if ch not in _QUOTES and not ch.isspace())


def load_aliases(gold_dir: Path) -> dict[str, str]:
    """Surface form → canonical name from ``bodies*.tsv`` in ``gold_dir`` or its parent."""
    aliases: dict[str, str] = {}
    files = sorted(gold_dir.glob("bodies*.tsv")) or sorted(gold_dir.parent.glob("bodies*.tsv"))
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                raise EvaluationError(f"{path}:{lineno}: expected 'canonical<TAB>alias|alias…'")
            canonical = parts[0].strip()
            aliases[canonical] = canonical
            for alias in parts[1].split("|"):
                if alias.strip():
                    aliases[alias.strip()] = canonical
    return aliases


# --------------------------------------------------------------------------- matching


def _prf_sets(gold: set[Any], pred: set[Any]) -> Counts:
    return Counts(tp=len(gold & pred), fp=len(pred - gold), fn=len(gold - pred))


def _responsibility_triples(
    doc: Mapping[str, Any], aliases: Mapping[str, str]
) -> set[tuple[str, str, str]]:
    triples = set()
    for row in doc.get("responsibilities") or []:
        task = strip_punctuation(row.get("task") or "")
        for role in ("lead", "support"):
            for body in row.get(role) or []:
                triples.add((task, aliases.get(body, body), role))
    return triples


def _deadline_year(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    match = re.match(r"(\d{4})", text)
    return match.group(1) if match else text


def _target_key(t: Mapping[str, Any]) -> tuple[float, str, str | None]:
    return (round(float(t["value"]), 6), str(t.get("unit")), _deadline_year(t.get("deadline")))


def match_targets(
    gold: list[Mapping[str, Any]], pred: list[Mapping[str, Any]]
) -> tuple[Counts, list[Any]]:
    """One-to-one matching, best indicator overlap first; returns counts and unmatched items."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if _target_key(g) != _target_key(p):
                continue
            overlap = ordered_overlap(
                strip_punctuation(g.get("indicator") or ""),
                strip_punctuation(p.get("indicator") or ""),
            )
            if overlap >= INDICATOR_OVERLAP:
                candidates.append((-overlap, gi, pi))
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, gi, pi in sorted(candidates):
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
    counts = Counts(tp=len(used_g), fp=len(pred) - len(used_p), fn=len(gold) - len(used_g))
    missed = [gold[i] for i in range(len(gold)) if i not in used_g]
    spurious = [pred[i] for i in range(len(pred)) if i not in used_p]
    return counts, [missed, spurious]


def _title_pairs(
    gold_docs: list[Mapping[str, Any]],
    pred_docs: list[Mapping[str, Any]],
    gold_ids: list[int],
    pred_ids: list[int],
    minimum: float,
) -> list[tuple[int, int]]:
    """One-to-one pairs among the given indexes, best title overlap first (at least ``minimum``)."""
    scored = []
    for gi in gold_ids:
        for pi in pred_ids:
            gt = strip_punctuation(gold_docs[gi].get("title") or "")
            pt = strip_punctuation(pred_docs[pi].get("title") or "")
            overlap = ordered_overlap(gt, pt) if gt and pt else 0.0
            # Tie-break on length agreement and position so equal overlaps pair in order.
            balance = min(len(gt), len(pt)) / max(len(gt), len(pt), 1)
            scored.append((-overlap, -balance, abs(gi - pi), gi, pi, overlap))
    pairs: list[tuple[int, int]] = []
    used_g: set[int] = set()
    used_p: set[int] = set()
    for *_, gi, pi, overlap in sorted(scored):
        if overlap >= minimum and gi not in used_g and pi not in used_p:
            pairs.append((gi, pi))
            used_g.add(gi)
            used_p.add(pi)
    return pairs


def align_documents(
    gold_docs: list[Mapping[str, Any]], pred_docs: list[Mapping[str, Any]]
) -> list[tuple[int | None, int | None]]:
    """Pairs of (gold index, predicted index) of one raw file, one to one.

    Relevant documents pair with relevant documents by title overlap (at least 60% of the
    shorter title); when the file has exactly one relevant predicted document, it pairs with
    a relevant gold document whatever its title (a wrong title costs the title field only).
    Irrelevant documents pair among themselves by title; they carry no facts.
    """

    def relevant(doc: Mapping[str, Any]) -> bool:
        return bool(doc.get("relevant", True))

    rel_g = [i for i, d in enumerate(gold_docs) if relevant(d)]
    rel_p = [i for i, d in enumerate(pred_docs) if relevant(d)]
    pairs = _title_pairs(gold_docs, pred_docs, rel_g, rel_p, TITLE_ALIGN_MIN)
    if len(rel_p) == 1 and rel_g and not pairs:
        pairs = _title_pairs(gold_docs, pred_docs, rel_g, rel_p, 0.0)[:1] or [(rel_g[0], rel_p[0])]
    paired_g = {g for g, _ in pairs}
    paired_p = {p for _, p in pairs}
    rest_g = [i for i in range(len(gold_docs)) if i not in paired_g and not relevant(gold_docs[i])]
    rest_p = [i for i in range(len(pred_docs)) if i not in paired_p and not relevant(pred_docs[i])]
    pairs += _title_pairs(gold_docs, pred_docs, rest_g, rest_p, TITLE_ALIGN_MIN)
    out: list[tuple[int | None, int | None]] = list(pairs)
    out += [(gi, None) for gi in range(len(gold_docs)) if gi not in {g for g, _ in pairs}]
    out += [(None, pi) for pi in range(len(pred_docs)) if pi not in {p for _, p in pairs}]
    return sorted(out, key=lambda p: (p[0] if p[0] is not None else 1_000_000, p[1] or 0))


_EMPTY: dict[str, Any] = {"relevant": False}


def score_document(
    gold: Mapping[str, Any], pred: Mapping[str, Any], aliases: Mapping[str, str], scores: Scores
) -> dict[str, Any]:
    """Add one aligned pair's counts to ``scores``; returns a per-document summary."""
    detail: dict[str, Any] = {"gold_title": gold.get("title"), "pred_title": pred.get("title")}
    g_rel, p_rel = bool(gold.get("relevant")), bool(pred.get("relevant"))
    scores.fields["relevance"].add(
        Counts(tp=int(g_rel and p_rel), fp=int(p_rel and not g_rel), fn=int(g_rel and not p_rel))
    )

    resp = _prf_sets(_responsibility_triples(gold, aliases), _responsibility_triples(pred, aliases))
    scores.fields["responsibilities"].add(resp)
    targets, (missed, spurious) = match_targets(
        list(gold.get("targets") or []), list(pred.get("targets") or [])
    )
    scores.fields["targets"].add(targets)
    progs = _prf_sets(
        {programme_key(n) for n in gold.get("programmes") or []},
        {programme_key(n) for n in pred.get("programmes") or []},
    )
    scores.fields["programmes"].add(progs)
    detail.update(
        responsibilities=resp.as_dict(),
        targets=targets.as_dict(),
        programmes=progs.as_dict(),
        missed_targets=missed,
        spurious_targets=spurious,
        missed_programmes=sorted(
            {programme_key(n) for n in gold.get("programmes") or []}
            - {programme_key(n) for n in pred.get("programmes") or []}
        ),
        spurious_programmes=sorted(
            {programme_key(n) for n in pred.get("programmes") or []}
            - {programme_key(n) for n in gold.get("programmes") or []}
        ),
    )

    if g_rel:
        scores.metadata_total += 1
        wrong = {}
        for name in EXACT_FIELDS:
            if gold.get(name) == pred.get(name):
                scores.metadata_right[name] += 1
            else:
                wrong[name] = {"gold": gold.get(name), "pred": pred.get(name)}
        for name in SET_FIELDS:
            norm = (lambda v: aliases.get(v, v)) if name == "issuers" else (lambda v: v)
            g_set = {norm(v) for v in gold.get(name) or []}
            p_set = {norm(v) for v in pred.get(name) or []}
            scores.fields[name].add(_prf_sets(g_set, p_set))
            if g_set == p_set:
                scores.metadata_right[name] += 1
            else:
                wrong[name] = {"gold": sorted(g_set), "pred": sorted(p_set)}
        detail["metadata_mismatches"] = wrong
    return detail


def score(
    gold_records: Iterable[Mapping[str, Any]],
    predicted: Iterable[Mapping[str, Any]],
    aliases: Mapping[str, str],
) -> Scores:
    """Score predicted records (one per raw file) against gold records."""
    scores = Scores()
    by_source = {p["source"]: p for p in predicted}
    for gold in sorted(gold_records, key=lambda r: r["source"]):
        pred = by_source.get(gold["source"])
        if pred is None:
            scores.errors.append({"source": gold["source"], "error": "no prediction"})
            pred = {"source": gold["source"], "documents": []}
        g_docs, p_docs = list(gold["documents"]), list(pred["documents"])
        for gi, pi in align_documents(g_docs, p_docs):
            g = g_docs[gi] if gi is not None else _EMPTY
            p = p_docs[pi] if pi is not None else _EMPTY
            detail = score_document(g, p, aliases, scores)
            detail["source"] = gold["source"]
            scores.documents.append(detail)
    return scores


def read_gold_dir(gold_dir: Path) -> list[dict[str, Any]]:
    """All gold records under ``gold_dir/gold``; a clear error for a missing or malformed file."""
    folder = gold_dir / "gold"
    if not folder.is_dir():
        raise EvaluationError(
            f"{folder} does not exist", hint="--gold must hold raw/, gold/ and bodies*.tsv"
        )
    records = []
    for path in sorted(folder.glob("*.json")):
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise EvaluationError(f"{path}: malformed JSON: {exc}") from exc
    if not records:
        raise EvaluationError(f"{folder} holds no *.json gold files")
    return records
