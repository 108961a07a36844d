"""Load the structure stage's vocabulary (``structure.yaml``) and its places (``places.tsv``, the one
place table the body gazetteer reads too)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path


from pipeline.config import RESOURCES_DIR
from pipeline.errors import ResourceError
from pipeline.models import Level
from pipeline.resolve import read_places
from pipeline.store import read_yaml_mapping

STRUCTURE_YAML = RESOURCES_DIR / "structure.yaml"
PLACES_TSV = RESOURCES_DIR / "places.tsv"


@dataclass(frozen=True)
class Jurisdiction:
    """An administrative area: ``聊城市`` (municipal, in 山东省)."""

    name: str
    short: str
    level: Level
    province: str


@dataclass(frozen=True)
class StructureLexicon:
    """Word lists of ``structure.yaml`` as tuples, longest entries first where order matters."""

    doc_types: tuple[tuple[str, str], ...]
    self_short_forms: frozenset[str]
    draft_markers: tuple[str, ...]
    body_suffixes: tuple[str, ...]
    central_bodies: tuple[str, ...]
    national_prefixes: tuple[str, ...]
    positions: tuple[str, ...]
    implements_cues: tuple[str, ...]
    periodicals: frozenset[str]
    periodical_cues: tuple[str, ...]
    speech_words: tuple[str, ...]
    consultation_cues: tuple[str, ...]
    published_cues: tuple[str, ...]
    issued_cues: tuple[str, ...]
    number_cues: tuple[str, ...]
    issuer_cues: tuple[str, ...]
    jurisdictions: tuple[Jurisdiction, ...]


def _longest_first(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted({str(w) for w in words}, key=lambda w: (-len(w), w)))


def read_jurisdictions(path: Path = PLACES_TSV) -> tuple[Jurisdiction, ...]:
    """The administrative areas of the place table (``name, short forms, level, parent, province``).

    >>> [j for j in read_jurisdictions() if j.name == "黔南布依族苗族自治州"]
    [Jurisdiction(name='黔南布依族苗族自治州', short='黔南州', level=<Level.MUNICIPAL: 'municipal'>, province='贵州省')]
    """
    return tuple(
        Jurisdiction(p.name, p.short, p.level, p.province or p.name) for p in read_places(path)
    )


@functools.cache
def structure_lexicon() -> StructureLexicon:
    """The vocabulary, read once per process."""
    data = read_yaml_mapping(STRUCTURE_YAML)
    try:
        doc_types = data["doc_types"]
        return StructureLexicon(
            doc_types=tuple(
                sorted(((str(k), str(v)) for k, v in doc_types.items()), key=lambda kv: -len(kv[0]))
            ),
            self_short_forms=frozenset(data["self_short_forms"]),
            draft_markers=_longest_first(data["draft_markers"]),
            body_suffixes=_longest_first(data["body_suffixes"]),
            central_bodies=_longest_first(data["central_bodies"]),
            national_prefixes=_longest_first(data["national_prefixes"]),
            positions=_longest_first(data["positions"]),
            implements_cues=_longest_first(data["implements_cues"]),
            periodicals=frozenset(data["periodicals"]),
            periodical_cues=_longest_first(data["periodical_cues"]),
            speech_words=_longest_first(data["speech_words"]),
            consultation_cues=_longest_first(data["consultation_cues"]),
            published_cues=_longest_first(data["published_cues"]),
            issued_cues=_longest_first(data["issued_cues"]),
            number_cues=_longest_first(data["number_cues"]),
            issuer_cues=_longest_first(data["issuer_cues"]),
            jurisdictions=tuple(sorted(read_jurisdictions(), key=lambda j: (-len(j.name), j.name, j.province))),
        )
    except (KeyError, AttributeError, TypeError) as exc:
        raise ResourceError(f"{STRUCTURE_YAML}: missing or malformed key {exc}") from exc
