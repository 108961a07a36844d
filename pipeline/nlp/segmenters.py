"""Word segmentation for the blank ``zh`` pipeline: char (default), jieba or a pkuseg model."""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language

from pipeline.config import Segmenter, Settings
from pipeline.errors import ExtractionError


def tokenizer_config(settings: Settings) -> dict[str, str]:
    """The ``[nlp.tokenizer]`` overrides for the configured segmenter.

    >>> tokenizer_config(Settings(segmenter=Segmenter.JIEBA))["segmenter"]
    'jieba'
    """
    return {"@tokenizers": "spacy.zh.ChineseTokenizer", "segmenter": settings.segmenter.value}


def pkuseg_model_path(settings: Settings) -> Path:
    """The pkuseg model directory of ``settings``; raises ExtractionError when it is unusable."""
    if settings.pkuseg_model is None:
        raise ExtractionError(
            "segmenter 'pkuseg' needs a model",
            hint="set POLICYKG_PKUSEG_MODEL (or Settings.pkuseg_model) to a spacy_pkuseg model directory",
        )
    path = settings.path(Path(settings.pkuseg_model))
    if not path.is_dir() or not any(path.iterdir()):
        raise ExtractionError(f"pkuseg model {path} is not a model directory",
                              hint="train one with spacy_pkuseg.train or fix POLICYKG_PKUSEG_MODEL")
    return path


def initialize_segmenter(nlp: Language, settings: Settings) -> None:
    """Load the pkuseg model into ``nlp``'s tokenizer when the segmenter is pkuseg."""
    if settings.segmenter is not Segmenter.PKUSEG:
        return
    path = pkuseg_model_path(settings)
    try:
        nlp.tokenizer.initialize(pkuseg_model=str(path))
    except Exception as exc:  # spacy_pkuseg raises bare exceptions on a bad model
        raise ExtractionError(f"cannot load pkuseg model {path}: {exc}",
                              hint="retrain the model or choose --segmenter char") from exc
