"""Rapportage: "Waar staan we?", the board report PDF and the meting export, per persona.

Board A has a nulmeting (approved) and a second meting (approved) with hand-made levels; school
A1 has one meting, school A2 one too. Expected figures are worked out by hand below.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from schildwacht.assessments import services
from schildwacht.assessments.models import Assessment
from schildwacht.audit.services import Actor
from schildwacht.frameworks.models import Framework
from schildwacht.frameworks.services import load_catalogues
from schildwacht.reports.queries import MeasureState, dashboard
from tests.personas import Personas, assert_access

SYSTEM = Actor.system("tests")

# Who reads board A's figures: every board-A role that reads metingen (view:all). The FG reads
# privacy items only; staff and the sector roles see no board data; board B gets 404.
READS_BOARD_A = {
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 404,
    "school_leader_a": 200,
    "staff_a": 404,
    "auditor_a": 200,
    "coordinator_b": 404,
    "sector_analyst": 404,
    "sector_curator": 404,
}


@pytest.fixture
def framework(personas: Personas) -> Framework:
    load_catalogues(SYSTEM)
    return Framework.objects.get(slug="normenkader-ibp-fo")


def _meting(
    organisation: Any,
    framework: Framework,
    title: str,
    levels: dict[str, int | None],
    *,
    approve: bool = True,
    days_ago: int = 0,
    na: dict[str, str] | None = None,
    notes: dict[str, str] | None = None,
) -> Assessment:
    assessment = services.create_assessment(SYSTEM, organisation, framework, title)
    scores = {s.norm_id: s for s in assessment.scores.all()}
    for norm_id, level in levels.items():
        scores[norm_id].assessment = assessment
        services.update_score(SYSTEM, scores[norm_id], level=level)
    for norm_id, reason in (na or {}).items():
        scores[norm_id].assessment = assessment
        services.update_score(
            SYSTEM, scores[norm_id], level=None, not_applicable=True, not_applicable_reason=reason
        )
    for norm_id, text in (notes or {}).items():
        scores[norm_id].assessment = assessment
        services.update_score(SYSTEM, scores[norm_id], notes=text)
    if approve:
        services.submit_for_review(SYSTEM, assessment)
        services.approve_assessment(SYSTEM, assessment)
    Assessment.objects.filter(pk=assessment.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def metingen(personas: Personas, framework: Framework) -> dict[str, Assessment]:
    tree = personas.tree
    first = _meting(
        tree.board_a,
        framework,
        "Nulmeting Alfa",
        {"GO.01": 2, "GO.02": 1, "SM.09": 1, "ID.01": 3},
        days_ago=365,
        na={"PH.01": "Geen eigen serverruimte"},
    )
    second = _meting(
        tree.board_a,
        framework,
        "Tweede meting Alfa",
        {"GO.01": 3, "GO.02": 3, "SM.09": 4, "SM.10": 3, "SM.12": 2},
        days_ago=10,
        notes={"GO.01": '=HYPERLINK("https://evil.example")'},
    )
    draft = _meting(tree.board_a, framework, "Derde meting (concept)", {}, approve=False)
    school = _meting(tree.school_a1, framework, "Meting De Eik", {"GO.01": 4}, days_ago=30)
    sibling = _meting(tree.school_a2, framework, "Meting De Linde", {"GO.01": 1}, days_ago=30)
    return {"first": first, "second": second, "draft": draft, "school": school, "sibling": sibling}


def test_dashboard_figures_by_hand(personas: Personas, metingen: dict[str, Assessment]) -> None:
    board = personas.tree.board_a
    result = dashboard(personas["coordinator_a"], board)
    status = result.status
    # The latest approved meting counts, not the newer draft; the change is against the first.
    assert status.assessment == metingen["second"]
    assert status.newer == metingen["draft"]
    assert status.previous == metingen["first"]
    # Second: GO.01=3, GO.02=3, SM.09=4, SM.10=3, SM.12=2, ID.01=3 (copied) -> 18/6 = 3.0;
    # first: 2, 1, 1, 3 -> 1.75. PH.01 is N/A in both (copied) and counts nowhere.
    assert status.overall is not None and status.overall.average == 3.0
    assert (status.overall.scored, status.overall.at_target) == (6, 5)
    assert status.previous_overall is not None and status.previous_overall.average == 1.75
    assert status.change == 1.25
    go = next(row for row in status.domains if row.key == ("IB", 1))
    assert (go.score.average, go.previous.average if go.previous else None) == (3.0, 1.5)
    assert go.change == 1.5
    # Domains without norms in the catalogue stay out of the chart.
    assert all(row.score.total for row in status.measured_domains)
    assert len(status.chart_items) == len(status.measured_domains) < len(status.domains)
    # Basismaatregelen: 6 = [SM.10] at 3; 8 = [SM.12] at 2; 11 = [SM.06 unscored, SM.09 at 4];
    # 3 = [RM.03, GO.03] both unscored.
    states = {m.measure.number: m for m in result.basismaatregelen}
    assert len(states) == 11
    assert states[6].state == MeasureState.AT_TARGET
    assert states[8].state == MeasureState.BELOW
    assert states[11].state == MeasureState.UNKNOWN
    assert states[3].state == MeasureState.UNKNOWN
    assert [(n.norm_id, n.level) for n in states[11].norms] == [("SM.06", None), ("SM.09", 4)]
    assert states[11].lowest == 4
    assert (result.measures_at_target, result.measures_below) == (1, 1)
    # Schools: the coordinator sees both schools, the school leader only their own.
    assert [s.organisation.name for s in result.schools] == ["De Eik", "De Linde"]
    assert result.schools[0].overall is not None and result.schools[0].overall.average == 4.0
    leader = dashboard(personas["school_leader_a"], board)
    assert [s.organisation.name for s in leader.schools] == ["De Eik"]
    assert [p.assessment for p in result.trend] == [
        metingen["first"],
        metingen["second"],
        metingen["draft"],
    ]


def test_dashboard_access(personas: Personas, metingen: dict[str, Assessment]) -> None:
    board = personas.tree.board_a
    assert_access(personas, reverse("reports:organisation", args=[board.pk]), READS_BOARD_A)
    school = personas.tree.school_a2
    # The school leader of A1 reads the board, not the sibling school A2.
    assert_access(
        personas,
        reverse("reports:organisation", args=[school.pk]),
        {**READS_BOARD_A, "school_leader_a": 404},
    )
    sector = personas.tree.sector
    assert_access(
        personas,
        reverse("reports:organisation", args=[sector.pk]),
        dict.fromkeys(READS_BOARD_A, 404),
    )


def test_dashboard_of_the_active_organisation(
    personas: Personas, metingen: dict[str, Assessment]
) -> None:
    def shows_own_board(name: str, response: Any) -> None:
        if response.status_code == 200:
            page = response.content.decode()
            assert ("Tweede meting Alfa" in page) == name.endswith("_a"), name

    # Board B's coordinator reads their own (empty) dashboard; staff and FG have no metingen,
    # and the sector roles' active organisation is the sector.
    assert_access(
        personas,
        reverse("reports:dashboard"),
        {**READS_BOARD_A, "coordinator_b": 200},
        check=shows_own_board,
    )


def test_dashboard_page_shows_chart_table_and_placeholder(
    personas: Personas, metingen: dict[str, Assessment]
) -> None:
    board = personas.tree.board_a
    page = (
        personas.client("board_member_a")
        .get(reverse("reports:organisation", args=[board.pk]))
        .content.decode()
    )
    assert 'role="img"' in page and "<title id=" in page
    assert "GO Bestuur" in page
    assert "3,0" in page and "+1,5" in page  # GO now 3.0, up 1.5
    assert "Derde meting (concept)" in page  # the newer meting is mentioned, not counted
    assert "nog geen maatregelen" in page.lower()
    assert "De Eik" in page and "De Linde" in page
    assert "style=" not in page
    assert reverse("reports:board_report", args=[board.pk]) in page
    assert reverse("reports:assessment_export", args=[metingen["second"].pk]) in page


def test_dashboard_without_metingen(personas: Personas, framework: Framework) -> None:
    page = personas.client("coordinator_b").get(reverse("reports:dashboard")).content.decode()
    assert "Er is nog geen meting" in page
    assert "Basismaatregelen" in page


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


# The most queries each page may take; the dashboard includes the risk, incident and
# awareness summaries (bench/README.md measured the figures before those at 25).
PAGE_QUERIES = {"dashboard": 35, "pdf": 22, "compare": 22}


@pytest.mark.parametrize("page", sorted(PAGE_QUERIES))
def test_query_count_does_not_grow(
    personas: Personas, framework: Framework, metingen: dict[str, Assessment], page: str
) -> None:
    board = personas.tree.board_a
    client = personas.client("coordinator_a")
    url = {
        "dashboard": reverse("reports:organisation", args=[board.pk]),
        "pdf": reverse("reports:board_report", args=[board.pk]),
        "compare": reverse("assessments:compare", args=[metingen["second"].pk])
        + f"?met={metingen['first'].pk}",
    }[page]
    _queries(client, url)  # warm the session and caches
    before = _queries(client, url)
    assert before <= PAGE_QUERIES[page]
    for index in range(3):
        _meting(board, framework, f"Extra {index}", {"GO.03": 2}, days_ago=5 - index)
    for school in (personas.tree.school_a1, personas.tree.school_a2):
        _meting(school, framework, "Nog een", {"GO.03": 2})
    from schildwacht.organisations.services import create_organisation

    for name, brin in [("De Beuk", "11AC"), ("De Wilg", "11AD")]:
        school = create_organisation(
            SYSTEM, kind="school", name=name, parent=board, brin=brin, vestiging="00"
        )
        _meting(school, framework, "Meting", {"GO.01": 2})
    assert _queries(client, url) == before


def _pdf_text(content: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_board_report_pdf(personas: Personas, metingen: dict[str, Assessment]) -> None:
    board = personas.tree.board_a
    url = reverse("reports:board_report", args=[board.pk])
    assert_access(personas, url, READS_BOARD_A)
    response = personas.client("board_member_a").get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="bestuursrapport-')
    text, reader = _pdf_text(response.content)
    assert "Stichting Alfa" in text
    assert "Bestuursrapportage informatiebeveiliging en privacy" in text
    assert "3,0" in text and "1,8" in text and "+1,3" in text  # overall now, before, change
    assert "GO Bestuur" in text
    assert "Tweede meting Alfa" in text and "Nulmeting Alfa" in text
    assert "De Eik" in text and "De Linde" in text
    assert "Basismaatregelen" in text and "Op streefniveau" in text
    assert "nog geen maatregelen" in text.lower()
    metadata = reader.metadata
    assert metadata is not None and "Stichting Alfa" in (metadata.title or "")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert "/StructTreeRoot" in root  # tagged PDF
    # The school leader's report of the board leaves the sibling school out.
    text, _reader = _pdf_text(personas.client("school_leader_a").get(url).content)
    assert "De Eik" in text and "De Linde" not in text


def test_meting_export(personas: Personas, metingen: dict[str, Assessment]) -> None:
    second = metingen["second"]
    url = reverse("reports:assessment_export", args=[second.pk])
    assert_access(personas, url, READS_BOARD_A)
    school_url = reverse("reports:assessment_export", args=[metingen["sibling"].pk])
    assert_access(personas, school_url, {**READS_BOARD_A, "school_leader_a": 404})
    response = personas.client("auditor_a").get(url)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Normen", "Domeinen", "Meting"]
    norms = list(workbook["Normen"].iter_rows(values_only=True))
    assert norms[0] == (
        "Norm",
        "Titel",
        "Domein",
        "Niveau",
        "Niet van toepassing",
        "Reden niet van toepassing",
        "Streefniveau",
        "Eigenaar",
        "Toelichting",
    )
    rows = {row[0]: row for row in norms[1:]}
    assert len(rows) == Framework.objects.get(pk=second.framework_id).norms.count()
    go01 = rows["GO.01"]
    assert go01[2] == "GO Bestuur" and go01[3] == 3 and go01[6] == 3
    # The formula-like note is text behind a guard quote, never a formula.
    assert go01[8] == '\'=HYPERLINK("https://evil.example")'
    ph01 = rows["PH.01"]
    assert ph01[3] is None and ph01[4] == "ja" and ph01[5] == "Geen eigen serverruimte"
    domains = list(workbook["Domeinen"].iter_rows(values_only=True))
    go = next(row for row in domains if row[0] == "GO Bestuur")
    assert go[1] == 3.0 and go[2] == 2
    assert domains[-1][0] == "Totaal" and domains[-1][1] == 3.0
    about = dict(workbook["Meting"].iter_rows(values_only=True))
    assert about["Organisatie"] == "Stichting Alfa"
    assert about["Status"] == "Goedgekeurd"


def test_unknown_ids_are_404(personas: Personas, metingen: dict[str, Assessment]) -> None:
    client = personas.client("coordinator_a")
    assert client.get("/rapportage/999999/").status_code == 404
    assert client.get("/rapportage/999999/bestuursrapport.pdf").status_code == 404
    assert client.get("/rapportage/metingen/999999/export.xlsx").status_code == 404


def test_start_page_shows_the_figures(personas: Personas, metingen: dict[str, Assessment]) -> None:
    page = personas.client("board_member_a").get("/").content.decode()
    assert 'role="img"' in page and 'id="start-1-staafdiagram-titel"' in page
    assert "Basismaatregelen op streefniveau" in page
    assert reverse("reports:dashboard") in page
    assert "style=" not in page
    # Without the right to read metingen the start page keeps its placeholders.
    staff = personas.client("staff_a").get("/").content.decode()
    assert 'role="img"' not in staff
    empty_board = personas.client("coordinator_b").get("/").content.decode()
    assert "Nog geen gegevens" in empty_board and 'role="img"' not in empty_board


def test_dashboard_shows_risks_and_incidents(
    personas: Personas, metingen: dict[str, Assessment]
) -> None:
    from schildwacht.incidents.services import report_incident
    from schildwacht.risks.services import create_risk

    board = personas.tree.board_a
    create_risk(
        SYSTEM,
        board,
        title="Ransomware op de kantooromgeving",
        threat="Versleuteling van bestanden door een aanvaller",
        inherent_likelihood=4,
        inherent_impact=5,
        residual_likelihood=2,
        residual_impact=4,
        exposure_min=Decimal("10000"),
        exposure_max=Decimal("50000"),
    )
    report_incident(
        SYSTEM,
        board,
        description="Cijferlijst naar de verkeerde ouders gemaild.",
        personal_data="yes",
        discovered_at=timezone.now() - timedelta(hours=30),
    )
    page = personas.client("board_member_a").get(reverse("reports:organisation", args=[board.pk]))
    html = page.content.decode()
    assert "Risico&#x27;s na maatregelen per niveau" in html or "Risico's na maatregelen" in html
    assert "1 risico" in html or "Eén risico in het register" in html
    assert "€ 10.000" in html and "€ 50.000" in html
    assert "Open datalekken" in html and "Eerstvolgende meldtermijn" in html
    assert "nog 41 uur" in html or "nog 42 uur" in html  # 72 − 30 hours, rounded down
    # Board B's dashboard holds nothing of board A's registers.
    other = personas.client("coordinator_b").get(
        reverse("reports:organisation", args=[personas.tree.board_b.pk])
    )
    assert "Ransomware op de kantooromgeving" not in other.content.decode()
    assert "Cijferlijst" not in other.content.decode()
