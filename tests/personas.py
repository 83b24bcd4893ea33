"""The personas every test uses, and the access helper every view and endpoint is checked with.

The tree: one sector; board A (two schools, A1 and A2); board B (one school, B1). Each persona
holds one role. ``assert_access`` takes the full persona-to-status table for one URL and checks
every persona, so a new view states exactly what each role gets; board B's coordinator must
always get 404 on board A's objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from schildwacht.accounts.middleware import SESSION_GENERATION_KEY
from schildwacht.accounts.models import AuthenticatorDevice, User
from schildwacht.accounts.services import create_api_token
from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.services import add_membership, create_organisation

PASSWORD = "correct horse battery staple 42"
TEST_ACTOR = Actor.system("tests")

# persona name -> (role, organisation key)
PERSONA_ROLES: dict[str, tuple[str, str]] = {
    "coordinator_a": ("security_officer", "board_a"),
    "board_member_a": ("board_member", "board_a"),
    "privacy_officer_a": ("privacy_officer", "board_a"),
    "fg_a": ("fg", "board_a"),
    "school_leader_a": ("school_leader", "school_a1"),
    "staff_a": ("staff", "school_a1"),
    "auditor_a": ("auditor", "board_a"),
    "coordinator_b": ("security_officer", "board_b"),
    "sector_analyst": ("sector_analyst", "sector"),
    "sector_curator": ("sector_curator", "sector"),
}


@dataclass
class Tree:
    sector: Organisation
    board_a: Organisation
    school_a1: Organisation
    school_a2: Organisation
    board_b: Organisation
    school_b1: Organisation


def build_tree() -> Tree:
    sector = create_organisation(TEST_ACTOR, kind="sector", name="Funderend onderwijs")
    board_a = create_organisation(
        TEST_ACTOR,
        kind="board",
        name="Stichting Alfa",
        parent=sector,
        bevoegd_gezag_number="10001",
    )
    board_b = create_organisation(
        TEST_ACTOR,
        kind="board",
        name="Stichting Bèta",
        parent=sector,
        bevoegd_gezag_number="20002",
    )
    school = {"kind": "school", "vestiging": "00"}
    return Tree(
        sector=sector,
        board_a=board_a,
        school_a1=create_organisation(
            TEST_ACTOR, name="De Eik", parent=board_a, brin="11AA", **school
        ),
        school_a2=create_organisation(
            TEST_ACTOR, name="De Linde", parent=board_a, brin="11AB", **school
        ),
        board_b=board_b,
        school_b1=create_organisation(
            TEST_ACTOR, name="Het Baken", parent=board_b, brin="22BB", **school
        ),
    )


def make_user(email: str, *, with_authenticator: bool = True) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=email.split("@")[0])
    if with_authenticator:
        AuthenticatorDevice.objects.create(user=user, name="test", secret="ab" * 20, confirmed=True)
    return user


class Personas:
    """Users by persona name, with clients that are signed in (password and MFA done)."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self.users: dict[str, User] = {}
        for name, (role, org_key) in PERSONA_ROLES.items():
            user = make_user(f"{name}@example.test")
            add_membership(TEST_ACTOR, user=user, organisation=getattr(tree, org_key), role=role)
            self.users[name] = user

    def __getitem__(self, name: str) -> User:
        return self.users[name]

    def client(self, name: str) -> Client:
        """A browser client signed in as the persona, second factor done."""
        return login(Client(), self.users[name])

    def api(
        self, name: str, *, read_only: bool = False, organisations: tuple[Organisation, ...] = ()
    ) -> Client:
        """An API client with a fresh bearer token of the persona."""
        _token, raw = create_api_token(
            TEST_ACTOR,
            user=self.users[name],
            name="test",
            read_only=read_only,
            organisations=organisations,
        )
        return Client(headers={"authorization": f"Bearer {raw}"})


def login(client: Client, user: User) -> Client:
    """Sign ``client`` in as ``user`` with the second factor done, without the login pages."""
    client.force_login(user)
    device = AuthenticatorDevice.objects.filter(user=user).first()
    session = client.session
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_GENERATION_KEY] = user.session_generation
    session.save()
    return client


def assert_access(
    personas: Personas,
    url: str,
    expected: Mapping[str, int],
    *,
    method: str = "get",
    data: Any = None,
    api: bool = False,
    content_type: str | None = None,
    check: Callable[[str, Any], None] | None = None,
) -> None:
    """Request ``url`` as every persona and compare each status with ``expected``.

    ``expected`` must name every persona: the table is the statement of what each role gets.
    Board B's coordinator must get 404 (never 403) on anything of board A.
    """
    missing = set(PERSONA_ROLES) - set(expected)
    assert not missing, f"assert_access needs an expected status for {sorted(missing)}"
    got: dict[str, int] = {}
    for name in PERSONA_ROLES:
        client = personas.api(name) if api else personas.client(name)
        kwargs: dict[str, Any] = {}
        if data is not None:
            kwargs["data"] = data
        if content_type:
            kwargs["content_type"] = content_type
        response = getattr(client, method)(url, **kwargs)
        got[name] = response.status_code
        if check is not None:
            check(name, response)
    assert got == dict(expected), f"{method.upper()} {url}: expected {dict(expected)}, got {got}"


def board_b_gets_404(personas: Personas, url: str, *, api: bool = False) -> None:
    """The minimum every board-A object passes: board B's coordinator gets 404."""
    client = personas.api("coordinator_b") if api else personas.client("coordinator_b")
    response = client.get(url)
    assert response.status_code == 404, f"{url}: board B got {response.status_code}"
