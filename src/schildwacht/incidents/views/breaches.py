"""A breach: the guided assessment and decision, the FG's advice, the notification to the AP
(document, PDF and the record of each step), the letter to the people involved, the escalation
to the sector CERT and the plan measures that follow from the lessons learned."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schildwacht.audit.services import Actor
from schildwacht.incidents import services
from schildwacht.incidents.assessment import suggest
from schildwacht.incidents.forms import (
    AdviceForm,
    AssessmentForm,
    LinkMeasureForm,
    NewMeasureForm,
    NotificationForm,
    add_service_errors,
)
from schildwacht.incidents.models import Advice, BreachAssessment, Incident
from schildwacht.incidents.pdf import notification_pdf
from schildwacht.incidents.queries import (
    board_of,
    cert_contact_for,
    clock_of,
    incident_file,
    incident_for_user,
    linkable_plan_measures,
    reads_file,
)
from schildwacht.incidents.reference import labels_for, reference
from schildwacht.incidents.views.common import posted, refused


def _breach_file(request: HttpRequest, pk: int) -> Incident:
    """A breach whose whole file the user reads (a reporter reaching only their own: 404)."""
    incident = incident_for_user(request.user, pk)
    if not incident.is_breach or not reads_file(request.user, incident):
        raise Http404
    return incident


def _assessment_initial(incident: Incident) -> dict[str, Any]:
    record = BreachAssessment.objects.filter(incident=incident).first()
    if record is None:
        return {}
    yes_no = {True: "ja", False: "nee"}
    return {
        "factors": record.factors,
        "is_breach": yes_no[record.is_breach],
        "risk": yes_no[record.risk],
        "high_risk": yes_no[record.high_risk],
        "unintelligible": record.unintelligible,
        "risk_removed": record.risk_removed,
        "disproportionate": record.disproportionate,
        "reasoning": record.reasoning,
    }


@login_required
@require_http_methods(["GET", "POST"])
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """The guided assessment with the clock in view; recording it is the board's decision."""
    incident = _breach_file(request, pk)
    actor = Actor.for_user(request.user)
    if not services.may_decide(actor, incident):
        return refused(
            request,
            _(
                "Het besluit over melden neemt de privacy officer (of de IBP-coördinator) namens "
                "het bestuur."
            ),
        )
    if incident.closed:
        return refused(request, _("Dit datalek is afgesloten; heropen het om te wijzigen."))
    form = AssessmentForm(posted(request), initial=_assessment_initial(incident))
    if request.method == "POST" and form.is_valid():
        try:
            services.record_assessment(actor, incident, **form.cleaned_data)
        except services.IncidentRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De beoordeling en het besluit zijn vastgelegd."))
            return redirect("incidents:detail", incident.pk)
    ticked = form.initial.get("factors", [])
    return render(
        request,
        "incidents/assessment_form.html",
        {
            "form": form,
            "incident": incident,
            "clock": clock_of(incident),
            "suggestion": suggest(reference().weights(ticked)) if ticked else None,
            "advice": Advice.objects.filter(incident=incident).first(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def advice(request: HttpRequest, pk: int) -> HttpResponse:
    """The FG's advice: only a user holding advise:privacy writes it; it does not decide."""
    incident = _breach_file(request, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, incident, "advise"):
        return refused(
            request, _("Alleen de functionaris gegevensbescherming schrijft het advies.")
        )
    if incident.closed:
        return refused(request, _("Dit datalek is afgesloten."))
    current = Advice.objects.filter(incident=incident).first()
    form = AdviceForm(posted(request), initial={"text": current.text} if current else {})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_advice(actor, incident, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Het advies is vastgelegd."))
            return redirect("incidents:detail", incident.pk)
    return render(request, "incidents/advice_form.html", {"form": form, "incident": incident})


@login_required
@require_http_methods(["GET", "POST"])
def notification_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the notification to the AP, an addition or the withdrawal."""
    incident = _breach_file(request, pk)
    actor = Actor.for_user(request.user)
    if not services.may_decide(actor, incident):
        return refused(request, _("De melding aan de AP legt de privacy officer vast."))
    if incident.closed:
        return refused(request, _("Dit datalek is afgesloten; heropen het om iets vast te leggen."))
    record = incident_file(incident)
    initial_kind = (
        "addition" if any(n.kind == "initial" for n in record.notifications) else "initial"
    )
    form = NotificationForm(posted(request), initial={"kind": initial_kind})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_notification(actor, incident, **form.cleaned_data)
        except services.IncidentRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De melding aan de AP is vastgelegd."))
            return redirect("incidents:detail", incident.pk)
    return render(
        request,
        "incidents/notification_form.html",
        {"form": form, "incident": incident, "clock": clock_of(incident), "file": record},
    )


def _document_context(incident: Incident) -> dict[str, Any]:
    return {
        "incident": incident,
        # The board is the controller; a school is named beside it.
        "controller": board_of(incident.organisation),
        "file": incident_file(incident),
        "clock": clock_of(incident),
        "labels": labels_for(incident.breach_types, incident.data_kinds, incident.subject_groups),
        # For pupils the letter goes to their parents or guardians.
        "pupils": "pupils" in incident.subject_groups,
    }


@login_required
@require_safe
def notification_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The answers the AP's notification form asks for, as a printable page."""
    incident = _breach_file(request, pk)
    return render(request, "incidents/notification_document.html", _document_context(incident))


@login_required
@require_safe
def notification_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _breach_file(request, pk)
    report = notification_pdf(incident, _document_context(incident))
    response = HttpResponse(report.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def letter(request: HttpRequest, pk: int) -> HttpResponse:
    """The plain-language letter to the people involved (for pupils: their parents)."""
    incident = _breach_file(request, pk)
    return render(request, "incidents/letter.html", _document_context(incident))


@login_required
@require_safe
def cert(request: HttpRequest, pk: int) -> HttpResponse:
    """The prepared escalation to the sector CERT: summary, indicators, systems, TLP, contact."""
    incident = incident_for_user(request.user, pk)
    if not reads_file(request.user, incident):
        raise Http404
    return render(
        request,
        "incidents/cert.html",
        {
            "incident": incident,
            "contact": cert_contact_for(incident.organisation),
            "file": incident_file(incident),
            "may_change": services.may(Actor.for_user(request.user), incident)
            and not incident.closed,
        },
    )


@login_required
@require_POST
def cert_shared(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the escalation went to the CERT."""
    incident = incident_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    try:
        services.record_cert_shared(actor, incident)
    except services.IncidentRefused as error:
        return refused(request, error.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("incidents:cert", incident.pk)
    messages.success(request, _("Vastgelegd dat de escalatie met de CERT is gedeeld."))
    return redirect("incidents:cert", incident.pk)


@login_required
@require_http_methods(["GET", "POST"])
def plan_measures(request: HttpRequest, pk: int) -> HttpResponse:
    """Lessons learned into the plan: link an existing measure, or create one (if allowed)."""
    incident = incident_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, incident):
        return refused(request, _("U mag dit incident lezen, maar niet wijzigen."))
    measures = linkable_plan_measures(request.user, incident.organisation)
    link_form = LinkMeasureForm(
        request.POST if request.POST.get("actie") == "koppelen" else None, measures=measures
    )
    new_form = NewMeasureForm(request.POST if request.POST.get("actie") == "nieuw" else None)
    for form in (link_form, new_form):
        if not form.is_bound or not form.is_valid():
            continue
        try:
            if form is link_form:
                services.link_plan_measure(actor, incident, form.cleaned_data["plan_measure"])
            else:
                services.create_plan_measure(actor, incident, **form.cleaned_data)
        except services.IncidentRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De maatregel is aan het incident gekoppeld."))
            return redirect("incidents:detail", incident.pk)
    return render(
        request,
        "incidents/measures_form.html",
        {"incident": incident, "link_form": link_form, "new_form": new_form},
    )
