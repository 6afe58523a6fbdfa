"""The runnable examples in the e-licence modules' docstrings hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "esealkit.certs",
    "esealkit.certs.checkcodes",
    "esealkit.certs.identifiers",
    "esealkit.certs.model",
    "esealkit.certs.catalogue",
    "esealkit.certs.render",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__ and ">>>" in module.__doc__, f"{name} has no docstring example"
    result = doctest.testmod(module)
    assert result.failed == 0
    assert result.attempted > 0
