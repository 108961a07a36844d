"""The structure stage is linear in its input: counted in executed lines of code, not seconds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipeline.models import Article, OffsetMap, Segment, SourceFormat
from pipeline.structure import structure_article
from pipeline.structure.hierarchy import build_sections

STRUCTURE_DIR = str(Path(__file__).resolve().parents[1] / "pipeline" / "structure")
_CN = "一二三四五六七八九"


def _repeated_items(n: int) -> str:
    return "关于加强医疗服务的实施方案\n" + "\n".join(["（一）加强医疗服务。"] * n)


def _nested(n: int) -> str:
    lines = ["关于加强医疗服务的实施方案"]
    for i in range(n // 10 + 1):
        lines.append(f"第{i + 1}章 总则")  # a chapter restarts part numbering
        lines.append("一、总体要求")
        for j in range(3):
            lines.append(f"（{_CN[j]}）加强医疗服务。")
            lines += [f"{k}. 落实责任，推进基层医疗卫生机构建设。" for k in range(1, 3)]
    return "\n".join(lines[: n + 1])


def _unmarked(n: int) -> str:
    body = "各级卫生健康部门要加强组织领导，完善工作机制，强化督导考核，确保各项任务落到实处，取得实效。"
    return "\n".join(body if i % 2 else "加强基层医疗服务能力建设" for i in range(n))


def _executed_lines(fn, *args) -> int:
    """Lines of ``pipeline/structure`` code executed by ``fn(*args)``."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if not frame.f_code.co_filename.startswith(STRUCTURE_DIR):
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        fn(*args)
    finally:
        sys.settrace(None)
    return count


def _article(text: str) -> Article:
    return Article(doc_id="x#0", source="x.txt", source_sha256="0" * 64, index=0, text=text,
                   offsets=OffsetMap((Segment(0, len(text), 0, len(text)),)), encoding="utf-8",
                   source_format=SourceFormat.TEXT, relevant=True, relevance_score=1.0, hints={})  # fmt: skip


@pytest.mark.parametrize("generate", [_repeated_items, _nested, _unmarked])
def test_build_sections_work_grows_linearly(generate):
    small, large = (
        _executed_lines(build_sections, generate(400)),
        _executed_lines(build_sections, generate(1600)),
    )
    # 4x the lines: linear work is ~4x; the quadratic version this replaces did ~15x.
    assert large <= 5 * small, (small, large)
    assert large <= 1000 * 1600  # a generous constant per line


def test_structure_article_work_grows_linearly():
    small = _executed_lines(structure_article, _article(_repeated_items(400)))
    large = _executed_lines(structure_article, _article(_repeated_items(1600)))
    assert large <= 5 * small, (small, large)


def test_build_sections_handles_ten_thousand_repeated_items():
    sections = build_sections(_repeated_items(10_000))
    assert len(sections) == 10_000
    assert [s.section_id for s in sections[:3]] == ["i1", "i1_2", "i1_3"]
    assert sections[-1].section_id == "i1_10000"
    assert all(s.paragraphs and s.heading == "加强医疗服务" for s in sections)
