"""Who reaches which organisation for which action: the one scoping mechanism."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from schildwacht.organisations.models import Organisation
from schildwacht.organisations.roles import Role, role_definitions
from schildwacht.organisations.scoping import organisation_ids, sector_ids
from schildwacht.organisations.services import add_membership, create_organisation
from schildwacht.organisations.validators import validate_bevoegd_gezag_number, validate_brin
from tests.personas import TEST_ACTOR, Personas, make_user


def test_role_file_defines_every_role() -> None:
    assert set(role_definitions()) == set(Role)


def test_reach_per_persona(personas: Personas) -> None:
    t = personas.tree
    board_a = {t.board_a.pk, t.school_a1.pk, t.school_a2.pk}
    expect = {
        # persona: (view all, change all, view privacy, view audit)
        "coordinator_a": (board_a, board_a, board_a, board_a),
        "board_member_a": (board_a, set(), board_a, board_a),
        "privacy_officer_a": (board_a, set(), board_a, set()),
        "fg_a": (set(), set(), board_a, set()),
        "school_leader_a": (
            {t.school_a1.pk, t.board_a.pk},
            {t.school_a1.pk},
            {t.school_a1.pk, t.board_a.pk},
            set(),
        ),
        "staff_a": (set(), set(), set(), set()),
        "auditor_a": (board_a, set(), board_a, board_a),
        "coordinator_b": (
            {t.board_b.pk, t.school_b1.pk},
            {t.board_b.pk, t.school_b1.pk},
            {t.board_b.pk, t.school_b1.pk},
            {t.board_b.pk, t.school_b1.pk},
        ),
        "sector_analyst": (set(), set(), set(), set()),
        "sector_curator": (set(), set(), set(), set()),
    }
    for name, (view, change, privacy, audit) in expect.items():
        user = personas[name]
        assert organisation_ids(user, "view", "all") == view, name
        assert organisation_ids(user, "change", "all") == change, name
        assert organisation_ids(user, "view", "privacy") == privacy, name
        assert organisation_ids(user, "view", "audit") == audit, name
    assert organisation_ids(personas["privacy_officer_a"], "change", "privacy") == board_a
    assert sector_ids(personas["sector_curator"], "manage", "catalogues") == {t.sector.pk}
    assert sector_ids(personas["sector_analyst"], "manage", "catalogues") == set()
    assert sector_ids(personas["coordinator_a"], "view", "sector_aggregates") == set()


def test_fg_serving_two_boards(personas: Personas) -> None:
    t = personas.tree
    fg = make_user("extern-fg@example.test")
    add_membership(TEST_ACTOR, user=fg, organisation=t.board_a, role="fg")
    add_membership(TEST_ACTOR, user=fg, organisation=t.board_b, role="fg")
    assert organisation_ids(fg, "view", "privacy") == {
        t.board_a.pk,
        t.school_a1.pk,
        t.school_a2.pk,
        t.board_b.pk,
        t.school_b1.pk,
    }
    assert organisation_ids(fg, "view", "all") == set()
    assert organisation_ids(fg, "advise", "privacy") == organisation_ids(fg, "view", "privacy")


def test_inactive_user_reaches_nothing(personas: Personas) -> None:
    user = personas["coordinator_a"]
    user.is_active = False
    assert organisation_ids(user, "view") == set()


def test_read_only_token_cannot_change(personas: Personas) -> None:
    from schildwacht.accounts.services import create_api_token

    user = personas["coordinator_a"]
    token, _raw = create_api_token(TEST_ACTOR, user=user, name="ro", read_only=True)
    user.api_token = token
    assert organisation_ids(user, "change") == set()
    assert organisation_ids(user, "view") != set()


def test_sector_roles_only_on_the_sector(personas: Personas) -> None:
    user = make_user("x@example.test")
    with pytest.raises(ValidationError):
        add_membership(
            TEST_ACTOR, user=user, organisation=personas.tree.board_a, role="sector_analyst"
        )
    with pytest.raises(ValidationError):
        add_membership(TEST_ACTOR, user=user, organisation=personas.tree.sector, role="auditor")


def test_tree_shape_is_enforced(personas: Personas) -> None:
    t = personas.tree
    with pytest.raises(ValidationError) as excinfo:
        create_organisation(
            TEST_ACTOR, kind="school", name="Zwerver", parent=t.sector, brin="33CC", vestiging="00"
        )
    assert "parent" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        create_organisation(
            TEST_ACTOR, kind="board", name="Dubbel", parent=t.sector, bevoegd_gezag_number="10001"
        )
    assert "bevoegd_gezag_number" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        create_organisation(
            TEST_ACTOR, kind="school", name="Dubbel", parent=t.board_a, brin="11AA", vestiging="00"
        )
    assert Organisation.objects.filter(name="Dubbel").count() == 0


@given(st.text(max_size=8))
def test_bevoegd_gezag_number_is_five_digits(value: str) -> None:
    valid = len(value) == 5 and all(c in "0123456789" for c in value)
    try:
        validate_bevoegd_gezag_number(value)
    except ValidationError:
        assert not valid
    else:
        assert valid


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("12AB", True),
        ("00AA", True),
        ("12ab", False),
        ("1AB2", False),
        ("12ABC", False),
        ("", False),
    ],
)
def test_brin(value: str, ok: bool) -> None:
    if ok:
        validate_brin(value)
    else:
        with pytest.raises(ValidationError):
            validate_brin(value)
