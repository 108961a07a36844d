"""Run the ``>>>`` examples in the package's docstrings."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import pipeline


def _has_examples(info: pkgutil.ModuleInfo) -> bool:
    spec = info.module_finder.find_spec(info.name.rsplit(".", 1)[-1])  # type: ignore[call-arg]
    origin = spec.origin if spec else None
    return (
        bool(origin)
        and origin.endswith(".py")
        and ">>>" in Path(origin).read_text(encoding="utf-8")
    )


def _modules() -> list[str]:
    """The modules whose docstrings hold examples (a module without any is not a test)."""
    return sorted(
        m.name
        for m in pkgutil.walk_packages(pipeline.__path__, "pipeline.")
        if not m.name.startswith("pipeline.cli") and _has_examples(m)
    )


@pytest.mark.parametrize("name", _modules())
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples to run"
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
