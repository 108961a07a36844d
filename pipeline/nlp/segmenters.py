"""Word segmentation for the blank ``zh`` pipeline: char (default), jieba or a pkuseg model.

The tokenizer is spaCy's Chinese tokenizer except for how the words are aligned to the text:
spaCy's ``get_words_and_spaces`` walks the words one by one in Python and searches a fresh copy of
the rest of the text for each, and with character segmentation (the default) that is one step per
character. It was 40% of the extraction stage on the bench corpus. :func:`char_words_and_spaces`
gives the same tokens with a step per whitespace run instead, and :func:`words_and_spaces` (jieba,
pkuseg) searches in place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from spacy.errors import Errors
from spacy.lang.zh import ChineseTokenizer as SpacyChineseTokenizer
from spacy.lang.zh import Segmenter as SpacySegmenter
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

from pipeline.config import Segmenter, Settings
from pipeline.errors import ExtractionError

TOKENIZER = "policykg.zh.ChineseTokenizer.v1"


def words_and_spaces(words: Iterable[str], text: str) -> tuple[list[str], list[bool]]:
    """``spacy.util.get_words_and_spaces`` in linear time: the same words and spaces, same errors.

    Whitespace the words leave out becomes tokens of its own, except one plain space after a word,
    which becomes that word's trailing space (``Doc`` then gives back ``text`` exactly).

    >>> words_and_spaces(list("到 2025年"), "到 2025年")
    (['到', '2', '0', '2', '5', '年'], [True, False, False, False, False, False])
    >>> words_and_spaces(["卫生", "健康委"], "卫生\\n  健康委 ")
    (['卫生', '\\n  ', '健康委'], [False, False, True])
    """
    words = list(words)
    if "".join("".join(words).split()) != "".join(text.split()):
        raise ValueError(Errors.E194.format(text=text, words=words))
    text_words: list[str] = []
    text_spaces: list[bool] = []
    pos, end = 0, len(text)
    for word in words:
        if word.isspace():
            continue
        start = text.find(word, pos)
        if start < 0:
            raise ValueError(Errors.E194.format(text=text, words=words))
        if start > pos:
            text_words.append(text[pos:start])
            text_spaces.append(False)
        text_words.append(word)
        pos = start + len(word)
        if pos < end and text[pos] == " ":
            text_spaces.append(True)
            pos += 1
        else:
            text_spaces.append(False)
    if pos < end:
        text_words.append(text[pos:])
        text_spaces.append(False)
    return text_words, text_spaces


#: A run of whitespace: ``\s`` is ``str.isspace`` for str patterns, what spaCy tests words with.
_WHITESPACE = re.compile(r"\s+")


def char_words_and_spaces(text: str) -> tuple[list[str], list[bool]]:
    """``words_and_spaces(list(text), text)``: every other character a word, with whitespace runs
    handled as spaCy does, found by a regex rather than a Python step per character.

    >>> char_words_and_spaces("  到 2025年\\n")
    (['  ', '到', '2', '0', '2', '5', '年', '\\n'], [False, True, False, False, False, False, False, False])
    """
    words: list[str] = []
    spaces: list[bool] = []
    pos = 0
    for run in _WHITESPACE.finditer(text):
        start, end = run.span()
        if start > pos:  # characters since the last run, each a word
            words.extend(text[pos:start])
            spaces.extend([False] * (start - pos))
            if text[start] == " ":  # one plain space after a word is its trailing space
                spaces[-1] = True
                start += 1
        if end > start:
            words.append(text[start:end])
            spaces.append(False)
        pos = end
    words.extend(text[pos:])
    spaces.extend([False] * (len(text) - pos))
    return words, spaces


class ChineseTokenizer(SpacyChineseTokenizer):
    """spaCy's Chinese tokenizer (char, jieba or pkuseg segmentation) aligning in linear time."""

    def __call__(self, text: str) -> Doc:
        if self.segmenter == SpacySegmenter.jieba:
            assert self.jieba_seg is not None, "jieba segmentation without jieba"
            words = [word for word in self.jieba_seg.cut(text, cut_all=False) if word]
        elif self.segmenter == SpacySegmenter.pkuseg:
            if self.pkuseg_seg is None:
                raise ValueError(Errors.E1000)
            words = self.pkuseg_seg.cut(text)
        else:
            return Doc(self.vocab, *char_words_and_spaces(text))
        return Doc(self.vocab, *words_and_spaces(words, text))


@registry.tokenizers(TOKENIZER)
def create_chinese_tokenizer(segmenter: SpacySegmenter = SpacySegmenter.char):
    def chinese_tokenizer_factory(nlp: Language) -> ChineseTokenizer:
        return ChineseTokenizer(nlp.vocab, segmenter=segmenter)

    return chinese_tokenizer_factory


def tokenizer_config(settings: Settings) -> dict[str, str]:
    """The ``[nlp.tokenizer]`` overrides for the configured segmenter.

    >>> tokenizer_config(Settings(segmenter=Segmenter.JIEBA))["segmenter"]
    'jieba'
    """
    return {"@tokenizers": TOKENIZER, "segmenter": settings.segmenter.value}


def pkuseg_model_path(settings: Settings) -> Path:
    """The pkuseg model directory of ``settings``; raises ExtractionError when it is unusable."""
    if settings.pkuseg_model is None:
        raise ExtractionError(
            "segmenter 'pkuseg' needs a model",
            hint="set POLICYKG_PKUSEG_MODEL (or Settings.pkuseg_model) to a spacy_pkuseg model directory",
        )
    path = settings.path(Path(settings.pkuseg_model))
    if not path.is_dir() or not any(path.iterdir()):
        raise ExtractionError(
            f"pkuseg model {path} is not a model directory",
            hint="train one with spacy_pkuseg.train or fix POLICYKG_PKUSEG_MODEL",
        )
    return path


def initialize_segmenter(nlp: Language, settings: Settings) -> None:
    """Load the pkuseg model into ``nlp``'s tokenizer when the segmenter is pkuseg."""
    if settings.segmenter is not Segmenter.PKUSEG:
        return
    path = pkuseg_model_path(settings)
    try:
        nlp.tokenizer.initialize(pkuseg_model=str(path))  # type: ignore[union-attr]
    except Exception as exc:  # spacy_pkuseg raises bare exceptions on a bad model
        raise ExtractionError(
            f"cannot load pkuseg model {path}: {exc}",
            hint="retrain the model or choose --segmenter char",
        ) from exc
