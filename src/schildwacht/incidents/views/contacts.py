"""The sector CERT's contact, for the active board (its coordinator) or the sector (curator)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from schildwacht.audit.services import Actor
from schildwacht.incidents import services
from schildwacht.incidents.forms import CertContactForm, add_service_errors
from schildwacht.incidents.models import CertContact
from schildwacht.incidents.queries import board_of
from schildwacht.incidents.views.common import posted, reads_register, refused
from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import OrganisationKind
from schildwacht.organisations.scoping import sector_ids


@login_required
@require_http_methods(["GET", "POST"])
def cert_contact(request: HttpRequest) -> HttpResponse:
    """Where CERT escalations go: the board's own contact, else the sector's.

    The sector curator keeps the sector's contact (on the sector node); a board's IBP
    coordinator may set the board's own. Readers of the register see it.
    """
    active = active_organisation_for(request)
    if active is None:
        raise Http404
    if active.kind == OrganisationKind.SECTOR:
        if active.pk not in sector_ids(request.user, "manage", "catalogues"):
            raise Http404
        organisation = active
    else:
        if not reads_register(request.user, active):
            raise Http404
        organisation = board_of(active)
    actor = Actor.for_user(request.user)
    contact = CertContact.objects.filter(organisation=organisation).first()
    sector_contact = (
        CertContact.objects.filter(organisation_id=organisation.parent_id or 0).first()
        if organisation.kind == OrganisationKind.BOARD
        else None
    )
    may_change = services.may_set_cert_contact(actor, organisation)
    initial = (
        {
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "notes": contact.notes,
        }
        if contact
        else {}
    )
    form = CertContactForm(posted(request), initial=initial)
    if request.method == "POST":
        if not may_change:
            return refused(request, _("U mag het CERT-contact niet wijzigen."))
        if form.is_valid():
            try:
                services.set_cert_contact(actor, organisation, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Het CERT-contact is opgeslagen."))
                return redirect("incidents:cert_contact")
    return render(
        request,
        "incidents/cert_contact.html",
        {
            "organisation": organisation,
            "contact": contact,
            "sector_contact": sector_contact,
            "form": form,
            "may_change": may_change,
        },
    )
