"""The alerts of the active board (with filters and pages), one alert with its sample events,
its handling (status and note, in place with htmx) and "maak incident"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from schildwacht.audit.services import Actor
from schildwacht.detection import services
from schildwacht.detection.forms import (
    AlertFilterForm,
    AlertStatusForm,
    IncidentFromAlertForm,
    add_service_errors,
)
from schildwacht.detection.models import DetectionAlert, detection_board_ids
from schildwacht.detection.queries import (
    AlertFilter,
    alert_for_user,
    alerts_for_user,
    filter_alerts,
    rule_choices,
    rule_info,
)
from schildwacht.detection.views.common import (
    active_board,
    may_change,
    page_of,
    refused,
    render_partial,
)
from schildwacht.lib.htmx import is_htmx

# The columns of the sample events, in the order shown; empty columns are left out.
SAMPLE_COLUMNS = (
    ("event_time", gettext_lazy("Tijdstip")),
    ("action", gettext_lazy("Handeling")),
    ("result", gettext_lazy("Resultaat")),
    ("failure_code", gettext_lazy("Foutcode")),
    ("user_name", gettext_lazy("Account")),
    ("target_user", gettext_lazy("Doelaccount")),
    ("target", gettext_lazy("Doel")),
    ("source_ip", gettext_lazy("IP-adres")),
    ("country", gettext_lazy("Land")),
    ("city", gettext_lazy("Plaats")),
    ("application", gettext_lazy("Applicatie")),
    ("client_app", gettext_lazy("Client")),
    ("device", gettext_lazy("Apparaat")),
    ("forward_to", gettext_lazy("Doorsturen naar")),
)


def _selection(form: AlertFilterForm) -> AlertFilter | None:
    """The filter the form asks for; None when it is not valid (then the list is empty)."""
    if not form.is_bound:
        return AlertFilter()
    if not form.is_valid():
        return None
    data = form.cleaned_data
    status = data["status"]
    return AlertFilter(
        status="" if status == "open" else status,
        open_only=status == "open",
        severity=data["ernst"],
        rule_id=data["regel"],
        since=AlertFilterForm.moment(data["van"]),
        until=AlertFilterForm.moment(data["tot"], end=True),
    )


@login_required
@require_safe
def alert_list(request: HttpRequest) -> HttpResponse:
    board = active_board(request)
    form = AlertFilterForm(request.GET or None, rules=rule_choices(request.user, board))
    selection = _selection(form)
    alerts = alerts_for_user(request.user, board)
    alerts = alerts.none() if selection is None else filter_alerts(alerts, selection)
    page, query = page_of(request, alerts)
    return render_partial(
        request,
        "detection/alerts.html",
        "detection/_alerts.html",
        {
            "board": board,
            "form": form,
            "page": page,
            "query": query,
            "current": "alerts",
            # The sub-menu offers "Logbestand uploaden" to those who may upload.
            "may_change": may_change(request, board),
        },
    )


def _local_time(value: Any) -> str:
    """An event time from a sample (ISO text in UTC) shown in Europe/Amsterdam."""
    if not isinstance(value, str):
        return "" if value is None else str(value)
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M:%S")


def sample_table(alert: DetectionAlert) -> tuple[list[Any], list[list[Any]]]:
    """Header and rows of the alert's sample events (only the columns that hold something)."""
    rows = [row for row in alert.sample or [] if isinstance(row, dict)]
    columns = [
        (name, label)
        for name, label in SAMPLE_COLUMNS
        if any(row.get(name) not in (None, "") for row in rows)
    ]
    table = [
        [
            _local_time(row.get(name)) if name == "event_time" else row.get(name)
            for name, _label in columns
        ]
        for row in rows
    ]
    return [label for _name, label in columns], table


def _handling_context(
    request: HttpRequest, alert: DetectionAlert, form: Any = None
) -> dict[str, Any]:
    may = alert.organisation_id in detection_board_ids(request.user, "change")
    incidents = services.linkable_incidents(Actor.for_user(request.user), alert.organisation)
    if form is None:
        form = AlertStatusForm(
            initial={"status": alert.status, "note": alert.note, "incident": alert.incident_id},
            incidents=incidents,
        )
    return {
        "alert": alert,
        "status_form": form,
        "incident_form": IncidentFromAlertForm(),
        "may_change": may,
    }


@login_required
@require_safe
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = alert_for_user(request.user, pk)
    header, rows = sample_table(alert)
    return render(
        request,
        "detection/alert_detail.html",
        {
            "board": alert.organisation,
            "rule": rule_info(alert.organisation, alert.rule_id, alert.title),
            "sample_header": header,
            "sample_rows": rows,
            "current": "alerts",
            **_handling_context(request, alert),
        },
    )


@login_required
@require_POST
def alert_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Change status and note; an htmx request gets the handling block back in place."""
    alert = alert_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, alert.organisation):
        return refused(request, _("U mag dit signaal lezen, maar niet behandelen."))
    incidents = services.linkable_incidents(actor, alert.organisation)
    form = AlertStatusForm(request.POST, incidents=incidents)
    saved = False
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.change_alert_status(
                actor, alert, data["status"], note=data["note"], incident=data["incident"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            saved = True
    if is_htmx(request):
        context = _handling_context(request, alert, None if saved else form)
        context["saved"] = saved
        return render(request, "detection/_alert_handling.html", context)
    if saved:
        messages.success(request, _("De status van het signaal is opgeslagen."))
        return redirect("detection:alert_detail", alert.pk)
    header, rows = sample_table(alert)
    return render(
        request,
        "detection/alert_detail.html",
        {
            "board": alert.organisation,
            "rule": rule_info(alert.organisation, alert.rule_id, alert.title),
            "sample_header": header,
            "sample_rows": rows,
            "current": "alerts",
            **_handling_context(request, alert, form),
        },
        status=422,
    )


@login_required
@require_POST
def alert_incident(request: HttpRequest, pk: int) -> HttpResponse:
    """Make an incident of the alert (in the incidents register) and link them."""
    alert = alert_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, alert.organisation):
        return refused(request, _("U mag dit signaal lezen, maar er geen incident van maken."))
    form = IncidentFromAlertForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else None
    try:
        incident = services.create_incident_from_alert(actor, alert, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("detection:alert_detail", alert.pk)
    except PermissionDenied as error:
        # The incidents register has its own rule of who may report.
        return refused(request, str(error))
    messages.success(
        request,
        _("Het incident “%(title)s” is aangemaakt en aan dit signaal gekoppeld.")
        % {"title": incident.title},
    )
    return redirect("detection:alert_detail", alert.pk)
