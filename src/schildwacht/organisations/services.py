"""Writes to the organisation tree and memberships; each one lands in the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change, snapshot
from schildwacht.organisations.models import Membership, Organisation


def create_organisation(
    actor: Actor, *, kind: str, name: str, parent: Organisation | None = None, **identifiers: str
) -> Organisation:
    """Create a sector, board or school node after validating its identifiers."""
    organisation = Organisation(kind=kind, name=name, parent=parent, **identifiers)
    organisation.full_clean(exclude=["path"])
    with transaction.atomic():
        organisation.save()
        organisation.path = f"{parent.path if parent else '/'}{organisation.pk}/"
        organisation.save(update_fields=["path"])
        record_change(
            actor, change_for(AuditAction.CREATE, organisation, None, snapshot(organisation))
        )
    return organisation


def update_organisation(actor: Actor, organisation: Organisation, **values: Any) -> Organisation:
    """Change the name or identifiers of a node (its place in the tree stays)."""
    before = snapshot(organisation)
    for key, value in values.items():
        if key in {"parent", "parent_id", "kind", "path"}:
            raise ValueError(f"{key} cannot be changed")
        setattr(organisation, key, value)
    organisation.full_clean(exclude=["path"])
    with transaction.atomic():
        organisation.save()
        record_change(
            actor, change_for(AuditAction.UPDATE, organisation, before, snapshot(organisation))
        )
    return organisation


def add_membership(actor: Actor, *, user: Any, organisation: Organisation, role: str) -> Membership:
    """Give ``user`` a role on ``organisation``; idempotent for an existing membership."""
    existing = Membership.objects.filter(user=user, organisation=organisation, role=role).first()
    if existing is not None:
        return existing
    membership = Membership(user=user, organisation=organisation, role=role)
    membership.full_clean()
    with transaction.atomic():
        membership.save()
        record_change(actor, change_for(AuditAction.CREATE, membership, None, snapshot(membership)))
    return membership


def remove_membership(actor: Actor, membership: Membership) -> None:
    """Take a role away; the user keeps their account and other memberships."""
    with transaction.atomic():
        record_change(actor, change_for(AuditAction.DELETE, membership, snapshot(membership), None))
        membership.delete()


def add_member(
    actor: Actor, *, organisation: Organisation, email: str, role: str, full_name: str = ""
) -> tuple[Membership, bool]:
    """Give the person with ``email`` a role on ``organisation``, creating the account if new.

    A new account gets no password but an invitation e-mail with a link to set one (or it signs
    in through the board's identity provider); an existing user is told of the new role.
    Returns the membership and whether it is new.
    """
    from schildwacht.accounts.models import User
    from schildwacht.accounts.services import announce_role, create_user, invite_user

    with transaction.atomic():
        user = User.objects.filter(email__iexact=email.strip()).first()
        created = user is None
        if user is None:
            user = create_user(actor, email=email.strip(), password=None, full_name=full_name)
        existed = Membership.objects.filter(
            user=user, organisation=organisation, role=role
        ).exists()
        membership = add_membership(actor, user=user, organisation=organisation, role=role)
        if created:
            invite_user(actor, user, organisation=organisation, role_label=membership.role_label)
        elif not existed:
            announce_role(actor, user, organisation=organisation, role_label=membership.role_label)
    return membership, not existed


def remove_member(actor: Actor, membership: Membership) -> None:
    """Take a role away from a member; nobody removes their own role (no accidental lock-out)."""
    if actor.user is not None and actor.user.pk == membership.user_id:
        raise ValidationError(
            _("U kunt uw eigen rol niet intrekken. Vraag een andere IBP-coördinator.")
        )
    remove_membership(actor, membership)
