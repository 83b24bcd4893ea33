"""Risk pages: access per persona for every page, the list's filters, exposure total and pinned
query count, the forms with errors at the field, acceptance in the browser flow, adoption, the
curator's template pages, the matrix labels, the heat map SVG and the XLSX export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from schildwacht.audit.models import AuditEntry
from schildwacht.risks import services, template_services
from schildwacht.risks.models import MatrixLabels, Risk, RiskTemplate
from tests.personas import Personas, assert_access
from tests.test_risks_world import (
    ACCEPTS_A,
    CHANGES_A,
    CHANGES_A1,
    NONE,
    OWN_BOARD,
    READS_A,
    SYSTEM,
    World,
    risk_values,
    world_fixture,  # noqa: F401
)

# The sector's templates: every reader of a board's risks in the sector, and the curator.
TEMPLATES = {**OWN_BOARD, "sector_curator": 200}
# The curator's pages: board readers are refused with the reason.
CURATES = {name: 403 if status == 200 else status for name, status in TEMPLATES.items()}
CURATES["sector_curator"] = 200


def test_register_pages_per_persona(personas: Personas, world: World) -> None:
    def shows_a(name: str, response: Any) -> None:
        if response.status_code == 200:
            content = response.content.decode()
            assert ("Ransomware" in content) == (name != "coordinator_b")
            assert ("Bèta-lek" in content) == (name == "coordinator_b")
            assert ("Rooster weg" in content) == (
                name in {"coordinator_a", "board_member_a", "privacy_officer_a", "auditor_a"}
            )

    assert_access(personas, reverse("risks:list"), OWN_BOARD, check=shows_a)
    assert_access(personas, reverse("risks:heat_map"), OWN_BOARD)
    assert_access(personas, reverse("risks:matrix"), OWN_BOARD)
    assert_access(personas, reverse("risks:export"), OWN_BOARD)
    assert_access(
        personas,
        reverse("risks:create"),
        {**OWN_BOARD, **dict.fromkeys(("board_member_a", "privacy_officer_a", "auditor_a"), 403)},
    )
    for risk in (world.board_risk, world.school_risk):
        assert_access(personas, reverse("risks:detail", args=[risk.pk]), READS_A)
        assert_access(personas, reverse("risks:accept", args=[risk.pk]), ACCEPTS_A)
        assert_access(personas, reverse("risks:withdraw", args=[risk.pk]), ACCEPTS_A)
    assert_access(
        personas,
        reverse("risks:detail", args=[world.sibling_risk.pk]),
        {**READS_A, "school_leader_a": 404},
    )
    for name in ("edit", "delete"):
        assert_access(personas, reverse(f"risks:{name}", args=[world.board_risk.pk]), CHANGES_A)
        assert_access(personas, reverse(f"risks:{name}", args=[world.school_risk.pk]), CHANGES_A1)


def test_template_pages_per_persona(personas: Personas, world: World) -> None:
    assert_access(personas, reverse("risks:templates"), TEMPLATES)
    assert_access(personas, reverse("risks:template_detail", args=[world.ransomware.pk]), TEMPLATES)
    for name in ("template_edit", "template_delete"):
        assert_access(personas, reverse(f"risks:{name}", args=[world.ransomware.pk]), CURATES)
    assert_access(personas, reverse("risks:template_create"), CURATES)
    # Adopting is a board's change: the curator has no board (404), readers are refused.
    adopt = {
        **OWN_BOARD,
        "board_member_a": 403,
        "privacy_officer_a": 403,
        "auditor_a": 403,
    }
    assert_access(personas, reverse("risks:adopt"), adopt)
    # Posting for board A: board B's coordinator does not reach it; the school leader may not.
    assert_access(
        personas,
        reverse("risks:adopt"),
        {**adopt, "coordinator_a": 302, "school_leader_a": 403, "coordinator_b": 404},
        method="post",
        data={"organisation": personas.tree.board_a.pk, "templates": [world.ransomware.pk]},
    )
    assert Risk.objects.filter(template=world.ransomware).count() == 1


def test_inactive_template_is_hidden_from_boards(personas: Personas, world: World) -> None:
    world.ransomware.active = False
    world.ransomware.save()
    url = reverse("risks:template_detail", args=[world.ransomware.pk])
    assert personas.client("coordinator_a").get(url).status_code == 404
    assert personas.client("sector_curator").get(url).status_code == 200


def test_list_filters_exposure_and_query_count(
    personas: Personas, world: World, django_assert_max_num_queries: Any
) -> None:
    tree = personas.tree
    for number in range(30):
        services.create_risk(
            SYSTEM,
            tree.board_a,
            **risk_values(
                title=f"Risico {number:02d}",
                inherent_likelihood=1 + number % 5,
                inherent_impact=5,
                treatment="reduce" if number % 2 else "",
                owner=personas["coordinator_a"] if number % 3 == 0 else None,
                exposure_min=100,
                exposure_max=200,
            ),
        )
    client = personas.client("coordinator_a")
    url = reverse("risks:list")
    client.get(url)
    with django_assert_max_num_queries(17):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 33
    assert len(response.context["page"].object_list) == 25
    exposure = response.context["exposure"]
    # 30 × 100 + 10000 (board risk) + 500 (school A1); maxima 30 × 200 + 80000, and the
    # school risk's 500: with only a minimum it counts at both ends.
    assert (exposure.minimum, exposure.maximum) == (13500, 86500)
    assert "€ 13.500" in response.content.decode() and "€ 86.500" in response.content.decode()
    assert client.get(url, {"behandeling": "reduce"}).context["page"].paginator.count == 15
    assert client.get(url, {"behandeling": "geen"}).context["page"].paginator.count == 18
    # Score 5×k: likelihood 1 → 5 (midden), 2 → 10 (hoog), 3 → 15, 4 → 20, 5 → 25 (kritiek).
    assert client.get(url, {"score": "kritiek"}).context["page"].paginator.count == 18 + 1
    assert client.get(url, {"score": "midden"}).context["page"].paginator.count == 6 + 2
    response = client.get(url, {"school": tree.school_a1.pk})
    assert [r.title for r, *_ in response.context["page"].object_list] == ["Laptop kwijt"]
    response = client.get(url, {"score": "extreem"})
    assert "Een filter is ongeldig" in response.content.decode()
    response = client.get(url, {"score": "hoog"}, headers={"HX-Request": "true"})
    assert response.templates[0].name == "risks/_risks.html"
    assert response.context["page"].paginator.count == 6


def test_needs_review_filter_and_badge(personas: Personas, world: World) -> None:
    today = timezone.localdate()
    services.update_risk(SYSTEM, world.school_risk, treatment="accept")
    services.accept_risk(
        SYSTEM,
        world.school_risk,
        expires_on=today - dt.timedelta(days=2),
        on=today - dt.timedelta(days=30),
    )
    services.update_risk(SYSTEM, world.sibling_risk, review_date=today - dt.timedelta(days=1))
    client = personas.client("board_member_a")
    response = client.get(reverse("risks:list"), {"status": "herbeoordeling"})
    titles = sorted(r.title for r, *_ in response.context["page"].object_list)
    assert titles == ["Laptop kwijt", "Rooster weg"]
    assert "herbeoordeling nodig" in response.content.decode()
    detail = client.get(reverse("risks:detail", args=[world.school_risk.pk])).content.decode()
    assert "de acceptatie is op" in detail and "verlopen" in detail


def test_create_and_edit_forms(personas: Personas, world: World) -> None:
    client = personas.client("coordinator_a")
    tree = personas.tree
    data = {
        "organisation": tree.board_a.pk,
        "title": "Datalek",
        "threat": "",
        "inherent_likelihood": 3,
        "inherent_impact": 4,
        "residual_likelihood": 2,
        "status": "open",
        "exposure_min": "500",
        "exposure_max": "100",
    }
    response = client.post(reverse("risks:create"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"threat"}
    assert 'id="id_threat_error"' in response.content.decode()
    # The service's checks land at their fields too.
    response = client.post(reverse("risks:create"), {**data, "threat": "Lek."})
    assert set(response.context["form"].errors) == {"residual_impact", "exposure_max"}
    assert 'id="id_exposure_max_error"' in response.content.decode()
    assert not Risk.objects.filter(title="Datalek").exists()
    data.update(
        threat="Gegevens op straat.",
        residual_impact=2,
        exposure_max="1000",
        applications=[world.application.pk],
        measures=[world.measure.pk],
        owner=personas["privacy_officer_a"].pk,
        treatment="reduce",
    )
    response = client.post(reverse("risks:create"), data)
    risk = Risk.objects.get(title="Datalek")
    assert response.status_code == 302 and response["Location"] == reverse(
        "risks:detail", args=[risk.pk]
    )
    assert risk.owner == personas["privacy_officer_a"] and risk.residual_score == 4
    assert list(risk.measures.all()) == [world.measure]
    # Editing an accepted risk's score warns that the acceptance lapsed.
    services.accept_risk(SYSTEM, risk, expires_on=timezone.localdate() + dt.timedelta(days=10))
    edit = {**data, "residual_likelihood": 3}
    edit.pop("organisation")
    response = client.post(reverse("risks:edit", args=[risk.pk]), edit, follow=True)
    assert "acceptatie door het bestuur is daarom vervallen" in response.content.decode()
    risk.refresh_from_db()
    assert not risk.is_accepted
    # The school leader adds a risk for the own school only.
    leader = personas.client("school_leader_a")
    response = leader.get(reverse("risks:create"))
    choices = list(response.context["form"].fields["organisation"].queryset)
    assert choices == [tree.school_a1]
    response = leader.post(reverse("risks:create"), {**data, "organisation": tree.board_a.pk})
    assert response.status_code == 200 and "organisation" in response.context["form"].errors


def test_accept_and_withdraw_pages(personas: Personas, world: World) -> None:
    client = personas.client("board_member_a")
    url = reverse("risks:accept", args=[world.board_risk.pk])
    expires = timezone.localdate() + dt.timedelta(days=365)
    response = client.post(url, {"expires_on": expires.isoformat(), "note": "Bewust"})
    assert response.status_code == 200
    assert "Kies eerst een behandeling" in response.content.decode()
    services.update_risk(SYSTEM, world.board_risk, treatment="accept")
    response = client.post(url, {"expires_on": expires.isoformat(), "note": "Bewust"})
    assert response.status_code == 302
    world.board_risk.refresh_from_db()
    assert world.board_risk.accepted_by == personas["board_member_a"]
    detail = client.get(reverse("risks:detail", args=[world.board_risk.pk])).content.decode()
    assert "Geaccepteerd door" in detail and "Acceptatie intrekken" in detail
    coordinator = personas.client("coordinator_a").get(
        reverse("risks:detail", args=[world.board_risk.pk])
    )
    assert "Acceptatie intrekken" not in coordinator.content.decode()
    response = client.post(reverse("risks:withdraw", args=[world.board_risk.pk]))
    assert response.status_code == 302
    world.board_risk.refresh_from_db()
    assert not world.board_risk.is_accepted
    response = client.post(reverse("risks:withdraw", args=[world.board_risk.pk]))
    assert response.status_code == 400


def test_delete_page(personas: Personas, world: World) -> None:
    client = personas.client("school_leader_a")
    response = client.post(reverse("risks:delete", args=[world.school_risk.pk]))
    assert response.status_code == 302
    assert not Risk.objects.filter(pk=world.school_risk.pk).exists()
    assert AuditEntry.objects.filter(
        object_type="risks.risk", object_id=str(world.school_risk.pk), action="delete"
    ).exists()


def test_adopt_page(personas: Personas, world: World) -> None:
    client = personas.client("coordinator_a")
    url = reverse("risks:adopt")
    response = client.get(url, {"sjabloon": world.ransomware.pk})
    assert response.context["form"]["templates"].initial == [str(world.ransomware.pk)]
    ddos = RiskTemplate.objects.get(code="ddos")
    data = {"organisation": personas.tree.board_a.pk, "templates": [world.ransomware.pk, ddos.pk]}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 200 and "al overgenomen" in response.content.decode()
    assert Risk.objects.filter(template__isnull=False).count() == 2
    leader = personas.client("school_leader_a")
    response = leader.post(
        url, {"organisation": personas.tree.school_a1.pk, "templates": [ddos.pk]}
    )
    assert response.status_code == 302
    assert Risk.objects.get(organisation=personas.tree.school_a1, template=ddos)


def test_curator_template_forms(personas: Personas, world: World) -> None:
    client = personas.client("sector_curator")
    data = {
        "title": "Stroomstoring",
        "threat": "De stroom valt uit.",
        "likelihood": 2,
        "impact": 3,
        "exposure_min": "2000",
        "exposure_max": "100",
        "active": "on",
    }
    response = client.post(reverse("risks:template_create"), data)
    assert response.status_code == 200 and set(response.context["form"].errors) == {"exposure_max"}
    data["exposure_max"] = "3000"
    response = client.post(reverse("risks:template_create"), data)
    template = RiskTemplate.objects.get(title="Stroomstoring")
    assert response.status_code == 302 and template.organisation == personas.tree.sector
    response = client.post(
        reverse("risks:template_edit", args=[template.pk]), {**data, "likelihood": 4}
    )
    template.refresh_from_db()
    assert response.status_code == 302 and template.likelihood == 4
    update = AuditEntry.objects.filter(object_type="risks.risktemplate").latest("pk")
    assert update.payload.changes == {"likelihood": [2, 4]}
    # An adopted template stays; an unused one goes.
    services.create_risk(SYSTEM, personas.tree.board_b, template=world.ransomware, **risk_values())
    response = client.post(reverse("risks:template_delete", args=[world.ransomware.pk]))
    assert response.status_code == 400 and RiskTemplate.objects.filter(pk=world.ransomware.pk)
    response = client.post(reverse("risks:template_delete", args=[template.pk]))
    assert response.status_code == 302 and not RiskTemplate.objects.filter(pk=template.pk)
    # The curator sees no board data: not the register, nor which boards adopted.
    assert client.get(reverse("risks:list")).status_code == 404
    page = client.get(reverse("risks:template_detail", args=[world.ransomware.pk]))
    assert "Stichting" not in page.content.decode()


def test_matrix_page(personas: Personas, world: World) -> None:
    url = reverse("risks:matrix")
    labels = {f"likelihood_{n}": f"K{n}" for n in range(1, 6)}
    labels.update({f"impact_{n}": f"I{n}" for n in range(1, 6)})
    response = personas.client("school_leader_a").post(url, labels)
    assert response.status_code == 403
    client = personas.client("coordinator_a")
    response = client.post(url, {**labels, "impact_3": "I2"})
    assert (
        response.status_code == 200
        and "Geef elk niveau een andere naam" in response.content.decode()
    )
    assert client.post(url, labels).status_code == 302
    assert MatrixLabels.objects.get().likelihood_labels == ["K1", "K2", "K3", "K4", "K5"]
    page = client.get(reverse("risks:heat_map")).content.decode()
    assert "5. K5" in page and "3. I3" in page
    form = client.get(reverse("risks:create")).content.decode()
    assert "4. K4" in form
    assert client.post(url, {"standaard": "1"}).status_code == 302
    assert not MatrixLabels.objects.exists()


def test_heat_map_page(personas: Personas, world: World) -> None:
    services.update_risk(SYSTEM, world.board_risk, residual_likelihood=2, residual_impact=4)
    response = personas.client("auditor_a").get(reverse("risks:heat_map"))
    content = response.content.decode()
    inherent = response.context["counts"].inherent
    assert inherent[(4, 5)] == 1 and inherent[(3, 3)] == 2 and sum(inherent.values()) == 3
    assert response.context["counts"].residual[(2, 4)] == 1
    assert content.count('role="img"') == 2
    assert 'aria-labelledby="heatmap-bruto-titel heatmap-bruto-uitleg"' in content
    assert "Kans 4, impact 5 (Kritiek): 1 risico." in content
    assert "Kans 3, impact 3 (Midden): 2 risico's." in content
    assert "style=" not in content
    # The data table beside it: likelihood 4 row has its one risk under impact 5.
    assert response.context["inherent_rows"][1].counts == [0, 0, 0, 0, 1]


def test_export_is_formula_safe(personas: Personas, world: World) -> None:
    services.update_risk(
        SYSTEM,
        world.board_risk,
        title='=HYPERLINK("http://evil.example","klik")',
        owner_name="@eigenaar",
        residual_likelihood=1,
        residual_impact=2,
    )
    response = personas.client("coordinator_a").get(reverse("risks:export"), {"score": "kritiek"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="risicoregister.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Titel" and len(rows) == 1  # residual 2: no longer "kritiek"
    response = personas.client("coordinator_a").get(reverse("risks:export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header = rows[0]
    row = next(r for r in rows if "HYPERLINK" in str(r[0]))
    assert row[0] == '\'=HYPERLINK("http://evil.example","klik")'
    assert row[header.index("Eigenaar")] == "'@eigenaar"
    assert row[header.index("Score (bruto)")] == 20
    assert row[header.index("Niveau (bruto)")] == "Kritiek"
    assert row[header.index("Blootstelling per jaar, minimaal (euro)")] == 10000
    assert row[header.index("Applicaties")] == "ParnasSys"
    assert len(rows) == 4  # board, A1, A2 (the coordinator reads the whole board)
    response = personas.client("coordinator_a").get(reverse("risks:export"), {"score": "x"})
    assert response.status_code == 400


def test_writes_per_persona(personas: Personas, world: World) -> None:
    services.update_risk(SYSTEM, world.board_risk, treatment="accept")
    expires = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    accepted = {**ACCEPTS_A, "board_member_a": 302}
    url = reverse("risks:accept", args=[world.board_risk.pk])
    assert_access(personas, url, accepted, method="post", data={"expires_on": expires})
    url = reverse("risks:withdraw", args=[world.board_risk.pk])
    assert_access(personas, url, accepted, method="post")
    edit = {
        "title": "Laptop kwijt",
        "threat": "Weg.",
        "inherent_likelihood": 2,
        "inherent_impact": 2,
        "status": "open",
    }
    assert_access(
        personas,
        reverse("risks:edit", args=[world.school_risk.pk]),
        {**CHANGES_A1, "coordinator_a": 302, "school_leader_a": 302},
        method="post",
        data=edit,
    )
    labels = {
        f"{axis}_{n}": f"{axis[0]}{n}" for axis in ("likelihood", "impact") for n in range(1, 6)
    }
    assert_access(
        personas,
        reverse("risks:matrix"),
        {
            **OWN_BOARD,
            "coordinator_a": 302,
            "coordinator_b": 302,
            "board_member_a": 403,
            "privacy_officer_a": 403,
            "school_leader_a": 403,
            "auditor_a": 403,
        },
        method="post",
        data=labels,
    )
    assert MatrixLabels.objects.count() == 2
    template = {
        "title": "Brand",
        "threat": "Het gebouw brandt af.",
        "likelihood": 1,
        "impact": 5,
    }
    assert_access(
        personas,
        reverse("risks:template_edit", args=[world.ransomware.pk]),
        {**CURATES, "sector_curator": 302},
        method="post",
        data=template,
    )
    world.ransomware.refresh_from_db()
    assert world.ransomware.title == "Brand" and not world.ransomware.active


def test_template_list_query_count(
    personas: Personas, world: World, django_assert_max_num_queries: Any
) -> None:
    for number in range(30):
        template_services.create_template(
            SYSTEM,
            personas.tree.sector,
            title=f"Sjabloon {number:02d}",
            threat="Iets.",
            likelihood=2,
            impact=2,
        )
    for name in ("sector_curator", "coordinator_a"):
        client = personas.client(name)
        url = reverse("risks:templates")
        client.get(url)
        with django_assert_max_num_queries(15):
            response = client.get(url)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 30 + 12
        assert len(response.context["page"].object_list) == 25


def test_menu_link_per_persona(personas: Personas) -> None:
    from django.template import Context, Template
    from django.test import RequestFactory

    rendered = {}
    for name in NONE:
        request = RequestFactory().get("/")
        request.user = personas[name]
        text = Template("{% load risk_navigation %}{% risks_menu_url %}").render(
            Context({"request": request})
        )
        rendered[name] = text
    register_url, templates_url = reverse("risks:list"), reverse("risks:templates")
    assert rendered == {
        **dict.fromkeys(NONE, ""),
        **{n: register_url for n, status in OWN_BOARD.items() if status == 200},
        "sector_curator": templates_url,
    }
