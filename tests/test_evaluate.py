"""The scorer, on the dev gold itself and on controlled perturbations of it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from pipeline.errors import EvaluationError
from pipeline.evaluate import (
    align_documents,
    load_aliases,
    match_targets,
    ordered_overlap,
    read_gold_dir,
    score,
)

GOLD_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev"
pytestmark = pytest.mark.skipif(
    not GOLD_DIR.is_dir(), reason="../shared/eval/dev is not beside the project"
)


@pytest.fixture(scope="module")
def gold():
    return read_gold_dir(GOLD_DIR)


@pytest.fixture(scope="module")
def aliases():
    return load_aliases(GOLD_DIR)


def _f1(scores, name):
    return scores.fields[name].f1


def test_score_gold_against_itself_is_perfect(gold, aliases):
    scores = score(gold, gold, aliases)
    assert all(counts.f1 == 1.0 for counts in scores.fields.values())
    assert scores.metadata_accuracy == 1.0
    assert scores.metadata_total == 5  # the relevant documents of the dev set


def test_score_maps_body_aliases_to_canonical(gold, aliases):
    pred = copy.deepcopy(gold)
    doc = next(d for r in pred for d in r["documents"] if d["responsibilities"])
    doc["responsibilities"][0]["lead"] = ["市卫健委"]  # an alias of 聊城市卫生健康委员会
    assert _f1(score(gold, pred, aliases), "responsibilities") == 1.0


def test_score_counts_a_wrong_role(gold, aliases):
    pred = copy.deepcopy(gold)
    row = next(d for r in pred for d in r["documents"] if d["responsibilities"])[
        "responsibilities"
    ][0]
    row["lead"], row["support"] = row["support"], row["lead"]
    counts = score(gold, pred, aliases).fields["responsibilities"]
    assert counts.fp > 0 and counts.fn > 0


def test_score_task_heading_ignores_punctuation_and_spaces(gold, aliases):
    pred = copy.deepcopy(gold)
    for record in pred:
        for doc in record["documents"]:
            for row in doc["responsibilities"]:
                row["task"] = " " + row["task"] + "。"
    assert _f1(score(gold, pred, aliases), "responsibilities") == 1.0


@pytest.mark.parametrize(
    ("gold_ind", "pred_ind", "matches"),
    [
        ("基层门急诊人次占比", "门急诊人次占比", True),
        ("基层门急诊人次占比", "基层门急诊人次占比达到", True),
        ("基层门急诊人次占比", "全人群签约率", False),
    ],
)
def test_match_targets_indicator_overlap(gold_ind, pred_ind, matches):
    g = [{"indicator": gold_ind, "value": 65, "unit": "%", "deadline": "2025"}]
    p = [{"indicator": pred_ind, "value": 65.0, "unit": "%", "deadline": "2025"}]
    counts, _ = match_targets(g, p)
    assert counts.tp == int(matches)


def test_match_targets_requires_value_unit_and_deadline():
    g = [{"indicator": "全人群签约率", "value": 60, "unit": "%", "deadline": "2025"}]
    for change in ({"value": 61}, {"unit": "人"}, {"deadline": "2035"}):
        p = [dict(g[0], **change)]
        assert match_targets(g, p)[0].tp == 0


def test_match_targets_is_one_to_one():
    g = [{"indicator": "全人群签约率", "value": 60, "unit": "%", "deadline": "2025"}]
    counts, _ = match_targets(g, g + g)
    assert (counts.tp, counts.fp, counts.fn) == (1, 1, 0)


def test_align_documents_by_title_not_position():
    gold_docs = [
        {"title": "携手建设更加美好的世界"},
        {"title": "关于进一步完善医疗卫生服务体系的意见"},
    ]
    pred_docs = [
        {"title": "关于进一步完善医疗卫生服务体系的意见"},
        {"title": "携手建设更加美好的世界"},
    ]
    assert align_documents(gold_docs, pred_docs) == [(0, 1), (1, 0)]


def test_missing_prediction_counts_every_gold_fact_as_missed(gold, aliases):
    scores = score(gold, [], aliases)
    assert scores.fields["targets"].tp == 0
    assert scores.fields["targets"].fn == sum(
        len(d["targets"]) for r in gold for d in r["documents"]
    )
    assert [e["error"] for e in scores.errors] == ["no prediction"] * len(gold)


def test_ordered_overlap_is_symmetric_on_the_shorter_string():
    assert ordered_overlap("abc", "xaybzc") == ordered_overlap("xaybzc", "abc") == 1.0


def test_read_gold_dir_rejects_a_folder_without_gold(tmp_path):
    with pytest.raises(EvaluationError):
        read_gold_dir(tmp_path)


def test_align_documents_pairs_a_lone_relevant_prediction_whatever_its_title():
    gold_docs = [{"title": "某市进一步完善医疗卫生服务体系实施方案", "relevant": True}]
    pred_docs = [{"title": "政府信息公开", "relevant": True}]
    assert align_documents(gold_docs, pred_docs) == [(0, 0)]


def test_align_documents_needs_title_overlap_among_several_relevant_predictions():
    gold_docs = [{"title": "某市进一步完善医疗卫生服务体系实施方案", "relevant": True}]
    pred_docs = [
        {"title": "政府信息公开", "relevant": True},
        {"title": "网站首页", "relevant": True},
    ]
    assert align_documents(gold_docs, pred_docs) == [(0, None), (None, 0), (None, 1)]


def test_align_documents_keeps_irrelevant_documents_apart_from_relevant_ones():
    gold_docs = [
        {"title": "携手建设更加美好的世界", "relevant": False},
        {"title": "关于进一步完善医疗卫生服务体系的意见", "relevant": True},
    ]
    pred_docs = [{"title": "携手建设更加美好的世界", "relevant": True}]
    # The lone relevant prediction pairs with the relevant gold document, not its namesake.
    assert align_documents(gold_docs, pred_docs) == [(0, None), (1, 0)]
