"""Odd input to the registers never gives a 500 and never writes half: control characters,
impossible ids, unknown choices, over-long values, POSTs to read-only pages and huge uploads all
get a clear answer naming the field (or 404/405/413/422)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schildwacht.audit.models import AuditEntry
from schildwacht.lib.tabular import ImportRejected
from schildwacht.registers import services
from schildwacht.registers.models import Application, ProcessingActivity
from tests.personas import Personas
from tests.registers_data import SYSTEM, make_application

JSON = "application/json"
HUGE = 10**20  # beyond any 64-bit key: SQLite cannot even be asked about it


@pytest.fixture
def app(personas: Personas) -> Application:
    return make_application(personas.tree.board_a, name="ParnasSys")


@pytest.fixture
def activity(personas: Personas, app: Application) -> ProcessingActivity:
    return services.create_processing_activity(
        SYSTEM, personas.tree.board_a, name="Leerlingadministratie", purposes="Onderwijs"
    )


def _written() -> tuple[int, int, int]:
    return (
        Application.objects.count(),
        ProcessingActivity.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(
    ("method", "resource", "body", "field"),
    [
        ("post", "applications", {"name": "A\x00B", "kind": "sis"}, "name"),
        ("patch", "app", {"owner_name": "Jan\x01"}, "owner_name"),
        ("post", "applications", {"name": "A", "kind": "sis", "schools": [HUGE]}, "schools"),
        ("post", "applications", {"name": "A", "kind": "sis", "supplier": HUGE}, "supplier"),
        (
            "post",
            "applications",
            {"name": "A", "kind": "sis", "people_count": HUGE},
            "people_count",
        ),
        ("post", "applications", {"name": "A", "kind": "boat"}, "kind"),
        ("post", "applications", {"name": "A" * 201, "kind": "sis"}, "name"),
        ("post", "applications", {"name": "   ", "kind": "sis"}, "name"),
        (
            "post",
            "applications",
            {"name": "A", "kind": "sis", "hosting_country": "N"},
            "hosting_country",
        ),
        ("post", "activities", {"name": "V", "purposes": "Doel\x00"}, "purposes"),
        (
            "post",
            "activities",
            {"name": "V", "purposes": "x", "applications": [HUGE]},
            "applications",
        ),
        ("patch", "activity", {"legal_basis": "whim"}, "legal_basis"),
        ("patch", "activity", {"transfer_countries": "x" * 301}, "transfer_countries"),
    ],
)
def test_api_writes_refuse_odd_values_naming_the_field(
    personas: Personas,
    app: Application,
    activity: ProcessingActivity,
    method: str,
    resource: str,
    body: dict[str, Any],
    field: str,
) -> None:
    base = f"/api/v1/organisations/{personas.tree.board_a.pk}"
    url = {
        "applications": f"{base}/applications",
        "app": f"{base}/applications/{app.pk}",
        "activities": f"{base}/processing-activities",
        "activity": f"{base}/processing-activities/{activity.pk}",
    }[resource]
    client = personas.api("privacy_officer_a")  # its token is audited too: made first
    before = _written()
    response = getattr(client, method)(url, json.dumps(body), content_type=JSON)
    assert response.status_code == 422
    assert field in {item["loc"][-1] for item in response.json()["detail"]}
    assert _written() == before


@pytest.mark.parametrize(
    ("resource", "query", "field"),
    [
        ("applications", {"school": HUGE}, "school"),
        ("applications", {"school": "abc"}, "school"),
        ("applications", {"kind": "boat"}, "kind"),
        ("processing-activities", {"legal_basis": "whim"}, "legal_basis"),
    ],
)
def test_api_list_filters_refuse_odd_values(
    personas: Personas, app: Application, resource: str, query: dict[str, Any], field: str
) -> None:
    url = f"/api/v1/organisations/{personas.tree.board_a.pk}/{resource}"
    response = personas.api("auditor_a").get(url, query)
    assert response.status_code == 422
    assert field in {item["loc"][-1] for item in response.json()["detail"]}


def test_api_odd_paths_and_methods(personas: Personas, app: Application) -> None:
    client = personas.api("coordinator_a")
    base = f"/api/v1/organisations/{personas.tree.board_a.pk}"
    assert client.get(f"{base}/applications/{HUGE}").status_code == 404
    assert client.get(f"/api/v1/organisations/{HUGE}/applications").status_code == 404
    assert client.get(f"{base}/applications/abc").status_code == 422
    assert client.put(f"{base}/applications", "{}", content_type=JSON).status_code == 405
    assert client.post(f"{base}/applications", "{", content_type=JSON).status_code == 400
    response = client.post(f"{base}/applications/import")
    assert response.status_code == 422 and "file" in json.dumps(response.json())


READ_ONLY_PAGES = [
    ("registers:index", False),
    ("registers:applications", False),
    ("registers:application_export", False),
    ("registers:import_template_xlsx", False),
    ("registers:import_template_csv", False),
    ("registers:application_detail", True),
    ("registers:activities", False),
    ("registers:activity_export", False),
    ("registers:activity_print", False),
    ("registers:activity_detail", True),
]


@pytest.mark.parametrize(("name", "with_pk"), READ_ONLY_PAGES)
def test_a_post_to_a_read_only_page_is_405(
    personas: Personas, activity: ProcessingActivity, name: str, with_pk: bool
) -> None:
    pk = (activity.pk if "activity" in name else Application.objects.get().pk) if with_pk else None
    url = reverse(name, args=[pk] if with_pk else [])
    before = _written()
    assert personas.client("coordinator_a").post(url).status_code == 405
    assert _written() == before


def test_pages_take_odd_query_strings(personas: Personas, app: Application) -> None:
    client = personas.client("coordinator_a")
    for params in [
        {"pagina": "9" * 30},
        {"pagina": "abc"},
        {"school": str(HUGE)},
        {"school": "-1", "soort": "boat"},
        {"zoek": "x" * 500},
    ]:
        assert client.get(reverse("registers:applications"), params).status_code == 200, params
    assert client.get(reverse("registers:activities"), {"grondslag": "whim"}).status_code == 200
    # An export with an invalid filter says so on the page instead of sending a file.
    response = client.get(reverse("registers:application_export"), {"zoek": "x" * 500})
    assert response.status_code == 400 and "ongeldig" in response.content.decode()
    assert client.get(f"/registers/applicaties/{HUGE}/").status_code == 404


def test_control_characters_are_refused_on_the_page_and_in_an_import(
    personas: Personas, app: Application
) -> None:
    tree = personas.tree
    client = personas.client("privacy_officer_a")
    before = _written()
    response = client.post(
        reverse("registers:application_create"),
        {
            "organisation": tree.board_a.pk,
            "name": "Bel\x07app",
            "kind": "sis",
            "hosting": "saas",
            "sso_supported": "unknown",
            "mfa_supported": "unknown",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'id="id_name_error"' in page
    assert "ongeldig (onzichtbaar) teken" in page
    content = b"naam;soort;eigenaar\nGoed;sis;Jan\nFout;sis;Jan\x1bPiet\nNul\x00;sis;\n"
    with pytest.raises(ImportRejected) as excinfo:
        services.import_applications(SYSTEM, tree.board_a, "r.csv", content)
    assert [(p.line, p.column) for p in excinfo.value.problems] == [(3, "eigenaar"), (4, "naam")]
    assert _written() == before
    # Nothing unexportable was stored: the register still downloads.
    assert client.get(reverse("registers:application_export")).status_code == 200


def test_a_huge_upload_is_refused_before_reading(personas: Personas, settings: Any) -> None:
    settings.MAX_REQUEST_SIZE = 1024
    big = SimpleUploadedFile("r.csv", b"naam;soort\n" + b"x;sis\n" * 1000)
    response = personas.client("coordinator_a").post(
        reverse("registers:application_import"),
        {"organisation": personas.tree.board_a.pk, "file": big},
    )
    assert response.status_code == 413
    api = personas.api("coordinator_a").post(
        f"/api/v1/organisations/{personas.tree.board_a.pk}/applications/import",
        {"file": SimpleUploadedFile("r.csv", b"naam;soort\n" + b"x;sis\n" * 1000)},
    )
    assert api.status_code == 413 and not Application.objects.exists()
