"""The explorer's tables: every fact of the corpus, its owners and its sentence in its paragraph."""

from __future__ import annotations

import json

from analysis_records import HEALTH, literal_corpus

from pipeline.analysis.explorer import explorer_data, script_json


def test_explorer_data_keeps_every_target_with_its_sentence_in_its_paragraph() -> None:
    corpus = literal_corpus()
    data = explorer_data(corpus, {})
    relevant = {d.doc_id for d in corpus.relevant_documents()}
    expected = sum(len(f.targets) for f in corpus.facts if f.doc_id in relevant)
    assert len(data["targets"]) == expected > 0
    by_text = {f.provenance.sentence for f in corpus.facts for f in f.targets}
    for target in data["targets"]:
        source, start, end, para, s_start, s_end, m_start, m_end = target[7]
        sentence = data["paras"][para][s_start:s_end]
        assert sentence in by_text and s_start <= m_start <= m_end <= s_end
        assert end > start and source


def test_explorer_data_names_leads_and_supports_of_each_task() -> None:
    data = explorer_data(literal_corpus(), {})
    names = [b[0] for b in data["bodies"]]
    led = [t for t in data["tasks"] if names.index(HEALTH) in t[3]]
    assert led and all(t[2] for t in led)
    roles = {d[2] for d in data["duties"]}
    assert roles == {"lead", "support"}
    assert all(
        data["tasks"][d[0]][3 if d[2] == "lead" else 4].count(d[1]) == 1 for d in data["duties"]
    )


def test_script_json_cannot_close_its_script_element() -> None:
    text = script_json({"indicator": "</script><script>alert(1)</script>"})
    assert "<" not in text and json.loads(text) == {
        "indicator": "</script><script>alert(1)</script>"
    }
