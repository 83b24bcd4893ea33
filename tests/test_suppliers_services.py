"""Writes of the suppliers app: who may, validation naming each field with nothing written,
audit entries, documents stored by digest, the expiry job and the expiry reminders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.suppliers import review_services, services
from schildwacht.suppliers.checklist import checklist_codes
from schildwacht.suppliers.models import Agreement, Review, Supplier, SupplierDetail
from schildwacht.suppliers.queries import breach_notification_hours_for, expiry_digests
from tests.personas import Personas
from tests.test_suppliers_world import SYSTEM, World, application, media_fixture, world_fixture  # noqa: F401

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def actor(personas: Personas, name: str) -> Actor:
    return Actor.for_user(personas[name])


def pdf(name: str = "vwo.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# Suppliers -----------------------------------------------------------------------------------


def test_supplier_values_are_checked_and_named(personas: Personas, world: World) -> None:
    before = Supplier.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.create_supplier(
            actor(personas, "sector_curator"),
            personas.tree.sector,
            name=" leerling bv ",
            kvk_number="1234567A",
            website="geen adres",
            certifications="ISO 27001, NEN 7510",
            colour="rood",
        )
    assert set(caught.value.message_dict) == {"colour"}
    with pytest.raises(ValidationError) as caught:
        services.create_supplier(
            actor(personas, "sector_curator"),
            personas.tree.sector,
            name=" leerling bv ",
            kvk_number="1234567A",
            website="geen adres",
        )
    errors = caught.value.message_dict
    assert set(errors) == {"name", "kvk_number", "website"}
    assert "8 cijfers" in errors["kvk_number"][0]
    with pytest.raises(ValidationError) as caught:
        services.create_supplier(SYSTEM, personas.tree.school_a1, name="Schoolleverancier")
    assert set(caught.value.message_dict) == {"organisation"}
    assert Supplier.objects.count() == before
    # The same name is fine in another catalogue; certifications are parsed and deduplicated.
    supplier = services.create_supplier(
        actor(personas, "privacy_officer_a"),
        personas.tree.board_a,
        name="Leerling BV",
        certifications="ISO 27001, iso 27001\nNEN 7510",
    )
    assert supplier.certifications == ["ISO 27001", "NEN 7510"]


def test_who_changes_which_catalogue(personas: Personas, world: World) -> None:
    tree = personas.tree
    for name in ("coordinator_a", "privacy_officer_a", "fg_a", "school_leader_a", "auditor_a"):
        with pytest.raises(services.SupplierRefused):
            services.create_supplier(actor(personas, name), tree.sector, name=f"Van {name}")
    for name in ("fg_a", "school_leader_a", "board_member_a", "sector_curator", "coordinator_b"):
        with pytest.raises(services.SupplierRefused):
            services.update_supplier(actor(personas, name), world.own_a, notes="x")
    services.update_supplier(actor(personas, "sector_curator"), world.shared, notes="Gecontroleerd")
    services.update_supplier(actor(personas, "coordinator_a"), world.own_a, notes="Lokaal")
    assert Supplier.objects.get(pk=world.own_a.pk).notes == "Lokaal"
    # Read-only tokens change nothing either.
    token_user = personas["sector_curator"]
    token_user.api_token = type("T", (), {"pk": 1, "name": "t", "read_only": True})()
    token_user.api_token.organisation_paths = lambda: []
    token_user.__dict__.pop("_sw_scope", None)
    with pytest.raises(services.SupplierRefused):
        services.update_supplier(Actor(user=token_user), world.shared, notes="y")


def test_supplier_audit_and_delete(personas: Personas, world: World) -> None:
    curator = actor(personas, "sector_curator")
    entry = AuditEntry.objects.get(object_type="suppliers.supplier", object_id=str(world.shared.pk))
    assert entry.action == "create" and entry.organisation_id == personas.tree.sector.pk
    assert entry.payload.changes["kvk_number"] == [None, "12345678"]
    services.update_supplier(curator, world.shared, convenant_status="supporter")
    update = AuditEntry.objects.filter(object_type="suppliers.supplier", action="update").get()
    assert update.payload.changes == {"convenant_status": ["participant", "supporter"]}
    # In use by agreements and applications: refused, nothing removed.
    with pytest.raises(ValidationError):
        services.delete_supplier(curator, world.shared)
    spare = services.create_supplier(curator, personas.tree.sector, name="Ongebruikt BV")
    officer = actor(personas, "privacy_officer_a")
    services.save_supplier_detail(officer, spare, personas.tree.board_a, customer_number="K-1")
    # A board's own data is never removed by the curator (who does not see it): refused.
    with pytest.raises(ValidationError) as caught:
        services.delete_supplier(curator, spare)
    assert "in gebruik bij besturen" in caught.value.messages[0]
    assert SupplierDetail.objects.filter(supplier=spare).exists()
    # Unused, it goes with its central review, whose verdicts stay in the trail.
    unused = services.create_supplier(curator, personas.tree.sector, name="Los BV")
    central = review_services.start_central_review(curator, unused)
    review_services.update_review_item(
        curator, central, "liability", verdict="missing", note="Geen"
    )
    services.delete_supplier(curator, unused)
    assert not Supplier.objects.filter(pk=unused.pk).exists()
    gone = AuditEntry.objects.get(object_type="suppliers.review", action="delete")
    assert gone.organisation_id == personas.tree.sector.pk
    assert gone.payload.changes["liability.verdict"] == ["missing", None]
    assert gone.payload.changes["liability.note"] == ["Geen", None]
    # A board's own supplier goes with the board's own data at it, each audited.
    services.save_supplier_detail(officer, world.own_a, personas.tree.board_a, notes="Eigen")
    services.update_agreement(SYSTEM, world.school_agreement, supplier=world.shared)
    services.delete_supplier(officer, world.own_a)
    assert not SupplierDetail.objects.filter(supplier_id=world.own_a.pk).exists()
    deletes = AuditEntry.objects.filter(action="delete").values_list(
        "object_type", "organisation_id"
    )
    assert sorted(deletes) == sorted(
        [
            ("suppliers.review", personas.tree.sector.pk),
            ("suppliers.supplier", personas.tree.sector.pk),
            ("suppliers.supplier", personas.tree.board_a.pk),
            ("suppliers.supplierdetail", personas.tree.board_a.pk),
        ]
    )


def test_supplier_with_a_central_review_boards_built_on_is_kept(
    personas: Personas, world: World
) -> None:
    curator = actor(personas, "sector_curator")
    lone = services.create_supplier(curator, personas.tree.sector, name="Eenmalig BV")
    central = review_services.start_central_review(curator, lone)
    for code in checklist_codes():
        review_services.update_review_item(curator, central, code, verdict="fine")
    review_services.complete_review(curator, central, "In orde")
    officer = actor(personas, "privacy_officer_a")
    agreement = services.create_agreement(
        officer, personas.tree.board_a, supplier=lone, title="Eenmalig", model="supplier"
    )
    review = review_services.start_review(officer, agreement)
    assert review.base == central
    # The board may not move the agreement to another supplier under the inherited verdicts.
    with pytest.raises(ValidationError) as caught:
        services.update_agreement(officer, agreement, supplier=world.shared)
    assert set(caught.value.message_dict) == {"supplier"}
    # Neither may the curator pull the central review away from under the board's review.
    Agreement.objects.filter(pk=agreement.pk).update(supplier=world.shared)
    with pytest.raises(ValidationError):
        services.delete_supplier(curator, lone)
    assert Review.objects.get(pk=review.pk).base == central


def test_board_detail_on_a_shared_supplier(personas: Personas, world: World) -> None:
    officer = actor(personas, "privacy_officer_a")
    detail = services.save_supplier_detail(
        officer,
        world.shared,
        personas.tree.board_a,
        contact_name=" Jan Jansen ",
        contact_email="jan@leerling.example",
        customer_number="K-42",
    )
    assert (
        detail.contact_name == "Jan Jansen" and detail.created_by == personas["privacy_officer_a"]
    )
    services.save_supplier_detail(officer, world.shared, personas.tree.board_a, notes="Belt terug")
    detail.refresh_from_db()
    assert detail.notes == "Belt terug" and detail.customer_number == "K-42"
    entries = AuditEntry.objects.filter(object_type="suppliers.supplierdetail")
    assert [e.action for e in entries.order_by("pk")] == ["create", "update"]
    assert {e.organisation_id for e in entries} == {personas.tree.board_a.pk}
    with pytest.raises(ValidationError) as caught:
        services.save_supplier_detail(
            officer, world.shared, personas.tree.board_a, contact_email="geen-mail"
        )
    assert set(caught.value.message_dict) == {"contact_email"}
    with pytest.raises(ValidationError):  # board B's own supplier is not board A's to annotate
        services.save_supplier_detail(officer, world.own_b, personas.tree.board_a, notes="x")
    for name in ("fg_a", "school_leader_a", "sector_curator", "coordinator_b"):
        with pytest.raises(services.SupplierRefused):
            services.save_supplier_detail(
                actor(personas, name), world.shared, personas.tree.board_a, notes="x"
            )


# Agreements ----------------------------------------------------------------------------------


def test_agreement_values_are_checked_and_nothing_is_written(
    personas: Personas, world: World
) -> None:
    before = Agreement.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.create_agreement(
            actor(personas, "school_leader_a"),
            personas.tree.school_a1,
            supplier=world.own_b,
            applications=[world.leesapp, world.parnassys],
            title="",
            model="handgeschreven",
            status="signed",
            expires_on=dt.date(2020, 1, 1),
            breach_notification_hours=0,
        )
    errors = caught.value.message_dict
    assert set(errors) == {
        "supplier",
        "applications",
        "title",
        "model",
        "signed_on",
        "breach_notification_hours",
    }
    assert str(world.leesapp.pk) in errors["applications"][0]
    assert str(world.parnassys.pk) not in errors["applications"][0]  # the board's own: allowed
    with pytest.raises(ValidationError) as caught:
        services.create_agreement(
            SYSTEM,
            personas.tree.board_a,
            supplier=world.shared,
            title="Te vroeg",
            model="model_4",
            signed_on=dt.date(2025, 6, 1),
            expires_on=dt.date(2025, 6, 1),
        )
    assert set(caught.value.message_dict) == {"expires_on"}
    assert Agreement.objects.count() == before


def test_agreement_writes_are_audited_with_applications(personas: Personas, world: World) -> None:
    officer = actor(personas, "privacy_officer_a")
    created = AuditEntry.objects.get(
        object_type="suppliers.agreement", object_id=str(world.board_agreement.pk)
    )
    assert created.payload.changes["applications"] == [None, [world.parnassys.pk]]
    services.update_agreement(
        officer,
        world.board_agreement,
        applications=[world.parnassys, world.rekenapp],
        expires_on=dt.date(2030, 1, 1),
    )
    update = AuditEntry.objects.get(object_type="suppliers.agreement", action="update")
    assert update.actor_user_id == personas["privacy_officer_a"].pk
    assert update.payload.changes["applications"] == [
        [world.parnassys.pk],
        sorted([world.parnassys.pk, world.rekenapp.pk]),
    ]
    assert update.payload.changes["expires_on"] == [None, "2030-01-01"]
    # Saving the same values again writes nothing.
    services.update_agreement(officer, world.board_agreement, expires_on=dt.date(2030, 1, 1))
    assert (
        AuditEntry.objects.filter(object_type="suppliers.agreement", action="update").count() == 1
    )
    services.delete_agreement(officer, world.board_agreement)
    assert (
        AuditEntry.objects.filter(object_type="suppliers.agreement", action="delete").count() == 1
    )


def test_who_changes_agreements(personas: Personas, world: World) -> None:
    leader = actor(personas, "school_leader_a")
    services.update_agreement(leader, world.school_agreement, notes="Eigen school")
    for target in (world.board_agreement, world.sibling_agreement):
        with pytest.raises(services.SupplierRefused):
            services.update_agreement(leader, target, notes="x")
    for name in ("fg_a", "auditor_a", "board_member_a", "sector_curator", "coordinator_b"):
        with pytest.raises(services.SupplierRefused):
            services.update_agreement(actor(personas, name), world.board_agreement, notes="x")
    services.update_agreement(actor(personas, "coordinator_a"), world.board_agreement, notes="ok")


def test_document_upload_is_checked_stored_by_digest_and_cleaned_up(
    personas: Personas, world: World, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    officer = actor(personas, "privacy_officer_a")
    fake = SimpleUploadedFile("vwo.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as caught:
        services.update_agreement(officer, world.board_agreement, document=fake)
    assert set(caught.value.message_dict) == {"document"}
    with pytest.raises(ValidationError):
        services.update_agreement(officer, world.board_agreement, document=pdf(content=b""))
    world.board_agreement.refresh_from_db()
    assert not world.board_agreement.document
    services.update_agreement(officer, world.board_agreement, document=pdf())
    first = Agreement.objects.get(pk=world.board_agreement.pk)
    assert first.sha256 and first.document.name.endswith(f"{first.sha256}.pdf")
    assert first.document.name.startswith(f"agreements/{personas.tree.board_a.pk}/")
    assert first.document_name == "vwo.pdf" and first.size == len(PDF)
    # The same file for another agreement of the board is stored once.
    other = services.create_agreement(
        officer,
        personas.tree.board_a,
        supplier=world.own_a,
        title="Tweede",
        model="other",
        document=pdf("kopie.pdf"),
    )
    assert other.document.name == first.document.name
    stored = media / first.document.name
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_agreement_document(officer, other)
    assert stored.exists()  # still used by the first agreement
    with django_capture_on_commit_callbacks(execute=True):
        services.update_agreement(officer, first, document=pdf("nieuw.pdf", PDF + b"% versie 2\n"))
    first.refresh_from_db()
    assert not stored.exists() and (media / first.document.name).exists()
    entry = (
        AuditEntry.objects.filter(object_type="suppliers.agreement", action="update")
        .order_by("pk")
        .last()
    )
    assert entry is not None and "sha256" in entry.payload.changes


def test_expiry_job_and_reminder_reset(personas: Personas, world: World) -> None:
    today = timezone.localdate()
    Agreement.objects.filter(pk=world.board_agreement.pk).update(
        expires_on=today - dt.timedelta(days=1), last_reminded_at=timezone.now()
    )
    Agreement.objects.filter(pk=world.sibling_agreement.pk).update(expires_on=today)
    expired = services.expire_agreements(SYSTEM, today)
    assert [a.pk for a in expired] == [world.board_agreement.pk]
    assert Agreement.objects.get(pk=world.board_agreement.pk).status == "expired"
    assert Agreement.objects.get(pk=world.sibling_agreement.pk).status == "signed"
    entry = AuditEntry.objects.filter(object_type="suppliers.agreement", action="update").get()
    assert entry.payload.changes == {"status": ["signed", "expired"]}
    assert services.expire_agreements(SYSTEM, today) == []
    # Renewing (a new expiry date and status) starts the reminders afresh.
    agreement = Agreement.objects.get(pk=world.board_agreement.pk)
    services.update_agreement(
        SYSTEM, agreement, status="signed", expires_on=today + dt.timedelta(days=365)
    )
    assert Agreement.objects.get(pk=agreement.pk).last_reminded_at is None


def test_breach_notification_hours_for(personas: Personas, world: World) -> None:
    assert breach_notification_hours_for(world.parnassys) == 48
    services.create_agreement(
        SYSTEM,
        personas.tree.board_a,
        supplier=world.own_a,
        title="Aanvulling",
        model="other",
        status="signed",
        signed_on=dt.date(2024, 1, 1),
        applications=[world.parnassys],
        breach_notification_hours=24,
    )
    assert breach_notification_hours_for(world.parnassys) == 24
    # Expired or draft agreements do not count; without a term there is none.
    assert breach_notification_hours_for(world.parnassys, dt.date(2023, 1, 1)) == 24
    Agreement.objects.update(status="terminated")
    assert breach_notification_hours_for(world.parnassys) is None
    assert breach_notification_hours_for(world.website) is None


# Reminders -----------------------------------------------------------------------------------


def _expiring(world: World, today: dt.date) -> None:
    Agreement.objects.filter(pk=world.board_agreement.pk).update(
        expires_on=today + dt.timedelta(days=30)
    )
    Agreement.objects.filter(pk=world.sibling_agreement.pk).update(
        expires_on=today + dt.timedelta(days=60)
    )
    # Beyond the window, a draft, already past, and board B's within the window.
    Agreement.objects.filter(pk=world.school_agreement.pk).update(
        expires_on=today + dt.timedelta(days=10)
    )
    Agreement.objects.filter(pk=world.board_b_agreement.pk).update(
        expires_on=today + dt.timedelta(days=5)
    )


def test_reminder_selection_and_recipients(personas: Personas, world: World) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    _expiring(world, today)
    extra = services.create_agreement(
        SYSTEM,
        personas.tree.board_a,
        supplier=world.own_a,
        title="Te ver weg",
        model="other",
        status="signed",
        signed_on=dt.date(2024, 1, 1),
        expires_on=today + dt.timedelta(days=61),
    )
    digests = {d.user.email: [a.pk for a in d.agreements] for d in expiry_digests(now)}
    board_a = [world.board_agreement.pk, world.sibling_agreement.pk]
    assert digests == {
        "coordinator_a@example.test": board_a,
        "privacy_officer_a@example.test": board_a,
        "coordinator_b@example.test": [world.board_b_agreement.pk],
    }
    assert extra.pk not in digests["coordinator_a@example.test"]


def test_reminders_mail_once_per_window(
    personas: Personas, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    _expiring(world, today)
    Agreement.objects.filter(pk=world.board_b_agreement.pk).update(status="draft")
    Agreement.objects.filter(pk=world.board_agreement.pk).update(title="=VWO Leerling BV")
    with django_capture_on_commit_callbacks(execute=True):
        digests = services.send_expiry_reminders(SYSTEM, now)
    assert len(digests) == 2 and len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == {
        "coordinator_a@example.test",
        "privacy_officer_a@example.test",
    }
    message = mail.outbox[0]
    assert message.subject == "Schildwacht: 2 verwerkersovereenkomsten lopen binnenkort af"
    assert "=VWO Leerling BV (Leerling BV, Stichting Alfa)" in message.body
    assert "over 30 dagen" in message.body and "over 60 dagen" in message.body
    assert "De Linde" in message.body
    stamps = set(
        Agreement.objects.filter(last_reminded_at__isnull=False).values_list("pk", flat=True)
    )
    assert stamps == {world.board_agreement.pk, world.sibling_agreement.pk}
    assert (
        AuditEntry.objects.filter(object_type="suppliers.agreement", action="update").count() == 2
    )
    # 13 days later nothing; 14 days later again.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_expiry_reminders(SYSTEM, now + dt.timedelta(days=13)) == []
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert len(services.send_expiry_reminders(SYSTEM, now + dt.timedelta(days=14))) == 2
    assert len(mail.outbox) == 4


def test_reminder_task_runs_expiry_and_reminders(
    personas: Personas, world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from schildwacht.suppliers.tasks import agreement_expiry

    today = timezone.localdate()
    _expiring(world, today)
    Agreement.objects.filter(pk=world.board_b_agreement.pk).update(
        expires_on=today - dt.timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = agreement_expiry.call()
    assert sent == 2
    assert Agreement.objects.get(pk=world.board_b_agreement.pk).status == "expired"


def test_reminders_reach_a_school_officer_only_for_their_school(
    personas: Personas, world: World
) -> None:
    from schildwacht.organisations.services import add_membership
    from tests.personas import make_user

    now = timezone.now()
    _expiring(world, timezone.localdate(now))
    school_officer = make_user("privacy_a2@example.test")
    add_membership(
        SYSTEM, user=school_officer, organisation=personas.tree.school_a2, role="privacy_officer"
    )
    gone = make_user("gone@example.test")
    add_membership(SYSTEM, user=gone, organisation=personas.tree.board_a, role="privacy_officer")
    gone.is_active = False
    gone.save()
    digests = {d.user.email: [a.pk for a in d.agreements] for d in expiry_digests(now)}
    assert digests["privacy_a2@example.test"] == [world.sibling_agreement.pk]
    assert "gone@example.test" not in digests
    assert "school_leader_a@example.test" not in digests and "fg_a@example.test" not in digests


def test_a_supplier_named_in_a_dpia_is_not_deleted(personas: Personas, world: World) -> None:
    from schildwacht.dpia.services import create_dpia

    curator = actor(personas, "sector_curator")
    named = services.create_supplier(curator, personas.tree.sector, name="Toetsbureau BV")
    create_dpia(SYSTEM, personas.tree.sector, title="Sector-DPIA toetsing", supplier=named)
    with pytest.raises(ValidationError):
        services.delete_supplier(curator, named)
    assert Supplier.objects.filter(pk=named.pk).exists()
