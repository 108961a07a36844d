"""Tests of the ``policykg_deadlines`` component and its helpers."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from pipeline.errors import ResourceError
from pipeline.nlp.deadlines import (
    column_deadline,
    default_deadline_lexicon,
    flattened_deadline,
    load_lexicon,
    normalise_deadline,
)
from pipeline.nlp.extensions import DEADLINE, policykg_spans

RAW = Path(__file__).resolve().parent.parent / "data" / "raw"


@cache
def seed_texts(stem: str) -> tuple[str, ...]:
    """The clean texts of the documents of one seed raw file (ingest + structure)."""
    from pipeline.ingest import ingest_bytes
    from pipeline.store import read_raw
    from pipeline.structure import structure_article

    path = next(RAW.glob(f"{stem}_*"))
    return tuple(structure_article(a).text for a in ingest_bytes(path.name, read_raw(path)))


@pytest.fixture(scope="module")
def nlp() -> Language:
    nlp = spacy.blank("zh")
    nlp.add_pipe("policykg_deadlines")
    return nlp


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("到2025年", "2025"),
        ("2025年底", "2025-12-31"),
        ("2025年末", "2025-12-31"),
        ("每年", "annual"),
        ("十四五", "2025"),
        ("“十四五”期间", "2025"),
        ("十四五末", "2025"),
        ("“十五五”时期", "2030"),
        ("2035年", "2035"),
        ("2024年6月底前", "2024-06-30"),
        ("2024年2月底前", "2024-02-29"),
        ("力争到2027年底", "2027-12-31"),
        ("展望2035年", "2035"),
        ("２０２６年底前", "2026-12-31"),
        ("加强组织领导", None),
    ],
)
def test_normalise_deadline_values(text: str, value: str | None) -> None:
    assert normalise_deadline(text) == value


def test_find_keeps_surface_text_and_year() -> None:
    [match] = default_deadline_lexicon().find("力争到2025年底，全省90%以上的县建成医共体")
    assert (match.text, match.value, match.year, match.is_status) == (
        "力争到2025年底",
        "2025-12-31",
        2025,
        False,
    )


def test_find_marks_status_dates() -> None:
    [match] = default_deadline_lexicon().find("截至2023年底，全国建成医联体1.8万余个")
    assert match.is_status and match.year == 2023


@pytest.mark.parametrize(
    "text",
    [
        "2015年至2020年，人均预期寿命从76.34岁提高到77.93岁",
        "人均预期寿命在2020年基础上继续提高1岁左右",
        "2022年4月27日",
    ],
)
def test_find_ignores_ranges_base_years_and_dates(text: str) -> None:
    assert default_deadline_lexicon().find(text) == []


def test_component_adds_deadline_spans_with_extensions(nlp: Language) -> None:
    doc = nlp(
        "到2025年，基层门急诊人次占比达到65%以上；每年下沉医务人员280人次，2024年6月底前完成。"
    )
    spans = policykg_spans(doc, DEADLINE)
    assert [(s.text, s._.deadline, s._.deadline_year) for s in spans] == [
        ("到2025年", "2025", 2025),
        ("每年", "annual", None),
        ("2024年6月底前", "2024-06-30", 2024),
    ]
    assert spans[0]._.deadline_text == "到2025年"


def test_component_does_not_duplicate_existing_spans(nlp: Language) -> None:
    doc = nlp("到2025年，覆盖率达到20%。")
    nlp.get_pipe("policykg_deadlines")(doc)
    assert len(policykg_spans(doc, DEADLINE)) == 1


def test_component_can_drop_status_dates() -> None:
    nlp = spacy.blank("zh")
    nlp.add_pipe("policykg_deadlines", config={"keep_status_dates": False})
    doc = nlp("截至2023年底，全国建成医联体。到2027年底，实现全覆盖。")
    assert [s.text for s in policykg_spans(doc, DEADLINE)] == ["到2027年底"]


def test_sentence_bounds_are_the_sentences_of_the_sentence_component() -> None:
    from pipeline.sentences import sentence_bounds

    nlp = spacy.blank("zh")
    nlp.add_pipe("policykg_sentences")
    text = "到2025年，甲达到90%。乙！\n\n丙?丁"
    doc = nlp(text)
    assert [text[a:b] for a, b in sentence_bounds(text)] == [
        s.text.rstrip() for s in doc.sents if s.text.strip()
    ]
    assert [text[a:b] for a, b in sentence_bounds(text)] == [
        "到2025年，甲达到90%。",
        "乙！",
        "丙?",
        "丁",
    ]
    assert sentence_bounds("\n\n甲。") == [(2, 4)]


def test_load_lexicon_missing_file_raises_resource_error() -> None:
    with pytest.raises(ResourceError, match="no_such_lexicon.yaml"):
        load_lexicon("no_such_lexicon.yaml")


def test_seed_municipal_plan_deadlines(nlp: Language) -> None:
    [text] = seed_texts("003")
    spans = policykg_spans(nlp(text), DEADLINE)
    values = [s._.deadline for s in spans]
    assert values.count("2025") >= 20  # every 到2025年 paragraph of the 聊城 plan
    assert "2035" in values and "annual" in values
    assert all(s._.deadline_year in (None, 2024, 2025, 2035) for s in spans)


def test_seed_national_plan_period(nlp: Language) -> None:
    [text] = seed_texts("002")
    spans = policykg_spans(nlp(text), DEADLINE)
    assert {"2025", "2035"} <= {s._.deadline for s in spans}
    assert any("十四五" in s.text and s._.deadline == "2025" for s in spans)
    assert any(s.text.startswith("展望2035年") for s in spans)
    assert not any(
        s._.deadline_year == 2020 and "至" in s.text for s in spans
    )  # 2015年至2020年 is a range


# --------------------------------------------------------------------------- a table's deadline column


@pytest.mark.parametrize(
    ("cell", "value", "year"),
    [
        ("2025年底前", "2025-12-31", 2025),
        ("2025年底", "2025-12-31", 2025),
        ("2025年", "2025", 2025),
        ("２０２５年", "2025", 2025),
        ("2024年12月", "2024-12", 2024),
        ("2024年6月底前", "2024-06-30", 2024),
        ("2024年9月30日前", "2024-09-30", 2024),
        ("2023—2025年", "2025", 2025),  # a range is due at its end
        ("2023年-2025年", "2025", 2025),
        ("2023至2025年", "2025", 2025),
        ("2024年1月—2025年6月", "2025-06", 2025),
        ("2023年底前完成试点，2025年底前全面推开", "2025-12-31", 2025),  # the last step
        ("“十四五”期间", "2025", 2025),
        ("2025", "2025", 2025),  # a spreadsheet's number cell
        ("2025-06-30", "2025-06-30", 2025),  # a spreadsheet's date cell
        ("每年", "annual", None),
        ("每年12月底前", "annual", None),
        ("长期坚持", None, None),  # the open kinds keep their words
        ("持续推进", None, None),
        ("分阶段实施", None, None),
        ("2024年起持续推进", None, None),  # where the work starts is no deadline
    ],
)
def test_column_deadline_reads_every_kind_of_deadline_cell(cell, value, year) -> None:
    deadline = column_deadline(cell)
    assert deadline is not None
    assert (deadline.value, deadline.year, deadline.text) == (value, year, cell)


@pytest.mark.parametrize("cell", ["", "  ", "—", "/", "－"])
def test_column_deadline_of_an_empty_cell_is_none(cell) -> None:
    assert column_deadline(cell) is None


def test_running_text_still_needs_framed_years() -> None:
    """The column reading is opt-in: in running text a bare year or a range end stays no
    deadline, and the start of a range never is one."""
    lexicon = default_deadline_lexicon()
    assert lexicon.find("2023—2025年，全市新建医院") == []
    assert lexicon.find("2015年至2020年") == []
    assert [m.value for m in lexicon.find("2015年至2020年", framed=False)] == ["2015", "2020"]


@pytest.mark.parametrize(
    ("word", "value"),
    [("2025年底前", "2025-12-31"), ("每年", "annual"), ("长期坚持", None), ("持续推进", None)],
)
def test_flattened_row_ends_with_a_deadline(word, value) -> None:
    deadline = flattened_deadline(word)
    assert deadline is not None and deadline.value == value


@pytest.mark.parametrize(
    "word",
    [
        "市财政局",
        "市卫生健康委",
        "各县(市、区)人民政府",
        "医共体建设",
        "按要求开展2024年度摸底登记工作",  # a clause of a progress or remarks column
        "2024年6月底前完成摸底,12月底前全面完成",
    ],
)
def test_flattened_row_ending_with_other_words_has_no_deadline(word) -> None:
    assert flattened_deadline(word) is None
