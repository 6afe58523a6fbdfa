"""The runnable examples in the seal modules' docstrings hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["esealkit.seals.asn1", "esealkit.seals.types", "esealkit.seals.picture", "esealkit.seals.model",
           "esealkit.seals.make", "esealkit.seals.verify", "esealkit.seals.owner", "esealkit.seals"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__ and ">>>" in module.__doc__, f"{name} has no docstring example"
    result = doctest.testmod(module)
    assert result.failed == 0
