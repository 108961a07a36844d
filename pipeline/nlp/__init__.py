"""The policykg spaCy pipeline: blank ``zh`` + our components, settings in ``config.cfg``.

>>> nlp = build_nlp()
>>> nlp.pipe_names[:3]
['policykg_sentences', 'policykg_bodies', 'policykg_institutions']
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

import spacy
from spacy.language import Language
from thinc.api import Config

from pipeline.config import Settings
from pipeline.errors import ExtractionError
from pipeline.nlp.extensions import register_extensions
from pipeline.nlp.segmenters import initialize_segmenter, tokenizer_config

log = logging.getLogger(__name__)

CONFIG_FILE = Path(__file__).with_name("config.cfg")

# factory name -> module that registers it
COMPONENT_MODULES = {
    "policykg_sentences": "pipeline.nlp.sentences",
    "policykg_bodies": "pipeline.nlp.bodies",
    "policykg_institutions": "pipeline.nlp.institutions",
    "policykg_deadlines": "pipeline.nlp.deadlines",
    "policykg_targets": "pipeline.nlp.targets",
    "policykg_programmes": "pipeline.nlp.programmes",
    "policykg_responsibilities": "pipeline.nlp.responsibilities",
}


def register_components() -> None:
    """Import every component module so its factory is registered (needed before spacy.load)."""
    register_extensions()
    for factory, module in COMPONENT_MODULES.items():
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise ExtractionError(
                f"component {factory} cannot be imported from {module}: {exc}",
                hint="reinstall the project (pip install -e .)",
            ) from exc


def load_config(settings: Settings) -> Config:
    """config.cfg with the settings' segmenter applied."""
    try:
        config = spacy.util.load_config(CONFIG_FILE)
    except Exception as exc:
        raise ExtractionError(
            f"cannot read {CONFIG_FILE}: {exc}", hint="fix the config syntax"
        ) from exc
    config["nlp"]["tokenizer"] = tokenizer_config(settings)
    return config


def build_nlp(settings: Settings | None = None) -> Language:
    """The assembled pipeline for ``settings`` (default: from the environment)."""
    settings = settings or Settings.from_env()
    register_components()
    config = load_config(settings)
    try:
        nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    except Exception as exc:
        raise ExtractionError(
            f"cannot build the NLP pipeline from {CONFIG_FILE}: {exc}",
            hint="check the component settings in config.cfg",
        ) from exc
    initialize_segmenter(nlp, settings)
    log.debug("nlp pipeline: %s (segmenter %s)", nlp.pipe_names, settings.segmenter.value)
    return nlp


__all__ = ["CONFIG_FILE", "build_nlp", "register_components"]
