"""Tenant isolation, written once.

Every queryset that a view, API endpoint, export or command shows to a person comes from
``Model.objects.for_user(user, action)``. The set of organisations a user reaches for an action
is worked out here, from the memberships and the role file, and nowhere else.

Rules (PRODUCT.md): a role held on a node holds for everything below it; a school role with
``reads_up`` may also read the board's own items; sector roles never reach board data; an API
token may narrow its user's reach to read-only and to some organisations, never widen it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from schildwacht.organisations.roles import Role, is_sector_role, role_definitions, role_grants

if TYPE_CHECKING:
    from schildwacht.organisations.models import Organisation

_M = TypeVar("_M", bound=models.Model)

# Reading actions; an API token marked read-only keeps only these.
READ_ACTIONS = {"view"}


def memberships(user: Any) -> list[tuple[str, str, int, int | None]]:
    """(role, path, organisation id, parent id) of every membership, cached on the user object
    for the request: checks that run on every page (the menu) read it without a query."""
    cached = getattr(user, "_sw_memberships", None)
    if cached is None:
        from schildwacht.organisations.models import Membership

        cached = list(
            Membership.objects.filter(user_id=user.pk).values_list(
                "role", "organisation__path", "organisation_id", "organisation__parent_id"
            )
        )
        user._sw_memberships = cached
    return cached


def _subtree_ids(paths: set[str]) -> set[int]:
    from schildwacht.organisations.models import Organisation

    if not paths:
        return set()
    query = models.Q()
    for path in paths:
        query |= models.Q(path__startswith=path)
    return set(Organisation.objects.filter(query).values_list("id", flat=True))


def _token_limit(user: Any, action: str = "view") -> tuple[bool, set[int] | None]:
    """(read_only, organisation ids the token is narrowed to or None) for a token request."""
    token = getattr(user, "api_token", None)
    if token is None:
        return False, None
    narrowed = token.organisation_paths()
    if not narrowed:
        return token.read_only, None
    from schildwacht.organisations.models import Organisation

    ids = _subtree_ids(set(narrowed))
    if action in READ_ACTIONS:
        # A school-scoped token may still read its board's own items, as its user may; it
        # never writes there.
        ids |= set(
            Organisation.objects.filter(id__in=ids, parent__isnull=False).values_list(
                "parent_id", flat=True
            )
        )
    return token.read_only, ids


def organisation_ids(user: Any, action: str = "view", area: str = "all") -> frozenset[int]:
    """Ids of the organisations whose board data ``user`` may ``action`` in ``area``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cache: dict[tuple[str, str], frozenset[int]] = user.__dict__.setdefault("_sw_scope", {})
    key = (action, area)
    if key in cache:
        return cache[key]
    read_only, token_ids = _token_limit(user, action)
    if read_only and action not in READ_ACTIONS:
        cache[key] = frozenset()
        return cache[key]
    paths: set[str] = set()
    ancestors: set[int] = set()
    for role, path, _org_id, parent_id in memberships(user):
        if is_sector_role(role) or not role_grants(role, action, area):
            continue
        paths.add(path)
        if action in READ_ACTIONS and role_definitions()[Role(role)].reads_up and parent_id:
            # The board's own items, not those of sibling schools.
            ancestors.add(parent_id)
    ids = _subtree_ids(paths) | ancestors
    if token_ids is not None:
        ids &= token_ids
    cache[key] = frozenset(ids)
    return cache[key]


def holds_grant(user: Any, action: str, area: str = "all") -> bool:
    """Whether any board or school role of ``user`` grants ``action`` on ``area`` somewhere.

    Menus ask this on every page; it reads only the memberships already cached for the request.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return any(
        not is_sector_role(role) and role_grants(role, action, area)
        for role, _path, _org_id, _parent in memberships(user)
    )


def sector_ids(user: Any, action: str, area: str) -> frozenset[int]:
    """Ids of sector nodes where ``user`` holds a sector role granting ``action`` on ``area``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    read_only, token_ids = _token_limit(user, action)
    if read_only and action not in READ_ACTIONS:
        return frozenset()
    return frozenset(
        org_id
        for role, _path, org_id, _parent in memberships(user)
        if is_sector_role(role)
        and role_grants(role, action, area)
        and (token_ids is None or org_id in token_ids)
    )


def visible_organisation_ids(user: Any) -> frozenset[int]:
    """Organisations a user may see at all: where any role reaches, plus its own sector nodes.

    This is the list behind the organisation switcher and ``GET /api/v1/organisations``.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cache: dict[tuple[str, str], frozenset[int]] = user.__dict__.setdefault("_sw_scope", {})
    if ("visible", "") in cache:
        return cache[("visible", "")]
    _read_only, token_ids = _token_limit(user)
    paths: set[str] = set()
    direct: set[int] = set()
    for role, path, org_id, parent_id in memberships(user):
        if is_sector_role(role):
            direct.add(org_id)
            continue
        paths.add(path)
        if parent_id and role_definitions()[Role(role)].reads_up:
            direct.add(parent_id)
    ids = _subtree_ids(paths) | direct
    if token_ids is not None:
        ids &= token_ids
    cache[("visible", "")] = frozenset(ids)
    return cache[("visible", "")]


def forget_scope(user: Any) -> None:
    """Drop the cached reach after memberships changed within the same request."""
    for attr in ("_sw_memberships", "_sw_scope"):
        user.__dict__.pop(attr, None)


class ScopedQuerySet(models.QuerySet[_M]):
    """Queryset with the one scoping method of the house.

    A model says which field points at its organisation (``scope_field``, default
    ``organisation``) and which area its items belong to (model attribute ``scope_area``,
    default "all"; privacy items use "privacy" so that the FG reads them).
    """

    scope_field = "organisation"

    def for_user(self, user: Any, action: str = "view") -> ScopedQuerySet[_M]:
        area = getattr(self.model, "scope_area", "all")
        ids = organisation_ids(user, action, area)
        return self.filter(**{f"{self.scope_field}__in": ids})


def organisation_for_user(user: Any, org_id: int, action: str = "view") -> Organisation:
    """The organisation ``org_id`` if ``user`` may ``action`` there, else Http404."""
    from django.http import Http404

    from schildwacht.organisations.models import Organisation

    allowed = (
        visible_organisation_ids(user) if action == "visible" else organisation_ids(user, action)
    )
    if org_id not in allowed:
        raise Http404
    return Organisation.objects.get(pk=org_id)
