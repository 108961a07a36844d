"""The shape every policykg component shares: compute matches, then set annotations."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from pipeline.config import RESOURCES_DIR


class MatchComponent:
    """Base of our components: ``match(doc)`` computes, ``set_annotations(doc, found)`` mutates.

    A component's knowledge is the resource files it names in ``resource_files``, read from
    ``resources_dir`` (the factory's ``resources_dir`` setting; the package's resources when it
    is null). ``nlp.to_disk`` saves those files with the component, and ``spacy.load`` reads the
    saved copies: a saved pipeline keeps the lexicons it was built with.
    """

    resource_files: tuple[str, ...] = ()
    resources_dir: Path = RESOURCES_DIR

    def use_resources(self, directory: str | Path | None) -> None:
        """Build the component's lexicons from the files in ``directory`` (None: the package's)."""
        self.resources_dir = Path(directory) if directory else RESOURCES_DIR
        self.load_resources(self.resources_dir)

    def load_resources(self, directory: Path) -> None:
        """Read the lexicons from ``directory`` (components with resource files define it)."""

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        target = Path(path)
        target.mkdir(parents=True, exist_ok=True)
        for name in self.resource_files:
            shutil.copyfile(self.resources_dir / name, target / name)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> MatchComponent:
        if self.resource_files:
            self.use_resources(path)
        return self

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
