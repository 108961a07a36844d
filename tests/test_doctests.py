"""Run the ``>>>`` examples in the package's docstrings."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pipeline


def _modules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(pipeline.__path__, "pipeline.")
        if not m.name.startswith("pipeline.cli")
    )


@pytest.mark.parametrize("name", _modules())
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
