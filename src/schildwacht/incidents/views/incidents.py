"""One incident: the two-minute report, its page (the whole file, or for a reporter only their
own report), editing its parts, the timeline, closing, reopening and deleting.

Outside the user's reach is 404; inside it, a change the role does not allow is a 403 page with
the reason.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from schildwacht.audit.services import Actor
from schildwacht.incidents import services
from schildwacht.incidents.clock import processor_late
from schildwacht.incidents.forms import (
    PART_FORMS,
    PART_TITLES,
    CloseForm,
    ReopenForm,
    ReportForm,
    TimelineForm,
    add_service_errors,
    initial_for,
    values_from,
)
from schildwacht.incidents.models import Incident
from schildwacht.incidents.queries import (
    cert_contact_for,
    clock_of,
    incident_file,
    incident_for_user,
    linkable_applications,
    linkable_schools,
    linkable_suppliers,
    reads_file,
    reporting_organisations,
)
from schildwacht.incidents.reference import labels_for
from schildwacht.incidents.views.common import (
    board_organisation,
    posted,
    reads_register,
    refused,
)
from schildwacht.lib.htmx import is_htmx


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The two-minute report of an incident or suspected breach (``report:incidents``)."""
    organisation = board_organisation(request)
    organisations = reporting_organisations(request.user, organisation)
    if not organisations.exists():
        return refused(request, _("U mag voor deze organisatie geen incidenten melden."))
    # The active school or board itself when the user reports there, else the first below it.
    chosen = organisations.filter(pk=organisation.pk).first() or organisations.first()
    form = ReportForm(
        posted(request),
        organisations=organisations,
        applications=linkable_applications(request.user, organisation),
        initial={"organisation": chosen, "discovered_at": timezone.localtime().replace(second=0)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        application = data.get("application")
        try:
            incident = services.report_incident(
                Actor.for_user(request.user),
                data["organisation"],
                description=data["description"],
                discovered_at=data["discovered_at"],
                personal_data=data["personal_data"],
                application_note=data["application_note"],
                applications=[application.pk] if application else [],
            )
        except services.IncidentRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Dank u. Uw melding is ontvangen en gaat naar de privacy officer en de "
                    "IBP-coördinator."
                ),
            )
            return redirect("incidents:detail", incident.pk)
    return render(
        request,
        "incidents/report.html",
        {
            "form": form,
            "organisation": organisation,
            "reads_register": reads_register(request.user, organisation),
        },
    )


def _rights(request: HttpRequest, incident: Incident) -> dict[str, bool]:
    actor = Actor.for_user(request.user)
    may_change = services.may(actor, incident)
    is_open = not incident.closed
    return {
        "may_change": may_change and is_open,
        "may_decide": (
            incident.is_breach and is_open and may_change and services.may_decide(actor, incident)
        ),
        "may_advise": (incident.is_breach and is_open and services.may(actor, incident, "advise")),
        "may_reopen": may_change and not is_open,
        "may_delete": may_change and not incident.is_breach and services.is_untouched(incident),
    }


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The incident's file with the clock in view; a reporter who reads no more sees their own
    report and its status."""
    incident = incident_for_user(request.user, pk)
    if not reads_file(request.user, incident):
        return render(request, "incidents/own_report.html", {"incident": incident})
    record = incident_file(incident)
    context: dict[str, Any] = {
        "incident": incident,
        "file": record,
        "clock": clock_of(incident),
        "labels": labels_for(incident.breach_types, incident.data_kinds, incident.subject_groups),
        "processor_late": processor_late(
            incident.discovered_at, incident.processor_informed_at, incident.processor_term_hours
        ),
        "cert_contact": cert_contact_for(incident.organisation),
        "timeline_form": TimelineForm(),
        **_rights(request, incident),
    }
    return render(request, "incidents/detail.html", context)


def _part_form(request: HttpRequest, incident: Incident, part: str) -> Any:
    form_class = PART_FORMS[part]
    kwargs: dict[str, Any] = {"initial": initial_for(incident, form_class)}
    organisation = incident.organisation
    if part == "algemeen":
        kwargs["choices"] = {
            "applications": linkable_applications(request.user, organisation),
            "suppliers": linkable_suppliers(organisation),
            "schools": linkable_schools(organisation),
        }
    elif part == "tijden":
        kwargs["applications"] = linkable_applications(request.user, organisation)
    return form_class(posted(request), **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def edit_part(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    """Edit one part: algemeen, tijden, gegevens, cert or lessen."""
    if part not in PART_FORMS:
        raise Http404
    incident = incident_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, incident):
        return refused(request, _("U mag dit incident lezen, maar niet wijzigen."))
    if incident.closed:
        return refused(request, _("Dit incident is afgesloten; heropen het om te wijzigen."))
    form = _part_form(request, incident, part)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_incident(actor, incident, **values_from(form))
        except services.IncidentRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Het incident is opgeslagen."))
            return redirect("incidents:detail", incident.pk)
    return render(
        request,
        "incidents/part_form.html",
        {"form": form, "incident": incident, "part": part, "title": PART_TITLES[part]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def timeline_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a timeline entry; an htmx request gets the timeline back in place."""
    incident = incident_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, incident) or incident.closed:
        return refused(request, _("U mag aan deze tijdlijn niets toevoegen."))
    form = TimelineForm(posted(request))
    added = False
    if request.method == "POST" and form.is_valid():
        try:
            services.add_timeline_entry(
                actor, incident, text=form.cleaned_data["text"], at=form.cleaned_data["at"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            added = True
    if is_htmx(request) and request.method == "POST":
        # The timeline in place: with the new entry and an empty form, or the errors.
        return render(
            request,
            "incidents/_timeline.html",
            {
                "incident": incident,
                "file": incident_file(incident),
                "timeline_form": TimelineForm() if added else form,
                "may_change": True,
            },
        )
    if added:
        messages.success(request, _("De regel is aan de tijdlijn toegevoegd."))
        return redirect(reverse("incidents:detail", args=[incident.pk]) + "#tijdlijn")
    return render(request, "incidents/timeline_form.html", {"form": form, "incident": incident})


@login_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the incident with a closing note (a breach stays in the register)."""
    incident = incident_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, incident):
        return refused(request, _("U mag dit incident niet afsluiten."))
    if incident.closed:
        return refused(request, _("Dit incident is al afgesloten."))
    form = CloseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.close_incident(actor, incident, note=form.cleaned_data["closing_note"])
        except services.IncidentRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Het incident is afgesloten."))
            return redirect("incidents:detail", incident.pk)
    return render(request, "incidents/close_form.html", {"form": form, "incident": incident})


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    incident = incident_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, incident):
        return refused(request, _("U mag dit incident niet heropenen."))
    if not incident.closed:
        return refused(request, _("Dit incident is niet afgesloten."))
    form = ReopenForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen_incident(actor, incident, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Het incident is heropend."))
            return redirect("incidents:detail", incident.pk)
    return render(request, "incidents/reopen_form.html", {"form": form, "incident": incident})


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove an incident reported in error (never a breach)."""
    incident = incident_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, incident):
        return refused(request, _("U mag dit incident lezen, maar niet verwijderen."))
    if request.method == "POST":
        try:
            services.delete_incident(actor, incident)
        except services.IncidentRefused as error:
            return refused(request, error.message)
        messages.success(request, _("Het incident is verwijderd."))
        return redirect("incidents:list")
    if incident.is_breach:
        return refused(
            request,
            _(
                "Een datalek blijft altijd in het register. Leg in de beoordeling vast dat het "
                "geen datalek is, en sluit het af."
            ),
        )
    return render(request, "incidents/delete.html", {"incident": incident})
