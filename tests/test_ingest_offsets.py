"""Offsets: normalising the raw span of any segment-aligned clean span gives that clean text."""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest import decode_raw, ingest_bytes, normalise_fragment
from pipeline.models import Article

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SEED_NAMES = sorted(p.name for p in RAW.iterdir() if p.is_file())


@cache
def _seed(name: str) -> tuple[str, tuple[Article, ...]]:
    data = (RAW / name).read_bytes()
    return decode_raw(data)[0], ingest_bytes(name, data)


def _boundaries(article: Article) -> list[int]:
    return sorted(
        {s.clean_start for s in article.offsets.segments}
        | {s.clean_end for s in article.offsets.segments}
    )


ARTICLES = [(name, i) for name in SEED_NAMES for i in range(len(_seed(name)[1]))]


@pytest.mark.parametrize(("name", "index"), ARTICLES)
def test_offsets_segments_cover_clean_text(name: str, index: int) -> None:
    raw, articles = _seed(name)
    article = articles[index]
    segments = article.offsets.segments
    assert segments[0].clean_start == 0 and segments[-1].clean_end == len(article.text)
    for left, right in itertools.pairwise(segments):
        assert left.clean_end == right.clean_start and left.raw_end <= right.raw_start
    for seg in segments:
        if seg.linear and seg.clean_end - seg.clean_start:
            # identity runs are identical up to script/width folding
            assert (
                normalise_fragment(raw[seg.raw_start : seg.raw_end]).strip()
                == article.text[seg.clean_start : seg.clean_end].strip()
            )


@pytest.mark.parametrize(("name", "index"), ARTICLES)
def test_offsets_whole_article_round_trip(name: str, index: int) -> None:
    raw, articles = _seed(name)
    article = articles[index]
    start, end = article.offsets.to_raw(0, len(article.text))
    assert normalise_fragment(raw[start:end]) == article.text


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_offsets_fragment_property(data: st.DataObject) -> None:
    name, index = data.draw(st.sampled_from(ARTICLES))
    raw, articles = _seed(name)
    article = articles[index]
    bounds = _boundaries(article)
    i = data.draw(st.integers(0, len(bounds) - 2))
    j = data.draw(
        st.integers(i + 1, min(len(bounds) - 1, i + data.draw(st.sampled_from([1, 3, 20, 10_000]))))
    )
    a, b = bounds[i], bounds[j]
    start, end = article.offsets.to_raw(a, b)
    assert normalise_fragment(raw[start:end]) == article.text[a:b]


def test_offsets_map_pinyin_to_annotated_raw_char() -> None:
    raw, (article,) = _seed("004_9ee0ee2d1a04337c.txt")
    pos = article.text.index("医疗")
    start, end = article.offsets.to_raw(pos, pos + 1)
    assert raw[start:end] == "醫(yī)"


def test_offsets_map_inline_tag_word_to_raw() -> None:
    raw, (article,) = _seed("002_ad0221d9827c4750.txt")
    pos = article.text.index("职工基本医疗保险")
    start, end = article.offsets.to_raw(pos, pos + len("职工基本医疗保险"))
    assert raw[start:end].startswith("职工基本医疗<span") and raw[start:end].endswith("保险")
