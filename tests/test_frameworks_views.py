"""Catalogue pages and API: readable by every signed-in persona, curator details for the curator."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from schildwacht.frameworks.loader import DATA_DIR
from schildwacht.frameworks.models import Framework
from schildwacht.frameworks.services import load_catalogues
from tests.personas import PERSONA_ROLES, Personas, assert_access

EVERYONE_200 = dict.fromkeys(PERSONA_ROLES, 200)


@pytest.fixture
def framework(personas: Personas) -> Framework:
    load_catalogues()
    return Framework.objects.get()


def _pages(framework: Framework) -> list[str]:
    return [
        reverse("frameworks:list"),
        reverse("frameworks:detail", args=[framework.pk]),
        reverse("frameworks:basismaatregelen"),
        reverse("frameworks:groeipad"),
    ]


def test_every_persona_reads_the_catalogue_pages(personas: Personas, framework: Framework) -> None:
    for url in _pages(framework):
        assert_access(personas, url, EVERYONE_200)


def test_anonymous_is_sent_to_login(framework: Framework) -> None:
    login = reverse("accounts:login")
    for url in _pages(framework):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(login)


def test_unknown_framework_is_404(personas: Personas, framework: Framework) -> None:
    client = personas.client("coordinator_a")
    assert client.get(reverse("frameworks:detail", args=[framework.pk + 99])).status_code == 404
    assert client.get("/normenkader/abc/").status_code == 404


def test_list_says_how_incomplete(personas: Personas, framework: Framework) -> None:
    html = personas.client("staff_a").get(reverse("frameworks:list")).content.decode()
    assert "Normenkader IBP FO" in html
    assert "36 van 94 normen" in html
    assert "onvolledig" in html
    assert "sectorbeheerder kan de officiële lijst aanvullen" in html


def test_detail_shows_domains_norms_and_scale(personas: Personas, framework: Framework) -> None:
    html = (
        personas.client("coordinator_a")
        .get(reverse("frameworks:detail", args=[framework.pk]))
        .content.decode()
    )
    assert "GO.01 Strategie informatiebeveiliging" in html
    assert "IM.01 Incident- en probleemmanagement, norm 1" in html
    assert html.count("(geen officiële titel)") == 6
    assert html.count("naam onbekend") == 3  # privacy domains 1-3
    assert "Continu verbeteren" in html and "streefniveau" in html
    assert "Personeelsbeheer" in html
    # Confidence and sources are for the curator only.
    assert "Zekerheid" not in html
    assert "normenkaderibp.kennisnet.nl/informatiebeveiliging" not in html


def test_curator_sees_confidence_and_sources(personas: Personas, framework: Framework) -> None:
    html = (
        personas.client("sector_curator")
        .get(reverse("frameworks:detail", args=[framework.pk]))
        .content.decode()
    )
    assert "Zekerheid: bevestigd" in html
    assert "Zekerheid: afgeleid uit het adres van de officiële pagina" in html
    assert "Zekerheid: alleen het id is bekend" in html
    assert (
        "https://normenkaderibp.kennisnet.nl/informatiebeveiliging/domein-1-bestuur/"
        "go-01-strategie-informatiebeveiliging/" in html
    )


def test_basismaatregelen_and_groeipad_pages(personas: Personas, framework: Framework) -> None:
    client = personas.client("school_leader_a")
    html = client.get(reverse("frameworks:basismaatregelen")).content.decode()
    assert "Meerfactorauthenticatie op kritieke systemen" in html
    assert "SM.02 Authenticatiemechanismes" in html
    assert "evidence.mfa" in html
    html = client.get(reverse("frameworks:groeipad")).content.decode()
    assert "Voorstel van Schildwacht" in html
    assert html.count(">officieel<") == 3
    assert "Verwerkingsregister opstellen" in html


# Session, user, device, memberships and the organisation switcher take about 11 queries on
# every page; the catalogue itself adds a fixed few (framework, domains, norms).
PAGE_QUERIES = 15


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm up per-process caches (roles file, translations)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_detail_query_count_is_fixed(
    personas: Personas, framework: Framework, django_assert_max_num_queries: Any
) -> None:
    url = reverse("frameworks:detail", args=[framework.pk])
    for name in ("sector_curator", "coordinator_a"):
        client = personas.client(name)
        client.get(url)
        with django_assert_max_num_queries(PAGE_QUERIES):
            assert client.get(url).status_code == 200


def test_query_counts_do_not_grow_with_the_catalogue(
    personas: Personas, framework: Framework, tmp_path: Path
) -> None:
    client = personas.client("coordinator_a")
    urls = [
        reverse("frameworks:list"),
        reverse("frameworks:detail", args=[framework.pk]),
        reverse("frameworks:basismaatregelen"),
        reverse("frameworks:groeipad"),
    ]
    before = [_queries(client, url) for url in urls]
    assert max(before) <= PAGE_QUERIES
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    raw = yaml.safe_load((data / "normenkader-ibp-fo-2024-06-06.yaml").read_text())
    raw["version"] = "2026-01-01"
    (data / "normenkader-ibp-fo-2026-01-01.yaml").write_text(yaml.safe_dump(raw))
    load_catalogues(data_dir=data)
    assert Framework.objects.count() == 2
    assert [_queries(client, url) for url in urls] == before


# API ------------------------------------------------------------------------------------------


def test_api_readable_by_every_persona(personas: Personas, framework: Framework) -> None:
    assert_access(personas, "/api/v1/frameworks", EVERYONE_200, api=True)
    assert_access(personas, f"/api/v1/frameworks/{framework.pk}", EVERYONE_200, api=True)


def test_api_needs_authentication(framework: Framework) -> None:
    assert Client().get("/api/v1/frameworks").status_code == 401
    assert Client().get(f"/api/v1/frameworks/{framework.pk}").status_code == 401


def test_api_list(personas: Personas, framework: Framework) -> None:
    body = personas.api("auditor_a").get("/api/v1/frameworks").json()
    assert body == {
        "items": [
            {
                "id": framework.pk,
                "slug": "normenkader-ibp-fo",
                "version": "2024-06-06",
                "edition": 1,
                "name": "Normenkader IBP FO",
                "locale": "nl",
                "norm_count": 36,
                "declared_norm_count": 94,
                "complete": False,
            }
        ],
        "count": 1,
    }


def test_api_detail(personas: Personas, framework: Framework) -> None:
    client = personas.api("fg_a")
    body = client.get(f"/api/v1/frameworks/{framework.pk}").json()
    assert body["norm_count"] == 36 and body["target_level"] == 3
    assert body["declared_counts"] == {"IB": 69, "privacy": 25}
    assert [level["name"]["nl"] for level in body["maturity_levels"]][2] == "Bepaald"
    assert len(body["domains"]) == 22
    privacy_1 = next(d for d in body["domains"] if (d["part"], d["number"]) == ("privacy", 1))
    assert (privacy_1["name"], privacy_1["prefix"], privacy_1["norms"]) == (None, None, [])
    norms = {n["id"]: n for d in body["domains"] for n in d["norms"]}
    assert len(norms) == 36
    assert norms["BC.05"]["title_is_official"] is False
    assert norms["GO.01"]["criteria"]["3"]
    assert norms["GO.01"]["confidence"] is None and norms["GO.01"]["source_url"] is None
    assert client.get(f"/api/v1/frameworks/{framework.pk + 99}").status_code == 404
    assert client.get("/api/v1/frameworks/abc").status_code == 422

    curator = personas.api("sector_curator").get(f"/api/v1/frameworks/{framework.pk}").json()
    norms = {n["id"]: n for d in curator["domains"] for n in d["norms"]}
    assert norms["GO.03"]["confidence"] == "inferred"
    assert norms["IM.02"]["confidence"] == "id_only"
    assert norms["GO.01"]["source_url"].startswith("https://normenkaderibp.kennisnet.nl/")


def test_api_detail_query_count(
    personas: Personas, framework: Framework, django_assert_max_num_queries: Any
) -> None:
    client = personas.api("coordinator_a")
    with django_assert_max_num_queries(10):
        assert client.get(f"/api/v1/frameworks/{framework.pk}").status_code == 200
