"""Shared fixtures: the organisation tree and the personas (see tests/personas.py)."""

from __future__ import annotations

import pytest

from tests.personas import Personas, Tree, build_tree


@pytest.fixture
def tree(db: None) -> Tree:
    return build_tree()


@pytest.fixture
def personas(tree: Tree) -> Personas:
    return Personas(tree)
