"""The demo suppliers and agreements: agreements in every state, one expiring next month, the
central review reused by a board review, Loonwijzer without any agreement, idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from schildwacht.audit.models import AuditEntry
from schildwacht.registers.demo import load_demo_registers
from schildwacht.suppliers.demo import load_demo_agreements, load_demo_catalogue
from schildwacht.suppliers.models import Agreement, Review
from schildwacht.suppliers.queries import agreement_coverage, is_expiring, uncovered_applications
from tests.personas import Personas
from tests.test_suppliers_world import SYSTEM


def test_demo_po_landscape(personas: Personas) -> None:
    tree = personas.tree
    assert load_demo_catalogue(SYSTEM, tree.sector) == 9
    load_demo_registers(SYSTEM, tree.board_a, "po")
    assert load_demo_agreements(SYSTEM, tree.board_a, "po") == 6
    agreements = list(Agreement.objects.filter(organisation=tree.board_a))
    assert {a.status for a in agreements} == {"draft", "signed", "expired", "terminated"}
    today = timezone.localdate()
    soon = [a for a in agreements if is_expiring(a, today)]
    assert [a.title for a in soon] == ["Verwerkersovereenkomst kantooromgeving"]
    assert soon[0].expires_on == today + dt.timedelta(days=30)
    # The board reuses the curator's review of Eduspoor's standard agreement, as it stands.
    central = Review.objects.get(supplier__name="Eduspoor BV")
    board_review = Review.objects.get(agreement__organisation=tree.board_a)
    assert central.completed_at is not None and board_review.base == central
    assert board_review.completed_at is not None
    assert not board_review.items.exclude(verdict="").exists()
    # Covered: leerlingadministratie, Basispoort, kantooromgeving; not the draft, the expired
    # one, nor Loonwijzer, which has no agreement at all.
    coordinator = personas["coordinator_a"]
    assert agreement_coverage(coordinator, tree.board_a).covered == 3
    uncovered = [a.name for a in uncovered_applications(coordinator, tree.board_a)]
    assert uncovered == [
        "Ouderapp Schoolbel",
        "Rekenapp Sommenstad",
        "Salarisadministratie Loonwijzer",
    ]
    assert not Agreement.objects.filter(supplier__name="Loonwijzer").exists()
    # Idempotent: a second run adds and audits nothing.
    count = AuditEntry.objects.count()
    assert load_demo_catalogue(SYSTEM, tree.sector) == 0
    assert load_demo_agreements(SYSTEM, tree.board_a, "po") == 0
    assert AuditEntry.objects.count() == count


def test_demo_vo_landscape(personas: Personas) -> None:
    tree = personas.tree
    load_demo_catalogue(SYSTEM, tree.sector)
    load_demo_registers(SYSTEM, tree.board_b, "vo")
    assert load_demo_agreements(SYSTEM, tree.board_b, "vo") == 3
    statuses = sorted(
        Agreement.objects.filter(organisation=tree.board_b).values_list("status", flat=True)
    )
    assert statuses == ["draft", "signed", "signed"]
    assert Agreement.objects.filter(organisation=tree.board_a).count() == 0
