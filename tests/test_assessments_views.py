"""Meting pages: access per persona, inline scoring with htmx, workflow buttons, evidence
uploads checked by content, compare/trend/schools pages, pinned query counts."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schildwacht.assessments import services
from schildwacht.assessments.models import Assessment, Evidence
from schildwacht.assessments.uploads import MAX_EVIDENCE_SIZE
from schildwacht.audit.models import AuditEntry
from schildwacht.audit.services import Actor
from schildwacht.frameworks.models import Framework
from schildwacht.frameworks.services import load_catalogues
from tests.personas import Personas, assert_access

SYSTEM = Actor.system("tests")

# Who reads a meting of board A (the board itself): every board-A role with view:all.
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


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def framework(personas: Personas) -> Framework:
    load_catalogues(Actor.system("tests"))
    return Framework.objects.get(slug="normenkader-ibp-fo")


@pytest.fixture
def meting(personas: Personas, framework: Framework) -> Assessment:
    return services.create_assessment(SYSTEM, personas.tree.board_a, framework, "Nulmeting")


def test_pages_of_a_board_meting_per_persona(personas: Personas, meting: Assessment) -> None:
    board = personas.tree.board_a
    for url in [
        reverse("assessments:detail", args=[meting.pk]),
        reverse("assessments:score", args=[meting.pk, "GO.01"]),
        reverse("assessments:compare", args=[meting.pk]),
        reverse("assessments:trend", args=[board.pk]),
        reverse("assessments:schools", args=[board.pk]),
    ]:
        assert_access(personas, url, READS_BOARD_A)


def test_list_and_create_pages_per_persona(personas: Personas, meting: Assessment) -> None:
    def shows_board_a(name: str, response: Any) -> None:
        if response.status_code == 200:
            assert ("Nulmeting" in response.content.decode()) == name.endswith("_a"), name

    assert_access(
        personas,
        reverse("assessments:list"),
        {**READS_BOARD_A, "coordinator_b": 200},
        check=shows_board_a,
    )
    assert_access(
        personas,
        reverse("assessments:create"),
        {
            **READS_BOARD_A,
            "board_member_a": 403,
            "privacy_officer_a": 403,
            "auditor_a": 403,
            "coordinator_b": 200,
        },
    )


def test_school_meting_is_not_for_the_other_school(
    personas: Personas, framework: Framework
) -> None:
    school = services.create_assessment(SYSTEM, personas.tree.school_a2, framework, "A2")
    assert_access(
        personas,
        reverse("assessments:detail", args=[school.pk]),
        {**READS_BOARD_A, "school_leader_a": 404},
    )


def test_create_meting_through_the_page(personas: Personas, framework: Framework) -> None:
    client = personas.client("coordinator_a")
    page = client.get(reverse("assessments:create")).content.decode()
    assert f'<option value="{framework.pk}" selected>' in page
    response = client.post(
        reverse("assessments:create"),
        {"organisation": personas.tree.board_a.pk, "framework": framework.pk, "title": "Nul"},
    )
    meting = Assessment.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{meting.pk}/")
    assert meting.created_by == personas["coordinator_a"]
    # An organisation outside the user's change reach is not a choice.
    response = client.post(
        reverse("assessments:create"),
        {"organisation": personas.tree.board_b.pk, "framework": framework.pk, "title": "x"},
    )
    assert response.status_code == 200 and Assessment.objects.count() == 1


def _score_data(meting: Assessment, **values: str) -> dict[str, str]:
    data = {"level": "", "not_applicable_reason": "", "target_level": "3", "owner": "", "notes": ""}
    data.update(values)
    return {f"norm-GO-01-{key}": value for key, value in data.items()}


def test_htmx_saves_one_score_and_returns_the_row(personas: Personas, meting: Assessment) -> None:
    url = reverse("assessments:score", args=[meting.pk, "GO.01"])
    client = personas.client("coordinator_a")
    response = client.post(
        url, _score_data(meting, level="2", owner="ICT"), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="score-row" id="norm-GO-01">')
    assert "Opgeslagen." in html and "<html" not in html
    score = meting.scores.get(norm_id="GO.01")
    assert (score.level, score.owner, score.updated_by) == (2, "ICT", personas["coordinator_a"])
    # N/A without a reason: the row comes back with the error linked to the field.
    response = client.post(url, _score_data(meting, level="nvt"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Geef een reden" in html
    assert 'aria-describedby="id_norm-GO-01-not_applicable_reason_error"' in html
    assert meting.scores.get(norm_id="GO.01").level == 2
    # Without htmx the same view redirects back to the row on the detail page.
    response = client.post(url, _score_data(meting, level="nvt", not_applicable_reason="Geen ICT"))
    assert response.status_code == 302 and response["Location"].endswith("#norm-GO-01")
    assert meting.scores.get(norm_id="GO.01").not_applicable


def test_saving_a_score_per_persona(personas: Personas, meting: Assessment) -> None:
    url = reverse("assessments:score", args=[meting.pk, "GO.01"])
    assert_access(
        personas,
        url,
        {
            **READS_BOARD_A,
            "coordinator_a": 302,
            "board_member_a": 403,
            "privacy_officer_a": 403,
            "school_leader_a": 403,
            "auditor_a": 403,
        },
        method="post",
        data=_score_data(meting, level="3"),
    )
    assert meting.scores.get(norm_id="GO.01").level == 3
    refused = personas.client("auditor_a").post(url, _score_data(meting, level="1"))
    assert "niet wijzigen" in refused.content.decode()


def test_workflow_buttons(personas: Personas, meting: Assessment) -> None:
    step = lambda name: reverse("assessments:step", args=[meting.pk, name])  # noqa: E731
    assert personas.client("school_leader_a").post(step("indienen")).status_code == 403
    assert personas.client("coordinator_b").post(step("indienen")).status_code == 404
    assert personas.client("coordinator_a").post(step("indienen")).status_code == 302
    refused = personas.client("coordinator_a").post(step("goedkeuren"))
    assert refused.status_code == 403
    assert "Alleen een bestuurder" in refused.content.decode()
    assert personas.client("board_member_a").post(step("goedkeuren")).status_code == 302
    meting.refresh_from_db()
    assert meting.is_locked
    html = personas.client("coordinator_a").get(reverse("assessments:detail", args=[meting.pk]))
    assert (
        "vastgezet" in html.content.decode()
        and 'name="norm-GO-01-level"' not in html.content.decode()
    )
    url = reverse("assessments:score", args=[meting.pk, "GO.01"])
    locked = personas.client("coordinator_a").post(url, _score_data(meting, level="5"))
    assert locked.status_code == 403 and "goedgekeurd" in locked.content.decode()
    assert personas.client("coordinator_a").post(step("onzin")).status_code == 404


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def _upload(personas: Personas, meting: Assessment, name: str, content: bytes) -> Any:
    url = reverse("assessments:evidence_add", args=[meting.pk, "GO.01"])
    return personas.client("coordinator_a").post(
        url, {"bewijs-file": SimpleUploadedFile(name, content), "bewijs-description": "beleid"}
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("beleid.pdf", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n"),
        ("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("foto.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
        ("plan.docx", _docx()),
        ("lijst.csv", "naam;rol\nJan;IBP’er\n".encode()),
    ],
)
def test_evidence_upload_accepted(
    personas: Personas, meting: Assessment, media: Path, name: str, content: bytes
) -> None:
    response = _upload(personas, meting, name, content)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.size == len(content) and evidence.original_name == name
    assert (media / evidence.file.name).read_bytes() == content
    assert AuditEntry.objects.filter(object_type="assessments.evidence", action="create").exists()
    download = personas.client("auditor_a").get(
        reverse("assessments:evidence_download", args=[evidence.pk])
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert (
        personas.client("coordinator_b")
        .get(reverse("assessments:evidence_download", args=[evidence.pk]))
        .status_code
        == 404
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("beleid.pdf", b"MZ\x90\x00 this is an exe", "past niet bij de extensie .pdf"),
        ("plan.docx", b"PK\x03\x04 not really a zip", "past niet bij de extensie .docx"),
        ("scan.png", b"%PDF-1.4 pdf posing as png", "past niet bij de extensie .png"),
        ("notes.txt", b"\x00\x01\x02binary", "past niet bij de extensie .txt"),
        ("script.exe", b"MZ\x90\x00", "niet toegestaan"),
        ("leeg.pdf", b"", "leeg"),
    ],
)
def test_evidence_upload_refused(
    personas: Personas, meting: Assessment, name: str, content: bytes, message: str
) -> None:
    response = _upload(personas, meting, name, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Evidence.objects.exists()


def test_evidence_too_large(personas: Personas, meting: Assessment) -> None:
    score = meting.scores.get(norm_id="GO.01")
    upload = SimpleUploadedFile("groot.pdf", b"%PDF-" + b"0" * MAX_EVIDENCE_SIZE)
    with pytest.raises(services.ValidationError) as error:
        services.add_evidence_file(SYSTEM, score, upload)
    assert "te groot" in error.value.message_dict["file"][0]
    assert not Evidence.objects.exists()


def test_evidence_link_and_removal(personas: Personas, meting: Assessment) -> None:
    url = reverse("assessments:evidence_add", args=[meting.pk, "GO.01"])
    client = personas.client("coordinator_a")
    bad = client.post(url, {"bewijs-url": "http://example.test/"})
    assert bad.status_code == 400 and "https://" in bad.content.decode()
    assert client.post(url, {"bewijs-url": "https://example.test/beleid"}).status_code == 302
    evidence = Evidence.objects.get()
    remove = reverse("assessments:evidence_remove", args=[evidence.pk])
    assert personas.client("auditor_a").post(remove).status_code == 403
    assert personas.client("coordinator_b").post(remove).status_code == 404
    assert client.post(remove).status_code == 302
    assert not Evidence.objects.exists()


def test_compare_page(personas: Personas, meting: Assessment, framework: Framework) -> None:
    coordinator = Actor.for_user(personas["coordinator_a"])
    score = meting.scores.get(norm_id="GO.01")
    score.assessment = meting
    services.update_score(coordinator, score, level=1)
    second = services.create_assessment(coordinator, personas.tree.board_a, framework, "Tweede")
    score = second.scores.get(norm_id="GO.01")
    score.assessment = second
    services.update_score(coordinator, score, level=3)
    other = services.create_assessment(SYSTEM, personas.tree.board_b, framework, "B")
    url = reverse("assessments:compare", args=[second.pk])
    html = personas.client("auditor_a").get(url, {"met": meting.pk}).content.decode()
    assert "+2" in html and "Tweede" in html
    assert personas.client("auditor_a").get(url, {"met": other.pk}).status_code == 404
    assert personas.client("auditor_a").get(url, {"met": "x"}).status_code == 404


def test_schools_page_builds_board_meting(personas: Personas, framework: Framework) -> None:
    school = services.create_assessment(SYSTEM, personas.tree.school_a1, framework, "A1")
    score = school.scores.get(norm_id="GO.01")
    score.assessment = school
    services.update_score(SYSTEM, score, level=2)
    url = reverse("assessments:schools", args=[personas.tree.board_a.pk])
    html = personas.client("board_member_a").get(url).content.decode()
    assert "De Eik" in html and "De Linde" in html and "nog geen meting" in html
    assert "Bestuursmeting aanmaken" not in html
    assert (
        personas.client("board_member_a")
        .post(url, {"framework": framework.pk, "title": "B"})
        .status_code
        == 403
    )
    response = personas.client("coordinator_a").post(url, {"framework": framework.pk, "title": "B"})
    assert response.status_code == 302
    board = Assessment.objects.get(organisation=personas.tree.board_a)
    assert board.scores.get(norm_id="GO.01").level == 2
    school_url = reverse("assessments:schools", args=[personas.tree.school_a1.pk])
    assert personas.client("coordinator_a").get(school_url).status_code == 404


def test_query_counts_are_pinned(
    personas: Personas, meting: Assessment, framework: Framework, django_assert_max_num_queries: Any
) -> None:
    for index in range(30):
        services.create_assessment(SYSTEM, personas.tree.school_a1, framework, f"M{index}")
    score = meting.scores.get(norm_id="GO.01")
    score.assessment = meting
    services.add_evidence_link(SYSTEM, score, "https://example.test/a")
    client = personas.client("coordinator_a")
    client.get(reverse("assessments:list"))  # warm the session
    with django_assert_max_num_queries(16):
        assert client.get(reverse("assessments:list")).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(reverse("assessments:detail", args=[meting.pk])).status_code == 200
    with django_assert_max_num_queries(20):
        assert (
            client.get(reverse("assessments:trend", args=[personas.tree.school_a1.pk])).status_code
            == 200
        )
    with django_assert_max_num_queries(24):
        assert (
            client.get(reverse("assessments:schools", args=[personas.tree.board_a.pk])).status_code
            == 200
        )


def test_menu_links_metingen_for_readers_only(personas: Personas) -> None:
    link = f'href="{reverse("assessments:list")}"'
    assert link in personas.client("auditor_a").get(reverse("home:start")).content.decode()
    assert link not in personas.client("fg_a").get(reverse("home:start")).content.decode()
    assert link not in personas.client("sector_curator").get(reverse("home:start")).content.decode()
