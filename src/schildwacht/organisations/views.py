"""Organisation pages: the tree a user may see, one organisation, its members, the switcher."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from schildwacht.audit.services import Actor
from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations import context
from schildwacht.organisations.forms import MemberAddForm
from schildwacht.organisations.models import Membership, Organisation
from schildwacht.organisations.scoping import (
    organisation_for_user,
    organisation_ids,
    visible_organisation_ids,
)
from schildwacht.organisations.services import add_member, remove_member


def _depth(organisation: Organisation) -> int:
    # path is "/1/4/9/": one id per level of the tree.
    return organisation.path.count("/") - 2


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    """The organisations the user may see, as an indented tree in path order."""
    organisations = list(
        Organisation.objects.filter(pk__in=visible_organisation_ids(request.user))
        .select_related("parent")
        .order_by("path")
    )
    top = min((_depth(o) for o in organisations), default=0)
    rows = [(o, _depth(o) - top) for o in organisations]
    return render(request, "organisations/list.html", {"rows": rows})


def _manageable(request: HttpRequest, organisation: Organisation) -> bool:
    return organisation.pk in organisation_ids(request.user, "manage", "members")


def _members(request: HttpRequest, organisation: Organisation) -> list[Membership]:
    return list(
        Membership.objects.for_user(request.user, "manage")
        .filter(organisation__path__startswith=organisation.path)
        .select_related("user", "organisation")
        .order_by("organisation__path", "user__email", "role")
    )


def _detail_response(
    request: HttpRequest, organisation: Organisation, form: MemberAddForm | None = None
) -> HttpResponse:
    manageable = _manageable(request, organisation)
    children = Organisation.objects.filter(
        parent=organisation, pk__in=visible_organisation_ids(request.user)
    ).order_by("name")
    data: dict[str, Any] = {
        "organisation": organisation,
        "children": children,
        "manageable": manageable,
    }
    if manageable:
        data["members"] = _members(request, organisation)
        data["form"] = form or MemberAddForm()
    return render(request, "organisations/detail.html", data)


@login_required
def organisation_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    organisation = organisation_for_user(request.user, org_id, "visible")
    return _detail_response(request, organisation)


def _managed_organisation(request: HttpRequest, org_id: int) -> Organisation:
    """The organisation if the user manages its members; 404 otherwise (never 403)."""
    organisation = organisation_for_user(request.user, org_id, "visible")
    if not _manageable(request, organisation):
        raise Http404
    return organisation


@login_required
@require_POST
def member_add(request: HttpRequest, org_id: int) -> HttpResponse:
    organisation = _managed_organisation(request, org_id)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            membership, created = add_member(
                Actor.for_user(request.user),
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                full_name=form.cleaned_data["full_name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if created:
                messages.success(
                    request,
                    _("%(user)s is toegevoegd als %(role)s.")
                    % {"user": membership.user.email, "role": membership.role_label},
                )
            else:
                messages.info(
                    request, _("%(user)s had deze rol al.") % {"user": membership.user.email}
                )
            return redirect(reverse("organisations:detail", args=[organisation.pk]) + "#leden")
    return _detail_response(request, organisation, form)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, org_id: int, membership_id: int) -> HttpResponse:
    """Confirm (GET) and withdraw (POST) one role of one member."""
    organisation = _managed_organisation(request, org_id)
    membership = get_object_or_404(
        Membership.objects.for_user(request.user, "manage").select_related("user", "organisation"),
        pk=membership_id,
        organisation__path__startswith=organisation.path,
    )
    error = ""
    if request.method == "POST":
        try:
            remove_member(Actor.for_user(request.user), membership)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("De rol %(role)s van %(user)s is ingetrokken.")
                % {"role": membership.role_label, "user": membership.user.email},
            )
            return redirect(reverse("organisations:detail", args=[organisation.pk]) + "#leden")
    return render(
        request,
        "organisations/member_remove.html",
        {
            "organisation": organisation,
            "membership": membership,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    """Remember the organisation chosen in the header's switcher for this session.

    A plain form post redirects back; on the start page htmx posts it and gets an event instead.
    """
    try:
        org_id = int(request.POST.get("organisation", ""))
    except ValueError:
        raise Http404 from None
    if org_id not in visible_organisation_ids(request.user):
        raise Http404
    request.session[context.SESSION_KEY] = org_id
    if is_htmx(request):
        # The start page listens for this event and reloads its panels for the new organisation.
        response = HttpResponse(status=204)
        response["HX-Trigger"] = "organisatie-gewisseld"
        return response
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home:start")
    return redirect(target)
