"""Pages of the application register: list (filters, completeness, XLSX), detail, form,
delete, import with its templates. Views parse input, call one service or query and render; a
refused change inside the user's reach is a 403 page with the reason, everything outside it is
404. The organisation is the one chosen in the switcher (for a board: with its schools)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from schildwacht.audit.services import Actor
from schildwacht.dpia.queries import dpias_covering, latest_prescan_for_application
from schildwacht.lib.htmx import is_htmx
from schildwacht.lib.tabular import MAX_IMPORT_BYTES, ImportProblem, ImportRejected
from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.registers import services
from schildwacht.registers.exports import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    export_applications_xlsx,
    import_template_csv,
    import_template_xlsx,
)
from schildwacht.registers.forms import ApplicationFilterForm, ApplicationForm, ImportForm
from schildwacht.registers.models import Application, Hosting, ProcessingActivity
from schildwacht.registers.queries import (
    ApplicationFilter,
    activities_using,
    agreements_for,
    application_completeness,
    application_for_user,
    applications_for_user,
    changeable_organisations,
    filter_applications,
    missing_items,
    readable_schools,
    school_ids,
)
from schildwacht.suppliers.queries import available_suppliers, board_of

PAGE_SIZE = 25


def refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "registers/refused.html", {"message": message}, status=403)


def refusal(request: HttpRequest, organisation: Organisation) -> HttpResponse | None:
    """The 403 page with the reason when the user may not change ``organisation``'s registers."""
    try:
        services.require_change(Actor.for_user(request.user), organisation)
    except services.RegisterRefused as error:
        return refused(request, error.message)
    return None


def add_target(
    request: HttpRequest, organisation: Organisation
) -> tuple[list[Organisation], Organisation | None]:
    """The organisations under ``organisation`` whose registers the user may add to, and the
    one chosen: the one posted, else the active one, else the first (None: there are none)."""
    organisations = list(changeable_organisations(request.user, organisation))
    if not organisations:
        return [], None
    chosen = next((o for o in organisations if o.pk == organisation.pk), organisations[0])
    if request.method == "POST":
        value = request.POST.get("organisation", "")
        chosen = next((o for o in organisations if str(o.pk) == value), chosen)
    return organisations, chosen


def submit(
    request: HttpRequest,
    form: Any,
    write: Callable[[], Model],
    done: str,
    detail: str,
) -> HttpResponse | None:
    """Save a valid POSTed form through ``write`` (a service call) and go to the ``detail``
    page of what it saved. None: show the form again, with the service's reasons on the
    fields they name; a refusal is the 403 page."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        entry = write()
    except services.RegisterRefused as error:
        return refused(request, error.message)
    except ValidationError as error:
        for name, reasons in error.message_dict.items():
            form.add_error(name if name in form.fields else None, reasons)
        return None
    messages.success(request, done)
    return redirect(detail, entry.pk)


def active_register(request: HttpRequest) -> Organisation:
    """The organisation of the switcher, when the user reads its registers; else Http404."""
    organisation = active_organisation_for(request)
    if organisation is None or organisation.pk not in organisation_ids(
        request.user, "view", Application.scope_area
    ):
        raise Http404
    return organisation


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filtered(
    request: HttpRequest, organisation: Organisation
) -> tuple[ApplicationFilterForm, QuerySet[Application]]:
    """The filter form and the applications it selects (none while the form is invalid)."""
    form = ApplicationFilterForm(
        request.GET or None, schools=readable_schools(request.user, organisation)
    )
    applications = applications_for_user(request.user, organisation)
    if not form.is_bound:
        return form, applications
    if not form.is_valid():
        return form, applications.none()
    data = form.cleaned_data
    selection = ApplicationFilter(
        kind=data.get("soort") or None,
        school=data.get("school"),
        incomplete=bool(data.get("onvolledig")),
        search=data.get("zoek") or None,
    )
    return form, filter_applications(applications, selection)


def confirm_delete(
    request: HttpRequest,
    entry: Application | ProcessingActivity,
    delete: Callable[[Actor, Any], None],
    done: str,
    listing: str,
    template: str,
) -> HttpResponse:
    """The delete page of a register entry: a question on GET, the delete on POST; the 403
    page with the reason for a reader who may not change it."""
    if (refusing := refusal(request, entry.organisation)) is not None:
        return refusing
    if request.method == "POST":
        delete(Actor.for_user(request.user), entry)
        messages.success(request, done)
        return redirect(listing)
    return render(request, template, {"entry": entry})


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return redirect("registers:applications")


@login_required
@require_safe
def application_list(request: HttpRequest) -> HttpResponse:
    """Applications of the active organisation and (for a board) its schools."""
    organisation = active_register(request)
    form, applications = _filtered(request, organisation)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    data = {
        "organisation": organisation,
        "form": form,
        "page": page,
        "rows": [(app, missing_items(app)) for app in page.object_list],
        "query": query.urlencode(),
        "completeness": application_completeness(request.user, organisation),
        "may_create": changeable_organisations(request.user, organisation).exists(),
    }
    template = "registers/_applications.html" if is_htmx(request) else "registers/applications.html"
    response = render(request, template, data)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_safe
def application_export(request: HttpRequest) -> HttpResponse:
    """The whole register of the active organisation (with the list's filters) as XLSX."""
    organisation = active_register(request)
    form, applications = _filtered(request, organisation)
    if form.is_bound and not form.is_valid():
        return render(
            request,
            "registers/applications.html",
            {"organisation": organisation, "form": form, "page": None, "query": ""},
            status=400,
        )
    rows = applications.prefetch_related(
        Prefetch("schools", queryset=Organisation.objects.order_by("name"))
    )
    return attachment(export_applications_xlsx(rows), XLSX_CONTENT_TYPE, "applicaties.xlsx")


@login_required
@require_safe
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    schools = list(application.schools.order_by("name"))
    return render(
        request,
        "registers/application_detail.html",
        {
            "application": application,
            "schools": schools,
            "missing": missing_items(application),
            "agreements": list(agreements_for(request.user, application)),
            "activities": list(activities_using(request.user, application)),
            "prescan": latest_prescan_for_application(request.user, application),
            "dpias": list(dpias_covering(request.user, application)),
            "may_change": services.may(Actor.for_user(request.user), application.organisation),
        },
    )


def _schools_of(organisation: Organisation) -> QuerySet[Organisation] | None:
    """The schools that may use an application of ``organisation`` (None for a school's)."""
    if organisation.kind != OrganisationKind.BOARD:
        return None
    return organisation.children.filter(kind=OrganisationKind.SCHOOL).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest) -> HttpResponse:
    organisations, chosen = add_target(request, active_register(request))
    if chosen is None:
        return refused(request, _("U mag voor deze organisatie geen applicaties toevoegen."))
    board = board_of(chosen)
    form = ApplicationForm(
        request.POST or None,
        organisations=Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
        suppliers=available_suppliers(chosen).order_by("name"),
        schools=_schools_of(board) if board in organisations else None,
        initial={"organisation": chosen, "personal_data": True, "hosting": Hosting.UNKNOWN},
    )
    done = submit(
        request,
        form,
        lambda: services.create_application(
            Actor.for_user(request.user), form.cleaned_data["organisation"], **form.values()
        ),
        _("De applicatie is toegevoegd."),
        "registers:application_detail",
    )
    return done or render(
        request, "registers/application_form.html", {"form": form, "application": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for_user(request.user, pk)
    if (refusing := refusal(request, application.organisation)) is not None:
        return refusing
    form = ApplicationForm(
        request.POST or None,
        suppliers=available_suppliers(application.organisation).order_by("name"),
        schools=_schools_of(application.organisation),
        initial=ApplicationForm.initial_for(application, school_ids(application)),
    )
    done = submit(
        request,
        form,
        lambda: services.update_application(
            Actor.for_user(request.user), application, **form.values()
        ),
        _("De applicatie is opgeslagen."),
        "registers:application_detail",
    )
    return done or render(
        request, "registers/application_form.html", {"form": form, "application": application}
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return confirm_delete(
        request,
        application_for_user(request.user, pk),
        services.delete_application,
        _("De applicatie is verwijderd."),
        "registers:applications",
        "registers/application_delete.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_import(request: HttpRequest) -> HttpResponse:
    """Import applications from XLSX or CSV: every problem in a table, or how many changed."""
    organisation = active_register(request)
    organisations = changeable_organisations(request.user, organisation)
    if not organisations.exists():
        return refused(request, _("U mag voor deze organisatie geen applicaties importeren."))
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        organisations=organisations,
        initial={"organisation": organisations.filter(pk=organisation.pk).first()},
    )
    problems: list[ImportProblem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # One byte over the limit is enough for the importer to refuse a file as too large.
        content = upload.read(MAX_IMPORT_BYTES + 1)
        try:
            result = services.import_applications(
                Actor.for_user(request.user),
                form.cleaned_data["organisation"],
                upload.name,
                content,
            )
        except services.RegisterRefused as error:
            return refused(request, error.message)
        except ImportRejected as error:
            problems = error.problems
        else:
            messages.success(
                request,
                _(
                    "De import is gelukt: %(created)d nieuwe en %(updated)d gewijzigde "
                    "applicaties; %(unchanged)d waren al zo."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("registers:applications")
    return render(
        request,
        "registers/application_import.html",
        {"organisation": organisation, "form": form, "problems": problems},
        status=422 if problems else 200,
    )


@login_required
@require_safe
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The import template: XLSX (with explanation) or CSV."""
    organisation = active_register(request)
    if fmt == "csv":
        return attachment(import_template_csv(), CSV_CONTENT_TYPE, "applicaties-sjabloon.csv")
    return attachment(
        import_template_xlsx(organisation), XLSX_CONTENT_TYPE, "applicaties-sjabloon.xlsx"
    )
