"""One DPIA: create, read, edit its parts, send to the FG, the FG's advice, the board's decision,
a new version of a decided DPIA, delete a concept, and the PDF.

Outside the user's reach is 404; inside it, a change the role does not allow (the FG editing a
part, a reader deciding, anyone changing a decided DPIA) is a 403 page with the reason.
"""

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
from schildwacht.dpia import services
from schildwacht.dpia.forms import (
    AdviceForm,
    DecisionForm,
    DescriptionForm,
    LawfulnessForm,
    NewDpiaForm,
    SectorDpiaForm,
    add_service_errors,
)
from schildwacht.dpia.models import Advice, Dpia
from schildwacht.dpia.pdf import dpia_pdf
from schildwacht.dpia.queries import (
    adoption_targets,
    dpia_for_user,
    linkable_applications,
    linkable_processing,
    prescan_for_user,
    sector_basis,
)
from schildwacht.dpia.reference import risk_matrix
from schildwacht.dpia.views.common import changeable, posted, privacy_organisation, refused
from schildwacht.organisations.models import Organisation
from schildwacht.suppliers.models import Supplier

PARTS = {"beschrijving", "rechtmatigheid", "onderwerp"}


def _prescan_values(request: HttpRequest) -> tuple[Any, dict[str, Any]]:
    """The pre-scan a new DPIA follows from (``?prescan=<id>``) and what it fills in."""
    raw = request.GET.get("prescan")
    if not raw:
        return None, {}
    if not raw.isdigit():
        raise Http404
    prescan = prescan_for_user(request.user, int(raw))
    subject = prescan.subject
    link = "applications" if prescan.application_id else "processing_activities"
    return prescan, {"prescan": prescan, link: [subject.pk] if subject else []}


@login_required
@require_http_methods(["GET", "POST"])
def dpia_create(request: HttpRequest) -> HttpResponse:
    """Start a DPIA for the active board or one of its schools (optionally from a pre-scan)."""
    organisation = privacy_organisation(request)
    organisations = changeable(request.user, organisation)
    if not organisations:
        return refused(request, _("U mag voor deze organisatie geen DPIA starten."))
    prescan, values = _prescan_values(request)
    chosen = next((o for o in organisations if prescan and o.pk == prescan.organisation_id), None)
    form = NewDpiaForm(
        posted(request),
        organisations=Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
        initial={
            "organisation": chosen or organisations[0],
            "title": _("DPIA %(name)s") % {"name": prescan.subject} if prescan else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            dpia = services.create_dpia(
                Actor.for_user(request.user),
                form.cleaned_data["organisation"],
                title=form.cleaned_data["title"],
                **values,
            )
        except services.DpiaRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De DPIA is aangemaakt als concept."))
            return redirect("dpia:detail", dpia.pk)
    return render(request, "dpia/create.html", {"form": form, "prescan": prescan})


def _rights(request: HttpRequest, dpia: Dpia) -> dict[str, bool]:
    actor = Actor.for_user(request.user)
    may_change = services.may(actor, dpia.organisation)
    open_ = not dpia.locked
    return {
        "may_change": may_change and open_,
        "may_advise": (
            not dpia.is_sector and open_ and services.may(actor, dpia.organisation, "advise")
        ),
        "may_new_version": may_change and dpia.locked,
    }


@login_required
@require_safe
def dpia_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The DPIA in its four parts, with the FG's advice, the decision and the art. 36 outcome."""
    dpia = dpia_for_user(request.user, pk)
    advice = Advice.objects.filter(dpia=dpia).select_related("advised_by").first()
    context: dict[str, Any] = {
        "dpia": dpia,
        "advice": advice,
        "basis": sector_basis(dpia),
        "matrix": risk_matrix(),
        **_rights(request, dpia),
    }
    if dpia.is_sector and dpia.status == "published":
        context["may_adopt"] = adoption_targets(request.user, dpia).exists()
    return render(request, "dpia/detail.html", context)


def _part_form(request: HttpRequest, dpia: Dpia, part: str) -> Any:
    data = posted(request)
    if part == "beschrijving":
        sector = dpia.is_sector
        return DescriptionForm(
            data,
            applications=None if sector else linkable_applications(request.user, dpia),
            processing=None if sector else linkable_processing(request.user, dpia),
            initial=DescriptionForm.initial_for(dpia),
        )
    if part == "rechtmatigheid":
        return LawfulnessForm(data, initial=LawfulnessForm.initial_for(dpia))
    if not dpia.is_sector:
        raise Http404
    return SectorDpiaForm(
        data,
        suppliers=Supplier.objects.filter(organisation=dpia.organisation).order_by("name"),
        initial={
            "title": dpia.title,
            "subject_name": dpia.subject_name,
            "supplier": dpia.supplier_id,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_part(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    """Edit part 1 (beschrijving) or part 2 (rechtmatigheid), or a sector DPIA's subject."""
    if part not in PARTS:
        raise Http404
    dpia = dpia_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, dpia.organisation):
        return refused(request, _("U mag deze DPIA lezen, maar niet wijzigen."))
    form = _part_form(request, dpia, part)
    if dpia.locked:
        return refused(
            request, _("Deze DPIA is vastgelegd; maak een nieuwe versie om te wijzigen.")
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_dpia(actor, dpia, **form.cleaned_data)
        except services.DpiaRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("De DPIA is opgeslagen."))
            return redirect("dpia:detail", dpia.pk)
    return render(request, "dpia/part_form.html", {"form": form, "dpia": dpia, "part": part})


@login_required
@require_POST
def submit_for_advice(request: HttpRequest, pk: int) -> HttpResponse:
    dpia = dpia_for_user(request.user, pk)
    try:
        services.submit_for_advice(Actor.for_user(request.user), dpia)
    except services.DpiaRefused as error:
        return refused(request, error.message)
    messages.success(request, _("De DPIA ligt ter advies bij de functionaris gegevensbescherming."))
    return redirect("dpia:detail", dpia.pk)


@login_required
@require_http_methods(["GET", "POST"])
def advice(request: HttpRequest, pk: int) -> HttpResponse:
    """The FG's advice: only a user holding advise:privacy writes it."""
    dpia = dpia_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if dpia.is_sector or not services.may(actor, dpia.organisation, "advise"):
        return refused(
            request, _("Alleen de functionaris gegevensbescherming schrijft het advies.")
        )
    if dpia.locked:
        return refused(request, _("Over deze DPIA is al besloten; het advies ligt vast."))
    current = Advice.objects.filter(dpia=dpia).first()
    initial = {"text": current.text, "advised_on": current.advised_on} if current else {}
    form = AdviceForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_advice(actor, dpia, **form.cleaned_data)
        except services.DpiaRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Het advies is vastgelegd."))
            return redirect("dpia:detail", dpia.pk)
    return render(request, "dpia/advice_form.html", {"form": form, "dpia": dpia})


@login_required
@require_http_methods(["GET", "POST"])
def decision(request: HttpRequest, pk: int) -> HttpResponse:
    """The board's decision, recorded on its behalf by who may change the DPIA."""
    dpia = dpia_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if dpia.is_sector or not services.may(actor, dpia.organisation):
        return refused(request, _("U mag het besluit over deze DPIA niet vastleggen."))
    if dpia.locked:
        return refused(request, _("Over deze DPIA is al besloten."))
    form = DecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_decision(
                actor,
                dpia,
                decision=data["decision"],
                reasoning=data["decision_reasoning"],
                decided_by_name=data["decided_by_name"],
                decided_on=data["decided_on"],
                no_advice_note=data["no_advice_note"],
            )
        except services.DpiaRefused as error:
            return refused(request, error.message)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Het besluit is vastgelegd; de DPIA is nu vergrendeld."))
            return redirect("dpia:detail", dpia.pk)
    has_advice = Advice.objects.filter(dpia=dpia).exists()
    return render(
        request, "dpia/decision_form.html", {"form": form, "dpia": dpia, "has_advice": has_advice}
    )


@login_required
@require_POST
def new_version(request: HttpRequest, pk: int) -> HttpResponse:
    """A concept copy of a decided (or published) DPIA, to change it."""
    dpia = dpia_for_user(request.user, pk)
    try:
        copy = services.new_version(Actor.for_user(request.user), dpia)
    except services.DpiaRefused as error:
        return refused(request, error.message)
    messages.success(
        request, _("Versie %(version)s is aangemaakt als concept.") % {"version": copy.version}
    )
    return redirect("dpia:detail", copy.pk)


@login_required
@require_http_methods(["GET", "POST"])
def dpia_delete(request: HttpRequest, pk: int) -> HttpResponse:
    dpia = dpia_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    if not services.may(actor, dpia.organisation):
        return refused(request, _("U mag deze DPIA lezen, maar niet verwijderen."))
    if request.method == "POST":
        try:
            services.delete_dpia(actor, dpia)
        except services.DpiaRefused as error:
            return refused(request, error.message)
        messages.success(request, _("De DPIA is verwijderd."))
        return redirect("dpia:sector_list" if dpia.is_sector else "dpia:list")
    return render(request, "dpia/delete.html", {"dpia": dpia})


@login_required
@require_safe
def dpia_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The DPIA as a tagged PDF in Dutch: four parts, advice, decision and the art. 36 outcome."""
    dpia = dpia_for_user(request.user, pk)
    advice_ = Advice.objects.filter(dpia=dpia).select_related("advised_by").first()
    report = dpia_pdf(dpia, advice_, sector_basis(dpia))
    response = HttpResponse(report.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
