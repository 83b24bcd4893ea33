"""Incident pages: access per persona for every page, the lists (paginated, htmx partial, pinned
query counts), the report form, the clock on the page, the assessment, the FG's advice, the
notification document and letter, closing and the CERT pages."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from schildwacht.audit.services import Actor
from schildwacht.incidents import services
from schildwacht.incidents.models import BreachAssessment, Incident
from tests.personas import Personas, assert_access
from tests.test_incidents_services import ago, decide, report

SYSTEM = Actor.system("tests")

# Reading the whole file of a board-A incident at school A1 (the staff member who reported it
# reads only their own report: the file's pages are 404 for them).
READS_FILE = {
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 200,
    "school_leader_a": 200,
    "staff_a": 404,
    "auditor_a": 200,
    "coordinator_b": 404,
    "sector_analyst": 404,
    "sector_curator": 404,
}
READS = {**READS_FILE, "staff_a": 200}  # the incident page: the reporter sees their report
# Changing a breach at school A1: the coordinator, the privacy officer, the school's leader.
CHANGES = {
    **READS,
    "board_member_a": 403,
    "fg_a": 403,
    "staff_a": 403,
    "auditor_a": 403,
}
# Deciding on notifying: on the board's behalf (not the school leader), never the FG.
DECIDES = {**CHANGES, "school_leader_a": 403, "staff_a": 404}
ADVISES = {
    **READS_FILE,
    "coordinator_a": 403,
    "board_member_a": 403,
    "privacy_officer_a": 403,
    "school_leader_a": 403,
    "auditor_a": 403,
}
# Pages of the active organisation: board B's coordinator sees their own board's.
REGISTER = {**READS_FILE, "coordinator_b": 200}
REPORTS = {**REGISTER, "staff_a": 200, "fg_a": 403, "auditor_a": 403}
MINE = {**REPORTS, "fg_a": 404, "auditor_a": 404}


@pytest.fixture
def breach(personas: Personas) -> Incident:
    """A suspected breach at school A1, reported by the staff member 30 hours ago."""
    return report(
        personas.tree.school_a1,
        Actor.for_user(personas["staff_a"]),
        hours=30,
        title="Cijferlijst naar verkeerde ouders",
        description="De cijferlijst van groep 8 ging naar alle ouders van groep 7.",
    )


def url(name: str, *args: Any) -> str:
    return reverse(f"incidents:{name}", args=args)


def test_pages_of_a_breach_per_persona(personas: Personas, breach: Incident) -> None:
    pk = breach.pk
    assert_access(personas, url("detail", pk), READS)
    for name in ("notification_document", "letter", "cert", "notification_pdf"):
        assert_access(personas, url(name, pk), READS_FILE)
    for part in ("algemeen", "tijden", "gegevens", "cert", "lessen"):
        assert_access(personas, url("edit_part", pk, part), CHANGES)
    for name in ("timeline_add", "close", "plan_measures"):
        assert_access(personas, url(name, pk), CHANGES)
    for name in ("assessment", "notification_record"):
        assert_access(personas, url(name, pk), DECIDES)
    assert_access(personas, url("advice", pk), ADVISES)
    # A breach is never deleted; the reason is given to whoever may change it.
    assert_access(
        personas,
        url("delete", pk),
        CHANGES | {"coordinator_a": 403, "privacy_officer_a": 403, "school_leader_a": 403},
    )
    # Reopening an open incident: refused with the reason.
    assert_access(
        personas,
        url("reopen", pk),
        CHANGES | {"coordinator_a": 403, "privacy_officer_a": 403, "school_leader_a": 403},
    )
    # Recording that the escalation went to the CERT needs a summary first: back to the page.
    assert_access(
        personas,
        url("cert_shared", pk),
        CHANGES | {"coordinator_a": 302, "privacy_officer_a": 302, "school_leader_a": 302},
        method="post",
    )
    assert personas.client("coordinator_a").get(url("edit_part", pk, "onbekend")).status_code == 404
    breach.refresh_from_db()
    assert breach.cert_shared_at is None


def test_pages_of_a_security_incident_per_persona(personas: Personas) -> None:
    incident = report(personas.tree.board_a, personal_data="no", title="DDoS op de website")
    reads = {**READS, "fg_a": 404, "staff_a": 404}  # the FG reads breaches only
    assert_access(personas, url("detail", incident.pk), reads)
    # Only change:all changes it: not the privacy officer, not a school's leader (board item).
    changes = {
        **reads,
        "board_member_a": 403,
        "privacy_officer_a": 403,
        "school_leader_a": 403,
        "auditor_a": 403,
    }
    assert_access(personas, url("edit_part", incident.pk, "algemeen"), changes)
    assert_access(personas, url("delete", incident.pk), changes)
    # Pages of breaches only: 404 for a security incident.
    assert_access(personas, url("assessment", incident.pk), dict.fromkeys(reads, 404))
    response = personas.client("coordinator_a").post(url("delete", incident.pk))
    assert response.status_code == 302 and not Incident.objects.filter(pk=incident.pk).exists()


def test_organisation_pages_per_persona(personas: Personas, breach: Incident) -> None:
    assert_access(personas, url("list"), REGISTER)
    assert_access(personas, url("export"), REGISTER)
    assert_access(personas, url("report"), REPORTS)
    assert_access(personas, url("mine"), MINE)
    assert_access(personas, url("cert_contact"), {**REGISTER, "sector_curator": 200})


def test_register_lists_with_pages_htmx_filters_and_pinned_queries(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    tree = personas.tree
    for number in range(3):
        report(tree.board_a, hours=5 + number, title=f"Lek {number}")
    client = personas.client("privacy_officer_a")
    with django_assert_max_num_queries(16) as few:
        response = client.get(url("list"))
    assert response.status_code == 200
    for number in range(27):
        report(tree.school_a1, personal_data="no", hours=40 + number, title=f"Incident {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("list"))
    content = response.content.decode()
    assert "30 incidenten" in content and "pagina 1 van 2" in content
    assert "nog 66 uur" in content  # Lek 0: a moment past hour 5 of its clock
    response = client.get(url("list"), {"pagina": 2}, headers={"HX-Request": "true"})
    assert "<html" not in response.content.decode() and "Incident 26" in response.content.decode()
    response = client.get(url("list"), {"soort": "breach"})
    assert "3 incidenten" in response.content.decode()
    assert client.get(url("list"), {"soort": "anders"}).status_code == 200  # bad filter: empty
    # The FG's register: breaches only.
    assert "3 incidenten" in personas.client("fg_a").get(url("list")).content.decode()


def test_mine_shows_only_own_reports(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    tree = personas.tree
    staff = Actor.for_user(personas["staff_a"])
    report(tree.school_a1, staff, title="Mijn eerste melding")
    report(tree.school_a1, title="Melding van een ander")
    client = personas.client("staff_a")
    with django_assert_max_num_queries(14) as few:
        content = client.get(url("mine")).content.decode()
    assert "Mijn eerste melding" in content and "Melding van een ander" not in content
    for number in range(5):
        report(tree.school_a1, staff, title=f"Melding {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "6 meldingen" in client.get(url("mine")).content.decode()


def test_staff_reports_and_reads_only_their_own(personas: Personas) -> None:
    client = personas.client("staff_a")
    page = client.get(url("report")).content.decode()
    assert 'name="application"' not in page  # staff read no register: a free-text field
    response = client.post(
        url("report"),
        {
            "description": "Mijn laptop is gestolen uit de fietsenstalling.",
            "discovered_at": timezone.localtime(ago(1)).strftime("%Y-%m-%dT%H:%M"),
            "organisation": personas.tree.school_a1.pk,
            "application_note": "Laptop",
            "personal_data": "unknown",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", incident.pk)
    assert (incident.kind, incident.reported_by) == ("breach", personas["staff_a"])
    page = client.get(url("detail", incident.pk)).content.decode()
    assert "Uw melding van" in page and "Termijn van 72 uur" not in page  # no file for staff
    other = report(personas.tree.school_a1, title="Van een collega")
    assert client.get(url("detail", other.pk)).status_code == 404
    # Bad input: every problem on its field, nothing written.
    response = client.post(
        url("report"),
        {
            "description": "",
            "discovered_at": "gisteren",
            "organisation": personas.tree.school_a2.pk,
            "personal_data": "misschien",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"description", "discovered_at", "organisation", "personal_data"}
    assert Incident.objects.count() == 2


def test_breach_page_shows_the_clock_with_weekday(personas: Personas, breach: Incident) -> None:
    content = personas.client("privacy_officer_a").get(url("detail", breach.pk)).content.decode()
    assert "Termijn van 72 uur voor de melding aan de AP" in content
    assert "Nog 41 uur." in content  # a moment past hour 30
    assert breach.aware_at is not None
    deadline = timezone.localtime(breach.aware_at + dt.timedelta(hours=72))
    weekday = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"][
        deadline.weekday()
    ]
    assert f"{weekday} {deadline.day} " in content and deadline.strftime("%H:%M") in content


def test_assessment_fg_advice_notification_and_close_through_the_pages(
    personas: Personas, breach: Incident
) -> None:
    fg = personas.client("fg_a")
    assert (
        fg.post(url("advice", breach.pk), {"text": "Melden; ouders informeren."}).status_code == 302
    )
    assert fg.post(url("assessment", breach.pk), {"reasoning": "x"}).status_code == 403
    officer = personas.client("privacy_officer_a")
    page = officer.get(url("assessment", breach.pk)).content.decode()
    assert "Melden; ouders informeren." in page and "Termijn van 72 uur" in page
    response = officer.post(url("assessment", breach.pk), {"is_breach": "ja", "reasoning": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"reasoning", "risk", "high_risk"}
    response = officer.post(
        url("assessment", breach.pk),
        {"is_breach": "ja", "risk": "nee", "high_risk": "ja", "reasoning": "Toch hoog"},
    )
    assert response.context["form"].errors["high_risk"] == [
        "Een hoog risico is ook een risico: beantwoord beide vragen met ja."
    ]
    response = officer.post(
        url("assessment", breach.pk),
        {
            "factors": ["identifiable", "children"],
            "is_breach": "ja",
            "risk": "ja",
            "high_risk": "ja",
            "disproportionate": "on",
            "reasoning": "Alle ouders van groep 7 zagen cijfers: melden; openbare mededeling.",
        },
    )
    assert response.status_code == 302
    record = BreachAssessment.objects.get(incident=breach)
    assert (record.notify_ap, record.inform, record.factors) == (
        True,
        "public",
        ["identifiable", "children"],
    )
    page = officer.get(url("detail", breach.pk)).content.decode()
    assert "openbare mededeling" in page
    response = officer.post(
        url("notification_record", breach.pk),
        {
            "kind": "initial",
            "notified_at": timezone.localtime(ago(1)).strftime("%Y-%m-%dT%H:%M"),
            "reference": "M-2026-77",
        },
    )
    assert response.status_code == 302
    document = officer.get(url("notification_document", breach.pk)).content.decode()
    assert "Melding van een datalek aan de Autoriteit Persoonsgegevens" in document
    assert "M-2026-77" in document and "Stichting Alfa" in document
    letter = officer.get(url("letter", breach.pk)).content.decode()
    assert "Wat is er gebeurd?" in letter and "De cijferlijst van groep 8" in letter
    pdf = officer.get(url("notification_pdf", breach.pk))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Melding van een datalek" in " ".join(text.split())
    response = officer.post(url("close", breach.pk), {"closing_note": "Gemeld, afgerond."})
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.closed
    assert officer.get(url("edit_part", breach.pk, "algemeen")).status_code == 403
    assert officer.get(url("reopen", breach.pk)).status_code == 200


def test_timeline_entry_by_htmx(personas: Personas, breach: Incident) -> None:
    client = personas.client("privacy_officer_a")
    response = client.post(
        url("timeline_add", breach.pk), {"text": "Ouders gebeld"}, headers={"HX-Request": "true"}
    )
    content = response.content.decode()
    assert response.status_code == 200 and "<html" not in content and "Ouders gebeld" in content
    response = client.post(
        url("timeline_add", breach.pk), {"text": ""}, headers={"HX-Request": "true"}
    )
    assert "field--error" in response.content.decode()
    assert breach.timeline.count() == 2


def test_export_as_xlsx(personas: Personas, breach: Incident) -> None:
    decide(breach, risk=False, reasoning="Geen risico")
    response = personas.client("fg_a").get(url("export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["Cijferlijst naar verkeerde ouders"]


def test_cert_contact_page(personas: Personas) -> None:
    tree = personas.tree
    coordinator = personas.client("coordinator_a")
    response = coordinator.post(
        url("cert_contact"), {"name": "SOC Alfa", "email": "soc@alfa.example"}
    )
    assert response.status_code == 302
    assert tree.board_a.cert_contact.name == "SOC Alfa"
    assert (
        personas.client("privacy_officer_a").post(url("cert_contact"), {"name": "X"}).status_code
        == 403
    )
    curator = personas.client("sector_curator")
    assert curator.post(url("cert_contact"), {"name": "Sector-CERT"}).status_code == 302
    assert tree.sector.cert_contact.name == "Sector-CERT"
    response = coordinator.post(url("cert_contact"), {"name": "", "email": "geen-adres"})
    assert set(response.context["form"].errors) == {"name", "email"}
    incident = report(tree.board_a, personal_data="no")
    services.update_incident(
        SYSTEM, incident, cert_summary="Phishing", cert_indicators="198.51.100.7"
    )
    page = coordinator.get(url("cert", incident.pk)).content.decode()
    assert "SOC Alfa" in page and "198.51.100.7" in page and "TLP:AMBER" in page
