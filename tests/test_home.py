"""The page shell (base.html) and the start page per role."""

from __future__ import annotations

from html.parser import HTMLParser

from django.test import Client

from tests.personas import Personas, assert_access

ALL_200 = {
    "coordinator_a": 200,
    "board_member_a": 200,
    "privacy_officer_a": 200,
    "fg_a": 200,
    "school_leader_a": 200,
    "staff_a": 200,
    "auditor_a": 200,
    "coordinator_b": 200,
    "sector_analyst": 200,
    "sector_curator": 200,
}


class _Inspector(HTMLParser):
    """Collects what a strict CSP forbids: inline scripts, style attributes and elements."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.scripts_with_src: list[str] = []
        self.html_lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "html":
            self.html_lang = names.get("lang") or ""
        if tag == "script":
            if names.get("src"):
                self.scripts_with_src.append(names["src"] or "")
            else:
                self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        if "style" in names:
            self.problems.append(f"style attribute on <{tag}>")
        for name in names:
            if name.startswith(("on", "hx-on")):
                self.problems.append(f"{name} attribute on <{tag}>")


def inspect(html: str) -> _Inspector:
    parser = _Inspector()
    parser.feed(html)
    return parser


def test_start_page_access(personas: Personas) -> None:
    assert_access(personas, "/", ALL_200)


def test_anonymous_is_sent_to_login(db: None) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_panels_follow_the_role(personas: Personas) -> None:
    board = personas.client("board_member_a").get("/").content.decode()
    assert "Bestuurder" in board
    assert "Waar staan we?" in board
    assert "Volwassenheid per domein" in board
    assert "Nog geen gegevens" in board
    assert "Stichting Alfa" in board and "10001" in board

    staff = personas.client("staff_a").get("/").content.decode()
    assert "Incident of datalek melden" in staff
    assert "Mijn trainingen" in staff
    assert "Waar staan we?" not in staff

    analyst = personas.client("sector_analyst").get("/").content.decode()
    assert "Sectoroverzicht" in analyst
    assert "Waar staan we?" not in analyst
    assert "Stichting Alfa" not in analyst

    coordinator = personas.client("coordinator_a").get("/").content.decode()
    assert f"/organisaties/{personas.tree.board_a.pk}/#leden" in coordinator
    assert 'href="/audit/"' in coordinator


def test_navigation_by_role(personas: Personas) -> None:
    """Audittrail only for roles with view:audit; sign-out is a POST form."""
    for name, audit in [
        ("coordinator_a", True),
        ("auditor_a", True),
        ("board_member_a", True),
        ("staff_a", False),
        ("fg_a", False),
        ("sector_analyst", False),
    ]:
        html = personas.client(name).get("/").content.decode()
        assert ('href="/audit/"' in html) is audit, name
        assert 'href="/organisaties/"' in html
        assert 'aria-label="Hoofdmenu"' in html
        assert 'method="post" action="/accounts/logout/"' in html


def test_htmx_request_gets_only_the_panels(personas: Personas) -> None:
    client = personas.client("coordinator_a")
    full = client.get("/")
    partial = client.get("/", headers={"HX-Request": "true"})
    assert "<html" in full.content.decode()
    body = partial.content.decode()
    assert "<html" not in body
    assert "IBP-coördinator" in body
    assert 'id="rolpanelen"' in full.content.decode()
    assert "HX-Request" in partial["Vary"]
    # A history restore needs the whole page again.
    restore = client.get("/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


def test_shell_is_csp_clean_and_accessible(personas: Personas) -> None:
    response = personas.client("coordinator_a").get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    found = inspect(html)
    assert found.problems == []
    assert found.scripts_with_src == ["/static/schildwacht/vendor/htmx.min.js"]
    assert found.html_lang == "nl"
    assert 'href="#inhoud"' in html and 'id="inhoud"' in html
    assert '<meta name="htmx-config"' in html and '"allowEval":false' in html
    assert "<footer" in html and "<header" in html


def test_anonymous_shell_shows_only_brand_and_language(db: None) -> None:
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/accounts/login/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    html = render_to_string("base.html", request=request)
    assert "Schildwacht" in html
    assert 'name="language"' in html
    assert "Hoofdmenu" not in html
    assert "/organisaties/" not in html


def test_language_switch_to_english(personas: Personas) -> None:
    client = personas.client("staff_a")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert inspect(client.get("/").content.decode()).html_lang == "en"
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert inspect(client.get("/").content.decode()).html_lang == "nl"


def test_role_sections_table() -> None:
    """Each role's sections in order; a broader grant replaces its privacy-only counterpart."""
    from schildwacht.home.views import _sections
    from schildwacht.organisations.models import Organisation
    from schildwacht.organisations.roles import Role

    expected = {
        Role.AUDITOR: ["Waar staan we?", "Mijn trainingen", "Bewijsstukken", "Audittrail"],
        Role.BOARD_MEMBER: [
            "Waar staan we?",
            "Ter besluitvorming",
            "Incident of datalek melden",
            "Mijn trainingen",
            "Bewijsstukken",
            "Audittrail",
        ],
        Role.FG: ["Privacy in beeld", "Advies"],
        Role.PRIVACY_OFFICER: [
            "Waar staan we?",
            "Privacywerk",
            "Incident of datalek melden",
            "Mijn trainingen",
            "Bewijsstukken",
        ],
        Role.SCHOOL_LEADER: [
            "Waar staan we?",
            "Aan de slag",
            "Incident of datalek melden",
            "Mijn trainingen",
            "Bewijsstukken",
        ],
        Role.SECTOR_ANALYST: ["Sectoroverzicht"],
        Role.SECTOR_CURATOR: ["Gedeelde catalogi"],
        Role.SECURITY_OFFICER: [
            "Waar staan we?",
            "Aan de slag",
            "Incident of datalek melden",
            "Mijn trainingen",
            "Bewijsstukken",
            "Leden beheren",
            "Audittrail",
        ],
        Role.STAFF: ["Incident of datalek melden", "Mijn trainingen"],
    }
    held_at = Organisation(pk=7, name="Stichting Test", path="0007")
    for role in Role:
        sections = _sections(role, held_at)
        assert [str(s.title) for s in sections] == expected[role], role
        links = {str(s.title): s.url for s in sections if s.url}
        if "Leden beheren" in links:
            assert links["Leden beheren"] == "/organisaties/7/#leden"
        if "Audittrail" in links:
            assert links["Audittrail"] == "/audit/"
        assert {str(s.title) for s in sections if s.tiles} <= {"Waar staan we?", "Privacy in beeld"}
