"""Organisation pages: list, detail, members, and the organisation switcher."""

from __future__ import annotations

from schildwacht.accounts.models import User
from schildwacht.audit.models import AuditEntry
from schildwacht.organisations.context import SESSION_KEY
from schildwacht.organisations.models import Membership
from tests.personas import TEST_ACTOR, Personas, assert_access


def test_list_access_and_tree(personas: Personas) -> None:
    assert_access(
        personas,
        "/organisaties/",
        {
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
        },
    )
    html = personas.client("coordinator_a").get("/organisaties/").content.decode()
    assert "Stichting Alfa" in html and "10001" in html
    assert "De Linde" in html and "11AB 00" in html
    assert "Stichting Bèta" not in html and "Het Baken" not in html
    assert "<caption>" in html
    staff = personas.client("staff_a").get("/organisaties/").content.decode()
    assert "De Eik" in staff and "Stichting Alfa" not in staff and "De Linde" not in staff


def test_detail_access(personas: Personas) -> None:
    t = personas.tree
    assert_access(
        personas,
        f"/organisaties/{t.board_a.pk}/",
        {
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
        },
    )
    assert_access(
        personas,
        f"/organisaties/{t.school_a2.pk}/",
        {
            "coordinator_a": 200,
            "board_member_a": 200,
            "privacy_officer_a": 200,
            "fg_a": 200,
            "school_leader_a": 404,
            "staff_a": 404,
            "auditor_a": 200,
            "coordinator_b": 404,
            "sector_analyst": 404,
            "sector_curator": 404,
        },
    )
    assert personas.client("coordinator_a").get("/organisaties/999999/").status_code == 404


def test_members_section_only_for_member_managers(personas: Personas) -> None:
    url = f"/organisaties/{personas.tree.board_a.pk}/"
    html = personas.client("coordinator_a").get(url).content.decode()
    assert 'id="leden"' in html
    assert "school_leader_a@example.test" in html and "Schoolleider" in html
    assert "coordinator_b@example.test" not in html
    # No sector roles offered on a board.
    assert 'value="sector_analyst"' not in html and 'value="staff"' in html
    for name in ("board_member_a", "auditor_a", "school_leader_a", "fg_a"):
        assert 'id="leden"' not in personas.client(name).get(url).content.decode(), name


def test_member_add_access(personas: Personas) -> None:
    t = personas.tree
    counter = iter(range(100))

    def data() -> dict[str, str]:
        return {"email": f"nieuw{next(counter)}@example.test", "role": "staff"}

    expected = {
        "coordinator_a": 302,
        "board_member_a": 404,
        "privacy_officer_a": 404,
        "fg_a": 404,
        "school_leader_a": 404,
        "staff_a": 404,
        "auditor_a": 404,
        "coordinator_b": 404,
        "sector_analyst": 404,
        "sector_curator": 404,
    }
    # Every persona posts a fresh address; only the coordinator's lands.
    got = {}
    for name in expected:
        got[name] = (
            personas.client(name)
            .post(f"/organisaties/{t.school_a2.pk}/leden/toevoegen/", data())
            .status_code
        )
    assert got == expected
    assert Membership.objects.filter(organisation=t.school_a2, role="staff").count() == 1
    assert_access(
        personas,
        f"/organisaties/{t.board_a.pk}/leden/toevoegen/",
        expected,
        method="post",
        data={"email": "vast@example.test", "role": "auditor"},
    )
    assert (
        personas.client("coordinator_a")
        .get(f"/organisaties/{t.board_a.pk}/leden/toevoegen/")
        .status_code
        == 405
    )


def test_member_add_creates_account_and_audits(personas: Personas) -> None:
    t = personas.tree
    client = personas.client("coordinator_a")
    response = client.post(
        f"/organisaties/{t.school_a1.pk}/leden/toevoegen/",
        {"email": "Nieuwe.Leraar@Example.test", "full_name": "Nieuwe Leraar", "role": "staff"},
    )
    assert response.status_code == 302
    user = User.objects.get(email="nieuwe.leraar@example.test")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, organisation=t.school_a1, role="staff").exists()
    entry = AuditEntry.objects.filter(object_type="organisations.membership").first()
    assert entry is not None
    assert entry.action == "create" and entry.organisation_id == t.school_a1.pk
    assert entry.actor_label == "coordinator_a@example.test"
    # Existing account, by e-mail: no second user.
    client.post(
        f"/organisaties/{t.board_a.pk}/leden/toevoegen/",
        {"email": "nieuwe.leraar@example.test", "role": "privacy_officer"},
    )
    assert User.objects.filter(email="nieuwe.leraar@example.test").count() == 1
    assert user.memberships.count() == 2
    page = client.get(f"/organisaties/{t.board_a.pk}/", follow=True).content.decode()
    assert "nieuwe.leraar@example.test" in page


def test_member_add_rejects_bad_input(personas: Personas) -> None:
    t = personas.tree
    client = personas.client("coordinator_a")
    for data in (
        {"email": "geen-adres", "role": "staff"},
        {"email": "x@example.test", "role": "sector_analyst"},
        {"email": "x@example.test", "role": "koning"},
        {},
    ):
        response = client.post(f"/organisaties/{t.board_a.pk}/leden/toevoegen/", data)
        assert response.status_code == 200, data
        assert 'aria-invalid="true"' in response.content.decode()
    assert not User.objects.filter(email="x@example.test").exists()


def test_member_remove(personas: Personas) -> None:
    t = personas.tree
    target = Membership.objects.get(user=personas["staff_a"])
    url = f"/organisaties/{t.board_a.pk}/leden/{target.pk}/intrekken/"
    expected_get = {
        "coordinator_a": 200,
        "board_member_a": 404,
        "privacy_officer_a": 404,
        "fg_a": 404,
        "school_leader_a": 404,
        "staff_a": 404,
        "auditor_a": 404,
        "coordinator_b": 404,
        "sector_analyst": 404,
        "sector_curator": 404,
    }
    assert_access(personas, url, expected_get)
    others = {**expected_get, "coordinator_a": 404}
    got = {}
    for name in others:
        if name != "coordinator_a":
            got[name] = personas.client(name).post(url).status_code
    assert got == {k: v for k, v in others.items() if k != "coordinator_a"}
    assert Membership.objects.filter(pk=target.pk).exists()
    # Board B's coordinator cannot reach it through board B's own page either.
    wrong = f"/organisaties/{t.board_b.pk}/leden/{target.pk}/intrekken/"
    assert personas.client("coordinator_b").post(wrong).status_code == 404

    response = personas.client("coordinator_a").post(url)
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()
    entry = AuditEntry.objects.filter(object_type="organisations.membership").first()
    assert entry is not None and entry.action == "delete"
    assert entry.payload.changes["role"] == ["staff", None]
    # Gone now: 404 for everyone.
    assert personas.client("coordinator_a").post(url).status_code == 404


def test_cannot_remove_own_role(personas: Personas) -> None:
    own = Membership.objects.get(user=personas["coordinator_a"])
    url = f"/organisaties/{personas.tree.board_a.pk}/leden/{own.pk}/intrekken/"
    response = personas.client("coordinator_a").post(url)
    assert response.status_code == 400
    assert Membership.objects.filter(pk=own.pk).exists()


def test_switch_access_and_effect(personas: Personas) -> None:
    t = personas.tree
    assert_access(
        personas,
        "/organisaties/wisselen/",
        method="post",
        data={"organisation": t.school_a2.pk, "next": "/organisaties/"},
        expected={
            "coordinator_a": 302,
            "board_member_a": 302,
            "privacy_officer_a": 302,
            "fg_a": 302,
            "school_leader_a": 404,
            "staff_a": 404,
            "auditor_a": 302,
            "coordinator_b": 404,
            "sector_analyst": 404,
            "sector_curator": 404,
        },
    )
    client = personas.client("coordinator_a")
    response = client.post(
        "/organisaties/wisselen/", {"organisation": t.school_a2.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == t.school_a2.pk
    assert "De Linde" in client.get("/").content.decode().split('id="rolpanelen"')[1]
    assert client.post("/organisaties/wisselen/", {"organisation": "x"}).status_code == 404
    assert client.get("/organisaties/wisselen/").status_code == 405
    hx = client.post(
        "/organisaties/wisselen/", {"organisation": t.board_a.pk}, headers={"HX-Request": "true"}
    )
    assert hx.status_code == 204
    assert hx["HX-Trigger"] == "organisatie-gewisseld"
    assert client.session[SESSION_KEY] == t.board_a.pk


def test_service_add_member_is_idempotent(personas: Personas) -> None:
    from schildwacht.organisations.services import add_member

    t = personas.tree
    first, created = add_member(
        TEST_ACTOR, organisation=t.board_a, email="a@example.test", role="auditor"
    )
    again, created_again = add_member(
        TEST_ACTOR, organisation=t.board_a, email="A@example.test", role="auditor"
    )
    assert created and not created_again and first.pk == again.pk
