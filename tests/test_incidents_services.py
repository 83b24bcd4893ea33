"""Incident services: the two-minute report, the reading rule per persona, a processor-reported
breach whose clock starts at the board's awareness, the assessment and who decides, the FG's
advice, the notification in phases (late ones need reasons), closing, deleting, the timeline,
plan measures, the CERT contact, the reminders (once each), the audit entries, the dashboard
summary and the demo."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.incidents import services
from schildwacht.incidents.models import (
    BreachAssessment,
    Incident,
    IncidentKind,
    IncidentStatus,
    TimelineEntry,
)
from schildwacht.incidents.queries import (
    cert_contact_for,
    clock_of,
    incident_for_user,
)
from schildwacht.organisations.models import Organisation
from schildwacht.planning.services import create_measure
from schildwacht.registers.models import Application
from schildwacht.suppliers.models import Agreement, Supplier
from tests.personas import PERSONA_ROLES, Personas

SYSTEM = Actor.system("tests")


def actor(personas: Personas, name: str) -> Actor:
    return Actor.for_user(personas[name])


def ago(hours: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)


def report(
    organisation: Organisation, by: Actor = SYSTEM, *, hours: float = 2, **values: Any
) -> Incident:
    values.setdefault("description", "Laptop met leerlinggegevens gestolen uit de auto.")
    values.setdefault("personal_data", "yes")
    return services.report_incident(by, organisation, discovered_at=ago(hours), **values)


def decide(incident: Incident, by: Actor = SYSTEM, **values: Any) -> BreachAssessment:
    values.setdefault("is_breach", True)
    values.setdefault("risk", True)
    values.setdefault("high_risk", False)
    values.setdefault("reasoning", "Leerlinggegevens op straat: risico, niet hoog (versleuteld).")
    return services.record_assessment(by, incident, **values)


def entries(object_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=object_type).order_by("pk"))


def changes_of(entry: AuditEntry) -> dict[str, Any]:
    return dict(entry.payload.changes or {})


# Reporting ----------------------------------------------------------------------------------------


def test_staff_reports_a_suspected_breach_in_two_minutes(personas: Personas) -> None:
    tree = personas.tree
    staff = actor(personas, "staff_a")
    incident = report(
        tree.school_a1,
        staff,
        hours=1,
        description="Cijferlijst van groep 8 per ongeluk naar alle ouders gemaild.\nNog geen reactie.",
        personal_data="unknown",
        application_note="Schoolmail",
    )
    incident.refresh_from_db()
    assert incident.kind == IncidentKind.BREACH  # "unknown" is a suspected breach
    assert incident.title == "Cijferlijst van groep 8 per ongeluk naar alle ouders gemaild."
    assert (incident.reported_by, incident.reporter_name) == (personas["staff_a"], "staff_a")
    assert incident.aware_at == incident.discovered_at  # the clock runs from the report
    assert list(incident.schools.all()) == [tree.school_a1]
    assert incident.status == IncidentStatus.REPORTED
    [entry] = incident.timeline.all()
    assert entry.text == "Gemeld door staff_a." and entry.author == personas["staff_a"]
    [created] = entries("incidents.incident")
    assert created.action == "create" and created.actor_user == personas["staff_a"]
    assert created.organisation_id == tree.school_a1.pk
    assert changes_of(created)["schools"] == [None, [tree.school_a1.pk]]
    assert [e.action for e in entries("incidents.timelineentry")] == ["create"]


def test_no_personal_data_makes_a_security_incident_without_clock(personas: Personas) -> None:
    incident = report(personas.tree.board_a, personal_data="no", description="DDoS op de website")
    assert incident.kind == IncidentKind.SECURITY and incident.aware_at is None
    assert clock_of(incident) is None
    cyber = report(personas.tree.board_a, personal_data="no", kind="cyber", title="Ransomware")
    assert (cyber.kind, cyber.title) == ("cyber", "Ransomware")


def test_who_may_report_where(personas: Personas) -> None:
    tree = personas.tree
    for name, organisation in (
        ("staff_a", tree.school_a2),  # a sibling school
        ("staff_a", tree.board_b),
        ("fg_a", tree.board_a),  # the FG reads and advises, it does not report
        ("auditor_a", tree.board_a),
        ("coordinator_b", tree.board_a),
        ("sector_curator", tree.board_a),
    ):
        with pytest.raises(services.IncidentRefused):
            report(organisation, actor(personas, name))
    with pytest.raises(services.IncidentRefused):
        report(tree.sector)
    for name in ("board_member_a", "privacy_officer_a", "coordinator_a", "school_leader_a"):
        report(tree.school_a1, actor(personas, name))
    assert Incident.objects.count() == 4


def test_bad_report_names_each_field_and_writes_nothing(personas: Personas) -> None:
    board = personas.tree.board_a
    with pytest.raises(ValidationError) as caught:
        services.report_incident(
            SYSTEM,
            board,
            description="",
            personal_data="misschien",
            discovered_at=timezone.now() + dt.timedelta(hours=2),
            occurred_at=dt.datetime(2026, 1, 1, 12, 0),
            applications=[999999],
            colour="blauw",
        )
    assert set(caught.value.message_dict) == {"colour"}  # unknown fields are refused first
    with pytest.raises(ValidationError) as caught:
        services.report_incident(
            SYSTEM,
            board,
            description="   ",
            personal_data="misschien",
            discovered_at=timezone.now() + dt.timedelta(hours=2),
            occurred_at=dt.datetime(2026, 1, 1, 12, 0),
            applications=[999999],
        )
    errors = caught.value.message_dict
    assert set(errors) >= {"description", "personal_data", "discovered_at", "occurred_at"}
    assert errors["discovered_at"] == ["Dit tijdstip ligt in de toekomst."]
    assert errors["occurred_at"] == ["Geef een tijdstip met tijdzone."]
    assert errors["applications"] == ["Niet gevonden of niet te kiezen: 999999."]
    with pytest.raises(ValidationError) as caught:
        report(board, occurred_at=ago(1), hours=5)
    assert caught.value.message_dict == {"occurred_at": ["Ligt na het moment van ontdekken."]}
    assert (
        not Incident.objects.exists()
        and not AuditEntry.objects.filter(object_type="incidents.incident").exists()
    )


# Reading rule -------------------------------------------------------------------------------------


def test_reading_rule_per_persona(personas: Personas) -> None:
    tree = personas.tree
    staff = actor(personas, "staff_a")
    own = report(tree.school_a1, staff, title="Eigen melding")
    other = report(tree.school_a1, actor(personas, "school_leader_a"), title="Andere melding")
    security = report(tree.board_a, personal_data="no", title="Beveiliging bestuur")
    sibling = report(tree.school_a2, title="Lek De Linde")
    board_b = report(tree.board_b, title="Lek Bèta")
    everything_a = {own.pk, other.pk, security.pk, sibling.pk}
    expected = {
        "coordinator_a": everything_a,
        "board_member_a": everything_a,
        "privacy_officer_a": everything_a,
        "auditor_a": everything_a,
        "fg_a": {own.pk, other.pk, sibling.pk},  # breaches only
        "school_leader_a": {own.pk, other.pk, security.pk},  # own school and the board's
        "staff_a": {own.pk},  # only what they reported
        "coordinator_b": {board_b.pk},
        "sector_analyst": set(),
        "sector_curator": set(),
    }
    assert set(expected) == set(PERSONA_ROLES)
    for name, ids in expected.items():
        got = set(Incident.objects.for_user(personas[name]).values_list("pk", flat=True))
        assert got == ids, name
    # Who may change: the privacy officer breaches only, the school leader its school only.
    change = {
        name: set(Incident.objects.for_user(personas[name], "change").values_list("pk", flat=True))
        for name in PERSONA_ROLES
    }
    assert change["coordinator_a"] == everything_a
    assert change["privacy_officer_a"] == {own.pk, other.pk, sibling.pk}
    assert change["school_leader_a"] == {own.pk, other.pk}
    for name in ("board_member_a", "fg_a", "staff_a", "auditor_a", "sector_curator"):
        assert change[name] == set(), name
    advise = set(Incident.objects.for_user(personas["fg_a"], "advise").values_list("pk", flat=True))
    assert advise == {own.pk, other.pk, sibling.pk}
    # A reporter who leaves the school no longer reads their report.
    personas["staff_a"].memberships.all().delete()
    fresh = type(personas["staff_a"]).objects.get(pk=personas["staff_a"].pk)
    with pytest.raises(Http404):
        incident_for_user(fresh, own.pk)


# Times and the clock ------------------------------------------------------------------------------


def _processor_application(board: Organisation, hours: int) -> Application:
    application = Application.objects.create(
        organisation=board, name="Rekenplatform", kind="learning_app"
    )
    supplier = Supplier.objects.create(organisation=board, name="Rekenwerk BV")
    agreement = Agreement.objects.create(
        organisation=board,
        supplier=supplier,
        title="Verwerkersovereenkomst Rekenwerk",
        model="model_4",
        status="signed",
        signed_on=timezone.localdate() - dt.timedelta(days=100),
        breach_notification_hours=hours,
    )
    agreement.applications.add(application)
    return application


def test_processor_reported_breach_starts_the_clock_at_the_boards_awareness(
    personas: Personas,
) -> None:
    board = personas.tree.board_a
    application = _processor_application(board, 24)
    officer = actor(personas, "privacy_officer_a")
    # The processor discovered it 60 hours ago and told the board 30 hours ago.
    incident = report(board, officer, hours=60, description="Inbraak bij de leverancier")
    assert incident.aware_at == incident.discovered_at  # until the processor's report is known
    informed = ago(30)
    services.update_incident(
        officer, incident, processor_application=application.pk, processor_informed_at=informed
    )
    incident.refresh_from_db()
    assert incident.processor_term_hours == 24  # from the agreement
    assert incident.aware_at == informed  # the clock starts when the board was told
    clock = clock_of(incident)
    assert clock is not None
    # Measured a moment after hour 30: 30 whole hours passed, 41 whole hours are left.
    assert (clock.hours_elapsed, clock.hours_left) == (30, 41)
    assert clock.deadline == informed + dt.timedelta(hours=72)
    # The handler may set the moment of awareness explicitly (e.g. certainty came later).
    later = ago(20)
    services.update_incident(
        officer, incident, aware_at=later, aware_note="Pas na het gesprek zeker."
    )
    incident.refresh_from_db()
    assert incident.aware_at == later and clock_of(incident).hours_left == 51  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as caught:
        services.update_incident(officer, incident, aware_at=ago(70))
    assert set(caught.value.message_dict) == {"aware_at"}


def test_reclassified_incident_starts_its_clock_at_reclassification(personas: Personas) -> None:
    incident = report(personas.tree.board_a, personal_data="no", hours=100)
    before = timezone.now()
    services.update_incident(SYSTEM, incident, kind="breach", personal_data="yes")
    incident.refresh_from_db()
    assert incident.aware_at is not None and incident.aware_at >= before
    assert incident.timeline.last().text == "Soort gewijzigd in: Datalek."  # type: ignore[union-attr]


# Assessment and decision ---------------------------------------------------------------------------


def test_who_decides(personas: Personas) -> None:
    tree = personas.tree
    school_breach = report(tree.school_a1)
    for name in ("fg_a", "board_member_a", "auditor_a", "staff_a"):
        with pytest.raises(services.IncidentRefused):
            decide(school_breach, actor(personas, name))
    # The school leader changes its school's incidents, but the board decides on notifying.
    with pytest.raises(services.IncidentRefused, match="namens het bestuur"):
        decide(school_breach, actor(personas, "school_leader_a"))
    assert not BreachAssessment.objects.exists()
    record = decide(school_breach, actor(personas, "privacy_officer_a"))
    assert (record.notify_ap, record.inform, record.decided_by) == (
        True,
        "none",
        personas["privacy_officer_a"],
    )
    school_breach.refresh_from_db()
    assert school_breach.status == IncidentStatus.IN_PROGRESS
    decide(school_breach, actor(personas, "coordinator_a"), high_risk=True)
    record.refresh_from_db()
    assert (record.inform, record.decided_by) == ("individual", personas["coordinator_a"])
    assert [e.action for e in entries("incidents.breachassessment")] == ["create", "update"]
    assert "Besluit vastgelegd: melden bij de AP" in school_breach.timeline.last().text  # type: ignore[union-attr]


def test_assessment_needs_reasoning_and_consistent_answers(personas: Personas) -> None:
    incident = report(personas.tree.board_a)
    with pytest.raises(ValidationError) as caught:
        decide(incident, reasoning=" ", risk=False, high_risk=True, factors=["onbekend"])
    assert set(caught.value.message_dict) == {"reasoning", "high_risk", "factors"}
    with pytest.raises(ValidationError) as caught:
        decide(incident, is_breach="ja")
    assert caught.value.message_dict == {"is_breach": ["Beantwoord deze vraag met ja of nee."]}
    security = report(personas.tree.board_a, personal_data="no")
    with pytest.raises(services.IncidentRefused):
        decide(security)
    # Not a breach after all: no notification, the reasoning stays.
    record = decide(
        incident, is_breach=False, risk=False, reasoning="Versleutelde stick, sleutel niet mee."
    )
    assert (record.notify_ap, record.inform) == (False, "none")


def test_fg_advises_and_nobody_else(personas: Personas) -> None:
    incident = report(personas.tree.board_a)
    for name in ("privacy_officer_a", "coordinator_a", "board_member_a"):
        with pytest.raises(services.IncidentRefused, match="functionaris"):
            services.record_advice(actor(personas, name), incident, text="Advies")
    advice = services.record_advice(actor(personas, "fg_a"), incident, text="Melden, met brief.")
    assert (advice.advised_by, advice.advised_by_name) == (personas["fg_a"], "fg_a")
    services.record_advice(actor(personas, "fg_a"), incident, text="Melden, met brief aan ouders.")
    assert [e.action for e in entries("incidents.advice")] == ["create", "update"]
    assert not BreachAssessment.objects.exists()  # advice is no decision


# Notification to the AP ---------------------------------------------------------------------------


def test_notification_in_phases(personas: Personas) -> None:
    officer = actor(personas, "privacy_officer_a")
    incident = report(personas.tree.board_a, officer, hours=10)
    with pytest.raises(ValidationError) as caught:
        services.record_notification(officer, incident, kind="initial", notified_at=ago(1))
    assert set(caught.value.message_dict) == {"kind"}  # no decision yet
    decide(incident, officer)
    with pytest.raises(services.IncidentRefused):
        services.record_notification(
            actor(personas, "fg_a"), incident, kind="initial", notified_at=ago(1)
        )
    first = services.record_notification(
        officer, incident, kind="initial", notified_at=ago(1), reference="M-123"
    )
    assert first.delay_reasons == ""  # within 72 hours: no reasons needed
    with pytest.raises(ValidationError) as caught:
        services.record_notification(officer, incident, kind="initial", notified_at=ago(0.5))
    assert set(caught.value.message_dict) == {"kind"}
    with pytest.raises(ValidationError) as caught:
        services.record_notification(officer, incident, kind="addition", notified_at=ago(0.5))
    assert set(caught.value.message_dict) == {"summary"}
    with pytest.raises(ValidationError) as caught:
        services.record_notification(
            officer, incident, kind="addition", notified_at=ago(2), summary="Aantal bekend"
        )
    assert caught.value.message_dict == {"notified_at": ["Ligt voor de melding zelf."]}
    services.record_notification(
        officer, incident, kind="addition", notified_at=ago(0.5), summary="Aantal: 120 leerlingen"
    )
    services.record_notification(
        officer,
        incident,
        kind="withdrawal",
        notified_at=ago(0.2),
        summary="Geen datalek na onderzoek",
    )
    with pytest.raises(ValidationError) as caught:
        services.record_notification(
            officer, incident, kind="addition", notified_at=ago(0.1), summary="Nog iets"
        )
    assert set(caught.value.message_dict) == {"kind"}
    kinds = list(incident.notifications.values_list("kind", flat=True))
    assert kinds == ["initial", "addition", "withdrawal"]
    assert [e.action for e in entries("incidents.apnotification")] == ["create"] * 3
    clock = clock_of(incident_for_user(personas["privacy_officer_a"], incident.pk))
    assert clock is not None and clock.state == "notified_in_time"


def test_late_notification_requires_reasons(personas: Personas) -> None:
    officer = actor(personas, "privacy_officer_a")
    incident = report(personas.tree.board_a, officer, hours=80)
    decide(incident, officer)
    with pytest.raises(ValidationError) as caught:
        services.record_notification(officer, incident, kind="initial", notified_at=ago(1))
    assert caught.value.message_dict == {
        "delay_reasons": [
            "De melding is later dan 72 uur na kennisname: geef de redenen van de vertraging."
        ]
    }
    # Notified at hour 71 (recorded late): in time, no reasons needed.
    in_time = services.record_notification(officer, incident, kind="initial", notified_at=ago(9))
    assert in_time.delay_reasons == ""
    second = report(personas.tree.board_a, officer, hours=80)
    decide(second, officer)
    late = services.record_notification(
        officer,
        second,
        kind="initial",
        notified_at=ago(1),
        delay_reasons="Omvang pas na 3 dagen bekend.",
    )
    assert late.delay_reasons.startswith("Omvang")
    late_clock = clock_of(incident_for_user(personas["privacy_officer_a"], second.pk))
    assert late_clock is not None and late_clock.state == "notified_late"
    with pytest.raises(ValidationError) as caught:
        third = report(personas.tree.board_a, officer, hours=3)
        decide(third, officer)
        services.record_notification(
            officer, third, kind="initial", notified_at=timezone.now() + dt.timedelta(hours=1)
        )
    assert set(caught.value.message_dict) == {"notified_at"}


# Closing, deleting, the timeline ------------------------------------------------------------------


def test_closing_a_breach_needs_the_decision_and_the_notification(personas: Personas) -> None:
    officer = actor(personas, "privacy_officer_a")
    incident = report(personas.tree.board_a, officer)
    with pytest.raises(ValidationError) as caught:
        services.close_incident(officer, incident, note="Klaar")
    assert "beoordeling" in caught.value.message_dict["closing_note"][0]
    decide(incident, officer)
    with pytest.raises(ValidationError) as caught:
        services.close_incident(officer, incident, note="Klaar")
    assert "melding" in caught.value.message_dict["closing_note"][0]
    services.record_notification(officer, incident, kind="initial", notified_at=ago(1))
    with pytest.raises(ValidationError) as caught:
        services.close_incident(officer, incident, note="  ")
    assert set(caught.value.message_dict) == {"closing_note"}
    services.close_incident(officer, incident, note="Gemeld; versleuteling ingevoerd.")
    incident.refresh_from_db()
    assert incident.closed and incident.closed_at is not None
    with pytest.raises(services.IncidentRefused, match="afgesloten"):
        services.update_incident(officer, incident, severity="high")
    with pytest.raises(services.IncidentRefused):
        services.add_timeline_entry(officer, incident, text="Nog iets")
    services.reopen_incident(officer, incident, reason="Nieuwe feiten")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS and incident.closed_at is None
    # A breach decided not to notify closes without a notification and stays in the register.
    other = report(personas.tree.board_a, officer)
    decide(other, officer, risk=False, reasoning="Ontvanger heeft verwijderd; geen risico.")
    services.close_incident(officer, other, note="Niet gemeld; motivering vastgelegd.")
    assert Incident.objects.filter(kind="breach").count() == 2


def test_breaches_are_never_deleted(personas: Personas) -> None:
    coordinator = actor(personas, "coordinator_a")
    breach = report(personas.tree.board_a)
    with pytest.raises(services.IncidentRefused, match="register"):
        services.delete_incident(coordinator, breach)
    mistake = report(personas.tree.board_a, personal_data="no", title="Per vergissing")
    with pytest.raises(services.IncidentRefused):
        services.delete_incident(actor(personas, "privacy_officer_a"), mistake)  # not a breach
    services.delete_incident(coordinator, mistake)
    assert not Incident.objects.filter(pk=mistake.pk).exists()
    assert [e.action for e in entries("incidents.incident")][-1] == "delete"
    assert entries("incidents.timelineentry")[-1].action == "delete"
    handled = report(personas.tree.board_a, personal_data="no")
    services.update_incident(coordinator, handled, status="in_progress")
    with pytest.raises(services.IncidentRefused):
        services.delete_incident(coordinator, handled)


def test_timeline_is_append_only_and_ordered(personas: Personas) -> None:
    officer = actor(personas, "privacy_officer_a")
    incident = report(personas.tree.board_a, officer, hours=5)
    services.add_timeline_entry(officer, incident, text="Leverancier gebeld", at=ago(3))
    services.add_timeline_entry(officer, incident, text="Wachtwoorden gereset")
    with pytest.raises(ValidationError) as caught:
        services.add_timeline_entry(
            officer, incident, text="", at=timezone.now() + dt.timedelta(days=1)
        )
    assert set(caught.value.message_dict) == {"text", "at"}
    texts = list(TimelineEntry.objects.filter(incident=incident).values_list("text", flat=True))
    # In the order things happened (the call 3 hours ago came before the report was entered).
    assert texts == ["Leverancier gebeld", "Gemeld door privacy_officer_a.", "Wachtwoorden gereset"]
    assert not hasattr(services, "update_timeline_entry") and not hasattr(
        services, "delete_timeline_entry"
    )
    with pytest.raises(services.IncidentRefused):
        services.add_timeline_entry(actor(personas, "fg_a"), incident, text="FG schrijft niet")


# Plan measures, CERT ------------------------------------------------------------------------------


def test_lessons_learned_become_plan_measures(personas: Personas) -> None:
    board = personas.tree.board_a
    incident = report(board)
    officer = actor(personas, "privacy_officer_a")
    with pytest.raises(services.IncidentRefused, match="koppel een bestaande"):
        services.create_plan_measure(officer, incident, title="Versleutel alle laptops")
    existing = create_measure(SYSTEM, board, title="Schijfversleuteling")
    other_board = create_measure(SYSTEM, personas.tree.board_b, title="Van Bèta")
    services.link_plan_measure(officer, incident, existing)
    with pytest.raises(ValidationError):
        services.link_plan_measure(officer, incident, other_board)
    made = services.create_plan_measure(
        actor(personas, "coordinator_a"), incident, title="MFA voor iedereen"
    )
    assert set(incident.plan_measures.values_list("title", flat=True)) == {
        "Schijfversleuteling",
        "MFA voor iedereen",
    }
    assert made.organisation == board
    last = entries("incidents.incident")[-1]
    assert changes_of(last)["plan_measures"] == [[existing.pk], sorted([existing.pk, made.pk])]


def test_cert_contact_per_board_or_sector(personas: Personas) -> None:
    tree = personas.tree
    with pytest.raises(services.IncidentRefused):
        services.set_cert_contact(actor(personas, "privacy_officer_a"), tree.board_a, name="X")
    with pytest.raises(services.IncidentRefused):
        services.set_cert_contact(actor(personas, "coordinator_a"), tree.sector, name="X")
    services.set_cert_contact(
        actor(personas, "sector_curator"),
        tree.sector,
        name="Sector-CERT",
        email="cert@sector.example",
    )
    assert cert_contact_for(tree.school_a1).name == "Sector-CERT"  # type: ignore[union-attr]
    services.set_cert_contact(actor(personas, "coordinator_a"), tree.board_a, name="Eigen SOC")
    assert cert_contact_for(tree.school_a1).name == "Eigen SOC"  # type: ignore[union-attr]
    assert cert_contact_for(tree.board_b).name == "Sector-CERT"  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as caught:
        services.set_cert_contact(
            actor(personas, "coordinator_a"), tree.board_a, name="", email="x"
        )
    assert set(caught.value.message_dict) == {"name", "email"}
    incident = report(tree.board_a, personal_data="no")
    with pytest.raises(ValidationError):
        services.record_cert_shared(actor(personas, "coordinator_a"), incident)
    services.update_incident(SYSTEM, incident, cert_summary="Phishing", cert_tlp="amber_strict")
    services.record_cert_shared(actor(personas, "coordinator_a"), incident)
    incident.refresh_from_db()
    assert incident.cert_shared_at is not None
    assert incident.timeline.last().text == "Gedeeld met de sector-CERT (TLP:AMBER+STRICT)."  # type: ignore[union-attr]


# Reminders ----------------------------------------------------------------------------------------


def test_reminders_after_24_and_48_hours_once_each(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    tree = personas.tree
    waiting = report(tree.school_a1, actor(personas, "staff_a"), hours=25)
    decided = report(tree.board_a, hours=30)
    decide(decided)
    early = report(tree.board_a, hours=10)  # too early
    report(tree.board_a, personal_data="no", hours=30)  # no breach
    report(tree.board_b, hours=26)  # board B's people hear about board B's breach
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_breach_reminders(SYSTEM)
    assert sorted((r.incident.organisation.name, r.hours) for r in sent) == [
        ("De Eik", 24),
        ("Stichting Bèta", 24),
    ]
    mine = next(r for r in sent if r.incident.pk == waiting.pk)
    assert mine.recipients == ["coordinator_a@example.test", "privacy_officer_a@example.test"]
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if "De Eik" in m.subject)
    assert message.subject == "Schildwacht: een datalek bij De Eik wacht op een besluit"
    # 25 hours after the report, a moment more than 46 whole hours are left (rounded down).
    assert "nog 46 uur" in message.body and f"/incidenten/{waiting.pk}/" in message.body
    assert "Laptop" not in message.body  # no description of the breach in an e-mail
    # Once each: again now sends nothing; 24 hours later the 48-hour reminder, then nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_breach_reminders(SYSTEM) == []
    later = timezone.now() + dt.timedelta(hours=24)
    beta = Incident.objects.get(organisation=tree.board_b)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.send_breach_reminders(SYSTEM, later)
    assert sorted((r.incident.pk, r.hours) for r in second) == sorted(
        [(waiting.pk, 48), (beta.pk, 48), (early.pk, 24)]
    )
    assert services.send_breach_reminders(SYSTEM, later) == []
    waiting.refresh_from_db()
    assert waiting.reminder_24_sent_at is not None and waiting.reminder_48_sent_at == later
    stamps = [e for e in entries("incidents.incident") if e.action == "update"]
    assert sum("reminder_24_sent_at" in changes_of(e) for e in stamps) == 3
    assert sum("reminder_48_sent_at" in changes_of(e) for e in stamps) == 2


def test_reminder_job_is_scheduled_and_runs(personas: Personas) -> None:
    from schildwacht.incidents.tasks import breach_reminders
    from schildwacht.operations.scheduler import JOBS, run_due_jobs

    [job] = [job for job in JOBS if job.name == "breach_reminders"]
    assert job.task is breach_reminders
    report(personas.tree.board_a, hours=30)
    # The test settings run tasks at once: the job sends the one due reminder.
    assert "breach_reminders" in run_due_jobs(jobs=[job])
    incident = Incident.objects.get()
    assert incident.reminder_24_sent_at is not None and incident.reminder_48_sent_at is None
    assert run_due_jobs(jobs=[job]) == []  # once per period
