"""The supplier catalogue: the list (search, filter, pages), a supplier's page with the board's
own data, agreements and the central review, and the forms of the curator and the boards."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schildwacht.audit.services import Actor
from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids, sector_ids
from schildwacht.suppliers import review_services, services
from schildwacht.suppliers.forms import (
    SupplierDetailForm,
    SupplierFilterForm,
    SupplierForm,
    add_errors,
)
from schildwacht.suppliers.models import SCOPE_AREA, Supplier, catalogue_ids
from schildwacht.suppliers.queries import (
    SupplierFilter,
    board_of,
    is_shared,
    supplier_for_user,
    supplier_page,
    suppliers_for_user,
)
from schildwacht.suppliers.views.common import PAGE_SIZE, page_query, refused


def _creatable(request: HttpRequest) -> list[Organisation]:
    """Where the user may add suppliers: curated sector nodes and boards they change."""
    ids = set(sector_ids(request.user, "manage", "catalogues")) | set(
        organisation_ids(request.user, "change", SCOPE_AREA)
    )
    return list(
        Organisation.objects.filter(
            pk__in=ids, kind__in=[OrganisationKind.SECTOR, OrganisationKind.BOARD]
        ).order_by("path")
    )


def _require_catalogue(request: HttpRequest) -> None:
    """Staff and the sector analyst see no catalogue at all."""
    if not catalogue_ids(request.user):
        raise Http404


@login_required
@require_safe
def supplier_list(request: HttpRequest) -> HttpResponse:
    """The sector catalogue and the board's own suppliers; search, filter, pages."""
    _require_catalogue(request)
    form = SupplierFilterForm(request.GET or None)
    selection = form.selection() if form.is_bound and form.is_valid() else SupplierFilter()
    suppliers = suppliers_for_user(request.user, selection)
    if form.is_bound and not form.is_valid():
        suppliers = suppliers.none()
    page = Paginator(suppliers, PAGE_SIZE).get_page(request.GET.get("pagina"))
    data = {
        "form": form,
        "page": page,
        "query": page_query(request),
        "may_create": bool(_creatable(request)),
        # The curator keeps the catalogue but has no agreements to list.
        "show_agreements": bool(organisation_ids(request.user, "view", SCOPE_AREA)),
    }
    template = "suppliers/_suppliers.html" if is_htmx(request) else "suppliers/list.html"
    response = render(request, template, data)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def supplier_create(request: HttpRequest) -> HttpResponse:
    _require_catalogue(request)
    organisations = _creatable(request)
    if not organisations:
        return refused(request, _("U mag geen leveranciers toevoegen."))
    active = active_organisation_for(request)
    default = board_of(active) if active is not None else organisations[0]
    form = SupplierForm(
        request.POST or None,
        organisations=Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
        initial={
            "organisation": default if default in organisations else organisations[0],
            "convenant_status": "none",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            supplier = services.create_supplier(
                Actor.for_user(request.user),
                form.cleaned_data["organisation"],
                **form.supplier_values(),
            )
        except services.SupplierRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De leverancier is toegevoegd."))
            return redirect("suppliers:detail", supplier.pk)
    return render(request, "suppliers/supplier_form.html", {"form": form, "supplier": None})


@login_required
@require_safe
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = supplier_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    page = supplier_page(request.user, supplier, active_organisation_for(request))
    return render(
        request,
        "suppliers/supplier_detail.html",
        {
            "supplier": supplier,
            "shared": is_shared(supplier),
            "page": page,
            "may_change": services.may_change_catalogue(actor, supplier.organisation),
            "may_change_detail": page.board is not None and services.may_change(actor, page.board),
            "may_add_agreement": page.board is not None and services.may_change(actor, page.board),
            "may_review": is_shared(supplier)
            and supplier.organisation_id in sector_ids(request.user, "manage", "catalogues"),
        },
    )


def _changeable_supplier(request: HttpRequest, pk: int) -> tuple[Supplier, HttpResponse | None]:
    supplier = supplier_for_user(request.user, pk)
    if not services.may_change_catalogue(Actor.for_user(request.user), supplier.organisation):
        return supplier, refused(
            request,
            _("U mag de leveranciers van %(name)s niet wijzigen.")
            % {"name": supplier.organisation},
        )
    return supplier, None


@login_required
@require_http_methods(["GET", "POST"])
def supplier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    supplier, refusal = _changeable_supplier(request, pk)
    if refusal is not None:
        return refusal
    form = SupplierForm(request.POST or None, initial=SupplierForm.initial_for(supplier))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_supplier(
                Actor.for_user(request.user), supplier, **form.supplier_values()
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De leverancier is opgeslagen."))
            return redirect("suppliers:detail", supplier.pk)
    return render(request, "suppliers/supplier_form.html", {"form": form, "supplier": supplier})


@login_required
@require_http_methods(["GET", "POST"])
def supplier_delete(request: HttpRequest, pk: int) -> HttpResponse:
    supplier, refusal = _changeable_supplier(request, pk)
    if refusal is not None:
        return refusal
    error: Any = None
    if request.method == "POST":
        try:
            services.delete_supplier(Actor.for_user(request.user), supplier)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, _("De leverancier is verwijderd."))
            return redirect("suppliers:list")
    return render(
        request,
        "suppliers/delete.html",
        {
            "object": supplier,
            "error": error,
            "cancel_url": reverse("suppliers:detail", args=[supplier.pk]),
            "question": _('Weet u zeker dat u de leverancier "%(name)s" wilt verwijderen?')
            % {"name": supplier.name},
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def supplier_own_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The active board's own contacts, customer number and notes at a supplier."""
    supplier = supplier_for_user(request.user, pk)
    page = supplier_page(request.user, supplier, active_organisation_for(request))
    if page.board is None:
        raise Http404
    actor = Actor.for_user(request.user)
    if not services.may_change(actor, page.board):
        return refused(
            request,
            _("U mag de gegevens van %(name)s bij leveranciers niet wijzigen.")
            % {"name": page.board},
        )
    form = SupplierDetailForm(request.POST or None, instance=page.detail)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in SupplierDetailForm.Meta.fields}
        try:
            services.save_supplier_detail(actor, supplier, page.board, **values)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De eigen gegevens zijn opgeslagen."))
            return redirect("suppliers:detail", supplier.pk)
    return render(
        request,
        "suppliers/own_detail_form.html",
        {"form": form, "supplier": supplier, "board": page.board},
    )


@login_required
@require_POST
def central_review_start(request: HttpRequest, pk: int) -> HttpResponse:
    """The curator starts (or continues) the review of the supplier's standard agreement."""
    supplier = supplier_for_user(request.user, pk)
    try:
        review = review_services.start_central_review(Actor.for_user(request.user), supplier)
    except services.SupplierRefused as error:
        return refused(request, error.message)
    except ValidationError as error:
        return refused(request, " ".join(error.messages))
    return redirect("suppliers:review", review.pk)
