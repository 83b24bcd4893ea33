"""``GET /api/v1/me``: who is calling, with which memberships."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja import Router

from schildwacht.accounts.models import User
from schildwacht.api.schemas import MembershipOut, MeOut, TokenOut
from schildwacht.organisations.models import Membership

router = Router(tags=["me"])


@router.get("/me", response=MeOut, summary="De ingelogde gebruiker en zijn lidmaatschappen")
def me(request: HttpRequest) -> MeOut:
    user = cast(User, request.user)
    memberships = Membership.objects.filter(user_id=user.pk).select_related("organisation")
    token = getattr(user, "api_token", None)
    return MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        memberships=[
            MembershipOut(
                organisation=m.organisation_id,
                name=m.organisation.name,
                kind=m.organisation.kind,  # type: ignore[arg-type]
                role=m.role,
                role_label=m.role_label,
            )
            for m in memberships.order_by("organisation__path", "role")
        ],
        token=TokenOut(
            name=token.name,
            read_only=token.read_only,
            organisations=sorted(token.organisations.values_list("id", flat=True)),
        )
        if token is not None
        else None,
    )
