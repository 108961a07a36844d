"""How ``policykg query`` reads its parameters and writes its cells (no server needed)."""

from __future__ import annotations

import pytest
from test_queries import QUERIES

from pipeline.cli.query_output import (
    cell_text,
    csv_text,
    declared_types,
    falkordb_message,
    json_text,
    named_params,
    split_pairs,
)  # fmt: skip
from pipeline.errors import QueryError


@pytest.mark.parametrize(("value", "text"), [
    (["聊城市财政局", "聊城市卫生健康委员会"], "聊城市卫生健康委员会、聊城市财政局"),
    (["甲", "甲", None], "甲"),
    (65.0, "65"), (0.5, "0.5"), (12, "12"), (None, ""), ([], ""), (True, "true"),
    ({"indicator": "床医比", "comparator": "=", "value": 1.3, "unit": "ratio", "deadline": "2025"},
     "床医比 = 1∶1.3（2025）"),
])  # fmt: skip
def test_cell_text_reads_right(value, text):
    assert cell_text(value) == text


def test_csv_text_joins_lists_and_ends_with_newline():
    rows = [{"task": "筑牢基层服务网底", "value": 65.0, "bodies": ["市卫健委", "市财政局"]}]
    assert csv_text(["task", "value", "bodies"], rows) == (
        "task,value,bodies\n筑牢基层服务网底,65,市卫健委、市财政局\n"
    )
    assert csv_text(["a"], []) == "a\n"


def test_json_text_has_whole_numbers_and_ends_with_newline():
    text = json_text([{"value": 65.0, "share": 0.35, "targets": [{"value": 2.0}]}])
    assert '"value": 65,' in text and '"share": 0.35' in text and '"value": 2\n' in text
    assert text.endswith("]\n")


@pytest.mark.parametrize(
    ("raw", "expected"), [("2025", 2025), ("二〇二五", 2025), ("两千零二十五", 2025)]
)
def test_year_parameter_understands_chinese_numerals(raw, expected):
    query = QUERIES["due_by_year"]
    assert named_params(query.name, query.parameters, query.declared, {"year": raw}) == {
        "year": expected
    }


@pytest.mark.parametrize("raw", ["明年", "2025年", "2025.5", ""])
def test_year_parameter_refuses_what_is_no_year(raw):
    query = QUERIES["due_by_year"]
    with pytest.raises(QueryError, match="year=.* is not a whole number"):
        named_params(query.name, query.parameters, query.declared, {"year": raw})


def test_text_parameter_stays_text_even_when_it_is_digits():
    query = QUERIES["documents_citing"]
    assert named_params(query.name, query.parameters, query.declared, {"document": "2023"}) == {
        "document": "2023"
    }


def test_unknown_parameter_is_refused_with_the_ones_the_query_takes():
    query = QUERIES["due_by_year"]
    with pytest.raises(QueryError, match="takes no parameter yaer") as info:
        named_params(query.name, query.parameters, query.declared, {"yaer": "2025"})
    assert "year" in info.value.hint


def test_every_query_declares_the_type_of_each_parameter():
    for query in QUERIES.values():
        assert set(declared_types(query.declared)) == set(query.parameters), query.name


def test_every_query_showing_a_target_value_shows_its_comparator():
    for query in QUERIES.values():
        if "targetValue" in query.text:
            assert "comparator" in query.text, query.name


@pytest.mark.parametrize("pair", ["year", "=2025"])
def test_split_pairs_refuses_a_pair_without_key_or_value(pair):
    with pytest.raises(QueryError, match="bad parameter"):
        split_pairs([pair])


def test_falkordb_message_keeps_line_and_column():
    said = falkordb_message(
        "errMsg: Invalid input 'N': expected a label line: 2, column: 5, offset: 20 "
        "errCtx: MATCH (n:) RETURN n errCtxOffset: 9"
    )
    assert said.startswith("Invalid input 'N': expected a label (line 2, column 5")
