"""Spreadsheet safety: formula-like text is guarded on export and restored on import."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schildwacht.lib.spreadsheets import needs_guard, neutralise, neutralise_row, restore


@pytest.mark.parametrize(
    "text", ["=SUM(A1:A2)", "+31 6 1234", "-mensen", "@cmd", "\tindent", "\rreturn"]
)
def test_formula_like_text_gets_a_quote(text: str) -> None:
    assert needs_guard(text)
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize("text", ["Strategie", "", "1=1", " =spatie", "'gewoon citaat", "é=x"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text
    assert restore(text) == text


def test_numbers_and_empty_cells_stay_what_they_are() -> None:
    assert neutralise(-5) == -5
    assert neutralise(-2.5) == -2.5
    assert neutralise(None) is None
    assert restore(-5) == -5
    assert neutralise_row(["=1+1", -1, 3, None, "ok"]) == ["'=1+1", -1, 3, None, "ok"]


def test_text_that_already_looks_guarded_survives_the_round_trip() -> None:
    # Someone's title really begins with a quote and an equals sign.
    assert neutralise("'=x") == "''=x"
    assert restore("''=x") == "'=x"
    assert restore("'=x") == "=x"


@given(st.text(max_size=30))
def test_restore_undoes_neutralise_for_every_text(text: str) -> None:
    guarded = neutralise(text)
    assert restore(guarded) == text
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))
