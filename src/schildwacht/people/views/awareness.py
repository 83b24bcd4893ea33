"""Phishing results (list, import, templates, removal), the training coverage per school and
role with the headcounts, and "Mijn trainingen" for every member of a board or school."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from schildwacht.audit.services import Actor
from schildwacht.lib.tabular import MAX_IMPORT_BYTES, ImportProblem, ImportRejected
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.people import exports, queries, services
from schildwacht.people.coverage_chart import coverage_chart
from schildwacht.people.forms import HeadcountForm, PhishingImportForm, add_errors
from schildwacht.people.views.common import (
    active_organisation,
    attachment,
    page_of,
    posted,
    refused,
    render_list,
)


@login_required
@require_safe
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Phishing results of the active organisation (and its schools), newest first."""
    organisation = active_organisation(request)
    page, query = page_of(request, queries.campaigns_for_user(request.user, organisation))
    return render_list(
        request,
        "people/campaign_list.html",
        "people/_campaigns.html",
        {
            "organisation": organisation,
            "page": page,
            "query": query,
            "may_import": queries.changeable_organisations(request.user, organisation).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_import(request: HttpRequest) -> HttpResponse:
    """Import phishing results: every problem in a table, or how many changed."""
    organisation = active_organisation(request)
    organisations = queries.changeable_organisations(request.user, organisation)
    if not organisations.exists():
        return refused(request, _("U mag voor deze organisatie geen resultaten importeren."))
    form = PhishingImportForm(
        posted(request),
        request.FILES or None,
        organisations=organisations,
        initial={"organisation": organisations.first()},
    )
    problems: list[ImportProblem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read(MAX_IMPORT_BYTES + 1)
        try:
            result = services.import_phishing(
                Actor.for_user(request.user),
                form.cleaned_data["organisation"],
                upload.name or "",
                content,
            )
        except ImportRejected as error:
            problems = error.problems
        else:
            messages.success(
                request,
                _(
                    "De import is gelukt: %(created)d nieuwe en %(updated)d gewijzigde "
                    "resultaten; %(unchanged)d waren al zo."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("people:campaigns")
    return render(
        request,
        "people/campaign_import.html",
        {"form": form, "problems": problems},
        status=422 if problems else 200,
    )


@login_required
@require_safe
def phishing_template(request: HttpRequest, fmt: str) -> HttpResponse:
    active_organisation(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if fmt == "csv":
        return attachment(
            exports.phishing_template_csv(), exports.CSV_CONTENT_TYPE, "phishing-sjabloon.csv"
        )
    return attachment(
        exports.phishing_template_xlsx(), exports.XLSX_CONTENT_TYPE, "phishing-sjabloon.xlsx"
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_delete(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = queries.campaign_for_user(request.user, pk)
    if not queries.may_change(request.user, campaign.organisation):
        return refused(
            request,
            _("U mag de resultaten van %(name)s niet wijzigen.") % {"name": campaign.organisation},
        )
    if request.method == "POST":
        services.delete_campaign(Actor.for_user(request.user), campaign)
        messages.success(request, _("De resultaten zijn verwijderd."))
        return redirect("people:campaigns")
    return render(
        request,
        "people/delete.html",
        {
            "object": campaign,
            "cancel_url": reverse("people:campaigns"),
            "question": _(
                "Weet u zeker dat u de resultaten van %(name)s voor %(organisation)s wilt "
                "verwijderen?"
            )
            % {"name": campaign, "organisation": campaign.organisation},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def coverage(request: HttpRequest) -> HttpResponse:
    """Who was trained in the last twelve months, per school and per role; the headcounts."""
    organisation = active_organisation(request)
    places = queries.headcount_places(request.user, organisation)
    form = HeadcountForm(posted(request), organisations=places) if places.exists() else None
    if request.method == "POST":
        if form is None:
            return refused(
                request, _("U mag voor deze organisatie geen personeelsaantal vastleggen.")
            )
        if form.is_valid():
            try:
                services.set_headcount(
                    Actor.for_user(request.user),
                    form.cleaned_data["organisation"],
                    form.cleaned_data["staff_count"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(request, _("Het personeelsaantal is opgeslagen."))
                return redirect("people:coverage")
    schools = queries.coverage_by_school(request.user, organisation)
    roles = queries.coverage_by_role(request.user, organisation)
    return render(
        request,
        "people/coverage.html",
        {
            "organisation": organisation,
            "schools": schools,
            "roles": roles,
            "total": queries.total_coverage(schools),
            "school_chart": coverage_chart(schools),
            "role_chart": coverage_chart(roles),
            "form": form,
            "since": queries.year_before(queries.today()),
        },
        status=422 if form is not None and form.errors else 200,
    )


@login_required
@require_safe
def my_trainings(request: HttpRequest) -> HttpResponse:
    """The user's own trainings, matched on their e-mail address (staff see only this page)."""
    if not organisation_ids(request.user, "view", "own"):
        raise Http404
    page, query = page_of(request, queries.my_participations(request.user))
    return render(request, "people/my_trainings.html", {"page": page, "query": query})
