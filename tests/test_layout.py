"""Page layout repairs at ingest: hard-wrapped lines joined, periods read as 。, page numbers dropped."""

from __future__ import annotations

from pipeline.ingest import ingest_bytes
from pipeline.ingest.layout import wrap_width

PARAGRAPH = (
    "到2025年,全市医疗卫生服务体系进一步健全,每千人口医疗卫生机构床位数达到7.2张,"
    "县域内住院人次占比达到90%以上,基层医疗卫生机构诊疗量占比稳定在65%左右。"
    "(责任单位:市卫生健康委、市发展改革委、市财政局)"
)


def clean(text: str) -> str:
    (article,) = ingest_bytes("doc.txt", text.encode("utf-8"))
    return article.text


def wrapped(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def test_hard_wrapped_paragraph_is_joined() -> None:
    body = PARAGRAPH + "\n" + PARAGRAPH.replace("2025", "2035")
    text = "某市医疗卫生服务体系实施方案\n一、总体目标\n" + "\n".join(
        wrapped(p, 30) for p in body.split("\n")
    )
    text += "\n二、重点任务\n(一)优化资源配置。"
    lines = clean(text).split("\n")
    assert PARAGRAPH in lines and PARAGRAPH.replace("2025", "2035") in lines
    assert lines[:2] == ["某市医疗卫生服务体系实施方案", "一、总体目标"]
    assert "二、重点任务" in lines


def test_flowing_text_keeps_its_lines() -> None:
    text = "某市实施方案\n" + PARAGRAPH + "\n" + PARAGRAPH.replace("2025", "2035")
    assert clean(text).split("\n") == ["某市实施方案", PARAGRAPH, PARAGRAPH.replace("2025", "2035")]


def test_bracket_left_open_runs_on_to_its_close() -> None:
    text = "(一)完善服务网络。(国家卫生健康委、国家\n医保局按职责分工负责)\n(二)健全机制。"
    assert clean(text).split("\n") == [
        "(一)完善服务网络。(国家卫生健康委、国家医保局按职责分工负责)",
        "(二)健全机制。",
    ]


def test_bracket_cut_off_is_not_joined_to_the_next_section() -> None:
    text = "(一)完善服务网络。(责任单位:市卫生健康委\n(二)健全机制(含基层)。"
    assert clean(text).split("\n") == [
        "(一)完善服务网络。(责任单位:市卫生健康委",
        "(二)健全机制(含基层)。",
    ]


def test_half_width_period_after_chinese_is_a_full_stop() -> None:
    assert (
        clean("加强领导.落实责任.人均预期寿命达到78.5岁.")
        == "加强领导。落实责任。人均预期寿命达到78.5岁。"
    )


def test_printed_page_numbers_are_dropped() -> None:
    assert (
        clean("第一段。\n— 3 —\n第二段。\n- 12 -\n第 4 页 共 10 页\n第三段。")
        == "第一段。\n第二段。\n第三段。"
    )


def test_wrap_width_needs_many_full_lines() -> None:
    assert wrap_width([30.0] * 6 + [12.0, 8.0]) == 30.0
    assert wrap_width([120.0, 300.0, 45.0, 80.0, 260.0, 33.0]) is None
