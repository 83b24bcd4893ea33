"""The pre-scan: is a DPIA required for this application or processing activity?

Linked from the registers: ``{% url 'dpia:prescan_create' %}?applicatie=<id>`` or
``?verwerking=<id>``. Redoing a pre-scan starts from the previous answers and adds a new one.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from schildwacht.audit.services import Actor
from schildwacht.dpia import services
from schildwacht.dpia.forms import PreScanForm, add_service_errors
from schildwacht.dpia.prescan import explain
from schildwacht.dpia.queries import (
    latest_prescan_for_application,
    latest_prescan_for_processing,
    prescan_for_user,
    prescan_history,
    prescan_subject_for_user,
)
from schildwacht.dpia.views.common import posted, refused
from schildwacht.registers.models import Application


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def prescan_create(request: HttpRequest) -> HttpResponse:
    """The pre-scan form for ``?applicatie=<id>`` or ``?verwerking=<id>``."""
    subject = prescan_subject_for_user(
        request.user, _int(request.GET.get("applicatie")), _int(request.GET.get("verwerking"))
    )
    actor = Actor.for_user(request.user)
    if not services.may(actor, subject.organisation):
        return refused(
            request,
            _("U mag voor %(name)s geen pre-scan doen.") % {"name": subject.organisation},
        )
    is_application = isinstance(subject, Application)
    previous = (
        latest_prescan_for_application(request.user, subject)
        if isinstance(subject, Application)
        else latest_prescan_for_processing(request.user, subject)
    )
    form = PreScanForm(
        posted(request),
        initial=PreScanForm.initial_from(previous) if previous is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            prescan = services.create_prescan(
                actor,
                application=subject if isinstance(subject, Application) else None,
                processing_activity=None if isinstance(subject, Application) else subject,
                **form.prescan_values(),
            )
        except services.DpiaRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De pre-scan is vastgelegd."))
            return redirect("dpia:prescan_detail", prescan.pk)
    return render(
        request,
        "dpia/prescan_form.html",
        {"form": form, "subject": subject, "is_application": is_application, "previous": previous},
    )


@login_required
@require_safe
def prescan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The outcome with its reason in plain Dutch, the answers and the earlier pre-scans."""
    prescan = prescan_for_user(request.user, pk)
    return render(
        request,
        "dpia/prescan_detail.html",
        {
            "prescan": prescan,
            "explanation": explain(prescan.ap_items, prescan.criteria, prescan.reasons),
            "history": prescan_history(request.user, prescan),
            "may_change": services.may(Actor.for_user(request.user), prescan.organisation),
        },
    )
