"""Load the structure stage's vocabulary (``structure.yaml``), its places (``places.tsv``) and its
national bodies (the national rows of ``bodies.tsv``): one place table and one body table, read by
the body gazetteer too."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import RESOURCES_DIR
from pipeline.errors import ResourceError
from pipeline.models import Level
from pipeline.resolve import BODY_SUFFIXES, Gazetteer, read_places
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
    source_cues: tuple[str, ...]
    title_cues: tuple[str, ...]
    other_labels: tuple[str, ...]
    number_issuers: tuple[tuple[str, str], ...]
    jurisdictions: tuple[Jurisdiction, ...]
    # For one C-level str.startswith over all areas before a scan: their names, names and shorts.
    jurisdiction_names: tuple[str, ...] = ()
    jurisdiction_prefixes: tuple[str, ...] = ()

    @functools.cached_property
    def doc_type_words(self) -> tuple[str, ...]:
        """The document-type words alone, for one C-level ``str.endswith`` over all of them."""
        return tuple(word for word, _ in self.doc_types)


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


def national_bodies(gazetteer: Gazetteer | None = None) -> tuple[str, ...]:
    """Names of the national bodies of the body table as a document writes them on their own.

    A row named ``国家…`` gives its aliases with 国家 (卫生健康委 -> 国家卫生健康委) and its
    ``…总局``/``…总署`` aliases also bare (市场监管总局); other national rows give their aliases as
    written (科技部, 共青团中央). List-only short forms (财政, 教育) are never body names.

    >>> names = national_bodies()
    >>> {"退役军人事务部", "国家卫生健康委", "市场监管总局", "共青团中央"} <= set(names), "卫健委" in names
    (True, False)
    """
    rows = (gazetteer or Gazetteer.load()).rows
    names: set[str] = set()
    for row in rows:
        if row.is_template or row.levels != {Level.NATIONAL}:
            continue
        names.add(row.canonical)
        for alias in row.aliases:
            if not row.canonical.startswith("国家") or alias.startswith("国"):
                names.add(alias)
                continue
            names.add("国家" + alias)
            if alias.endswith(("总局", "总署")):
                names.add(alias)
    return _longest_first(list(names))


@functools.cache
def structure_lexicon() -> StructureLexicon:
    """The vocabulary, read once per process."""
    data = read_yaml_mapping(STRUCTURE_YAML)
    areas = tuple(sorted(read_jurisdictions(), key=lambda j: (-len(j.name), j.name, j.province)))
    try:
        doc_types = data["doc_types"]
        return StructureLexicon(
            doc_types=tuple(
                sorted(((str(k), str(v)) for k, v in doc_types.items()), key=lambda kv: -len(kv[0]))
            ),
            self_short_forms=frozenset(data["self_short_forms"]),
            draft_markers=_longest_first(data["draft_markers"]),
            body_suffixes=BODY_SUFFIXES,
            central_bodies=national_bodies(),
            national_prefixes=_longest_first([*data["national_prefixes"], *national_bodies()]),
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
            source_cues=_longest_first(data["source_cues"]),
            title_cues=_longest_first(data["title_cues"]),
            other_labels=_longest_first(data["other_labels"]),
            number_issuers=tuple(
                sorted(
                    ((str(k), str(v)) for k, v in data["number_issuers"].items()),
                    key=lambda kv: -len(kv[0]),
                )
            ),
            jurisdictions=areas,
            jurisdiction_names=tuple(j.name for j in areas),
            jurisdiction_prefixes=tuple(
                sorted({j.name for j in areas} | {j.short for j in areas if len(j.short) >= 2})
            ),
        )
    except (KeyError, AttributeError, TypeError) as exc:
        raise ResourceError(f"{STRUCTURE_YAML}: missing or malformed key {exc}") from exc
