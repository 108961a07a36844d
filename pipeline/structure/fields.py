"""Metadata fields of a web page's information table, read field by field.

Government sites print a document's metadata as a table that reaches the text flattened, several
fields to a line and sometimes with no space at all between them::

    发布机构: 省卫生健康委 文  号: 浙卫发〔2023〕10号
    索引号:012500主题分类:医改来源:榆林市医改办发布机构:榆林市卫计局发布时间:2017-09-22

A field is a known label (spaces allowed between its characters, ``文  号``) followed by ``:``;
its value runs to the next label or the end of the line, table bars removed. The labels and the
field each one fills live in ``structure.yaml`` (``*_cues`` and ``other_labels``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.structure.lexicon import StructureLexicon, structure_lexicon

FIELD_KINDS = ("title", "number", "issuer", "source", "issued", "published")


def _spaced(label: str) -> str:
    return r"\s*".join(re.escape(ch) for ch in label)


_PATTERNS: dict[int, tuple[re.Pattern[str], dict[str, str]]] = {}


def _label_pattern(lex: StructureLexicon) -> tuple[re.Pattern[str], dict[str, str]]:
    """The labels of ``lex`` as one pattern, and the field kind of each (kept per lexicon)."""
    cached = _PATTERNS.get(id(lex))
    if cached is None:
        cached = _PATTERNS[id(lex)] = _compile_labels(lex)
    return cached


def _compile_labels(lex: StructureLexicon) -> tuple[re.Pattern[str], dict[str, str]]:
    kinds: dict[str, str] = {}
    for kind, words in (
        ("title", lex.title_cues),
        ("number", lex.number_cues),
        ("issuer", lex.issuer_cues),
        ("source", lex.source_cues),
        ("issued", lex.issued_cues),
        ("published", lex.published_cues),
        ("other", lex.other_labels),
    ):
        for word in words:
            kinds.setdefault(word, kind)
    labels = sorted(kinds, key=lambda w: (-len(w), w))
    pattern = re.compile(r"(?P<label>" + "|".join(_spaced(w) for w in labels) + r")\s*[:：]")
    return pattern, kinds


def read_fields(lines: Iterable[str], lexicon: StructureLexicon | None = None) -> dict[str, str]:
    """The first non-empty value of each field kind on the metadata lines among ``lines``.

    >>> f = read_fields(["发布机构: 省卫生健康委 文  号: 浙卫发〔2023〕10号", "索引号:0125来源:某某办发布时间:2017-09-22"])
    >>> f["issuer"], f["number"], f["source"], f["published"]
    ('省卫生健康委', '浙卫发〔2023〕10号', '某某办', '2017-09-22')
    """
    lex = lexicon or structure_lexicon()
    pattern, kinds = _label_pattern(lex)
    found: dict[str, str] = {}
    for line in lines:
        matches = list(pattern.finditer(line))
        # A metadata line starts with a label (after table bars), or holds several labels.
        if not matches or (line[: matches[0].start()].strip(" |｜") and len(matches) < 2):
            continue
        for match, following in zip(matches, matches[1:] + [None]):
            label = re.sub(r"\s+", "", match.group("label"))
            kind = kinds.get(label, "other")
            end = following.start() if following else len(line)
            value = line[match.end() : end].strip(" |｜\t")
            if kind != "other" and value and kind not in found:
                found[kind] = value
    return found


__all__ = ["FIELD_KINDS", "read_fields"]
