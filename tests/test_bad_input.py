"""Bad input anywhere gets a clear answer, never a 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.personas import Personas


def test_oversized_form_post_is_refused(personas: Personas, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client().post("/accounts/login/", data={"username": "a" * 4000, "password": "x"})
    assert response.status_code == 400


def test_oversized_api_body_is_refused(personas: Personas, settings) -> None:
    settings.MAX_REQUEST_SIZE = 1024
    client = personas.api("coordinator_a")
    response = client.post("/api/v1/me", data="x" * 4000, content_type="application/json")
    assert response.status_code == 413
    assert "te groot" in response.json()["detail"]


def test_oversized_upload_is_refused_before_reading(personas: Personas, settings) -> None:
    settings.MAX_REQUEST_SIZE = 1024
    response = personas.client("coordinator_a").post(
        "/accounts/tokens/", data={"bestand": SimpleUploadedFile("groot.csv", b"x" * 4000)}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/organisations/-1", 404),
        ("/api/v1/organisations/99999999999999999999", 404),
        ("/api/v1/organisations/%00", 422),
        ("/api/v1/organisations/abc", 422),
        ("/organisaties/abc/", 404),
        ("/organisaties/999999/", 404),
        ("/organisaties/-1/", 404),
    ],
)
def test_foreign_or_malformed_ids(personas: Personas, path: str, status: int) -> None:
    if path.startswith("/api"):
        client = personas.api("coordinator_a")
    else:
        client = personas.client("coordinator_a")
    assert client.get(path).status_code == status


def test_malformed_bearer_header(db: None) -> None:
    for header in ["Bearer", "Bearer ", "Basic abc", "Bearer " + "x" * 10000]:
        response = Client(headers={"authorization": header}).get("/api/v1/me")
        assert response.status_code == 401, header
