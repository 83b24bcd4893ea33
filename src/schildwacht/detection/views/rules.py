"""The rule pack: the bundled rules with their description, the sector's and the board's own
Sigma rule files, adding one (with the rules taken and skipped) and taking one out.

A board's readers see the bundled rules, the sector's files and the board's files; the IBP
coordinator adds and removes the board's. The sector curator (active on the sector node)
sees the bundled rules and manages the sector's files, which run for every board.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schildwacht.audit.services import Actor
from schildwacht.detection import services
from schildwacht.detection.forms import RuleFileForm, add_service_errors
from schildwacht.detection.models import RuleFile
from schildwacht.detection.queries import (
    readable_board,
    rule_description,
    rule_file_for_user,
    rule_files_for_user,
    rule_title,
    skip_reason,
)
from schildwacht.detection.views.common import posted, refused
from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import sector_ids

MAX_UPLOAD = 512 * 1024


def _owner(request: HttpRequest) -> Organisation:
    """The organisation whose rule files the page is about: the sector node for its curator,
    otherwise the board of the active organisation, if the user reads its log analysis."""
    organisation = active_organisation_for(request)
    if organisation is not None and organisation.kind == OrganisationKind.SECTOR:
        if organisation.pk not in sector_ids(request.user, "manage", "catalogues"):
            raise Http404
        return organisation
    return readable_board(request.user, organisation)


def _bundled() -> list[dict[str, Any]]:
    return [
        {
            "rule_id": rule.rule_id,
            "title": rule_title(rule.rule_id, rule.title),
            "description": rule_description(rule.rule_id, rule.description),
            "level": rule.level,
            "kind": rule.kind,
            "sources": rule.sources,
        }
        for rule in services.bundled_rules()
    ]


def _read_upload(form: RuleFileForm) -> bytes:
    uploaded = form.cleaned_data["file"]
    return bytes(uploaded.read(MAX_UPLOAD + 1))


@login_required
@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    actor = Actor.for_user(request.user)
    may_manage = services.may_manage_rules(actor, owner)
    if request.method == "POST" and not may_manage:
        return refused(request, _("U mag de regelbestanden lezen, maar niet wijzigen."))
    form = RuleFileForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.add_rule_file(
                actor, owner, form.cleaned_data["name"], _read_upload(form)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if added.skipped:
                messages.warning(
                    request,
                    _(
                        "Het regelbestand is opgeslagen; %(count)s regel(s) zijn overgeslagen, zie hieronder waarom."
                    )
                    % {"count": len(added.skipped)},
                )
            else:
                messages.success(request, _("Het regelbestand is opgeslagen."))
            return redirect("detection:rule_file", added.pk)
    return render(
        request,
        "detection/rules.html",
        {
            "owner": owner,
            "board": owner if owner.kind == OrganisationKind.BOARD else None,
            "bundled": _bundled(),
            "files": rule_files_for_user(request.user, owner),
            "form": form,
            "may_manage": may_manage,
            "may_change": owner.kind == OrganisationKind.BOARD and services.may(actor, owner),
            "current": "rules",
        },
        status=422 if request.method == "POST" else 200,
    )


def _skipped(rule_file: RuleFile) -> list[dict[str, str]]:
    return [
        {"rule": str(item.get("rule", "")), "reason": skip_reason(str(item.get("reason", "")))}
        for item in rule_file.skipped or []
    ]


@login_required
@require_safe
def rule_file(request: HttpRequest, pk: int) -> HttpResponse:
    item = rule_file_for_user(request.user, pk)
    return render(
        request,
        "detection/rule_file.html",
        {
            "rule_file": item,
            "skipped": _skipped(item),
            "may_manage": services.may_manage_rules(
                Actor.for_user(request.user), item.organisation
            ),
            "current": "rules",
        },
    )


@login_required
@require_POST
def rule_file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = rule_file_for_user(request.user, pk)
    try:
        services.delete_rule_file(Actor.for_user(request.user), item)
    except services.DetectionRefused as error:
        return refused(request, error.message)
    messages.success(request, _("Het regelbestand “%(name)s” is verwijderd.") % {"name": item.name})
    return redirect("detection:rules")
