"""The dashboard summary (hand-made expected figures), the demo history (hour 30 of its clock)
and the breach register as XLSX (every breach, formula-safe)."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import load_workbook

from schildwacht.audit.services import Actor
from schildwacht.incidents import services
from schildwacht.incidents.demo import load_demo_incidents
from schildwacht.incidents.exports import export_breaches_xlsx
from schildwacht.incidents.models import ApNotification, BreachAssessment, Incident
from schildwacht.incidents.queries import breach_register, clock_of, incident_summary
from tests.personas import Personas
from tests.test_incidents_services import ago, decide, report

SYSTEM = Actor.system("tests")


def test_summary_with_hand_made_figures(personas: Personas) -> None:
    tree = personas.tree
    report(tree.board_a, personal_data="no", title="Open beveiligingsincident")
    report(tree.school_a1, hours=30, title="Lek op uur 30")  # 42 hours left
    nearest = report(tree.school_a2, hours=59.5, title="Lek op uur 59,5")  # 12.5 hours left
    overdue = report(tree.board_a, hours=79.5, title="Lek over de termijn")  # 7.5 hours late
    notified = report(tree.board_a, hours=20, title="Gemeld lek")
    decide(notified)
    services.record_notification(SYSTEM, notified, kind="initial", notified_at=ago(10))
    quiet = report(tree.board_a, hours=20, title="Niet gemeld lek")
    decide(quiet, risk=False, reasoning="Geen risico")
    services.close_incident(SYSTEM, quiet, note="Niet gemeld")
    report(tree.board_b, hours=70, title="Lek Bèta")  # another board: never counted

    summary = incident_summary(personas["privacy_officer_a"], tree.board_a)
    assert summary.open_incidents == 5  # everything but the closed one
    assert summary.open_breaches == 4
    # The overdue breach's deadline is the nearest (already past); it is shown as overdue.
    assert summary.nearest is not None and summary.nearest.incident == overdue
    assert summary.nearest.clock.hours_overdue == 8
    if timezone.localtime(ago(80)).year == timezone.localtime().year:  # not in early January
        assert (summary.breaches_this_year, summary.notified_this_year) == (5, 1)
        assert (summary.not_notified_this_year, summary.undecided_this_year) == (1, 3)
    services.update_incident(SYSTEM, overdue, kind="security")
    summary = incident_summary(personas["privacy_officer_a"], tree.board_a)
    assert summary.nearest is not None and summary.nearest.incident == nearest
    assert summary.nearest.clock.hours_left == 12
    # The FG reads breaches only; the school leader its own school and the board's own.
    assert incident_summary(personas["fg_a"], tree.board_a).open_incidents == 3
    leader = incident_summary(personas["school_leader_a"], tree.board_a)
    assert leader.open_incidents == 4  # hour 30 (De Eik) + three of the board itself
    empty = incident_summary(personas["coordinator_b"], tree.board_a)
    assert (empty.open_incidents, empty.nearest, empty.breaches_this_year) == (0, None, 0)


def test_demo_history_is_idempotent_with_an_open_breach_at_hour_30(personas: Personas) -> None:
    board = personas.tree.board_a
    assert load_demo_incidents(SYSTEM, board) == 4
    assert load_demo_incidents(SYSTEM, board) == 0
    incidents = {
        i.title: i for i in Incident.objects.filter(organisation__path__startswith=board.path)
    }
    assert len(incidents) == 4
    open_breach = incidents["Leverancier meldt inbraak in rekenplatform"]
    clock = clock_of(open_breach)
    assert clock is not None and clock.hours_elapsed == 30 and clock.hours_left == 41
    assert not BreachAssessment.objects.filter(incident=open_breach).exists()
    notified = incidents["USB-stick met leerlingoverzicht verloren"]
    first = ApNotification.objects.get(incident=notified)
    assert (first.kind, first.reference) == ("initial", "DEMO-2026-0147")
    assert notified.closed and notified.assessment.inform == "individual"
    quiet = incidents["Cijferlijst naar de verkeerde ouder gemaild"]
    assert quiet.closed and not quiet.assessment.notify_ap
    assert "onwaarschijnlijk" in quiet.assessment.reasoning
    assert incidents["Phishingmail met nagemaakte inlogpagina"].kind == "security"


def test_breach_register_export_is_complete_and_formula_safe(personas: Personas) -> None:
    tree = personas.tree
    tricky = report(tree.board_a, hours=20, title='=HYPERLINK("http://x")', description="-1+2")
    decide(tricky, risk=False, reasoning="@niet melden: geen risico")
    notified = report(tree.school_a1, hours=100, title="Laat gemeld")
    decide(notified)
    services.record_notification(
        SYSTEM,
        notified,
        kind="initial",
        notified_at=ago(1),
        reference="AP-9",
        delay_reasons="Weekend",
    )
    report(tree.board_a, personal_data="no", title="Geen datalek")  # not in the breach register
    content = export_breaches_xlsx(breach_register(personas["fg_a"], tree.board_a))
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:2] == ("Nummer", "Korte omschrijving")
    by_title = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_title) == {'\'=HYPERLINK("http://x")', "Laat gemeld"}
    quiet = by_title['\'=HYPERLINK("http://x")']
    assert (quiet["Melden bij de AP"], quiet["Motivering"]) == ("nee", "'@niet melden: geen risico")
    late = by_title["Laat gemeld"]
    assert (late["Kenmerk AP"], late["Te laat gemeld"], late["Redenen vertraging"]) == (
        "AP-9",
        "ja",
        "Weekend",
    )
    assert isinstance(late["Ontdekt op"], dt.datetime) and late["Ontdekt op"].tzinfo is None
    assert late["Aantal betrokkenen (min)"] is None


def test_demo_breach_of_a_processor_carries_the_agreed_term(personas: Personas) -> None:
    from schildwacht.registers.demo import load_demo_registers
    from schildwacht.suppliers.demo import load_demo_agreements, load_demo_catalogue

    tree = personas.tree
    load_demo_catalogue(SYSTEM, tree.sector)
    load_demo_registers(SYSTEM, tree.board_a, "po")
    load_demo_agreements(SYSTEM, tree.board_a, "po")
    load_demo_incidents(SYSTEM, tree.board_a)
    breach = Incident.objects.get(title="Leverancier meldt inbraak in rekenplatform")
    assert breach.processor_application is not None
    assert breach.processor_term_hours in {24, 48, 72}
    assert list(breach.applications.all()) == [breach.processor_application]
    assert breach.aware_at == breach.processor_informed_at
