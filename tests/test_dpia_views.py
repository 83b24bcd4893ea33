"""DPIA pages: access per persona for every page, the lists (paginated, htmx partial, pinned
query counts), the pre-scan form and result, the four parts, the FG's advice and the decision
through the pages, sector DPIAs and adopting one, and the PDF."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from schildwacht.audit.services import Actor
from schildwacht.dpia import services
from schildwacht.dpia.models import Advice, Dpia, DpiaRisk, PreScan
from schildwacht.registers.models import ProcessingActivity
from tests.personas import Personas, assert_access
from tests.test_dpia_services import make_application, make_dpia

SYSTEM = Actor.system("tests")

READS = {
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
# Changing a board-A DPIA: readers who may not change get the reason with 403.
CHANGES = {
    **READS,
    "board_member_a": 403,
    "fg_a": 403,
    "school_leader_a": 403,
    "auditor_a": 403,
}
# The FG's advice: only the FG; every other reader is refused.
ADVISES = {
    **READS,
    "coordinator_a": 403,
    "board_member_a": 403,
    "privacy_officer_a": 403,
    "school_leader_a": 403,
    "auditor_a": 403,
}
# Pages of the active organisation: board B's coordinator sees their own board's.
OWN_LISTS = {**READS, "coordinator_b": 200}
# Published sector DPIAs: every reader of privacy items of a board of the sector, and the curator.
SECTOR_READS = {**OWN_LISTS, "sector_curator": 200}


@pytest.fixture
def board_dpia(personas: Personas) -> Dpia:
    tree = personas.tree
    app = make_application(tree.board_a, "Leerlingvolgsysteem Alfa", pupil_data=True)
    dpia = make_dpia(
        tree.board_a,
        "DPIA Leerlingvolgsysteem Alfa",
        applications=[app],
        nature="Vorderingen van leerlingen vastleggen",
        legal_basis="public_task",
    )
    risk = services.add_risk(
        SYSTEM, dpia, title="Onbevoegde inzage in zorgdossiers", likelihood=3, impact=4
    )
    services.add_measure(SYSTEM, dpia, description="Rollen per school instellen", risks=[risk])
    services.record_advice(SYSTEM, dpia, text="De FG adviseert aanvullende logging.")
    return dpia


@pytest.fixture
def sector_dpia(personas: Personas) -> Dpia:
    dpia = services.create_dpia(
        SYSTEM, personas.tree.sector, title="Sector-DPIA Rekenapp", subject_name="Rekenapp"
    )
    services.update_dpia(SYSTEM, dpia, nature="Oefenen met rekenen, adaptief")
    services.add_risk(SYSTEM, dpia, title="Profiel van de leerling", likelihood=2, impact=3)
    return services.publish_sector_dpia(SYSTEM, dpia)


def _url(name: str, *args: Any) -> str:
    return reverse(f"dpia:{name}", args=args)


def test_pages_of_a_board_dpia_per_persona(personas: Personas, board_dpia: Dpia) -> None:
    pk = board_dpia.pk
    risk = board_dpia.risks.get()
    measure = board_dpia.measures.get()
    for url in (_url("detail", pk), _url("pdf", pk)):
        assert_access(personas, url, READS)
    for url in (
        _url("edit_part", pk, "beschrijving"),
        _url("edit_part", pk, "rechtmatigheid"),
        _url("risk_create", pk),
        _url("risk_edit", pk, risk.pk),
        _url("risk_delete", pk, risk.pk),
        _url("measure_create", pk),
        _url("measure_edit", pk, measure.pk),
        _url("measure_delete", pk, measure.pk),
        _url("measure_to_plan", pk, measure.pk),
        _url("decision", pk),
        _url("delete", pk),
    ):
        assert_access(personas, url, CHANGES)
    assert_access(personas, _url("advice", pk), ADVISES)
    # Sending for advice: the coordinator (first in the table) succeeds; after that the DPIA is
    # no longer a concept, so the privacy officer's second attempt is refused with the reason.
    assert_access(
        personas,
        _url("submit", pk),
        {**CHANGES, "coordinator_a": 302, "privacy_officer_a": 403},
        method="post",
    )
    board_dpia.refresh_from_db()
    assert board_dpia.status == "advice"


def test_school_leader_edits_own_school_dpia_only(personas: Personas, board_dpia: Dpia) -> None:
    tree = personas.tree
    own = make_dpia(tree.school_a1, "DPIA De Eik")
    sibling = make_dpia(tree.school_a2, "DPIA De Linde")
    assert_access(
        personas,
        _url("edit_part", own.pk, "beschrijving"),
        {**CHANGES, "school_leader_a": 200},
    )
    client = personas.client("school_leader_a")
    response = client.post(
        _url("edit_part", own.pk, "beschrijving"), {"title": "DPIA De Eik", "context": "Eén school"}
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.context == "Eén school"
    assert client.get(_url("detail", sibling.pk)).status_code == 404
    assert client.get(_url("edit_part", board_dpia.pk, "beschrijving")).status_code == 403


def test_lists_per_persona_with_pagination_and_htmx(personas: Personas, board_dpia: Dpia) -> None:
    app = board_dpia.applications.get()
    services.create_prescan(SYSTEM, application=app, criteria=["grote_schaal"], reasoning="x")

    def shows_board_a(text: str) -> Any:
        def check(name: str, response: Any) -> None:
            if response.status_code == 200:
                assert (text in response.content.decode()) == name.endswith("_a"), name

        return check

    assert_access(personas, _url("list"), OWN_LISTS, check=shows_board_a(board_dpia.title))
    assert_access(personas, _url("applications"), OWN_LISTS, check=shows_board_a(app.name))
    assert_access(personas, _url("prescans"), OWN_LISTS, check=shows_board_a(app.name))
    body = personas.client("auditor_a").get(_url("applications")).content.decode()
    assert "DPIA niet verplicht" in body
    response = personas.client("fg_a").get(_url("list"), headers={"HX-Request": "true"})
    partial = response.content.decode()
    assert partial.lstrip().startswith('<p class="result-count">') and "<html" not in partial
    assert "Vary" in response and "HX-Request" in response["Vary"]


@pytest.mark.parametrize("name", ["list", "applications", "prescans"])
def test_list_query_counts_are_pinned(
    personas: Personas, name: str, django_assert_max_num_queries: Any
) -> None:
    tree = personas.tree
    client = personas.client("privacy_officer_a")

    def add(count: int, start: int) -> None:
        for i in range(start, start + count):
            app = make_application(tree.school_a1 if i % 2 else tree.board_a, f"App {i}")
            services.create_prescan(
                SYSTEM, application=app, criteria=["grote_schaal"], reasoning="x"
            )
            dpia = make_dpia(tree.board_a, f"DPIA {i}", applications=[app])
            services.record_advice(SYSTEM, dpia, text="Advies")

    add(3, 0)
    client.get(_url(name))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(_url(name)).status_code == 200
    add(20, 3)
    # Session, user, memberships, scope and one page of rows: the same for 3 or 23 rows.
    with django_assert_max_num_queries(16):
        response = client.get(_url(name))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 23
    with CaptureQueriesContext(connection) as many:
        client.get(_url(name))
    assert len(many) == len(few)


def test_prescan_pages(personas: Personas) -> None:
    tree = personas.tree
    app = make_application(tree.board_a, "Cameraportaal", kind="infrastructure")
    school_app = make_application(tree.school_a1, "Leesapp", kind="learning_app")
    url = f"{_url('prescan_create')}?applicatie={app.pk}"
    assert_access(personas, url, CHANGES)
    assert_access(
        personas,
        f"{_url('prescan_create')}?applicatie={school_app.pk}",
        {**CHANGES, "school_leader_a": 200},
    )
    activity = ProcessingActivity.objects.create(
        organisation=tree.board_a, name="Leerlingenzorg", purposes="Zorg"
    )
    assert_access(personas, f"{_url('prescan_create')}?verwerking={activity.pk}", CHANGES)
    client = personas.client("privacy_officer_a")
    assert client.get(f"{_url('prescan_create')}?applicatie=abc").status_code == 404
    assert client.get(_url("prescan_create")).status_code == 404
    # Nothing ticked and no reasoning: the reasoning field names the problem, nothing stored.
    response = client.post(url, {})
    assert response.status_code == 200 and 'id="id_reasoning_error"' in response.content.decode()
    assert not PreScan.objects.exists()
    response = client.post(
        url,
        {
            "ap_cameratoezicht": "on",
            "ap_cameratoezicht_reden": "Camera's bij de ingang die de hele dag opnemen.",
        },
    )
    prescan = PreScan.objects.get()
    assert response.status_code == 302 and response["Location"] == _url(
        "prescan_detail", prescan.pk
    )
    assert prescan.required and prescan.ap_items == ["cameratoezicht"]
    assert prescan.created_by == personas["privacy_officer_a"]
    assert_access(personas, _url("prescan_detail", prescan.pk), READS)
    page = client.get(_url("prescan_detail", prescan.pk)).content.decode()
    assert "Een DPIA is verplicht omdat de verwerking voorkomt op de lijst" in page
    assert "Camera&#x27;s bij de ingang" in page and f"?prescan={prescan.pk}" in page
    # Redo: the form starts from the previous answers; the old pre-scan stays.
    form = client.get(url).content.decode()
    assert 'aria-describedby="uitleg-cameratoezicht" id="id_ap_cameratoezicht" checked' in form
    assert '<p class="field__help" id="uitleg-cameratoezicht">' in form
    client.post(url, {"reasoning": "De camera's zijn weggehaald."})
    latest = PreScan.objects.order_by("-pk").first()
    assert latest is not None and latest.required is False
    page = client.get(_url("prescan_detail", latest.pk)).content.decode()
    assert "Een DPIA is niet verplicht" in page and "Geschiedenis" in page
    assert PreScan.objects.count() == 2


def test_dpia_flow_through_the_pages(personas: Personas) -> None:
    tree = personas.tree
    app = make_application(tree.board_a, "Toetsplatform", kind="assessment")
    prescan = services.create_prescan(
        SYSTEM, application=app, criteria=["grote_schaal", "kwetsbare_betrokkenen"], reasoning="x"
    )
    officer = personas.client("privacy_officer_a")
    create_url = f"{_url('create')}?prescan={prescan.pk}"
    assert "DPIA Toetsplatform" in officer.get(create_url).content.decode()
    response = officer.post(
        create_url, {"organisation": tree.board_a.pk, "title": "DPIA Toetsplatform"}
    )
    dpia = Dpia.objects.get()
    assert response.status_code == 302 and dpia.prescan == prescan
    assert list(dpia.applications.all()) == [app]
    response = officer.post(
        _url("edit_part", dpia.pk, "rechtmatigheid"),
        {"legal_basis": "public_task", "necessity": "Nodig voor examens"},
    )
    assert response.status_code == 302
    response = officer.post(
        _url("risk_create", dpia.pk),
        {"title": "Fraudeverdenking", "likelihood": "9", "impact": "2"},
    )
    assert response.status_code == 200 and 'id="id_likelihood_error"' in response.content.decode()
    officer.post(
        _url("risk_create", dpia.pk),
        {
            "title": "Fraudeverdenking",
            "likelihood": "3",
            "impact": "4",
            "residual_likelihood": "2",
            "residual_impact": "4",
        },
    )
    risk = DpiaRisk.objects.get()
    officer.post(
        _url("measure_create", dpia.pk), {"description": "Menselijke toets", "risks": [risk.pk]}
    )
    detail = officer.get(_url("detail", dpia.pk)).content.decode()
    assert "3 × 4 = 12 (Hoog)" in detail and "2 × 4 = 8 (Hoog)" in detail
    assert "Voorafgaande raadpleging van de AP nodig" in detail
    assert "Een restrisico vanaf niveau “Hoog”" in detail
    # The FG: the advice page, and nothing else.
    fg = personas.client("fg_a")
    response = fg.post(
        _url("advice", dpia.pk),
        {"text": "Verlaag de kans.", "advised_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302 and Advice.objects.get().advised_by == personas["fg_a"]
    assert fg.post(_url("decision", dpia.pk), {}).status_code == 403
    assert fg.post(_url("edit_part", dpia.pk, "beschrijving"), {"title": "x"}).status_code == 403
    response = officer.post(
        _url("decision", dpia.pk),
        {
            "decision": "proceed_with_measures",
            "decision_reasoning": "Met menselijke toets.",
            "decided_by_name": "College van bestuur",
            "decided_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    dpia.refresh_from_db()
    assert dpia.status == "decided" and dpia.prior_consultation
    # Locked: the edit pages refuse with the reason; a new version is a concept copy.
    response = officer.get(_url("edit_part", dpia.pk, "beschrijving"))
    assert response.status_code == 403 and "nieuwe versie" in response.content.decode()
    assert fg.get(_url("advice", dpia.pk)).status_code == 403
    response = officer.post(_url("new_version", dpia.pk))
    copy = Dpia.objects.get(previous=dpia)
    assert response["Location"] == _url("detail", copy.pk) and copy.version == 2


def test_pdf_has_the_parts_risks_advice_and_decision(personas: Personas, board_dpia: Dpia) -> None:
    services.record_decision(
        SYSTEM,
        board_dpia,
        decision="proceed_with_measures",
        reasoning="Doorgaan met logging.",
        decided_by_name="College van bestuur",
        decided_on=timezone.localdate(),
    )
    response = personas.client("fg_a").get(_url("pdf", board_dpia.pk))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="dpia-dpia-leerlingvolgsysteem-alfa-v1.pdf'
    )
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "DPIA Leerlingvolgsysteem Alfa",
        "1. Beschrijving van de verwerking",
        "Vorderingen van leerlingen vastleggen",
        "2. Rechtmatigheid",
        "Taak van algemeen belang",
        "Onbevoegde inzage in zorgdossiers",
        "3 × 4 = 12 (Hoog)",
        "Rollen per school instellen",
        "De FG adviseert aanvullende logging.",
        "Doorgaan met aanvullende maatregelen",
        "College van bestuur",
        "Voorafgaande raadpleging van de AP nodig",
    ):
        assert expected in text, expected
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nl" and "/StructTreeRoot" in root


def test_sector_pages(personas: Personas, sector_dpia: Dpia, board_dpia: Dpia) -> None:
    assert_access(
        personas,
        _url("sector_list"),
        SECTOR_READS,
        check=lambda name, r: r.status_code != 200 or "Sector-DPIA Rekenapp" in r.content.decode(),
    )
    assert_access(personas, _url("detail", sector_dpia.pk), SECTOR_READS)
    assert_access(
        personas,
        _url("sector_create"),
        {
            **OWN_LISTS,
            **dict.fromkeys(OWN_LISTS, 403),
            "staff_a": 404,
            "sector_analyst": 404,
            "sector_curator": 200,
        },
    )
    concept = services.create_dpia(SYSTEM, personas.tree.sector, title="Concept", subject_name="X")
    only_curator = dict.fromkeys(READS, 404) | {"sector_curator": 200}
    assert_access(personas, _url("detail", concept.pk), only_curator)
    assert_access(personas, _url("edit_part", concept.pk, "onderwerp"), only_curator)
    # Adopting: who may write DPIAs of a board of the sector; readers are refused.
    assert_access(
        personas,
        _url("adopt", sector_dpia.pk),
        {
            **SECTOR_READS,
            "board_member_a": 403,
            "fg_a": 403,
            "auditor_a": 403,
            "sector_curator": 403,
        },
    )
    client = personas.client("privacy_officer_a")
    response = client.post(
        _url("adopt", sector_dpia.pk), {"organisation": personas.tree.board_a.pk}
    )
    adopted = Dpia.objects.get(sector_dpia=sector_dpia)
    assert response["Location"] == _url("detail", adopted.pk)
    page = client.get(_url("detail", adopted.pk)).content.decode()
    assert "Oefenen met rekenen, adaptief" in page  # the sector's part as the basis
    assert "Profiel van de leerling" in page and "uit sector-DPIA" in page
    assert personas.client("sector_curator").get(_url("detail", adopted.pk)).status_code == 404
    # Publishing: the curator through the page.
    curator = personas.client("sector_curator")
    assert curator.post(_url("publish", concept.pk)).status_code == 302
    concept.refresh_from_db()
    assert concept.status == "published"


def test_create_new_version_and_publish_per_persona(
    personas: Personas, board_dpia: Dpia, sector_dpia: Dpia
) -> None:
    # Starting a DPIA: who writes privacy items of the active board or one of its schools (the
    # school leader for their own school); readers get the reason.
    assert_access(
        personas, _url("create"), {**CHANGES, "school_leader_a": 200, "coordinator_b": 200}
    )
    officer = personas.client("privacy_officer_a")
    response = officer.post(
        _url("create"), {"organisation": personas.tree.board_b.pk, "title": "x"}
    )
    assert response.status_code == 200 and 'id="id_organisation_error"' in response.content.decode()
    assert not Dpia.objects.filter(organisation=personas.tree.board_b).exists()
    # A new version exists only for a decided DPIA, and only once: the coordinator (first in
    # the table) makes it; the privacy officer then hears that a newer version exists.
    services.record_decision(
        SYSTEM,
        board_dpia,
        decision="proceed",
        reasoning="Aanvaardbaar.",
        decided_by_name="College van bestuur",
        decided_on=timezone.localdate(),
    )
    assert_access(
        personas,
        _url("new_version", board_dpia.pk),
        {**CHANGES, "coordinator_a": 302, "privacy_officer_a": 403},
        method="post",
    )
    assert Dpia.objects.filter(previous=board_dpia).count() == 1
    assert (
        personas.client("coordinator_a").get(_url("new_version", board_dpia.pk)).status_code == 405
    )
    # Publishing: the curator's concept only; boards never see a concept (404).
    concept = services.create_dpia(SYSTEM, personas.tree.sector, title="Concept", subject_name="X")
    assert_access(
        personas,
        _url("publish", concept.pk),
        {**dict.fromkeys(READS, 404), "sector_curator": 302},
        method="post",
    )
    # A published one is read by the board's readers; publishing again is refused with reason.
    assert_access(
        personas,
        _url("publish", sector_dpia.pk),
        {**SECTOR_READS, **{n: 403 for n, s in SECTOR_READS.items() if s == 200}},
        method="post",
    )


def test_get_only_pages_refuse_other_methods(personas: Personas, board_dpia: Dpia) -> None:
    client = personas.client("privacy_officer_a")
    for url in (
        _url("detail", board_dpia.pk),
        _url("pdf", board_dpia.pk),
        _url("list"),
        _url("applications"),
        _url("prescans"),
        _url("sector_list"),
    ):
        assert client.post(url).status_code == 405, url
        assert client.head(url).status_code == 200, url
    assert client.get(_url("submit", board_dpia.pk)).status_code == 405


def test_odd_input_on_the_pages_names_the_field(personas: Personas, board_dpia: Dpia) -> None:
    officer = personas.client("privacy_officer_a")
    pk = board_dpia.pk

    def errors(url: str, data: dict[str, Any]) -> set[str]:
        response = officer.post(url, data)
        assert response.status_code == 200, url
        body = response.content.decode()
        return {
            name
            for name in (
                "title",
                "organisation",
                "decision",
                "decided_on",
                "likelihood",
                "risks",
                "plan_measure",
                "legal_basis",
                "applications",
            )
            if f'id="id_{name}_error"' in body
        }

    assert officer.get(f"{_url('list')}?pagina=abc").status_code == 200
    assert officer.get(f"{_url('create')}?prescan=abc").status_code == 404
    assert officer.get(f"{_url('create')}?prescan=99999999999999999999").status_code == 404
    assert errors(_url("create"), {"organisation": "abc", "title": "x" * 201}) == {
        "organisation",
        "title",
    }
    decision = {"decision": "misschien", "decision_reasoning": "r", "decided_by_name": "n"}
    assert errors(_url("decision", pk), {**decision, "decided_on": "31-02-2024"}) == {
        "decision",
        "decided_on",
    }
    assert errors(
        _url("risk_create", pk), {"title": "t", "likelihood": "99999999999999999999", "impact": 1}
    ) == {"likelihood"}
    assert errors(
        _url("measure_create", pk), {"description": "m", "risks": ["abc"], "plan_measure": "x"}
    ) == {"risks", "plan_measure"}
    assert errors(_url("edit_part", pk, "rechtmatigheid"), {"legal_basis": "bogus"}) == {
        "legal_basis"
    }
    assert errors(_url("edit_part", pk, "beschrijving"), {"title": "t", "applications": ["0"]}) == {
        "applications"
    }
    response = personas.client("fg_a").post(
        _url("advice", pk), {"text": "t", "advised_on": "gisteren"}
    )
    assert 'id="id_advised_on_error"' in response.content.decode()
    assert officer.get(_url("edit_part", pk, "onbekend")).status_code == 404
    # Nothing of it was written.
    board_dpia.refresh_from_db()
    assert board_dpia.status == "concept" and board_dpia.legal_basis == "public_task"
    assert board_dpia.risks.count() == 1 and board_dpia.measures.count() == 1
    assert Advice.objects.get(dpia=board_dpia).text == "De FG adviseert aanvullende logging."


def test_pdf_of_an_empty_dpia_and_of_one_from_a_prescan(personas: Personas) -> None:
    tree = personas.tree
    empty = make_dpia(tree.school_a1, "Lege DPIA")
    response = personas.client("auditor_a").get(_url("pdf", empty.pk))
    assert response.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "Lege DPIA",
        "1. Beschrijving van de verwerking",
        "2. Rechtmatigheid",
        "3. Risico's voor betrokkenen",
        "Nog geen risico's.",
        "4. Maatregelen",
        "Nog geen maatregelen.",
        "De FG heeft nog geen advies gegeven.",
        "Het bestuur heeft nog niet besloten.",
        "Nog geen risico's beoordeeld.",
    ):
        assert expected in text, expected
    assert "raadpleging van de AP (AVG art. 36) is niet nodig" not in text
    app = make_application(tree.board_a, "Camerasysteem")
    prescan = services.create_prescan(
        SYSTEM,
        application=app,
        ap_items=["cameratoezicht"],
        reasons={"cameratoezicht": "Camera's in de aula die de hele dag opnemen."},
    )
    dpia = make_dpia(tree.board_a, "DPIA Camera's", prescan=prescan, applications=[app])
    response = personas.client("fg_a").get(_url("pdf", dpia.pk))
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Pre-scan: is een DPIA verplicht?" in text
    assert "Een DPIA is verplicht omdat de verwerking voorkomt op de lijst" in text
    assert "Cameratoezicht: Camera's in de aula die de hele dag opnemen." in text
