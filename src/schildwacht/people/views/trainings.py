"""Training pages: the list (filters, pages, XLSX with participants), a training with its
participants, the forms, the participant import with its templates, and removing a participant."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schildwacht.audit.services import Actor
from schildwacht.lib.tabular import MAX_IMPORT_BYTES, ImportProblem, ImportRejected
from schildwacht.organisations.models import Organisation
from schildwacht.people import exports, queries, services
from schildwacht.people.forms import (
    ParticipantImportForm,
    TrainingFilterForm,
    TrainingForm,
    add_errors,
)
from schildwacht.people.models import Training, TrainingKind
from schildwacht.people.reference import links_for
from schildwacht.people.views.common import (
    active_organisation,
    attachment,
    page_of,
    posted,
    refused,
    render_list,
)

PARTICIPANTS_PAGE_SIZE = 50


def _filtered(
    request: HttpRequest,
) -> tuple[TrainingFilterForm, Organisation, QuerySet[Training]]:
    organisation = active_organisation(request)
    form = TrainingFilterForm(request.GET or None)
    trainings = queries.trainings_for_user(request.user, organisation)
    if form.is_bound:
        trainings = (
            queries.trainings_for_user(request.user, organisation, form.selection())
            if form.is_valid()
            else trainings.none()
        )
    return form, organisation, trainings


@login_required
@require_safe
def training_list(request: HttpRequest) -> HttpResponse:
    """Trainings of the active organisation (and its schools), newest first."""
    form, organisation, trainings = _filtered(request)
    page, query = page_of(request, trainings)
    return render_list(
        request,
        "people/training_list.html",
        "people/_trainings.html",
        {
            "organisation": organisation,
            "form": form,
            "page": page,
            "query": query,
            "may_create": queries.changeable_organisations(request.user, organisation).exists(),
        },
    )


@login_required
@require_safe
def training_export(request: HttpRequest) -> HttpResponse:
    """The filtered trainings with their participants as XLSX."""
    form, _organisation, trainings = _filtered(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(_("Een filter is ongeldig."), status=400, content_type="text/plain")
    content = exports.export_trainings_xlsx(
        trainings, queries.export_participants(request.user, trainings)
    )
    return attachment(content, exports.XLSX_CONTENT_TYPE, "trainingen.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def training_create(request: HttpRequest) -> HttpResponse:
    organisation = active_organisation(request)
    organisations = queries.changeable_organisations(request.user, organisation)
    if not organisations.exists():
        return refused(request, _("U mag voor deze organisatie geen trainingen vastleggen."))
    form = TrainingForm(
        posted(request),
        organisations=organisations,
        initial={"organisation": organisations.first(), "kind": TrainingKind.ELEARNING},
    )
    if request.method == "POST" and form.is_valid():
        try:
            training = services.create_training(
                Actor.for_user(request.user),
                form.cleaned_data["organisation"],
                **form.training_values(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De training is vastgelegd."))
            return redirect("people:training_detail", training.pk)
    return render(request, "people/training_form.html", {"form": form, "training": None})


@login_required
@require_safe
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    training = queries.training_for_user(request.user, pk)
    page, query = page_of(
        request, queries.participants_for_user(request.user, training), PARTICIPANTS_PAGE_SIZE
    )
    return render(
        request,
        "people/training_detail.html",
        {
            "training": training,
            "page": page,
            "query": query,
            "link": links_for("training", training.kind),
            "may_change": queries.may_change(request.user, training.organisation),
        },
    )


def _changeable(request: HttpRequest, pk: int) -> tuple[Training, HttpResponse | None]:
    training = queries.training_for_user(request.user, pk)
    if not queries.may_change(request.user, training.organisation):
        return training, refused(
            request,
            _("U mag de trainingen van %(name)s niet wijzigen.") % {"name": training.organisation},
        )
    return training, None


@login_required
@require_http_methods(["GET", "POST"])
def training_edit(request: HttpRequest, pk: int) -> HttpResponse:
    training, refusal = _changeable(request, pk)
    if refusal is not None:
        return refusal
    form = TrainingForm(posted(request), initial=TrainingForm.initial_for(training))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_training(
                Actor.for_user(request.user), training, **form.training_values()
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De training is opgeslagen."))
            return redirect("people:training_detail", training.pk)
    return render(request, "people/training_form.html", {"form": form, "training": training})


@login_required
@require_http_methods(["GET", "POST"])
def training_delete(request: HttpRequest, pk: int) -> HttpResponse:
    training, refusal = _changeable(request, pk)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        services.delete_training(Actor.for_user(request.user), training)
        messages.success(request, _("De training is verwijderd."))
        return redirect("people:trainings")
    return render(
        request,
        "people/delete.html",
        {
            "object": training,
            "cancel_url": reverse("people:training_detail", args=[training.pk]),
            "question": _(
                'Weet u zeker dat u de training "%(title)s" wilt verwijderen? Ook de '
                "deelnemerslijst verdwijnt; de audittrail bewaart wat er stond."
            )
            % {"title": training.title},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Import participants from XLSX or CSV: every problem in a table, or how many changed."""
    training, refusal = _changeable(request, pk)
    if refusal is not None:
        return refusal
    form = ParticipantImportForm(posted(request), request.FILES or None)
    problems: list[ImportProblem] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # One byte over the limit is enough for the importer to refuse a file as too large.
        content = upload.read(MAX_IMPORT_BYTES + 1)
        try:
            result = services.import_participants(
                Actor.for_user(request.user), training, upload.name or "", content
            )
        except ImportRejected as error:
            problems = error.problems
        else:
            messages.success(
                request,
                _(
                    "De import is gelukt: %(created)d nieuwe en %(updated)d gewijzigde "
                    "deelnemers; %(unchanged)d waren al zo."
                )
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("people:training_detail", training.pk)
    return render(
        request,
        "people/participant_import.html",
        {"training": training, "form": form, "problems": problems},
        status=422 if problems else 200,
    )


@login_required
@require_safe
def participant_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The participant import template: XLSX (with explanation) or CSV."""
    active_organisation(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if fmt == "csv":
        return attachment(
            exports.participant_template_csv(), exports.CSV_CONTENT_TYPE, "deelnemers-sjabloon.csv"
        )
    return attachment(
        exports.participant_template_xlsx(), exports.XLSX_CONTENT_TYPE, "deelnemers-sjabloon.xlsx"
    )


@login_required
@require_POST
def participant_delete(request: HttpRequest, pk: int) -> HttpResponse:
    participant = queries.participant_for_user(request.user, pk)
    training, refusal = _changeable(request, participant.training_id)
    if refusal is not None:
        return refusal
    services.delete_participant(Actor.for_user(request.user), participant)
    messages.success(request, _("De deelnemer is van de lijst gehaald."))
    return redirect("people:training_detail", training.pk)
