"""Reviews with the checklist, central supplier management (a board review based on the
curator's review of the standard agreement), the checklist file itself, and the coverage
figure of basismaatregel 2 against hand-made expected values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from pydantic import ValidationError as SchemaError

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.lib.coverage import Coverage
from schildwacht.suppliers import review_services, services
from schildwacht.suppliers.checklist import (
    CHECKLIST_FILE,
    checklist,
    checklist_codes,
    parse_checklist,
)
from schildwacht.suppliers.models import Agreement, Review
from schildwacht.suppliers.queries import (
    agreement_coverage,
    review_for_user,
    review_rows,
    uncovered_applications,
)
from tests.personas import Personas
from tests.test_suppliers_world import SYSTEM, World, application, world_fixture  # noqa: F401

REQUIRED_TOPICS = {
    "subject_duration",
    "purposes_instructions",
    "confidentiality",
    "security_measures",
    "sub_processors",
    "data_subject_rights",
    "breach_notification",
    "deletion_return",
    "audit_rights",
    "data_location",
    "liability",
}


def actor(personas: Personas, name: str) -> Actor:
    return Actor.for_user(personas[name])


# The checklist file ----------------------------------------------------------------------------


def test_checklist_file_is_valid_and_complete() -> None:
    items = parse_checklist(CHECKLIST_FILE.read_text(encoding="utf-8")).items
    assert {item.code for item in items} >= REQUIRED_TOPICS
    for item in items:
        assert item.title.nl and item.title.en and item.guidance.nl and item.guidance.en
        assert item.title.nl != item.title.en
    assert checklist() is checklist()  # read once per process
    assert checklist_codes()[0] == "subject_duration"


@pytest.mark.parametrize(
    "text",
    [
        "schema_version: 2\nitems: []\n",
        "schema_version: 1\nitems: []\n",
        "schema_version: 1\nitems:\n- code: Bad Code\n  title: {nl: a, en: b}\n"
        "  guidance: {nl: a, en: b}\n",
        "schema_version: 1\nitems:\n- code: a_b\n  title: {nl: a, en: b}\n",
        "schema_version: 1\nitems:\n"
        "- {code: a_b, title: {nl: a, en: b}, guidance: {nl: a, en: b}}\n"
        "- {code: a_b, title: {nl: c, en: d}, guidance: {nl: a, en: b}}\n",
    ],
)
def test_checklist_schema_rejects_bad_files(text: str) -> None:
    with pytest.raises(SchemaError):
        parse_checklist(text)


# Reviews of one agreement ----------------------------------------------------------------------


def _judge_all(review: Review, who: Actor, verdict: str = "fine", note: str = "") -> None:
    for code in checklist_codes():
        review_services.update_review_item(who, review, code, verdict=verdict, note=note)


def test_board_review_without_central_review(personas: Personas, world: World) -> None:
    officer = actor(personas, "privacy_officer_a")
    review = review_services.start_review(officer, world.school_agreement)
    assert review.base is None and review.organisation == personas.tree.school_a1
    assert review.items.count() == len(checklist())
    assert review_services.start_review(officer, world.school_agreement) == review  # still open
    with pytest.raises(ValidationError) as caught:
        review_services.complete_review(officer, review, "")
    assert set(caught.value.message_dict) == {"items", "conclusion"}
    assert "Onderwerp en duur" in caught.value.message_dict["items"][0]
    with pytest.raises(ValidationError) as caught:
        review_services.update_review_item(officer, review, "onbekend", verdict="prima")
    assert set(caught.value.message_dict) == {"item", "verdict"}
    _judge_all(review, officer)
    review_services.update_review_item(
        officer, review, "liability", verdict="attention", note="Plafond laag"
    )
    entry = (
        AuditEntry.objects.filter(object_type="suppliers.review", action="update")
        .order_by("pk")
        .last()
    )
    assert entry is not None and entry.organisation_id == personas.tree.school_a1.pk
    assert entry.payload.changes == {
        "liability.verdict": ["fine", "attention"],
        "liability.note": ["", "Plafond laag"],
    }
    review_services.complete_review(officer, review, "Tekenen met afspraak over aansprakelijkheid")
    assert review.completed_at is not None
    with pytest.raises(services.SupplierRefused):
        review_services.update_review_item(officer, review, "liability", verdict="fine")
    review_services.reopen_review(officer, review)
    assert Review.objects.get(pk=review.pk).completed_at is None
    # Who may: the FG, auditor and the curator read or nothing; a sibling's leader nothing.
    for name in ("fg_a", "auditor_a", "sector_curator"):
        with pytest.raises(services.SupplierRefused):
            review_services.update_review_item(actor(personas, name), review, "liability")
    with pytest.raises(services.SupplierRefused):
        review_services.start_review(actor(personas, "school_leader_a"), world.sibling_agreement)


def test_central_review_is_reused_by_boards(personas: Personas, world: World) -> None:
    curator = actor(personas, "sector_curator")
    with pytest.raises(services.SupplierRefused):
        review_services.start_central_review(actor(personas, "coordinator_a"), world.shared)
    with pytest.raises(ValidationError):
        review_services.start_central_review(curator, world.own_a)
    central = review_services.start_central_review(curator, world.shared)
    assert central.organisation == personas.tree.sector and central.supplier == world.shared
    _judge_all(central, curator, "fine", "Standaard in orde")
    review_services.update_review_item(
        curator, central, "data_location", verdict="attention", note="Back-ups in de VS"
    )
    # A draft central review is not the base of a board review, nor visible to boards.
    early = review_services.start_review(actor(personas, "coordinator_b"), world.board_b_agreement)
    assert early.base is None
    with pytest.raises(Http404):
        review_for_user(personas["coordinator_a"], central.pk)
    review_services.complete_review(curator, central, "Bruikbaar; let op de locatie van back-ups")

    officer = actor(personas, "privacy_officer_a")
    review = review_services.start_review(officer, world.board_agreement)
    assert review.base == central
    rows = {row.item.code: row for row in review_rows(review)}
    assert rows["data_location"].verdict == "attention" and rows["data_location"].inherited
    assert rows["data_location"].central is not None
    assert rows["data_location"].central.note == "Back-ups in de VS"
    # The board records only its own particulars: one override, the rest as centrally judged.
    review_services.update_review_item(
        officer, review, "data_location", verdict="fine", note="Wij hebben een EU-addendum"
    )
    rows = {row.item.code: row for row in review_rows(review)}
    assert rows["data_location"].verdict == "fine" and not rows["data_location"].inherited
    assert rows["liability"].verdict == "fine" and rows["liability"].inherited
    review_services.complete_review(officer, review, "Tekenen")
    assert Review.objects.get(pk=review.pk).completed_at is not None
    # Board B reads the completed central review, never board A's review; the curator neither.
    assert review_for_user(personas["coordinator_b"], central.pk) == central
    for name in ("coordinator_b", "sector_curator", "sector_analyst", "staff_a"):
        with pytest.raises(Http404):
            review_for_user(personas[name], review.pk)
    # Built upon: reopening is refused; a new version is a new central review.
    with pytest.raises(services.SupplierRefused):
        review_services.reopen_review(curator, central)
    newer = review_services.start_central_review(curator, world.shared)
    assert newer != central and newer.completed_at is None
    _judge_all(newer, curator, "missing")
    review_services.complete_review(curator, newer, "Nieuwe versie: onvoldoende")
    later = review_services.start_review(officer, world.sibling_agreement)
    assert later.base == newer


# Coverage --------------------------------------------------------------------------------------


def _coverage_landscape(personas: Personas, world: World) -> dict[str, Any]:
    """World plus: an expired, a terminated, an expiring-today and a sibling-covered
    application on board A; ParnasSys covered twice."""
    tree = personas.tree
    today = timezone.localdate()
    signed = {"status": "signed", "signed_on": dt.date(2024, 1, 1), "model": "other"}
    apps = {
        name: application(tree.board_a, name) for name in ("Oud", "Gestopt", "Vandaag", "Gedeeld")
    }

    def agreement(org: Any, title: str, app: Any, **values: Any) -> Agreement:
        return services.create_agreement(
            SYSTEM, org, supplier=world.shared, title=title, applications=[app], **values
        )

    agreement(tree.board_a, "Oud", apps["Oud"], **signed, expires_on=dt.date(2024, 12, 31))
    agreement(tree.board_a, "Gestopt", apps["Gestopt"], **{**signed, "status": "terminated"})
    agreement(tree.board_a, "Vandaag", apps["Vandaag"], **signed, expires_on=today)
    agreement(tree.board_a, "Dubbel", world.parnassys, **signed)
    world.sibling_agreement.applications.add(apps["Gedeeld"])
    return apps


def test_agreement_coverage_by_hand(
    personas: Personas, world: World, django_assert_num_queries: Any
) -> None:
    _coverage_landscape(personas, world)
    tree = personas.tree
    today = timezone.localdate()
    # Board A, personal data: ParnasSys ✓ (twice), Rekenapp ✗ (draft), Leesapp ✓ (school A2),
    # Oud ✗ (expired), Gestopt ✗ (terminated), Vandaag ✓ (expires today), Gedeeld ✓ (via A2);
    # Website holds no personal data.
    coordinator = personas["coordinator_a"]
    assert agreement_coverage(coordinator, tree.board_a) == Coverage(covered=4, total=7)
    assert agreement_coverage(personas["fg_a"], tree.board_a) == Coverage(4, 7)
    # Tomorrow "Vandaag" has run out.
    assert agreement_coverage(coordinator, tree.board_a, today + dt.timedelta(days=1)) == (
        Coverage(3, 7)
    )
    # The school leader reads the board's and school A1's, not school A2's (nor its agreement).
    assert agreement_coverage(personas["school_leader_a"], tree.board_a) == Coverage(2, 6)
    assert agreement_coverage(coordinator, tree.school_a1) == Coverage(0, 1)
    assert agreement_coverage(coordinator, tree.school_a2) == Coverage(1, 1)
    assert agreement_coverage(personas["coordinator_b"], tree.board_b) == Coverage(1, 1)
    assert agreement_coverage(personas["coordinator_b"], tree.board_a) == Coverage(0, 0)
    assert agreement_coverage(personas["sector_curator"], tree.board_a) == Coverage(0, 0)
    assert agreement_coverage(coordinator, tree.board_a).percent == 57
    names = [a.name for a in uncovered_applications(coordinator, tree.board_a)]
    assert names == ["Gestopt", "Oud", "Rekenapp"]
    # A fixed number of queries, once the user's reach is known.
    with django_assert_num_queries(1):
        agreement_coverage(coordinator, tree.board_a)
    with django_assert_num_queries(1):
        list(uncovered_applications(coordinator, tree.board_a))


def test_deleting_an_agreement_keeps_its_review_in_the_trail(
    personas: Personas, world: World
) -> None:
    officer = actor(personas, "privacy_officer_a")
    review = review_services.start_review(officer, world.school_agreement)
    assert review_services.start_review(officer, world.school_agreement) == review
    review_services.update_review_item(
        officer, review, "audit_rights", verdict="missing", note="Geen auditrecht"
    )
    services.delete_agreement(officer, world.school_agreement)
    assert not Review.objects.filter(pk=review.pk).exists()
    entry = AuditEntry.objects.get(object_type="suppliers.review", action="delete")
    assert entry.organisation_id == personas.tree.school_a1.pk
    assert entry.payload.changes["audit_rights.verdict"] == ["missing", None]
    assert entry.payload.changes["audit_rights.note"] == ["Geen auditrecht", None]
    assert "liability.verdict" not in entry.payload.changes  # empty items carry nothing
