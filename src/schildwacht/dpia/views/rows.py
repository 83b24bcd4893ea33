"""Parts 3 and 4 of a DPIA: its risks and its measures, one row at a time, and putting a measure
in the plan. A row is found through its DPIA, so the DPIA's reach decides (404 outside it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from schildwacht.audit.services import Actor
from schildwacht.dpia import services
from schildwacht.dpia.forms import DpiaMeasureForm, PlanMeasureForm, RiskForm, add_service_errors
from schildwacht.dpia.models import Dpia, DpiaMeasure, DpiaRisk
from schildwacht.dpia.queries import dpia_for_user, plan_measure_choices
from schildwacht.dpia.reference import risk_matrix
from schildwacht.dpia.views.common import posted, refused


def _editable(request: HttpRequest, pk: int) -> tuple[Dpia, HttpResponse | None]:
    """The DPIA if the user may change it now; else the refusal to return (404 outside reach)."""
    dpia = dpia_for_user(request.user, pk)
    if not services.may(Actor.for_user(request.user), dpia.organisation):
        return dpia, refused(request, _("U mag deze DPIA lezen, maar niet wijzigen."))
    if dpia.locked:
        return dpia, refused(
            request, _("Deze DPIA is vastgelegd; maak een nieuwe versie om te wijzigen.")
        )
    return dpia, None


def _row(dpia: Dpia, model: type[Any], row_pk: int | None) -> Any:
    if row_pk is None:
        return None
    row = model.objects.filter(dpia=dpia, pk=row_pk).first()
    if row is None:
        raise Http404
    return row


def _saved(request: HttpRequest, dpia: Dpia, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{dpia.get_absolute_url()}#{anchor}")


@login_required
@require_http_methods(["GET", "POST"])
def risk_form(request: HttpRequest, pk: int, risk_pk: int | None = None) -> HttpResponse:
    """Add a risk, or change one, scored on the matrix."""
    dpia, refusal = _editable(request, pk)
    risk = _row(dpia, DpiaRisk, risk_pk)
    if refusal is not None:
        return refusal
    form = RiskForm(posted(request), initial=RiskForm.initial_for(risk) if risk else None)
    if request.method == "POST" and form.is_valid():
        actor = Actor.for_user(request.user)
        try:
            if risk is None:
                services.add_risk(actor, dpia, **form.cleaned_data)
            else:
                services.update_risk(actor, risk, **form.cleaned_data)
        except services.DpiaRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _saved(request, dpia, _("Het risico is opgeslagen."), "risicos")
    return render(
        request,
        "dpia/risk_form.html",
        {"form": form, "dpia": dpia, "risk": risk, "matrix": risk_matrix()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_delete(request: HttpRequest, pk: int, risk_pk: int) -> HttpResponse:
    dpia, refusal = _editable(request, pk)
    risk = _row(dpia, DpiaRisk, risk_pk)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        services.delete_risk(Actor.for_user(request.user), risk)
        return _saved(request, dpia, _("Het risico is verwijderd."), "risicos")
    return render(request, "dpia/row_delete.html", {"dpia": dpia, "row": risk, "kind": "risk"})


@login_required
@require_http_methods(["GET", "POST"])
def measure_form(request: HttpRequest, pk: int, measure_pk: int | None = None) -> HttpResponse:
    """Add a measure, or change one: its risks and optionally an existing plan measure."""
    dpia, refusal = _editable(request, pk)
    measure = _row(dpia, DpiaMeasure, measure_pk)
    if refusal is not None:
        return refusal
    form = DpiaMeasureForm(
        posted(request),
        risks=DpiaRisk.objects.filter(dpia=dpia).order_by("pk"),
        plan_measures=None if dpia.is_sector else plan_measure_choices(request.user, dpia),
        initial=DpiaMeasureForm.initial_for(measure) if measure else None,
    )
    if request.method == "POST" and form.is_valid():
        actor = Actor.for_user(request.user)
        try:
            if measure is None:
                services.add_measure(actor, dpia, **form.cleaned_data)
            else:
                services.update_measure(actor, measure, **form.cleaned_data)
        except services.DpiaRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _saved(request, dpia, _("De maatregel is opgeslagen."), "maatregelen")
    return render(
        request, "dpia/measure_form.html", {"form": form, "dpia": dpia, "measure": measure}
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_delete(request: HttpRequest, pk: int, measure_pk: int) -> HttpResponse:
    dpia, refusal = _editable(request, pk)
    measure = _row(dpia, DpiaMeasure, measure_pk)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        services.delete_measure(Actor.for_user(request.user), measure)
        return _saved(request, dpia, _("De maatregel is verwijderd."), "maatregelen")
    return render(
        request, "dpia/row_delete.html", {"dpia": dpia, "row": measure, "kind": "measure"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_to_plan(request: HttpRequest, pk: int, measure_pk: int) -> HttpResponse:
    """Make a plan measure from a DPIA measure (the plan's own rights apply)."""
    dpia, refusal = _editable(request, pk)
    measure = _row(dpia, DpiaMeasure, measure_pk)
    if refusal is not None:
        return refusal
    if dpia.is_sector:
        raise Http404
    form = PlanMeasureForm(
        posted(request),
        initial={"title": measure.description.splitlines()[0][:200]},
    )
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            services.create_plan_measure(Actor.for_user(request.user), measure, **values)
        except services.DpiaRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _saved(request, dpia, _("De maatregel staat nu in het plan."), "maatregelen")
    return render(
        request, "dpia/plan_measure_form.html", {"form": form, "dpia": dpia, "measure": measure}
    )
