"""Agreement pages: the list with coverage and uncovered applications (filters, pages, XLSX),
an agreement's page, its form with the document upload, the document download and removal,
and starting its review."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schildwacht.audit.services import Actor
from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations.models import Organisation
from schildwacht.suppliers import review_services, services
from schildwacht.suppliers.exports import XLSX_CONTENT_TYPE, export_agreements_xlsx
from schildwacht.suppliers.forms import AgreementFilterForm, AgreementForm, add_errors
from schildwacht.suppliers.models import Agreement, AgreementModel, AgreementStatus
from schildwacht.suppliers.queries import (
    UNCOVERED_LIMIT,
    AgreementFilter,
    agreement_coverage,
    agreement_for_user,
    agreement_reviews,
    agreements_for_user,
    applications_for_form,
    available_suppliers,
    filter_agreements,
    is_expiring,
    is_valid,
    uncovered_applications,
)
from schildwacht.suppliers.views.common import (
    PAGE_SIZE,
    changeable,
    page_query,
    privacy_organisation,
    refused,
)


def _filtered(request: HttpRequest, organisation: Organisation) -> tuple[AgreementFilterForm, Any]:
    form = AgreementFilterForm(request.GET or None, suppliers=available_suppliers(organisation))
    agreements = agreements_for_user(request.user, organisation)
    if form.is_bound:
        if not form.is_valid():
            return form, agreements.none()
        return form, filter_agreements(agreements, form.selection())
    return form, filter_agreements(agreements, AgreementFilter())


@login_required
@require_safe
def agreement_list(request: HttpRequest) -> HttpResponse:
    """Agreements of the active organisation (and its schools), coverage and what is uncovered."""
    organisation = privacy_organisation(request)
    form, agreements = _filtered(request, organisation)
    page = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("pagina"))
    day = timezone.localdate()
    page.object_list = [
        (agreement, is_valid(agreement, day), is_expiring(agreement, day))
        for agreement in page.object_list
    ]
    data = {
        "organisation": organisation,
        "form": form,
        "page": page,
        "query": page_query(request),
        "may_create": bool(changeable(request, organisation)),
    }
    if is_htmx(request):
        template = "suppliers/_agreements.html"
    else:
        template = "suppliers/agreement_list.html"
        uncovered = uncovered_applications(request.user, organisation, day)
        coverage = agreement_coverage(request.user, organisation, day)
        data["coverage"] = coverage
        data["uncovered"] = list(uncovered[:UNCOVERED_LIMIT])
        data["uncovered_count"] = coverage.total - coverage.covered
    response = render(request, template, data)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_safe
def agreement_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as XLSX."""
    organisation = privacy_organisation(request)
    form, agreements = _filtered(request, organisation)
    if form.is_bound and not form.is_valid():
        return HttpResponse(_("Een filter is ongeldig."), status=400, content_type="text/plain")
    response = HttpResponse(export_agreements_xlsx(agreements), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="verwerkersovereenkomsten.xlsx"'
    return response


def _form(
    request: HttpRequest,
    organisation: Organisation,
    *,
    organisations: list[Organisation] | None = None,
    agreement: Agreement | None = None,
) -> AgreementForm:
    return AgreementForm(
        request.POST or None,
        request.FILES or None,
        organisations=(
            Organisation.objects.filter(pk__in=[o.pk for o in organisations])
            if organisations is not None
            else None
        ),
        suppliers=available_suppliers(organisation).order_by("name", "pk"),
        applications=applications_for_form(request.user, organisation),
        has_document=bool(agreement is not None and agreement.document),
        initial=(
            AgreementForm.initial_for(agreement)
            if agreement is not None
            else {
                "organisation": organisations[0] if organisations else None,
                "model": AgreementModel.MODEL_4,
                "status": AgreementStatus.DRAFT,
                "supplier": request.GET.get("leverancier") or None,
            }
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    organisation = privacy_organisation(request)
    organisations = changeable(request, organisation)
    if not organisations:
        return refused(request, _("U mag voor deze organisatie geen overeenkomsten toevoegen."))
    form = _form(request, organisation, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.create_agreement(
                Actor.for_user(request.user),
                form.cleaned_data["organisation"],
                document=form.cleaned_data.get("document"),
                **form.agreement_values(),
            )
        except services.SupplierRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De verwerkersovereenkomst is toegevoegd."))
            return redirect("suppliers:agreement_detail", agreement.pk)
    return render(request, "suppliers/agreement_form.html", {"form": form, "agreement": None})


@login_required
@require_safe
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_for_user(request.user, pk)
    day = timezone.localdate()
    return render(
        request,
        "suppliers/agreement_detail.html",
        {
            "agreement": agreement,
            "valid": is_valid(agreement, day),
            "expiring": is_expiring(agreement, day),
            "reviews": agreement_reviews(request.user, agreement),
            "may_change": services.may_change(Actor.for_user(request.user), agreement.organisation),
        },
    )


def _changeable_agreement(request: HttpRequest, pk: int) -> tuple[Agreement, HttpResponse | None]:
    agreement = agreement_for_user(request.user, pk)
    if not services.may_change(Actor.for_user(request.user), agreement.organisation):
        return agreement, refused(
            request,
            _("U mag de verwerkersovereenkomsten van %(name)s niet wijzigen.")
            % {"name": agreement.organisation},
        )
    return agreement, None


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement, refusal = _changeable_agreement(request, pk)
    if refusal is not None:
        return refusal
    form = _form(request, agreement.organisation, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_agreement(
                Actor.for_user(request.user),
                agreement,
                document=form.cleaned_data.get("document"),
                remove_document=bool(form.cleaned_data.get("remove_document")),
                **form.agreement_values(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De verwerkersovereenkomst is opgeslagen."))
            return redirect("suppliers:agreement_detail", agreement.pk)
    return render(request, "suppliers/agreement_form.html", {"form": form, "agreement": agreement})


@login_required
@require_http_methods(["GET", "POST"])
def agreement_delete(request: HttpRequest, pk: int) -> HttpResponse:
    agreement, refusal = _changeable_agreement(request, pk)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        services.delete_agreement(Actor.for_user(request.user), agreement)
        messages.success(request, _("De verwerkersovereenkomst is verwijderd."))
        return redirect("suppliers:agreements")
    return render(
        request,
        "suppliers/delete.html",
        {
            "object": agreement,
            "cancel_url": reverse("suppliers:agreement_detail", args=[agreement.pk]),
            "question": _(
                'Weet u zeker dat u de verwerkersovereenkomst "%(title)s" wilt verwijderen? '
                "Ook de beoordelingen ervan verdwijnen; de audittrail bewaart wat er stond."
            )
            % {"title": agreement.title},
        },
    )


@login_required
@require_safe
def agreement_document(request: HttpRequest, pk: int) -> FileResponse:
    """The stored document, for everyone who reads the agreement."""
    agreement = agreement_for_user(request.user, pk)
    if not agreement.document:
        raise Http404
    try:
        handle = agreement.document.open("rb")
    except OSError as error:
        raise Http404 from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=agreement.document_name or (agreement.document.name or "").rsplit("/", 1)[-1],
        content_type=agreement.content_type or "application/octet-stream",
    )


@login_required
@require_POST
def agreement_document_remove(request: HttpRequest, pk: int) -> HttpResponse:
    agreement, refusal = _changeable_agreement(request, pk)
    if refusal is not None:
        return refusal
    services.remove_agreement_document(Actor.for_user(request.user), agreement)
    messages.success(request, _("Het document is verwijderd."))
    return redirect("suppliers:agreement_detail", agreement.pk)


@login_required
@require_POST
def review_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start (or continue) the review of an agreement."""
    agreement = agreement_for_user(request.user, pk)
    try:
        review = review_services.start_review(Actor.for_user(request.user), agreement)
    except services.SupplierRefused as error:
        return refused(request, error.message)
    return redirect("suppliers:review", review.pk)
