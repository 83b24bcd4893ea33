"""The demo landscape of the registers: complete for basismaatregel 1, art. 30 fields filled,
linked to the board's schools and applications, idempotent."""

from __future__ import annotations

import pytest

from schildwacht.audit.models import AuditEntry
from schildwacht.registers.demo import demo_data, load_demo_registers
from schildwacht.registers.models import Application, ProcessingActivity
from schildwacht.registers.queries import activity_missing, application_completeness
from schildwacht.suppliers.models import Supplier
from tests.personas import Personas
from tests.registers_data import SYSTEM


@pytest.mark.parametrize("level", ["po", "vo"])
def test_demo_registers_are_complete_and_idempotent(personas: Personas, level: str) -> None:
    tree = personas.tree
    Supplier.objects.create(organisation=tree.sector, name="Basispoort")
    Supplier.objects.create(organisation=tree.sector, name="Klasbord BV")
    expected = demo_data()[level]
    made = load_demo_registers(SYSTEM, tree.board_a, level)
    assert made == (len(expected["applications"]), len(expected["activities"]))
    figure = application_completeness(personas["coordinator_a"], tree.board_a)
    assert figure.total == len(expected["applications"]) and figure.percent == 100
    for activity in ProcessingActivity.objects.all():
        assert activity_missing(activity) == [], activity
        assert activity.applications.exists() and activity.controller == "Stichting Alfa"
    for application in Application.objects.all():
        assert application.schools.count() == 2
    named = Application.objects.exclude(supplier=None).values_list("supplier__name", flat=True)
    assert set(named) <= {"Basispoort", "Klasbord BV"} and named
    count = AuditEntry.objects.count()
    assert load_demo_registers(SYSTEM, tree.board_a, level) == (0, 0)
    assert AuditEntry.objects.count() == count
