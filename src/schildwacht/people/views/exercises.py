"""Exercise pages: the list (filters, pages), an exercise with its findings, the forms, and
putting a finding in the plan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from schildwacht.audit.services import Actor
from schildwacht.people import queries, services
from schildwacht.people.forms import ExerciseFilterForm, ExerciseForm, FindingForm, add_errors
from schildwacht.people.models import Exercise, ExerciseKind, Finding
from schildwacht.people.reference import links_for
from schildwacht.people.views.common import (
    active_organisation,
    page_of,
    posted,
    refused,
    render_list,
)


@login_required
@require_safe
def exercise_list(request: HttpRequest) -> HttpResponse:
    """Exercises of the active organisation (and its schools), newest first."""
    organisation = active_organisation(request)
    form = ExerciseFilterForm(request.GET or None)
    exercises = queries.exercises_for_user(request.user, organisation)
    if form.is_bound:
        exercises = (
            queries.exercises_for_user(request.user, organisation, form.selection())
            if form.is_valid()
            else exercises.none()
        )
    page, query = page_of(request, exercises)
    return render_list(
        request,
        "people/exercise_list.html",
        "people/_exercises.html",
        {
            "organisation": organisation,
            "form": form,
            "page": page,
            "query": query,
            "may_create": queries.changeable_organisations(request.user, organisation).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def exercise_create(request: HttpRequest) -> HttpResponse:
    organisation = active_organisation(request)
    organisations = queries.changeable_organisations(request.user, organisation)
    if not organisations.exists():
        return refused(request, _("U mag voor deze organisatie geen oefeningen vastleggen."))
    form = ExerciseForm(
        posted(request),
        organisations=organisations,
        initial={"organisation": organisations.first(), "kind": ExerciseKind.TABLETOP},
    )
    if request.method == "POST" and form.is_valid():
        try:
            exercise = services.create_exercise(
                Actor.for_user(request.user),
                form.cleaned_data["organisation"],
                **form.exercise_values(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De oefening is vastgelegd."))
            return redirect("people:exercise_detail", exercise.pk)
    return render(request, "people/exercise_form.html", {"form": form, "exercise": None})


@login_required
@require_safe
def exercise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exercise = queries.exercise_for_user(request.user, pk)
    return render(
        request,
        "people/exercise_detail.html",
        {
            "exercise": exercise,
            "findings": queries.findings_of(exercise),
            "link": links_for("exercise", exercise.kind),
            "may_change": queries.may_change(request.user, exercise.organisation),
        },
    )


def _changeable(request: HttpRequest, pk: int) -> tuple[Exercise, HttpResponse | None]:
    exercise = queries.exercise_for_user(request.user, pk)
    if not queries.may_change(request.user, exercise.organisation):
        return exercise, refused(
            request,
            _("U mag de oefeningen van %(name)s niet wijzigen.") % {"name": exercise.organisation},
        )
    return exercise, None


@login_required
@require_http_methods(["GET", "POST"])
def exercise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exercise, refusal = _changeable(request, pk)
    if refusal is not None:
        return refusal
    form = ExerciseForm(posted(request), initial=ExerciseForm.initial_for(exercise))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_exercise(
                Actor.for_user(request.user), exercise, **form.exercise_values()
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De oefening is opgeslagen."))
            return redirect("people:exercise_detail", exercise.pk)
    return render(request, "people/exercise_form.html", {"form": form, "exercise": exercise})


@login_required
@require_http_methods(["GET", "POST"])
def exercise_delete(request: HttpRequest, pk: int) -> HttpResponse:
    exercise, refusal = _changeable(request, pk)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        services.delete_exercise(Actor.for_user(request.user), exercise)
        messages.success(request, _("De oefening is verwijderd."))
        return redirect("people:exercises")
    return render(
        request,
        "people/delete.html",
        {
            "object": exercise,
            "cancel_url": reverse("people:exercise_detail", args=[exercise.pk]),
            "question": _(
                'Weet u zeker dat u de oefening "%(title)s" wilt verwijderen? Ook de '
                "bevindingen verdwijnen; maatregelen in het plan blijven staan."
            )
            % {"title": exercise.title},
        },
    )


# Findings ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def finding_create(request: HttpRequest, pk: int) -> HttpResponse:
    exercise, refusal = _changeable(request, pk)
    if refusal is not None:
        return refusal
    form = FindingForm(
        posted(request), measures=queries.linkable_measures(request.user, exercise.organisation)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.add_finding(Actor.for_user(request.user), exercise, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De bevinding is toegevoegd."))
            return redirect("people:exercise_detail", exercise.pk)
    return render(
        request, "people/finding_form.html", {"form": form, "exercise": exercise, "finding": None}
    )


def _changeable_finding(request: HttpRequest, pk: int) -> tuple[Finding, HttpResponse | None]:
    finding = queries.finding_for_user(request.user, pk)
    organisation = finding.exercise.organisation
    if not queries.may_change(request.user, organisation):
        return finding, refused(
            request, _("U mag de oefeningen van %(name)s niet wijzigen.") % {"name": organisation}
        )
    return finding, None


@login_required
@require_http_methods(["GET", "POST"])
def finding_edit(request: HttpRequest, pk: int) -> HttpResponse:
    finding, refusal = _changeable_finding(request, pk)
    if refusal is not None:
        return refusal
    exercise = finding.exercise
    form = FindingForm(
        posted(request),
        measures=queries.linkable_measures(request.user, exercise.organisation),
        initial={
            "title": finding.title,
            "description": finding.description,
            "plan_measure": finding.plan_measure_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_finding(Actor.for_user(request.user), finding, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("De bevinding is opgeslagen."))
            return redirect("people:exercise_detail", exercise.pk)
    return render(
        request,
        "people/finding_form.html",
        {"form": form, "exercise": exercise, "finding": finding},
    )


@login_required
@require_http_methods(["GET", "POST"])
def finding_delete(request: HttpRequest, pk: int) -> HttpResponse:
    finding, refusal = _changeable_finding(request, pk)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        services.delete_finding(Actor.for_user(request.user), finding)
        messages.success(request, _("De bevinding is verwijderd."))
        return redirect("people:exercise_detail", finding.exercise_id)
    return render(
        request,
        "people/delete.html",
        {
            "object": finding,
            "cancel_url": reverse("people:exercise_detail", args=[finding.exercise_id]),
            "question": _(
                'Weet u zeker dat u de bevinding "%(title)s" wilt verwijderen? Een gekoppelde '
                "maatregel blijft in het plan staan."
            )
            % {"title": finding.title},
        },
    )


@login_required
@require_POST
def finding_to_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a finding in the plan as a new measure (needs the right to add plan measures)."""
    finding, refusal = _changeable_finding(request, pk)
    if refusal is not None:
        return refusal
    try:
        measure = services.create_plan_measure(Actor.for_user(request.user), finding)
    except services.PeopleRefused as error:
        return refused(request, error.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("people:exercise_detail", finding.exercise_id)
    messages.success(
        request,
        _("De maatregel “%(title)s” staat in het plan.") % {"title": measure.title},
    )
    return redirect("people:exercise_detail", finding.exercise_id)
