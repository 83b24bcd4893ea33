"""Loading the fictional demo sector (``data/demo.yaml``) through the normal services.

The loader is idempotent: it looks every organisation and account up by its natural key
(bevoegd-gezagnummer, BRIN + vestiging, e-mail address) and only writes what differs, so a
second run changes nothing and adds no audit entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings

from schildwacht.accounts.models import User
from schildwacht.accounts.services import create_user, enrol_demo_authenticator, set_password
from schildwacht.audit.services import Actor
from schildwacht.demo.schema import DemoData, load_demo_data
from schildwacht.frameworks.services import load_catalogues
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.services import (
    add_membership,
    create_organisation,
    update_organisation,
)

DEMO_ACTOR = Actor.system("demo")


@dataclass(frozen=True)
class DemoAccount:
    """One demo account as printed by ``schildwacht demo``."""

    email: str
    password: str
    totp_secret: str  # base32
    role: str
    organisation: str

    @property
    def otpauth_uri(self) -> str:
        """The URI an authenticator app reads from a QR code."""
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "Schildwacht")
        label = quote(f"{issuer}:{self.email}")
        query = urlencode(
            {
                "secret": self.totp_secret,
                "issuer": issuer,
                "digits": 6,
                "period": 30,
                "algorithm": "SHA1",
            }
        )
        return f"otpauth://totp/{label}?{query}"

    def as_dict(self) -> dict[str, str]:
        return {
            "email": self.email,
            "password": self.password,
            "totp_secret": self.totp_secret,
            "role": self.role,
            "organisation": self.organisation,
        }


def _ensure_organisation(
    lookup: dict[str, str],
    *,
    kind: str,
    name: str,
    parent: Organisation | None,
    **identifiers: str,
) -> Organisation:
    existing = Organisation.objects.filter(kind=kind, **lookup).first()
    if existing is None:
        return create_organisation(DEMO_ACTOR, kind=kind, name=name, parent=parent, **identifiers)
    if existing.name != name:
        return update_organisation(DEMO_ACTOR, existing, name=name)
    return existing


def _load_organisations(data: DemoData) -> dict[str, Organisation]:
    sector = _ensure_organisation(
        {"name": data.sector.name}, kind=OrganisationKind.SECTOR, name=data.sector.name, parent=None
    )
    by_key = {data.sector.key: sector}
    for board in data.boards:
        node = _ensure_organisation(
            {"bevoegd_gezag_number": board.bevoegd_gezag_number},
            kind=OrganisationKind.BOARD,
            name=board.name,
            parent=sector,
            bevoegd_gezag_number=board.bevoegd_gezag_number,
        )
        by_key[board.key] = node
        for school in board.schools:
            by_key[school.key] = _ensure_organisation(
                {"brin": school.brin, "vestiging": school.vestiging},
                kind=OrganisationKind.SCHOOL,
                name=school.name,
                parent=node,
                brin=school.brin,
                vestiging=school.vestiging,
            )
    return by_key


def load_demo(data: DemoData | None = None) -> list[DemoAccount]:
    """Create or bring up to date the demo sector and accounts; return the accounts to print."""
    data = data or load_demo_data()
    # The sector catalogues (normenkader, basismaatregelen, groeipad); idempotent like the rest.
    load_catalogues(DEMO_ACTOR)
    organisations = _load_organisations(data)
    accounts: list[DemoAccount] = []
    for account in data.accounts:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            user = create_user(
                DEMO_ACTOR,
                email=account.email,
                password=account.password,
                full_name=account.full_name,
            )
        elif not user.check_password(account.password):
            # Someone changed the demo password; the printed one must work again.
            set_password(DEMO_ACTOR, user, account.password)
        enrol_demo_authenticator(DEMO_ACTOR, user, account.totp_secret_hex)
        for membership in account.memberships:
            add_membership(
                DEMO_ACTOR,
                user=user,
                organisation=organisations[membership.organisation],
                role=membership.role.value,
            )
        roles = sorted({m.role.value for m in account.memberships})
        names = [organisations[m.organisation].name for m in account.memberships]
        accounts.append(
            DemoAccount(
                email=account.email,
                password=account.password,
                totp_secret=account.totp_secret,
                role=", ".join(roles),
                organisation=", ".join(dict.fromkeys(names)),
            )
        )
    return accounts
