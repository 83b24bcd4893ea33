"""Pages of the processing register (AVG art. 30): list, detail, form, delete, a printable
register and the XLSX export. Same shape as the application pages (``views.py``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from schildwacht.audit.services import Actor
from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations.models import Organisation
from schildwacht.registers import services
from schildwacht.registers.exports import XLSX_CONTENT_TYPE, export_activities_xlsx
from schildwacht.registers.forms import ActivityFilterForm, ActivityForm
from schildwacht.registers.models import Application, ProcessingActivity
from schildwacht.registers.queries import (
    ActivityFilter,
    activities_for_user,
    activity_applications,
    activity_for_user,
    activity_missing,
    changeable_organisations,
    filter_activities,
    linkable_applications_q,
)
from schildwacht.registers.views import (
    PAGE_SIZE,
    active_register,
    add_target,
    attachment,
    confirm_delete,
    refusal,
    refused,
    submit,
)
from schildwacht.suppliers.queries import board_of

PAGE_SIZE_PRINT = 500


def _filtered(
    request: HttpRequest, organisation: Organisation
) -> tuple[ActivityFilterForm, QuerySet[ProcessingActivity]]:
    form = ActivityFilterForm(request.GET or None)
    activities = activities_for_user(request.user, organisation)
    if not form.is_bound:
        return form, activities
    if not form.is_valid():
        return form, activities.none()
    selection = ActivityFilter(
        search=form.cleaned_data.get("zoek") or None,
        legal_basis=form.cleaned_data.get("grondslag") or None,
    )
    return form, filter_activities(activities, selection)


def _with_applications(
    activities: QuerySet[ProcessingActivity], request: HttpRequest
) -> QuerySet[ProcessingActivity]:
    """Prefetch the applications each activity uses, of those the user reads."""
    readable = Application.objects.for_user(request.user).order_by("name")
    return activities.prefetch_related(Prefetch("applications", queryset=readable))


@login_required
@require_safe
def activity_list(request: HttpRequest) -> HttpResponse:
    """Processing activities of the active organisation and (for a board) its schools."""
    organisation = active_register(request)
    form, activities = _filtered(request, organisation)
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    data = {
        "organisation": organisation,
        "form": form,
        "page": page,
        "rows": [(activity, activity_missing(activity)) for activity in page.object_list],
        "query": query.urlencode(),
        "may_create": changeable_organisations(request.user, organisation).exists(),
    }
    template = "registers/_activities.html" if is_htmx(request) else "registers/activities.html"
    response = render(request, template, data)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_safe
def activity_export(request: HttpRequest) -> HttpResponse:
    """The processing register of the active organisation as XLSX."""
    organisation = active_register(request)
    activities = _with_applications(activities_for_user(request.user, organisation), request)
    return attachment(export_activities_xlsx(activities), XLSX_CONTENT_TYPE, "verwerkingen.xlsx")


@login_required
@require_safe
def activity_print(request: HttpRequest) -> HttpResponse:
    """The processing register as one printable page, with every art. 30 field."""
    organisation = active_register(request)
    activities = _with_applications(activities_for_user(request.user, organisation), request)
    return render(
        request,
        "registers/activities_print.html",
        {
            "organisation": organisation,
            "board": board_of(organisation),
            "activities": list(activities[:PAGE_SIZE_PRINT]),
            "total": activities.count(),
            "limit": PAGE_SIZE_PRINT,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_safe
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_for_user(request.user, pk)
    return render(
        request,
        "registers/activity_detail.html",
        {
            "activity": activity,
            "applications": list(activity_applications(request.user, activity)),
            "missing": activity_missing(activity),
            "may_change": services.may(Actor.for_user(request.user), activity.organisation),
        },
    )


def _linkable(request: HttpRequest, organisation: Organisation) -> QuerySet[Application]:
    return (
        Application.objects.for_user(request.user)
        .filter(linkable_applications_q(organisation))
        .select_related("organisation")
        .order_by("name", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    organisations, chosen = add_target(request, active_register(request))
    if chosen is None:
        return refused(request, _("U mag voor deze organisatie geen verwerkingen toevoegen."))
    form = ActivityForm(
        request.POST or None,
        organisations=Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
        applications=_linkable(request, chosen),
        initial={"organisation": chosen, "controller": board_of(chosen).name},
    )
    done = submit(
        request,
        form,
        lambda: services.create_processing_activity(
            Actor.for_user(request.user), form.cleaned_data["organisation"], **form.values()
        ),
        _("De verwerking is toegevoegd."),
        "registers:activity_detail",
    )
    return done or render(request, "registers/activity_form.html", {"form": form, "activity": None})


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    activity = activity_for_user(request.user, pk)
    if (refusing := refusal(request, activity.organisation)) is not None:
        return refusing
    linked = sorted(activity.applications.values_list("pk", flat=True))
    form = ActivityForm(
        request.POST or None,
        applications=_linkable(request, activity.organisation),
        initial=ActivityForm.initial_for(activity, linked),
    )
    done = submit(
        request,
        form,
        lambda: services.update_processing_activity(
            Actor.for_user(request.user), activity, **form.values()
        ),
        _("De verwerking is opgeslagen."),
        "registers:activity_detail",
    )
    return done or render(
        request, "registers/activity_form.html", {"form": form, "activity": activity}
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return confirm_delete(
        request,
        activity_for_user(request.user, pk),
        services.delete_processing_activity,
        _("De verwerking is verwijderd."),
        "registers:activities",
        "registers/activity_delete.html",
    )
