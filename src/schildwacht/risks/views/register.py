"""The register: the list (filters, pages, exposure total, XLSX), a risk's page, its form and
deletion, and its formal acceptance by a board member. Views parse input, call one service or
query and render; a refused change inside the user's reach is a 403 page with the reason,
everything outside it is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from schildwacht.audit.services import Actor
from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations.models import Organisation
from schildwacht.planning.services import owner_candidates
from schildwacht.risks import services
from schildwacht.risks.exports import XLSX_CONTENT_TYPE, export_risks_xlsx
from schildwacht.risks.forms import AcceptForm, RiskFilterForm, RiskForm, add_errors
from schildwacht.risks.matrix import matrix_for
from schildwacht.risks.models import Risk, RiskStatus
from schildwacht.risks.queries import (
    RiskFilter,
    acceptance_valid,
    changeable_organisations,
    exposure_total,
    filter_risks,
    linkable_applications,
    linkable_measures,
    needs_review,
    risk_for_user,
    risks_for_user,
    subtree_choices,
    with_links,
)
from schildwacht.risks.views.common import PAGE_SIZE, active_organisation, page_query, refused


def _filtered(request: HttpRequest, organisation: Organisation) -> tuple[RiskFilterForm, Any]:
    """The filter form and the risks it selects (none while the form is invalid)."""
    form = RiskFilterForm(
        request.GET or None, organisations=subtree_choices(request.user, organisation)
    )
    risks = risks_for_user(request.user, organisation)
    if form.is_bound:
        if not form.is_valid():
            return form, risks.none()
        return form, filter_risks(risks, form.selection())
    return form, filter_risks(risks, RiskFilter())


@login_required
@require_safe
def risk_list(request: HttpRequest) -> HttpResponse:
    """Risks of the active organisation and (for a board) its schools; filters, pages and the
    total yearly exposure."""
    organisation = active_organisation(request)
    form, risks = _filtered(request, organisation)
    page = Paginator(risks, PAGE_SIZE).get_page(request.GET.get("pagina"))
    day = timezone.localdate()
    page.object_list = [
        (risk, needs_review(risk, day), acceptance_valid(risk, day)) for risk in page.object_list
    ]
    data = {
        "organisation": organisation,
        "form": form,
        "page": page,
        "query": page_query(request),
        "may_create": bool(changeable_organisations(request.user, organisation)),
    }
    if is_htmx(request):
        template = "risks/_risks.html"
    else:
        template = "risks/list.html"
        data["exposure"] = exposure_total(risks_for_user(request.user, organisation))
    response = render(request, template, data)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_safe
def risk_export(request: HttpRequest) -> HttpResponse:
    """The filtered register as XLSX."""
    organisation = active_organisation(request)
    form, risks = _filtered(request, organisation)
    if form.is_bound and not form.is_valid():
        return HttpResponse(_("Een filter is ongeldig."), status=400, content_type="text/plain")
    rows = with_links(risks.select_related("template"))
    response = HttpResponse(export_risks_xlsx(rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="risicoregister.xlsx"'
    return response


def _form(
    request: HttpRequest,
    organisation: Organisation,
    *,
    organisations: list[Organisation] | None = None,
    risk: Risk | None = None,
) -> RiskForm:
    return RiskForm(
        request.POST or None,
        matrix=matrix_for(organisation),
        organisations=(
            Organisation.objects.filter(pk__in=[o.pk for o in organisations])
            if organisations is not None
            else None
        ),
        applications=linkable_applications(request.user, organisation),
        measures=linkable_measures(request.user, organisation),
        owners=owner_candidates(organisation),
        initial=(
            RiskForm.initial_for(risk)
            if risk is not None
            else {
                "organisation": organisations[0] if organisations else None,
                "status": RiskStatus.OPEN,
            }
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_create(request: HttpRequest) -> HttpResponse:
    organisation = active_organisation(request)
    organisations = changeable_organisations(request.user, organisation)
    if not organisations:
        return refused(request, _("U mag voor deze organisatie geen risico's toevoegen."))
    form = _form(request, organisation, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.create_risk(
                Actor.for_user(request.user),
                form.cleaned_data["organisation"],
                **form.risk_values(),
            )
        except services.RiskRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Het risico is toegevoegd."))
            return redirect("risks:detail", risk.pk)
    return render(request, "risks/risk_form.html", {"form": form, "risk": None})


@login_required
@require_safe
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = risk_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    day = timezone.localdate()
    return render(
        request,
        "risks/risk_detail.html",
        {
            "risk": risk,
            "matrix": matrix_for(risk.organisation),
            "needs_review": needs_review(risk, day),
            "acceptance_valid": acceptance_valid(risk, day),
            "may_change": services.may(actor, risk.organisation),
            "may_accept": services.may(actor, risk.organisation, "approve"),
        },
    )


def _changeable(request: HttpRequest, pk: int) -> tuple[Risk, HttpResponse | None]:
    risk = risk_for_user(request.user, pk)
    if not services.may(Actor.for_user(request.user), risk.organisation):
        return risk, refused(
            request,
            _("U mag de risico's van %(name)s niet wijzigen.") % {"name": risk.organisation},
        )
    return risk, None


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    risk, refusal = _changeable(request, pk)
    if refusal is not None:
        return refusal
    form = _form(request, risk.organisation, risk=risk)
    if request.method == "POST" and form.is_valid():
        was_accepted = risk.is_accepted
        try:
            services.update_risk(Actor.for_user(request.user), risk, **form.risk_values())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Het risico is opgeslagen."))
            if was_accepted and not risk.is_accepted:
                messages.warning(
                    request,
                    _(
                        "De score of behandeling is gewijzigd; de acceptatie door het bestuur "
                        "is daarom vervallen."
                    ),
                )
            return redirect("risks:detail", risk.pk)
    return render(request, "risks/risk_form.html", {"form": form, "risk": risk})


@login_required
@require_http_methods(["GET", "POST"])
def risk_delete(request: HttpRequest, pk: int) -> HttpResponse:
    risk, refusal = _changeable(request, pk)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        services.delete_risk(Actor.for_user(request.user), risk)
        messages.success(request, _("Het risico is verwijderd."))
        return redirect("risks:list")
    return render(
        request,
        "risks/delete.html",
        {
            "object": risk,
            "cancel_url": reverse("risks:detail", args=[risk.pk]),
            "question": _(
                'Weet u zeker dat u het risico "%(title)s" wilt verwijderen? '
                "De audittrail bewaart wat er stond."
            )
            % {"title": risk.title},
        },
    )


def _acceptable(request: HttpRequest, pk: int) -> tuple[Risk, HttpResponse | None]:
    risk = risk_for_user(request.user, pk)
    if not services.may(Actor.for_user(request.user), risk.organisation, "approve"):
        return risk, refused(request, _("Alleen een bestuurder accepteert risico's."))
    return risk, None


@login_required
@require_http_methods(["GET", "POST"])
def risk_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """A board member accepts the risk until a date (or renews the acceptance)."""
    risk, refusal = _acceptable(request, pk)
    if refusal is not None:
        return refusal
    form = AcceptForm(
        request.POST or None,
        initial={"expires_on": risk.acceptance_expires_on, "note": risk.acceptance_note},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.accept_risk(
                Actor.for_user(request.user),
                risk,
                expires_on=form.cleaned_data["expires_on"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Het risico is geaccepteerd."))
            return redirect("risks:detail", risk.pk)
    return render(
        request,
        "risks/accept_form.html",
        {"form": form, "risk": risk, "matrix": matrix_for(risk.organisation)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """A board member withdraws the acceptance (a confirmation page first)."""
    risk, refusal = _acceptable(request, pk)
    if refusal is not None:
        return refusal
    error = None
    if request.method == "POST":
        try:
            services.withdraw_acceptance(Actor.for_user(request.user), risk)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, _("De acceptatie is ingetrokken."))
            return redirect("risks:detail", risk.pk)
    return render(
        request,
        "risks/withdraw.html",
        {"risk": risk, "error": error},
        status=400 if error else 200,
    )
