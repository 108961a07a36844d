"""The static HTML report: one self-contained page (inline CSS, JS and SVG; no network).

:func:`build_report` gathers what the page shows from the corpus (pure); :func:`render_report`
turns it into HTML with the Jinja template ``resources/report/index.html.j2`` (autoescaped, so
document text is always escaped); the SVG drawings are laid out here, escaping every label.

The page opens with the explorer: its script builds every view (a body by any alias, a document,
a programme, an indicator, a year; filters; overdue and due-soon marks) from the tables of
:mod:`pipeline.analysis.explorer`, embedded as JSON. The matrix, the drawings and the cascade
link into those views (``#body=…``, ``#doc=…``, ``#year=…``) and, on a large corpus, draw the
most connected part only (:data:`MATRIX_BODIES`, :data:`MATRIX_TASKS`, ...), saying so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import networkx as nx

from pipeline.analysis.cascade import DocumentLink, TaskMatch, links_between
from pipeline.analysis.corpus import LEVEL_RANK, Corpus
from pipeline.analysis.explorer import explorer_data, script_json
from pipeline.analysis.network import BodyRank, CoordinationPair, task_roles
from pipeline.analysis.reprints import Reprints
from pipeline.analysis.trace import task_deadline_label
from pipeline.config import RESOURCES_DIR
from pipeline.models import OPEN_DEADLINE_LABEL, Role, Target, deadline_label

if TYPE_CHECKING:
    from pipeline.analysis import Analysis

TEMPLATE_DIR = RESOURCES_DIR / "report"
TEMPLATE_NAME = "index.html.j2"
EXPLORER_SCRIPT = "explorer.js"
#: Seed of the network layout, so the drawing is the same on every run.
LAYOUT_SEED = 7
_SVG_NS = "http://www.w3.org/2000/svg"
#: What the page draws at most (the explorer shows everything, view by view).
MATRIX_BODIES = 40
MATRIX_TASKS = 400
TIMELINE_DOTS = 120
NETWORK_NODES = 80
CASCADE_LINKS = 40
_PALETTE = ("#2f6db5", "#d9822b", "#2e9d6a", "#b5485d", "#7a5cb8", "#8c7b38", "#3a9fb0", "#6b6b6b")


@dataclass(frozen=True)
class Report:
    """Everything the page shows, as plain data for the template."""

    summary: dict[str, int]
    documents: list[dict[str, Any]]
    matrix_bodies: list[str]
    matrix_rows: list[dict[str, Any]]
    rankings: list[BodyRank]
    pairs: list[CoordinationPair]
    timeline_svg: str
    network_svg: str
    cascades: list[dict[str, Any]]
    targets: list[dict[str, Any]]
    doc_colors: dict[str, str] = field(default_factory=dict)
    explorer_json: str = "{}"
    #: What a drawing or table left out on a large corpus: name -> (shown, total).
    shown: dict[str, tuple[int, int]] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def format_target(target: Target) -> str:
    """A target as one short line: ``基层门急诊人次占比 ≥ 65%（2025）``."""
    symbols = {">=": "≥", "<=": "≤", "=": "=", "~": "≈"}
    value = int(target.value) if float(target.value).is_integer() else target.value
    unit = "" if target.unit == "ratio" else target.unit
    prefix = "1∶" if target.unit == "ratio" else ""
    label = deadline_label(target.deadline)
    when = f"（{label}）" if label != OPEN_DEADLINE_LABEL else ""
    symbol = symbols.get(target.comparator.value, target.comparator.value)
    return f"{target.indicator} {symbol} {prefix}{value}{unit}{when}"


def short_name(body: str) -> str:
    """A body's name without a leading jurisdiction, for drawings.

    >>> short_name("聊城市卫生健康委员会"), short_name("中共聊城市委组织部"), short_name("国务院办公厅")
    ('卫生健康委员会', '市委组织部', '国务院办公厅')
    """
    for marker in ("市", "省", "自治区", "县", "区"):
        head, sep, tail = body.partition(marker)
        if sep and 1 <= len(head) <= 5 and len(tail) >= 3 and not head.startswith("中共"):
            return tail
        if sep and head.startswith("中共") and len(tail) >= 3:
            return marker + tail
    return body


def view_link(kind: str, value: str) -> str:
    """The page's link to an explorer view.

    >>> view_link("body", "市卫健委"), view_link("year", "2025")
    ('#body=%E5%B8%82%E5%8D%AB%E5%81%A5%E5%A7%94', '#year=2025')
    """
    return f"#{kind}={quote(value, safe='')}"


def _doc_colors(corpus: Corpus) -> dict[str, str]:
    documents = corpus.relevant_documents()
    return {d.doc_id: _PALETTE[i % len(_PALETTE)] for i, d in enumerate(documents)}


# --------------------------------------------------------------------------- drawings


def network_svg(graph: nx.Graph, width: int = 1100, height: int = 620) -> str:
    """The co-responsibility network as inline SVG (deterministic layout, weighted edges)."""
    if graph.number_of_nodes() == 0:
        return (
            f'<svg class="network" xmlns="{_SVG_NS}" viewBox="0 0 {width} 60" '
            f'role="img"><text x="10" y="35">no co-responsibilities in the corpus</text></svg>'
        )
    if graph.number_of_nodes() > NETWORK_NODES:  # the most connected bodies only
        hubs = sorted(graph.nodes, key=lambda n: (-graph.degree(n, weight="weight"), n))[
            :NETWORK_NODES
        ]
        graph = graph.subgraph(hubs)
    # Unweighted spring layout with a fixed seed: weights already show as edge widths, and heavy
    # weights would pull every partner onto a hub and pile up the labels.
    n = graph.number_of_nodes()
    positions = nx.spring_layout(
        graph, seed=LAYOUT_SEED, weight=None, k=2.5 / math.sqrt(n), iterations=300
    )
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    margin_x, margin_y = 140, 40

    def place(node: str) -> tuple[float, float]:
        x, y = positions[node]
        span_x = (max(xs) - min(xs)) or 1.0
        span_y = (max(ys) - min(ys)) or 1.0
        return (
            margin_x + (x - min(xs)) / span_x * (width - 2 * margin_x),
            margin_y + (y - min(ys)) / span_y * (height - 2 * margin_y),
        )

    top = max((d["weight"] for _, _, d in graph.edges(data=True)), default=1.0)
    parts = [
        (
            f'<svg class="network" xmlns="{_SVG_NS}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="co-responsibility network">'
        )
    ]
    for a, b, data in sorted(graph.edges(data=True), key=lambda e: (e[2]["weight"], e[0], e[1])):
        (x1, y1), (x2, y2) = place(a), place(b)
        stroke = 1 + 7 * data["weight"] / top
        opacity = 0.25 + 0.6 * data["weight"] / top
        parts.append(
            f'<line class="edge" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke-width="{stroke:.1f}" stroke-opacity="{opacity:.2f}">'
            f"<title>{escape(a)} – {escape(b)}: {data['weight']:.2f} "
            f"({data['shared_tasks']} shared tasks)</title></line>"
        )
    top_degree = max((graph.degree(n) for n in graph.nodes), default=1) or 1
    for node in sorted(graph.nodes):
        x, y = place(node)
        radius = 6 + 14 * graph.degree(node) / top_degree
        leads = graph.nodes[node].get("lead_tasks", 0)
        supports = graph.nodes[node].get("support_tasks", 0)
        parts.append(
            f'<a href="{escape(view_link("body", node))}"><g class="node">'
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}">'
            f"<title>{escape(node)}: leads {leads}, supports {supports}, "
            f"degree {graph.degree(node)}"
            f'</title></circle><text x="{x:.1f}" y="{y + radius + 14:.1f}" text-anchor="middle">'
            f"{escape(short_name(node))}</text></g></a>"
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline_svg(targets: list[dict[str, Any]], colors: dict[str, str], width: int = 900) -> str:
    """Targets as dots stacked above their deadline year (plus 每年 and 未定 columns)."""
    columns: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in targets:
        columns[row["year_label"]].append(row)
    years = sorted(k for k in columns if k.isdigit())
    labels = years + [k for k in ("每年", "未定") if k in columns]
    if not labels:
        return (
            f'<svg class="timeline" xmlns="{_SVG_NS}" viewBox="0 0 {width} 60" '
            f'role="img"><text x="10" y="35">no targets in the corpus</text></svg>'
        )
    per_row, dot, gap = 6, 14, 4
    tallest = max(math.ceil(min(len(v), TIMELINE_DOTS) / per_row) for v in columns.values())
    height = 60 + tallest * (dot + gap) + 40
    step = min(220, (width - 120) / max(len(labels), 1))
    base = height - 40
    parts = [
        (
            f'<svg class="timeline" xmlns="{_SVG_NS}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="targets by deadline year">'
        ),
        f'<line class="axis" x1="30" y1="{base + 4}" x2="{width - 20}" y2="{base + 4}"/>',
    ]
    for i, label in enumerate(labels):
        cx = 60 + i * step
        rows = columns[label]
        for j, row in enumerate(rows[:TIMELINE_DOTS]):
            x = cx + (j % per_row) * (dot + gap) - (per_row * (dot + gap)) / 2
            y = base - (j // per_row + 1) * (dot + gap)
            parts.append(
                f'<rect class="dot" x="{x:.1f}" y="{y:.1f}" width="{dot}" height="{dot}" rx="3" '
                f'fill="{colors.get(row["doc_id"], "#888")}"><title>{escape(row["text"])} — '
                f"{escape(row['document'])}</title></rect>"
            )
        more = f" (+{len(rows) - TIMELINE_DOTS})" if len(rows) > TIMELINE_DOTS else ""
        parts.append(
            f'<a href="{escape(view_link("year", label))}"><text class="year" x="{cx:.1f}" '
            f'y="{base + 24}" text-anchor="middle">{escape(label)} · {len(rows)}{more}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- the page


def _target_row(corpus: Corpus, target: Target, doc_id: str) -> dict[str, Any]:
    deadline = target.deadline
    label = deadline_label(deadline)
    year_label = str(deadline.year) if deadline and deadline.year and label[:4].isdigit() else label
    return {
        "doc_id": doc_id,
        "document": corpus.title(doc_id),
        "task": target.task_heading or "",
        "indicator": target.indicator,
        "text": format_target(target),
        "deadline": label,
        "year_label": year_label,
        "sentence": target.provenance.sentence,
        "source": target.provenance.where(),
        "offsets": f"{target.provenance.start}–{target.provenance.end}",
    }


def also_published(doc_ids: tuple[str, ...]) -> str:
    """The note naming the other articles that are the same policy document.

    >>> also_published(("000_84d2e6405c0b6c5b#1",)), also_published(())
    ('（同文另见 000_84d2e6405c0b6c5b#1）', '')
    """
    return f"（同文另见 {'、'.join(doc_ids)}）" if doc_ids else ""


def report_of(result: Analysis) -> Report:
    """The report of an :func:`pipeline.analysis.analyse` result (reprints folded and named)."""
    return build_report(
        result.corpus,
        result.graph,
        result.rankings,
        result.pairs,
        result.document_links,
        result.task_links,
        reprints=result.reprints,
    )


def build_report(
    corpus: Corpus,
    graph: nx.Graph,
    rankings: list[BodyRank],
    pairs: list[CoordinationPair],
    doc_links: list[DocumentLink],
    task_links: list[TaskMatch],
    *,
    reprints: Reprints | None = None,
) -> Report:
    """Collect the page's tables and drawings from the analysis results; ``reprints`` names
    the articles folded into a document, next to its title."""
    also = reprints or Reprints({})
    colors = _doc_colors(corpus)
    roles = task_roles(corpus.facts)
    ranked = [r.body for r in rankings]
    all_bodies = ranked + sorted({b for rs in roles.values() for b in rs} - set(ranked))
    matrix_bodies = all_bodies[:MATRIX_BODIES]
    shown = {"matrix bodies": (len(matrix_bodies), len(all_bodies))}
    chosen = set(matrix_bodies)
    matrix_tasks = [(task, by_body) for task, by_body in roles.items() if chosen & set(by_body)]
    shown["matrix tasks"] = (min(len(matrix_tasks), MATRIX_TASKS), len(roles))
    matrix_rows = []
    for task, by_body in matrix_tasks[:MATRIX_TASKS]:
        due = corpus.deadline_of_task(task.doc_id, task.task_id)
        matrix_rows.append(
            {
                "deadline": task_deadline_label(due) if due else "",
                "deadline_source": due.provenance.where() if due else "",
                "document": corpus.title(task.doc_id),
                "doc_id": task.doc_id,
                "doc_link": view_link("doc", task.doc_id),
                "task": task.heading,
                "cells": [
                    (
                        "lead"
                        if by_body.get(b) is Role.LEAD
                        else "support"
                        if by_body.get(b) is Role.SUPPORT
                        else ""
                    )
                    for b in matrix_bodies
                ],
            }
        )
    targets = [
        _target_row(corpus, t, f.doc_id)
        for f in corpus.facts
        for t in sorted(f.targets, key=lambda t: t.provenance.start)
    ]
    targets.sort(key=lambda r: (r["year_label"], r["doc_id"]))
    cascades = []
    ordered_links = sorted(doc_links, key=lambda lk: _level_key(corpus, lk))
    shown["cascade links"] = (min(len(ordered_links), CASCADE_LINKS), len(ordered_links))
    for link in ordered_links[:CASCADE_LINKS]:
        matches = links_between(task_links, link.implementing, link.implemented)
        rows = []
        for match in matches:
            theirs = corpus.targets_of_task(match.implemented_doc, match.implemented_task)
            ours = corpus.targets_of_task(match.implementing_doc, match.implementing_task)
            rows.append(
                {
                    "implemented_heading": match.implemented_heading,
                    "implementing_heading": match.implementing_heading,
                    "score": f"{match.score:.2f}",
                    "pairs": [(format_target(a), format_target(b)) for a, b in match.target_pairs],
                    "their_targets": [format_target(t) for t in theirs],
                    "our_targets": [format_target(t) for t in ours],
                }
            )
        cascades.append(
            {
                "implemented": corpus.title(link.implemented)
                + also_published(link.implemented_also),
                "implemented_id": link.implemented,
                "implemented_link": view_link("doc", link.implemented),
                "implementing_link": view_link("doc", link.implementing),
                "implemented_level": _level(corpus, link.implemented),
                "implementing": (
                    corpus.title(link.implementing) + also_published(link.implementing_also)
                ),
                "implementing_id": link.implementing,
                "implementing_level": _level(corpus, link.implementing),
                "matched_by": link.matched_by,
                "citation": link.citation.doc_number or link.citation.title or "",
                "rows": rows,
            }
        )
    documents = []
    for doc in corpus.relevant_documents():
        facts = corpus.facts_of(doc.doc_id)
        meta = doc.metadata
        documents.append(
            {
                "doc_id": doc.doc_id,
                "title": (meta.title or doc.doc_id) + also_published(also.also_in(doc.doc_id)),
                "level": meta.level.value if meta.level else "",
                "jurisdiction": meta.jurisdiction or "",
                "date": meta.date or "",
                "doc_number": meta.doc_number or "",
                "targets": len(facts.targets) if facts else 0,
                "responsibilities": len(facts.responsibilities) if facts else 0,
                "color": colors.get(doc.doc_id, "#888"),
                "link": view_link("doc", doc.doc_id),
            }
        )
    summary = {
        "documents": len(documents),
        "bodies": graph.number_of_nodes(),
        "tasks": len(roles),
        "targets": len(targets),
        "cascade links": len(task_links),
    }
    shown["network bodies"] = (min(graph.number_of_nodes(), NETWORK_NODES), graph.number_of_nodes())
    explorer = script_json(explorer_data(corpus, colors, also))
    return Report(
        summary,
        documents,
        matrix_bodies,
        matrix_rows,
        rankings,
        pairs,
        timeline_svg(targets, colors),
        network_svg(graph),
        cascades,
        targets,
        colors,
        explorer,
        shown,
    )


def _level(corpus: Corpus, doc_id: str) -> str:
    doc = corpus.document(doc_id)
    return doc.metadata.level.value if doc and doc.metadata.level else ""


def _level_key(corpus: Corpus, link: DocumentLink) -> tuple:
    doc = corpus.document(link.implemented)
    rank = LEVEL_RANK.get(doc.metadata.level, 9) if doc and doc.metadata.level else 9
    return (rank, link.implemented, link.implementing)


def render_report(report: Report) -> str:
    """The report page as one HTML string."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
    from markupsafe import Markup

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = env.get_template(TEMPLATE_NAME)
    return template.render(
        report=report,
        short_name=short_name,
        view_link=view_link,
        explorer_script=Markup((TEMPLATE_DIR / EXPLORER_SCRIPT).read_text(encoding="utf-8")),
        explorer_json=Markup(report.explorer_json),
        network_svg=Markup(report.network_svg),
        timeline_svg=Markup(report.timeline_svg),
    )
