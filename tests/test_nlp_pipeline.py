"""build_nlp: segmenters, component order, config, save/load round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
import spacy_pkuseg
from spacy.language import Language

from pipeline.config import Segmenter, Settings
from pipeline.errors import ExtractionError
from pipeline.nlp import COMPONENT_MODULES, build_nlp
from pipeline.nlp.extensions import DocSection

ROOT = Path(__file__).resolve().parents[1]
PKUSEG_DATA = ROOT / "tests/data/pkuseg"
TEXT = "（一）科学配置医疗资源。支持聊城市人民医院建设。(责任单位:卫生健康委、财政,排第一位为牵头单位)\n到2025年，完成任务！"


def annotations(nlp: Language, text: str = TEXT) -> list[tuple]:
    doc = nlp.make_doc(text)
    doc._.jurisdiction, doc._.level, doc._.sections = (
        "聊城市",
        "municipal",
        [DocSection("i1", "item", "科学配置医疗资源", 0, len(text))],
    )
    doc = nlp(doc)
    spans = sorted(
        (s.start_char, s.end_char, s.label_, s._.canonical) for s in doc.spans["policykg"]
    )
    links = [(link.body._.canonical, link.role) for link in doc._.responsibilities]
    return [tuple(t.is_sent_start for t in doc), spans, links]


@pytest.fixture(scope="module")
def pkuseg_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = tmp_path_factory.mktemp("pkuseg")
    spacy_pkuseg.train(
        str(PKUSEG_DATA / "train.txt"), str(PKUSEG_DATA / "test.txt"), str(model), train_iter=1
    )
    return model


def test_build_nlp_component_order() -> None:
    nlp = build_nlp(Settings())
    assert nlp.lang == "zh"
    assert nlp.pipe_names == list(COMPONENT_MODULES)


def test_build_nlp_char_segmenter_default() -> None:
    doc = build_nlp(Settings()).make_doc("卫生健康委")
    assert [t.text for t in doc] == list("卫生健康委")


def test_build_nlp_jieba_segmenter() -> None:
    doc = build_nlp(Settings(segmenter=Segmenter.JIEBA)).make_doc("完善医疗卫生服务体系")
    assert len(doc) < len("完善医疗卫生服务体系")


def test_build_nlp_segmenter_from_environment() -> None:
    settings = Settings.from_env({"POLICYKG_SEGMENTER": "jieba"})
    assert build_nlp(settings).tokenizer.segmenter == "jieba"


def test_build_nlp_pkuseg_segments_with_trained_model(pkuseg_model: Path) -> None:
    nlp = build_nlp(Settings(segmenter=Segmenter.PKUSEG, pkuseg_model=pkuseg_model))
    words = [t.text for t in nlp.make_doc("加强医疗卫生机构建设")]
    assert "".join(words) == "加强医疗卫生机构建设"
    assert any(len(w) > 1 for w in words)


def test_build_nlp_pkuseg_without_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError, match="needs a model"):
        build_nlp(Settings(segmenter=Segmenter.PKUSEG))
    with pytest.raises(ExtractionError, match="not a model directory"):
        build_nlp(Settings(segmenter=Segmenter.PKUSEG, pkuseg_model=tmp_path / "nope"))


@pytest.mark.parametrize("segmenter", [Segmenter.CHAR, Segmenter.JIEBA])
def test_annotations_do_not_depend_on_the_segmenter(segmenter: Segmenter) -> None:
    assert (
        annotations(build_nlp(Settings(segmenter=segmenter)))[1:]
        == annotations(build_nlp(Settings()))[1:]
    )


def test_sentences_split_at_terminators() -> None:
    nlp = build_nlp(Settings())
    doc = nlp.make_doc("一句话。第二句！\n第三句")
    doc._.sections = []
    doc = nlp(doc)
    assert [s.text for s in doc.sents] == ["一句话。", "第二句！\n", "第三句"]


def test_pipeline_saves_and_loads_with_same_annotations(tmp_path: Path) -> None:
    nlp = build_nlp(Settings())
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert loaded.pipe_names == nlp.pipe_names
    assert annotations(loaded) == annotations(nlp)


def test_pkuseg_pipeline_saves_and_loads(tmp_path: Path, pkuseg_model: Path) -> None:
    nlp = build_nlp(Settings(segmenter=Segmenter.PKUSEG, pkuseg_model=pkuseg_model))
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    text = "加强医疗卫生机构建设"
    assert [t.text for t in loaded.make_doc(text)] == [t.text for t in nlp.make_doc(text)]


# --------------------------------------------------------------------------- word alignment

WHITESPACE = [c for c in map(chr, range(0x3001)) if c.isspace()]
TRICKY = [
    "",
    " ",
    "  ",
    "\n",
    "卫生",
    " 卫生",
    "卫生 ",
    "卫生  健康",
    "卫生 \n 健康",
    "卫生\u3000健康",
    "\u00a0到 2025年",
    "到2025年 ,完成 ",
    "(一) 科学配置\r\n\t资源 。",
    "".join(WHITESPACE),
    "甲" + " 乙".join(WHITESPACE) + " ",
]


def _seed_texts() -> list[str]:
    from pipeline.ingest import ingest_bytes

    raw = ROOT / "data" / "raw"
    return [
        article.text
        for path in sorted(raw.iterdir())
        for article in ingest_bytes(path.name, path.read_bytes())
    ]


def _spacy_tokens(
    segmenter: str, text: str, pkuseg_model: Path | None = None
) -> list[tuple[str, str]]:
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": segmenter}}})
    if pkuseg_model is not None:
        nlp.tokenizer.initialize(pkuseg_model=str(pkuseg_model))
    return [(t.text, t.whitespace_) for t in nlp.make_doc(text)]


def test_char_alignment_is_spacys() -> None:
    from spacy.util import get_words_and_spaces

    from pipeline.nlp.segmenters import char_words_and_spaces, words_and_spaces

    for text in TRICKY + _seed_texts():
        expected = get_words_and_spaces(list(text), text)
        assert char_words_and_spaces(text) == expected, repr(text[:40])
        assert words_and_spaces(list(text), text) == expected, repr(text[:40])


def test_word_alignment_is_spacys_and_refuses_words_not_in_the_text() -> None:
    from spacy.util import get_words_and_spaces

    from pipeline.nlp.segmenters import words_and_spaces

    for text in TRICKY:
        words = text.replace("\u3000", " ").split(" ")  # multi-character words and empty ones
        assert words_and_spaces(words, text) == get_words_and_spaces(words, text), repr(text)
    with pytest.raises(ValueError, match="E194"):
        words_and_spaces(["卫生", "财政"], "卫生健康")


@pytest.mark.parametrize("segmenter", [Segmenter.CHAR, Segmenter.JIEBA, Segmenter.PKUSEG])
def test_the_pipeline_tokenizes_as_spacys_chinese_tokenizer(
    segmenter: Segmenter, pkuseg_model: Path
) -> None:
    model = pkuseg_model if segmenter is Segmenter.PKUSEG else None
    nlp = build_nlp(Settings(segmenter=segmenter, pkuseg_model=model))
    assert type(nlp.tokenizer).__module__ == "pipeline.nlp.segmenters"
    for text in [TEXT, *TRICKY[1:], *_seed_texts()[:3]]:
        ours = [(t.text, t.whitespace_) for t in nlp.make_doc(text)]
        assert ours == _spacy_tokens(segmenter.value, text, model), repr(text[:40])


def test_saved_pipeline_keeps_its_lexicons(tmp_path: Path) -> None:
    """nlp.to_disk saves each component's resource files; spacy.load reads the saved copies."""
    nlp = build_nlp(Settings())
    nlp.to_disk(tmp_path / "model")
    saved = tmp_path / "model" / "policykg_programmes" / "programmes.yaml"
    assert (
        saved.is_file()
        and (tmp_path / "model" / "policykg_responsibilities" / "bodies.tsv").is_file()
    )
    # An analyst's edit to the saved lexicon changes what the loaded pipeline finds.
    text = saved.read_text(encoding="utf-8").replace(
        'suffixes: ["专项行动",', 'suffixes: ["示范创建", "专项行动",'
    )
    saved.write_text(text, encoding="utf-8")
    sentence = "深入开展健康乡村示范创建,推进爱国卫生运动。"

    def programmes(pipeline) -> list[str]:
        doc = pipeline(sentence)
        return [
            s._.programme_name for s in doc.spans.get("policykg", []) if s.label_ == "PROGRAMME"
        ]

    assert programmes(nlp) == ["爱国卫生运动"]
    assert programmes(spacy.load(tmp_path / "model")) == ["健康乡村示范创建", "爱国卫生运动"]


def test_component_reads_lexicons_from_its_resources_dir(tmp_path: Path) -> None:
    import shutil

    from pipeline.config import RESOURCES_DIR
    from pipeline.nlp.responsibilities import ResponsibilityReader

    # every file the component reads (comparators.yaml: a table's deadline column)
    for name in ResponsibilityReader.resource_files:
        shutil.copyfile(RESOURCES_DIR / name, tmp_path / name)
    cues = tmp_path / "responsibility_cues.yaml"
    cues.write_text(
        cues.read_text(encoding="utf-8").replace("lead_labels: [", "lead_labels: [总牵头单位, "),
        encoding="utf-8",
    )
    nlp = spacy.blank("zh")
    nlp.add_pipe("policykg_responsibilities", config={"resources_dir": str(tmp_path)})
    doc = nlp.make_doc("(一)甲任务。(总牵头单位:市卫生健康委)")
    doc._.jurisdiction, doc._.level = "聊城市", "municipal"
    doc._.sections = [DocSection("i1", "item", "甲任务", 0, len(doc.text))]
    doc = nlp(doc)
    assert [(link.body._.canonical, link.role) for link in doc._.responsibilities] == [
        ("聊城市卫生健康委员会", "lead")
    ]


EVAL_SETS = (
    ROOT.parent / "shared" / "eval" / "dev",
    ROOT.parent / "shared" / "eval" / "dev2",
    ROOT / "tests/data/eval/written",
)


def _eval_raw_files() -> list[Path]:
    return sorted(
        p for s in EVAL_SETS if (s / "raw").is_dir() for p in (s / "raw").iterdir() if p.is_file()
    )


def test_saved_and_loaded_pipeline_gives_the_same_facts_on_every_eval_document(
    tmp_path: Path,
) -> None:
    """The components keep their lexicons through to_disk/spacy.load: the saved pipeline finds the
    same gold-format facts as the built one on every document of the eval sets beside the project
    (the written set at least)."""
    from pipeline.facts import gold_record
    from pipeline.runner import process_raw

    nlp = build_nlp(Settings())
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    files = _eval_raw_files()
    assert len(files) >= 14
    for path in files:
        data = path.read_bytes()
        built = gold_record(path.name, *process_raw(path.name, data, nlp))
        again = gold_record(path.name, *process_raw(path.name, data, loaded))
        assert again == built, path.name
        assert built["documents"], path.name
