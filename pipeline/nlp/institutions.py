"""Component ``policykg_institutions``: hospitals, CDCs, universities, institutes (INSTITUTION spans).

A name is a run of Chinese characters ending in an institution suffix (``resources/institutions.tsv``)
whose left edge is a known place (聊城市人民医院, 东阿县疾控中心, 北京积水潭医院聊城医院); the words
before the place (支持, 推进…以) are not part of it. A name may chain a branch (…医院聊城医院,
…大学附属医院).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.config import RESOURCES_DIR
from pipeline.errors import ResourceError
from pipeline.nlp.component import MatchComponent
from pipeline.nlp.extensions import INSTITUTION, add_spans, doc_text
from pipeline.resolve import GENERIC_HEADS, Gazetteer, place_short, trie_regex

INSTITUTIONS_FILE = RESOURCES_DIR / "institutions.tsv"


@functools.lru_cache(maxsize=2)
def load_suffixes(path: Path = INSTITUTIONS_FILE) -> tuple[tuple[str, str], ...]:
    """(suffix, kind) pairs, longest suffix first."""
    if not path.exists():
        raise ResourceError(f"institution suffix file {path} is missing")
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 2:
            raise ResourceError(f"{path}:{number}: expected suffix<TAB>kind")
        pairs.append((cells[0], cells[1]))
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


@dataclass(frozen=True, slots=True)
class InstitutionMatch:
    start: int
    end: int
    name: str
    kind: str


class InstitutionRecognizer(MatchComponent):
    """Finds INSTITUTION spans; sets ``span._.kind``."""

    resource_files = ("institutions.tsv", "bodies.tsv", "places.tsv")

    def __init__(
        self, nlp: Language, name: str, max_length: int, resources_dir: str | None = None
    ) -> None:
        self.name = name
        self.max_length = max_length
        self.use_resources(resources_dir)

    def load_resources(self, directory: Path) -> None:
        self.suffixes = load_suffixes(directory / "institutions.tsv")
        suffix_re = trie_regex(s for s, _ in self.suffixes)
        gazetteer = Gazetteer.load(directory / "bodies.tsv", directory / "places.tsv")
        places = set(gazetteer.places) | set(gazetteer.place_by_short)
        self.place_re = re.compile(trie_regex(places))
        # a head of Chinese characters (lazy), a suffix, then optional chained branch names
        self.name_re = re.compile(
            f"[\\u4e00-\\u9fff]{{1,{self.max_length}}}?{suffix_re}"
            f"(?:[\\u4e00-\\u9fff]{{2,4}}?(?:附属医院|医院|分院))?"
        )
        # every position where a suffix begins (overlapping ones too): where a name can end
        self.suffix_starts = re.compile(f"(?={suffix_re})")
        self.kinds = dict(self.suffixes)

    def _kind(self, name: str) -> str:
        for suffix, kind in self.suffixes:
            if suffix in name:
                return kind
        return "institution"

    def match(self, doc: Doc) -> list[InstitutionMatch]:
        text = doc_text(doc)
        own = doc._.jurisdiction
        own_names = [own, place_short(own)] if own and own != "全国" else []
        found = []
        for m in self._names(text):
            start = self._left_edge(text, m.start(), m.end(), own_names)
            if start is None:
                continue
            name = text[start : m.end()]
            head = name
            if any(head.startswith(g) for g in GENERIC_HEADS) or len(name) < 4:
                continue
            found.append(InstitutionMatch(start, m.end(), name, self._kind(name)))
        return found

    def _names(self, text: str) -> Iterator[re.Match[str]]:
        """``name_re.finditer(text)``, trying only the positions a name can start at.

        A name has 1 to ``max_length`` characters before its suffix, so it starts at most that
        far before a suffix: the regex is tried there alone, position by position in order, as
        ``finditer`` would (it tries every character, the lazy head at each, which cost most of
        this component's time)."""
        pos = 0  # the next position to try; everything before it was tried or matched over
        for suffix in self.suffix_starts.finditer(text):
            at = suffix.start()
            pos = max(pos, at - self.max_length)
            while pos < at:
                m = self.name_re.match(text, pos)
                if m is None:
                    pos += 1
                    continue
                yield m
                pos = m.end()

    def _left_edge(self, text: str, start: int, end: int, own_names: list[str]) -> int | None:
        """Where the name starts: the first place name inside the candidate, else None."""
        candidates = [text.find(own, start, end - 2) for own in own_names]
        place = self.place_re.search(text, start, end)
        if place and place.start() < end - 2:
            candidates.append(place.start())
        found = [c for c in candidates if c >= 0]
        return min(found) if found else None

    def set_annotations(self, doc: Doc, matches: list[InstitutionMatch]) -> None:
        spans: list[Span] = []
        for m in matches:
            span = doc.char_span(m.start, m.end, label=INSTITUTION, alignment_mode="expand")
            if span is not None:
                span._.kind = m.kind
                spans.append(span)
        add_spans(doc, spans)


@Language.factory(
    "policykg_institutions",
    assigns=["doc.spans"],
    default_config={"max_length": 14, "resources_dir": None},
)
def make_institutions(
    nlp: Language, name: str, max_length: int, resources_dir: str | None
) -> InstitutionRecognizer:
    return InstitutionRecognizer(nlp, name, max_length, resources_dir)
