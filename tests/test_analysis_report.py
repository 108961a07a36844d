"""Unit tests of the HTML report: content, escaping, self-containment, the SVG drawings."""

from __future__ import annotations

import dataclasses
import re

import pytest
from analysis_records import HEALTH, city_document, literal_corpus, national_document

from pipeline.analysis import analyse
from pipeline.analysis.corpus import Corpus
from pipeline.analysis.report import (
    build_report,
    network_svg,
    render_report,
    short_name,
    timeline_svg,
)
from pipeline.models import Deadline, DocumentFacts, TaskDeadline


def _render(corpus: Corpus) -> str:
    result = analyse(corpus)
    return render_report(
        build_report(
            corpus,
            result.graph,
            result.rankings,
            result.pairs,
            result.document_links,
            result.task_links,
        )
    )


@pytest.fixture(scope="module")
def page() -> str:
    return _render(literal_corpus())


def test_report_is_self_contained(page: str) -> None:
    assert "<link" not in page
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page)


def test_report_has_matrix_with_roles(page: str) -> None:
    matrix = page.split('class="matrix"')[1].split("</table>")[0]
    assert matrix.count("<tr>") == 1 + 4  # header + one row per task with named bodies
    assert matrix.count('class="doc-row"') == 1
    assert matrix.count("lead-mark") == 5 and matrix.count("support-mark") == 4


def test_report_cascade_shows_targets_side_by_side(page: str) -> None:
    cascade = page.split('id="cascade"')[1].split("</section>")[0]
    assert "推进县域医共体建设" in cascade and "全面推进紧密型县域医共体建设" in cascade
    assert "县域内就诊率 ≥ 90%（2025）" in cascade and "县域内就诊率 ≥ 92%（2025）" in cascade
    assert "按标题匹配" in cascade


def test_report_escapes_document_text() -> None:
    corpus = literal_corpus()
    facts = corpus.facts_of("902_city#0")
    evil = dataclasses.replace(facts.targets[0], indicator='<script>alert("x")</script>&就诊率')
    hacked = dataclasses.replace(facts, targets=(evil, *facts.targets[1:]))
    others = [f for f in corpus.facts if f.doc_id != "902_city#0"]
    html = _render(Corpus.of(corpus.documents, [*others, hacked]))
    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(" in html
    assert html.count("<script>") == 1  # only the report's own filter script


def test_timeline_svg_groups_by_year() -> None:
    rows = [
        {"year_label": y, "doc_id": "a", "text": t, "document": "甲"}
        for y, t in (("2025", "x<1"), ("2025", "y"), ("2030", "z"), ("每年", "w"))
    ]
    svg = timeline_svg(rows, {"a": "#000"})
    assert svg.count('class="dot"') == 4
    assert "2025 · 2" in svg and "2030 · 1" in svg and "每年 · 1" in svg
    assert "x&lt;1" in svg


def test_network_svg_is_stable_and_weighted() -> None:
    graph = analyse(literal_corpus()).graph
    first, second = network_svg(graph), network_svg(graph)
    assert first == second
    widths = [float(w) for w in re.findall(r'stroke-width="([\d.]+)"', first)]
    assert len(widths) == graph.number_of_edges() and max(widths) > min(widths)
    assert short_name(HEALTH) in first


def test_report_without_responsibilities_still_renders() -> None:
    doc, facts = national_document()
    html = _render(Corpus.of([doc], [facts]))
    assert "没有明确责任单位" in html and "no co-responsibilities" in html


def test_short_name_keeps_unprefixed_names() -> None:
    assert short_name("国家卫生健康委员会") == "国家卫生健康委员会"
    _, facts = city_document()
    assert all(len(short_name(b.canonical)) >= 3 for b in facts.bodies)
    assert isinstance(facts, DocumentFacts)


def test_matrix_shows_a_task_table_deadline_with_its_cell() -> None:
    """A task whose 分工表 row gives a deadline shows it after the heading (an open one by its
    words), with the cell it was read from; tasks without one show none."""
    corpus = literal_corpus()
    facts = corpus.facts_of("902_city#0")
    first, second = sorted(
        {r.task_id: r for r in facts.responsibilities}.values(), key=lambda r: r.task_id
    )[:2]
    cell = dataclasses.replace(first.provenance, location="sheet 分工表, row 3, column E")
    due = (
        TaskDeadline(
            first.task_id, first.task_heading, Deadline("2025年底前", "2025-12-31", 2025), cell
        ),
        TaskDeadline(second.task_id, second.task_heading, Deadline("长期坚持", None, None), cell),
    )
    others = [f for f in corpus.facts if f.doc_id != "902_city#0"]
    page = _render(
        Corpus.of(corpus.documents, [*others, dataclasses.replace(facts, task_deadlines=due)])
    )
    matrix = page.split('class="matrix"')[1].split("</table>")[0]
    where = f"{first.provenance.source}, sheet 分工表, row 3, column E"
    assert (
        f'{first.task_heading} <span class="due" title="完成时限：{where}">（2025）</span>'
        in matrix
    )
    assert (
        f'{second.task_heading} <span class="due" title="完成时限：{where}">（长期坚持）</span>'
        in matrix
    )
    assert matrix.count('class="due"') == 2
