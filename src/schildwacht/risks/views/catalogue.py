"""The sector's risk templates: the list and a template's page (boards read them, the curator
keeps them), the curator's forms, and adopting templates as risks of a board or school."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_ids, sector_ids
from schildwacht.risks import template_services
from schildwacht.risks.forms import AdoptForm, TemplateForm, add_errors
from schildwacht.risks.matrix import matrix_for
from schildwacht.risks.models import SCOPE_AREA, RiskTemplate, template_ids
from schildwacht.risks.queries import (
    adoptable_templates,
    adopted_template_ids,
    changeable_organisations,
    template_for_user,
    templates_for_user,
)
from schildwacht.risks.views.common import PAGE_SIZE, active_organisation, refused


def _require_templates(request: HttpRequest) -> None:
    """Staff, the FG and the sector analyst see no templates at all."""
    if not template_ids(request.user):
        raise Http404


@login_required
@require_safe
def template_list(request: HttpRequest) -> HttpResponse:
    _require_templates(request)
    templates = templates_for_user(request.user).order_by("title", "pk")
    page = Paginator(templates, PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "risks/template_list.html",
        {
            "page": page,
            "query": "",
            "may_curate": bool(sector_ids(request.user, "manage", "catalogues")),
            "may_adopt": bool(organisation_ids(request.user, "change", SCOPE_AREA)),
        },
    )


@login_required
@require_safe
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = template_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    return render(
        request,
        "risks/template_detail.html",
        {
            "template": template,
            "matrix": matrix_for(None),
            "may_curate": template_services.may_curate(actor, template.organisation),
            "may_adopt": bool(organisation_ids(request.user, "change", SCOPE_AREA)),
        },
    )


def _form(request: HttpRequest, template: RiskTemplate | None = None) -> TemplateForm:
    initial: dict[str, Any] = {"active": True}
    if template is not None:
        initial = TemplateForm.initial_for(template)
    return TemplateForm(request.POST or None, matrix=matrix_for(None), initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    _require_templates(request)
    curated = sorted(sector_ids(request.user, "manage", "catalogues"))
    if not curated:
        return refused(request, _("Alleen de sectorbeheerder maakt risicosjablonen."))
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        try:
            template = template_services.create_template(
                Actor.for_user(request.user),
                Organisation.objects.get(pk=curated[0]),
                **form.template_values(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Het sjabloon is toegevoegd."))
            return redirect("risks:template_detail", template.pk)
    return render(request, "risks/template_form.html", {"form": form, "template": None})


def _curated(request: HttpRequest, pk: int) -> tuple[RiskTemplate, HttpResponse | None]:
    template = template_for_user(request.user, pk)
    if not template_services.may_curate(Actor.for_user(request.user), template.organisation):
        return template, refused(request, _("Alleen de sectorbeheerder wijzigt risicosjablonen."))
    return template, None


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template, refusal = _curated(request, pk)
    if refusal is not None:
        return refusal
    form = _form(request, template)
    if request.method == "POST" and form.is_valid():
        try:
            template_services.update_template(
                Actor.for_user(request.user), template, **form.template_values()
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Het sjabloon is opgeslagen."))
            return redirect("risks:template_detail", template.pk)
    return render(request, "risks/template_form.html", {"form": form, "template": template})


@login_required
@require_http_methods(["GET", "POST"])
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template, refusal = _curated(request, pk)
    if refusal is not None:
        return refusal
    error = None
    if request.method == "POST":
        try:
            template_services.delete_template(Actor.for_user(request.user), template)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(request, _("Het sjabloon is verwijderd."))
            return redirect("risks:templates")
    return render(
        request,
        "risks/delete.html",
        {
            "object": template,
            "error": error,
            "cancel_url": reverse("risks:template_detail", args=[template.pk]),
            "question": _('Weet u zeker dat u het sjabloon "%(title)s" wilt verwijderen?')
            % {"title": template.title},
        },
        status=400 if error else 200,
    )


def _target(request: HttpRequest, organisations: list[Organisation]) -> Organisation:
    """The organisation the POST adopts for: within reach (else 404) and changeable (else the
    form says so); on a GET, the first changeable one."""
    raw = request.POST.get("organisation") if request.method == "POST" else None
    if raw is None:
        return organisations[0]
    try:
        pk = int(raw)
    except ValueError as error:
        raise Http404 from error
    if pk not in organisation_ids(request.user, "view", SCOPE_AREA):
        raise Http404
    return Organisation.objects.get(pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def adopt(request: HttpRequest) -> HttpResponse:
    """Choose templates of the sector and adopt them as risks of a board or school."""
    organisation = active_organisation(request)
    organisations = changeable_organisations(request.user, organisation)
    if not organisations:
        return refused(request, _("U mag voor deze organisatie geen risico's toevoegen."))
    target = _target(request, organisations)
    if target not in organisations:
        return refused(
            request, _("U mag de risico's van %(name)s niet wijzigen.") % {"name": target}
        )
    form = AdoptForm(
        request.POST or None,
        organisations=Organisation.objects.filter(pk__in=[o.pk for o in organisations]),
        templates=adoptable_templates(target),
        initial={"organisation": target, "templates": request.GET.getlist("sjabloon")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            risks = template_services.adopt_templates(
                Actor.for_user(request.user), target, form.cleaned_data["templates"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d risico overgenomen; pas het aan voor uw eigen situatie.",
                    "%(count)d risico's overgenomen; pas ze aan voor uw eigen situatie.",
                    len(risks),
                )
                % {"count": len(risks)},
            )
            return redirect("risks:list")
    return render(
        request,
        "risks/adopt.html",
        {"form": form, "target": target, "adopted": adopted_template_ids(target)},
    )
