"""Extraction is robust to how a text reaches us: property tests over every evaluation document.

Each transformation is one a real copy of a policy text goes through: PDF copy-paste (a hard line
break every ~38 characters), half-width punctuation (。→. ，→, ：→: （）→()), Traditional script
(OpenCC s2t), and printed page numbers ("— n —") every dozen lines. The facts extracted from the
transformed text, scored against those of the original, must keep F1 >= 0.95 per field.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import opencc
import pytest

from pipeline.config import Settings
from pipeline.evaluate import score
from pipeline.facts import gold_record
from pipeline.nlp import build_nlp
from pipeline.runner import process_raw

EVAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
WRITTEN = Path(__file__).resolve().parent / "data" / "eval" / "written"
pytestmark = pytest.mark.slow
FACT_FIELDS = ("responsibilities", "targets", "programmes", "relevance")
MIN_F1 = 0.95
MIN_METADATA = 0.90


def rewrap(text: str, width: int = 38) -> str:
    """A hard line break every ``width`` characters, as PDF copy-paste leaves them."""
    out = []
    for line in text.split("\n"):
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return "\n".join(out)


def half_width(text: str) -> str:
    return text.translate(str.maketrans({"。": ".", "，": ",", "：": ":", "（": "(", "）": ")"}))


def traditional(text: str) -> str:
    return opencc.OpenCC("s2t").convert(text)


def page_numbers(text: str) -> str:
    out = []
    for i, line in enumerate(text.split("\n"), 1):
        out.append(line)
        if i % 12 == 0:
            out.append(f"— {i // 12} —")
    return "\n".join(out)


TRANSFORMS: dict[str, Callable[[str], str]] = {
    "rewrap": rewrap,
    "half_width": half_width,
    "traditional": traditional,
    "page_numbers": page_numbers,
}


def raw_files() -> list[Path]:
    """Every raw document of dev and dev2 (when ``../shared`` is there) and of the written set."""
    shared = sorted((EVAL_DIR / "dev" / "raw").glob("*")) + sorted(
        (EVAL_DIR / "dev2" / "raw").glob("*")
    )
    return shared + sorted((WRITTEN / "raw").glob("*"))


@lru_cache(maxsize=1)
def nlp() -> Any:
    return build_nlp(Settings.from_env())


@cache
def records(transform: str) -> tuple[dict[str, Any], ...]:
    change = TRANSFORMS.get(transform, lambda text: text)
    out = []
    for path in raw_files():
        text = change(path.read_text(encoding="utf-8"))
        documents, facts = process_raw(path.name, text.encode("utf-8"), nlp())
        out.append(gold_record(path.name, documents, facts))
    return tuple(out)


def test_transforms_change_the_text() -> None:
    sample = (
        "一、总体要求。\n（一）加强领导，落实责任：" + "国家卫生健康委负责" * 6 + "\n第一段。" * 12
    )
    for name, change in TRANSFORMS.items():
        assert change(sample) != sample, name


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
def test_facts_survive_transformation(transform: str) -> None:
    result = score(list(records("original")), list(records(transform)), {})
    assert sum(len(d["responsibilities"]) for r in records("original") for d in r["documents"]) > 30
    for field in FACT_FIELDS:
        assert result.fields[field].f1 >= MIN_F1, (field, result.fields[field].as_dict())
    assert result.metadata_accuracy >= MIN_METADATA, result.as_dict()["metadata"]
