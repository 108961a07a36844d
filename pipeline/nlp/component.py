"""The shape every policykg component shares: compute matches, then set annotations."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.tokens import Doc


class MatchComponent:
    """Base of our components: ``match(doc)`` computes, ``set_annotations(doc, found)`` mutates."""

    def match(self, doc: Doc) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def set_annotations(self, doc: Doc, found: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.match(doc))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)
