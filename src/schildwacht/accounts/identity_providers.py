"""Services for the boards' own identity providers: configuration and the sign-ins through them.

Configuration writes (create, update, delete) are recorded in the audit trail without the
client secret. A sign-in never creates an account: the person must already have an active
account whose memberships all lie on the provider's board or its schools. A board's
coordinator controls its provider, so a provider may only vouch for people who hold no rights
anywhere else: otherwise one board could sign in as, say, another board's coordinator or an FG
serving several boards.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from schildwacht.accounts.models import IdentityProvider, ProviderDevice, ProviderKind, User
from schildwacht.accounts.oidc import (
    OIDCError,
    PendingLogin,
    authentication_methods,
    claimed_email,
    discover,
    exchange_code,
    require_mfa,
    validate_id_token,
)
from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import (
    Actor,
    change_for,
    record_change,
    record_event,
    snapshot,
)
from schildwacht.organisations.models import Membership, Organisation, OrganisationKind

logger = logging.getLogger(__name__)

PUBLIC_MAIL_DOMAINS_FILE = Path(__file__).parent / "data" / "public_mail_domains.txt"


class ProviderConfigurationError(ValueError):
    """An identity provider was configured where it cannot be (e.g. on a school)."""


def email_domain(email: str) -> str:
    """The lower-cased domain of an e-mail address ('' when there is none)."""
    _local, at, domain = email.strip().rpartition("@")
    return domain.lower() if at and _local else ""


def normalise_domains(domains: str) -> str:
    """Domains as stored: lower case, comma-separated, no duplicates, in the given order."""
    seen: list[str] = []
    for part in domains.replace(";", ",").replace("\n", ",").split(","):
        domain = part.strip().lower()
        if domain and domain not in seen:
            seen.append(domain)
    return ", ".join(seen)


@cache
def public_mail_domains() -> frozenset[str]:
    """The free and public mail domains of ``data/public_mail_domains.txt``."""
    lines = PUBLIC_MAIL_DOMAINS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def is_public_mail_domain(domain: str) -> bool:
    """True for a free/public mail domain (or a subdomain of one): anyone can get an address
    there, so no board's provider may sign in its addresses."""
    domain = domain.strip().lower()
    return any(
        domain == public or domain.endswith("." + public) for public in public_mail_domains()
    )


def _outside_memberships(board_path: str) -> QuerySet[Membership]:
    """Memberships on organisations outside the subtree at ``board_path``."""
    if not board_path:
        # No path means no known subtree: fail closed, every membership counts as outside.
        return Membership.objects.all()
    return Membership.objects.exclude(organisation__path__startswith=board_path)


def domains_with_members_elsewhere(domains: list[str], board: Organisation) -> list[str]:
    """Those of ``domains`` where an active user holds a membership outside ``board``'s subtree.

    Such a domain cannot be given to the board's provider: it would let the board's
    coordinator sign in as that person, with their rights elsewhere.
    """
    outside_users = _outside_memberships(board.path).values("user_id")
    found = []
    for domain in domains:
        if User.objects.filter(
            is_active=True, email__iendswith="@" + domain, pk__in=outside_users
        ).exists():
            found.append(domain)
    return found


def providers_claiming(domain: str, *, exclude_pk: int | None = None) -> list[IdentityProvider]:
    """Every provider (enabled or not, of any board) that lists ``domain``."""
    candidates = IdentityProvider.objects.filter(email_domains__icontains=domain)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    return [p for p in candidates.select_related("organisation") if domain in p.domains()]


def provider_for_email(email: str) -> IdentityProvider | None:
    """The enabled provider that signs in addresses of ``email``'s domain, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    enabled = [p for p in providers_claiming(domain) if p.enabled]
    # The form keeps domains unique across providers; should two still match, refuse to
    # guess (None) rather than send the person to an arbitrary board's provider.
    return enabled[0] if len(enabled) == 1 else None


def user_for_provider_login(provider: IdentityProvider, email: str) -> User:
    """The active account of ``email`` whose memberships all lie on the provider's board or
    its schools.

    Raises ``OIDCError`` (403) when the address is outside the provider's domains, no such
    account exists (there is no automatic provisioning) or the account also holds a role
    outside this board (it must sign in with its password and own authenticator).
    """
    if email_domain(email) not in provider.domains():
        raise OIDCError(
            "email domain not of this provider",
            _("Het e-mailadres dat uw identiteitsprovider doorgaf hoort niet bij dit bestuur."),
            403,
        )
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    board_path = provider.organisation.path
    if (
        user is None
        or not Membership.objects.filter(
            user=user, organisation__path__startswith=board_path
        ).exists()
    ):
        raise OIDCError(
            "no account with membership",
            _(
                "Er is in Schildwacht geen actief account voor %(email)s bij dit bestuur. Vraag de "
                "IBP-coördinator van uw bestuur om u toe te voegen."
            )
            % {"email": email},
            403,
        )
    # The board's coordinator controls this provider: it may only sign in people whose every
    # role lies within this board, never someone who also holds rights elsewhere.
    if _outside_memberships(board_path).filter(user=user).exists():
        raise OIDCError(
            "memberships outside the board",
            _(
                "Uw account heeft ook rollen buiten dit bestuur. Daarom kunt u niet inloggen via "
                "de identiteitsprovider van dit bestuur. Log in met uw wachtwoord en uw eigen "
                "authenticator-app."
            ),
            403,
        )
    return user


def verify_provider_login(
    provider: IdentityProvider, pending: PendingLogin, code: str
) -> tuple[User, list[str]]:
    """Exchange ``code``, check the ID token and find the account it signs in.

    Returns the user and the token's ``amr`` values; raises ``OIDCError`` on any failure
    (with ``email`` set once the provider has named one).
    """
    metadata = discover(provider.issuer)
    tokens = exchange_code(
        metadata,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        code=code,
        pending=pending,
    )
    claims = validate_id_token(
        metadata, id_token=tokens["id_token"], client_id=provider.client_id, nonce=pending.nonce
    )
    email = claimed_email(claims, entra=provider.kind == ProviderKind.ENTRA)
    try:
        if provider.require_mfa_claim:
            require_mfa(claims)
        user = user_for_provider_login(provider, email)
    except OIDCError as exc:
        exc.email = email
        raise
    return user, authentication_methods(claims)


def record_provider_login(user: User, provider: IdentityProvider, amr: list[str]) -> ProviderDevice:
    """Record a successful sign-in and return the device that marks the session as verified."""
    with transaction.atomic():
        device, _created = ProviderDevice.objects.get_or_create(
            user=user,
            provider=provider,
            defaults={"name": str(provider)[:64], "confirmed": True},
        )
        record_event(
            Actor.for_user(user),
            AuditAction.LOGIN,
            object_type="accounts.user",
            object_id=str(user.pk),
            object_repr=str(user),
            organisation_id=provider.organisation_id,
            details={"via": provider.name, "amr": amr},
        )
    return device


def record_failed_provider_login(
    provider: IdentityProvider, *, reason: str, email: str = ""
) -> None:
    """Log a refused or failed sign-in through ``provider``; audit it when it concerns an account.

    Anyone can start a sign-in or call the callback, so only a failure for the address of an
    existing user goes into the audit trail (it is then about a real account); anything else
    is only logged, so strangers cannot fill the audit trail.
    """
    logger.warning(
        "OIDC sign-in via provider %s failed: %s (%s)", provider.pk, reason, email or "-"
    )
    if not email or not User.objects.filter(email__iexact=email).exists():
        return
    record_event(
        Actor(label=f"{email or 'onbekend'} via {provider.name}"[:200]),
        AuditAction.LOGIN_FAILED,
        object_type="accounts.identityprovider",
        object_id=str(provider.pk),
        object_repr=str(provider),
        organisation_id=provider.organisation_id,
        details={"via": provider.name, "reason": reason, "email": email},
    )


def _require_board(organisation: Organisation) -> None:
    if organisation.kind != OrganisationKind.BOARD:
        raise ProviderConfigurationError("identity providers belong to boards, not schools")


def create_identity_provider(
    actor: Actor, *, organisation: Organisation, client_secret: str, **fields: Any
) -> IdentityProvider:
    """Configure a new identity provider for a board; the secret is stored encrypted."""
    _require_board(organisation)
    fields["email_domains"] = normalise_domains(fields.get("email_domains", ""))
    with transaction.atomic():
        provider = IdentityProvider.objects.create(
            organisation=organisation, client_secret=client_secret, **fields
        )
        after = snapshot(provider) | {"client_secret": "ingesteld"}
        record_change(actor, change_for(AuditAction.CREATE, provider, None, after))
    return provider


def update_identity_provider(
    actor: Actor, provider: IdentityProvider, *, client_secret: str = "", **fields: Any
) -> IdentityProvider:
    """Change a provider's settings; a blank ``client_secret`` keeps the stored one."""
    if "email_domains" in fields:
        fields["email_domains"] = normalise_domains(fields["email_domains"])
    with transaction.atomic():
        before = snapshot(provider)
        for name, value in fields.items():
            setattr(provider, name, value)
        after = snapshot(provider)
        if client_secret:
            provider.client_secret = client_secret
            # Only the fact of the change is recorded, never the secret.
            after["client_secret"] = "gewijzigd"  # noqa: S105 (a word, not a secret)
        provider.save()
        change = change_for(AuditAction.UPDATE, provider, before, after)
        if change.changes:
            record_change(actor, change)
    return provider


def delete_identity_provider(actor: Actor, provider: IdentityProvider) -> None:
    """Remove a provider; sessions that were verified through it lose that verification."""
    with transaction.atomic():
        change = change_for(AuditAction.DELETE, provider, snapshot(provider), None)
        provider.delete()
        record_change(actor, change)
