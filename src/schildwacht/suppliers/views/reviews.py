"""Review pages: the checklist of one review with a form per item (saved one at a time, via htmx
when available), the conclusion with "afronden", and reopening."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schildwacht.audit.services import Actor
from schildwacht.lib.htmx import is_htmx
from schildwacht.suppliers import review_services, services
from schildwacht.suppliers.forms import ConclusionForm, ReviewItemForm, add_errors
from schildwacht.suppliers.models import Review
from schildwacht.suppliers.queries import ItemRow, review_for_user, review_rows, verdict_counts
from schildwacht.suppliers.views.common import refused


def _editable(request: HttpRequest, review: Review) -> bool:
    return review.completed_at is None and review_services.may_change_review(
        Actor.for_user(request.user), review
    )


def _item_form(review: Review, row: ItemRow, data: Any = None) -> ReviewItemForm:
    return ReviewItemForm(
        data,
        prefix=row.item.code,
        based=review.base_id is not None,
        initial={"verdict": row.own_verdict, "note": row.own.note if row.own else ""},
    )


def _back_url(review: Review) -> str:
    if review.agreement_id is not None:
        return reverse("suppliers:agreement_detail", args=[review.agreement_id])
    return reverse("suppliers:detail", args=[review.supplier_id])


def _review_page(
    request: HttpRequest,
    review: Review,
    conclusion_form: ConclusionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The review with a form per item and for the conclusion while the user may edit it."""
    editable = _editable(request, review)
    rows = review_rows(review)
    return render(
        request,
        "suppliers/review.html",
        {
            "review": review,
            "rows": [(row, _item_form(review, row) if editable else None) for row in rows],
            "counts": verdict_counts(rows),
            "editable": editable,
            "may_reopen": review.completed_at is not None
            and review_services.may_change_review(Actor.for_user(request.user), review),
            "conclusion_form": conclusion_form
            or ConclusionForm(initial={"conclusion": review.conclusion}),
            "back_url": _back_url(review),
        },
        status=status,
    )


@login_required
@require_safe
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, review_for_user(request.user, pk))


def _item_response(
    request: HttpRequest,
    review: Review,
    row: ItemRow,
    form: ReviewItemForm | None,
    *,
    saved: bool = False,
    status: int = 200,
) -> HttpResponse:
    template = "suppliers/_review_item.html" if is_htmx(request) else "suppliers/review_item.html"
    response = render(
        request,
        template,
        {"review": review, "row": row, "form": form, "saved": saved, "back_url": _back_url(review)},
        status=status,
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def review_item(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One checklist item: its page (or, for htmx, the ``_review_item.html`` partial); POST saves."""
    review = review_for_user(request.user, pk)
    row = next((r for r in review_rows(review) if r.item.code == code), None)
    if row is None:
        raise Http404
    editable = _editable(request, review)
    if request.method == "GET":
        return _item_response(request, review, row, _item_form(review, row) if editable else None)
    if not editable:
        if review.completed_at is not None and review_services.may_change_review(
            Actor.for_user(request.user), review
        ):
            return refused(
                request, _("Deze beoordeling is afgerond. Heropen haar om iets te wijzigen.")
            )
        return refused(request, _("U mag deze beoordeling niet wijzigen."))
    form = _item_form(review, row, request.POST)
    if form.is_valid():
        try:
            review_services.update_review_item(
                Actor.for_user(request.user),
                review,
                code,
                verdict=form.cleaned_data["verdict"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            if not is_htmx(request):
                messages.success(request, _("Het onderdeel is opgeslagen."))
                return redirect(reverse("suppliers:review", args=[pk]) + f"#{row.anchor}")
            row = next(r for r in review_rows(review) if r.item.code == code)
            return _item_response(request, review, row, _item_form(review, row), saved=True)
    return _item_response(request, review, row, form, status=400)


@login_required
@require_POST
def review_conclusion(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the conclusion, or with ``afronden`` in the POST, complete the review."""
    review = review_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    form = ConclusionForm(request.POST)
    if not form.is_valid():
        return _review_page(request, review, form, status=400)
    conclusion = form.cleaned_data["conclusion"]
    try:
        if "afronden" in request.POST:
            review_services.complete_review(actor, review, conclusion)
            messages.success(request, _("De beoordeling is afgerond."))
        else:
            review_services.save_conclusion(actor, review, conclusion)
            messages.success(request, _("De conclusie is opgeslagen."))
    except services.SupplierRefused as error:
        return refused(request, error.message)
    except ValidationError as error:
        review.refresh_from_db()
        add_errors(form, error)
        return _review_page(request, review, form, status=400)
    return redirect("suppliers:review", pk)


@login_required
@require_POST
def review_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    review = review_for_user(request.user, pk)
    try:
        review_services.reopen_review(Actor.for_user(request.user), review)
    except services.SupplierRefused as error:
        return refused(request, error.message)
    messages.success(request, _("De beoordeling is heropend."))
    return redirect("suppliers:review", pk)
