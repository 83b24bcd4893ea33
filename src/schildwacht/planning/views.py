"""Plan pages: the list of measures (filters, pagination, XLSX), the board by status, a measure's
form, the voortgang page and the basismaatregelen overview. Views parse input, call one
service or query and render; a refused change inside the user's reach is a 403 page with the
reason, everything outside it is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from schildwacht.audit.services import Actor
from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_for_user, organisation_ids
from schildwacht.planning import services
from schildwacht.planning.exports import XLSX_CONTENT_TYPE, export_measures_xlsx
from schildwacht.planning.forms import MeasureFilterForm, MeasureForm, StatusForm
from schildwacht.planning.models import Measure, MeasureStatus
from schildwacht.planning.queries import (
    MeasureFilter,
    basismaatregelen_overview,
    board_columns,
    filter_measures,
    measure_for_user,
    measures_for_user,
    progress,
)

PAGE_SIZE = 25


def _refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "planning/refused.html", {"message": message}, status=403)


def _viewable_organisation(request: HttpRequest) -> Organisation:
    organisation = active_organisation_for(request)
    if organisation is None or organisation.pk not in organisation_ids(request.user, "view"):
        raise Http404
    return organisation


def _changeable(request: HttpRequest, organisation: Organisation) -> list[Organisation]:
    """The organisations in ``organisation``'s subtree where the user may add measures."""
    return list(
        Organisation.objects.filter(
            pk__in=organisation_ids(request.user, "change", Measure.scope_area),
            path__startswith=organisation.path,
        ).order_by("path")
    )


def _filtered(request: HttpRequest, organisation: Organisation) -> tuple[MeasureFilterForm, Any]:
    """The filter form and the measures it selects (none while the form is invalid)."""
    form = MeasureFilterForm(request.GET or None, owners=services.owner_candidates(organisation))
    measures = measures_for_user(request.user, organisation)
    if form.is_bound:
        if not form.is_valid():
            return form, measures.none()
        return form, filter_measures(measures, form.selection())
    return form, filter_measures(measures, MeasureFilter())


@login_required
def measure_list(request: HttpRequest) -> HttpResponse:
    """Measures of the active organisation and (for a board) its schools; filters, pages."""
    organisation = _viewable_organisation(request)
    form, measures = _filtered(request, organisation)
    page = Paginator(measures, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    data = {
        "organisation": organisation,
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "today": timezone.localdate(),
        "may_create": bool(_changeable(request, organisation)),
    }
    template = "planning/_list.html" if is_htmx(request) else "planning/list.html"
    response = render(request, template, data)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def measure_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as XLSX."""
    organisation = _viewable_organisation(request)
    form, measures = _filtered(request, organisation)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "planning/list.html",
            {"organisation": organisation, "form": form, "page": None, "query": ""},
            status=400,
        )
    response = HttpResponse(export_measures_xlsx(measures), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="maatregelen.xlsx"'
    return response


def _board_context(request: HttpRequest, organisation: Organisation) -> dict[str, Any]:
    changeable = organisation_ids(request.user, "change", Measure.scope_area)
    return {
        "organisation": organisation,
        "columns": board_columns(request.user, organisation),
        "changeable": changeable,
        "statuses": MeasureStatus.choices,
        "today": timezone.localdate(),
    }


@login_required
def measure_board(request: HttpRequest) -> HttpResponse:
    """The plan as a board with a column per status; each card has a status select."""
    organisation = _viewable_organisation(request)
    template = "planning/_board.html" if is_htmx(request) else "planning/board.html"
    response = render(request, template, _board_context(request, organisation))
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def measure_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a card: POST a new status. htmx gets the board back, a browser is redirected."""
    measure = measure_for_user(request.user, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("Kies een geldige status."))
    try:
        services.change_measure_status(
            Actor.for_user(request.user), measure, form.cleaned_data["status"]
        )
    except services.MeasureRefused as error:
        return _refused(request, error.message)
    if is_htmx(request):
        context = _board_context(request, _viewable_organisation(request))
        context["moved"] = measure
        return render(request, "planning/_board.html", context)
    messages.success(
        request,
        _("%(title)s staat nu op %(status)s.")
        % {"title": measure.title, "status": measure.get_status_display()},
    )
    return redirect("planning:board")


@login_required
@require_http_methods(["GET", "POST"])
def measure_create(request: HttpRequest) -> HttpResponse:
    organisation = _viewable_organisation(request)
    organisations = _changeable(request, organisation)
    if not organisations:
        return _refused(request, _("U mag voor deze organisatie geen maatregelen toevoegen."))
    chosen = organisations[0]
    if request.method == "POST":
        # The owner list belongs to the organisation chosen in the form.
        value = request.POST.get("organisation", "")
        chosen = next((o for o in organisations if str(o.pk) == value), chosen)
    form = MeasureForm(
        request.POST or None,
        organisations=Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
        owners=services.owner_candidates(chosen),
        initial={"organisation": chosen, "status": MeasureStatus.OPEN},
    )
    if request.method == "POST" and form.is_valid():
        try:
            measure = services.create_measure(
                Actor.for_user(request.user),
                form.cleaned_data["organisation"],
                **form.measure_values(),
            )
        except services.MeasureRefused as error:
            return _refused(request, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("De maatregel is toegevoegd."))
            return redirect("planning:detail", measure.pk)
    return render(request, "planning/form.html", {"form": form, "measure": None})


@login_required
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    measure = measure_for_user(request.user, pk)
    return render(
        request,
        "planning/detail.html",
        {
            "measure": measure,
            "may_change": services.may(Actor.for_user(request.user), measure.organisation),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = measure_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, measure.organisation):
        return _refused(
            request,
            _("U mag de maatregelen van %(name)s niet wijzigen.") % {"name": measure.organisation},
        )
    form = MeasureForm(
        request.POST or None,
        owners=services.owner_candidates(measure.organisation),
        initial=MeasureForm.initial_for(measure),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_measure(actor, measure, **form.measure_values())
        except services.MeasureRefused as error:
            return _refused(request, error.message)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("De maatregel is opgeslagen."))
            return redirect("planning:detail", measure.pk)
    return render(request, "planning/form.html", {"form": form, "measure": measure})


@login_required
@require_http_methods(["GET", "POST"])
def measure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    measure = measure_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, measure.organisation):
        return _refused(
            request,
            _("U mag de maatregelen van %(name)s niet wijzigen.") % {"name": measure.organisation},
        )
    if request.method == "POST":
        try:
            services.delete_measure(actor, measure)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("planning:detail", measure.pk)
        messages.success(request, _("De maatregel is verwijderd."))
        return redirect("planning:list")
    return render(request, "planning/delete.html", {"measure": measure})


@login_required
def progress_page(request: HttpRequest, org_id: int) -> HttpResponse:
    """Voortgang: current level, history of metingen, closed measures and the projection."""
    organisation = organisation_for_user(request.user, org_id)
    return render(
        request, "planning/progress.html", {"progress": progress(request.user, organisation)}
    )


@login_required
def basismaatregelen_page(request: HttpRequest, org_id: int) -> HttpResponse:
    """The eleven basismaatregelen with their measures, norm levels and status."""
    organisation = organisation_for_user(request.user, org_id)
    meting, rows = basismaatregelen_overview(request.user, organisation)
    return render(
        request,
        "planning/basismaatregelen.html",
        {"organisation": organisation, "meting": meting, "rows": rows},
    )
