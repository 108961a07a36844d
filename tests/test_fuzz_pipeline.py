"""Fuzzing ingest → structure → extract → RDF (and SHACL) with generated and mutated inputs.

Every input either becomes documents whose graph conforms to the shapes, or is refused with an
:class:`InputError` naming the reason; nothing else may escape. The shapes of input that broke
runs before (deeply nested YAML front matter, repeated headings, broken markup, mixed encodings)
are in the corpus the strategies draw from. Bounded: a fixed number of examples, no deadline.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from pipeline.config import Settings
from pipeline.errors import InputError
from pipeline.rdf.iris import document_iri

ROOT = Path(__file__).resolve().parents[1]
SEED = sorted((ROOT / "data" / "raw").iterdir())
#: Examples per run in ``make test``; ``POLICYKG_FUZZ_EXAMPLES`` raises it for a longer hunt.
FUZZ_EXAMPLES = int(os.environ.get("POLICYKG_FUZZ_EXAMPLES", "200"))

_LINES = [
    "关于进一步加强基层医疗卫生服务能力建设的实施方案",
    "聊卫发〔2023〕12号",
    "2023年5月8日",
    "一、总体要求",
    "二、主要任务",
    "三、保障措施",
    "（一）加强医疗服务。",
    "(二)提升服务能力。",
    "1. 做好落实。",
    "(3)强化考核",
    "④完善机制",
    "第一章 总则",
    "第2部分",
    "（责任单位：市卫生健康委、市财政局，排第一位为牵头单位，下同）",
    "到2025年，基层门急诊人次占比达到65%以上。",
    "实施“千县工程”。",
    "由市卫生健康委牵头，市医保局配合。",
    "---",
    "title: 规划",
    "date: 2022-05-20",
    "<p>",
    "</p>",
    "<div class='x'>",
    "&nbsp;&ldquo;",
    "**加粗**",
    "[链接](http://example.com)",
    "<script>alert(1)</script>",
    "\t",
    "  ",
    "",
    "。。。",
    "《关于印发某规划的通知》",
    "' OR 1=1 --",
    '"}]; DROP TABLE x; //',
    "<http://x>",
    "\ufeff",
    "\u200b",
    "\x00",
    "\r",
    "醫療衛生",
    "yī",
]


def _yaml_bomb(depth: int) -> str:
    return "---\ntitle: " + "[" * depth + "\n---\n正文\n"


def _splice(data: bytes, at: int, junk: bytes) -> bytes:
    """``data`` with ``junk`` inserted at ``at`` (wrapped into its length)."""
    cut = at % (len(data) + 1)
    return data[:cut] + junk + data[cut:]


_text_documents = st.lists(st.sampled_from(_LINES) | st.text(max_size=40), max_size=60).map(
    "\n".join
)
_documents = st.one_of(
    _text_documents.map(lambda t: t.encode("utf-8")),
    _text_documents.map(lambda t: t.encode("gb18030", errors="replace")),
    _text_documents.map(lambda t: t.encode("utf-16")),
    st.integers(1, 3000).map(lambda n: _yaml_bomb(n).encode()),
    st.integers(1, 400).map(lambda n: ("（一）加强医疗服务。\n" * n).encode()),
    st.binary(max_size=400),
    st.tuples(st.sampled_from(SEED), st.integers(0, 20_000), st.binary(max_size=30)).map(
        lambda t: _splice(t[0].read_bytes(), t[1], t[2])
    ),
)


@pytest.fixture(scope="module")
def nlp():
    from pipeline.nlp import build_nlp

    return build_nlp()


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize="POLICYKG_FUZZ_EXAMPLES" not in os.environ,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    data=_documents,
    name=st.sampled_from(["a.txt", "b.html", "c.md", "规划 (2023).txt"])
    | st.text(min_size=1, max_size=30).filter(lambda t: "/" not in t).map(lambda t: t + ".txt"),
)
def test_pipeline_stages_never_crash(nlp, data, name):
    from pipeline.runner import _stages

    try:
        result = _stages(Settings(), name, "0" * 64, data, nlp)
    except InputError:
        return
    for out in result.outputs:
        assert out.rdf is None or out.rdf.conforms, out.rdf.violations
        if out.rdf is not None:  # the N-Triples written parse back, document IRI included
            graph = Graph().parse(data=out.rdf.ntriples, format="nt")
            assert len(graph) == out.rdf.triples
            assert (document_iri(out.doc_id), None, None) in graph
