"""The whole extraction, scored against the dev gold with the thresholds the issues name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli.eval_cmd import facts_records
from pipeline.config import Settings
from pipeline.evaluate import load_aliases, read_gold_dir, score

GOLD_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "dev"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not GOLD_DIR.is_dir(), reason="../shared/eval/dev is not beside the project"),
]


@pytest.fixture(scope="module")
def predicted():
    return list(facts_records([GOLD_DIR / "raw"], Settings.from_env()))


@pytest.fixture(scope="module")
def scores(predicted):
    return score(read_gold_dir(GOLD_DIR), predicted, load_aliases(GOLD_DIR))


def test_facts_prints_one_record_per_raw_file_in_gold_format(predicted):
    gold = {r["source"]: r for r in read_gold_dir(GOLD_DIR)}
    assert sorted(r["source"] for r in predicted) == sorted(gold)
    keys = set(next(iter(gold.values()))["documents"][0])
    for record in predicted:
        json.dumps(record, ensure_ascii=False)  # serialisable as it is printed
        for doc in record["documents"]:
            assert set(doc) == keys


@pytest.mark.parametrize(
    ("field", "threshold"),
    [("responsibilities", 0.95), ("targets", 0.85), ("programmes", 0.85), ("relevance", 1.0)],
)
def test_dev_f1_meets_threshold(scores, field, threshold):
    assert scores.fields[field].f1 >= threshold, scores.fields[field].as_dict()


def test_dev_metadata_accuracy_at_least_90_percent(scores):
    assert scores.metadata_accuracy >= 0.90, scores.as_dict()["metadata"]
