"""The completeness figure of basismaatregel 1 against hand-made expected values, the same
rule as a per-application list of what is missing, and its fixed number of queries."""

from __future__ import annotations

from typing import Any

from schildwacht.registers.models import Application
from schildwacht.registers.queries import (
    REQUIREMENTS,
    application_completeness,
    complete_q,
    missing_items,
)
from tests.personas import Personas
from tests.registers_data import make_application


def _landscape(personas: Personas) -> None:
    """Board A: 3 complete of 7 (board 2 of 4, De Eik 1 of 2, De Linde 0 of 1); board B: 1/1."""
    tree = personas.tree
    make_application(tree.board_a, name="Compleet")
    # Without personal data no category is needed.
    make_application(tree.board_a, name="Zonder pg", personal_data=False, data_categories=[])
    make_application(tree.board_a, name="Geen eigenaar", owner_name="")
    make_application(tree.board_a, name="Half plan", incident_first_steps="")
    make_application(tree.school_a1, name="Eik compleet")
    make_application(tree.school_a1, name="Eik geen BIV", integrity="")
    make_application(tree.school_a2, name="Linde geen categorie", data_categories=[])
    make_application(tree.board_b, name="Bèta compleet")


def test_figure_per_organisation_and_reader(personas: Personas) -> None:
    _landscape(personas)
    tree = personas.tree
    coordinator = personas["coordinator_a"]
    figure = application_completeness(coordinator, tree.board_a)
    assert (figure.covered, figure.total) == (3, 7)
    assert figure.percent == 43
    assert (lambda f: (f.covered, f.total))(
        application_completeness(coordinator, tree.school_a1)
    ) == (1, 2)
    assert application_completeness(coordinator, tree.school_a2).covered == 0
    # The FG reads privacy items: the same figure.
    assert application_completeness(personas["fg_a"], tree.board_a).total == 7
    # A school leader counts what they read: the board's own and their school's, not De Linde.
    leader = application_completeness(personas["school_leader_a"], tree.board_a)
    assert (leader.covered, leader.total) == (3, 6)
    # Nothing of board A for board B or staff.
    assert application_completeness(personas["coordinator_b"], tree.board_a).total == 0
    assert application_completeness(personas["staff_a"], tree.board_a).total == 0
    empty = application_completeness(coordinator, tree.sector)
    assert (
        empty.total == 8 - 1
        and application_completeness(personas["coordinator_b"], tree.board_b).percent == 100
    )


def test_missing_items_match_the_database_rule(personas: Personas) -> None:
    _landscape(personas)
    complete_ids = set(Application.objects.filter(complete_q()).values_list("pk", flat=True))
    for application in Application.objects.all():
        assert (application.pk in complete_ids) == (not missing_items(application)), application
    by_name = {a.name: [str(m) for m in missing_items(a)] for a in Application.objects.all()}
    labels = {r.code: str(r.label) for r in REQUIREMENTS}
    assert by_name["Geen eigenaar"] == [labels["owner"]]
    assert by_name["Half plan"] == [labels["incident_plan"]]
    assert by_name["Eik geen BIV"] == [labels["classification"]]
    assert by_name["Linde geen categorie"] == [labels["data_categories"]]
    assert by_name["Zonder pg"] == []


def test_figure_takes_a_fixed_number_of_queries(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    _landscape(personas)
    user = personas["coordinator_a"]
    application_completeness(user, personas.tree.board_a)  # reach cached on the user
    with django_assert_max_num_queries(1):
        application_completeness(user, personas.tree.board_a)
