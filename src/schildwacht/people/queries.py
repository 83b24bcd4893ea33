"""Reads of exercises, trainings, phishing campaigns and the training coverage, for pages, the
API, exports, the dashboard and the meting.

Every queryset starts at ``Model.objects.for_user``. Lists under a board include its schools';
under a school, that school's alone. A school leader reads the board's own items (reads up) but
never a sibling school's, and that includes the participants of a board-wide training who work
at a sibling school (``visible_participants``).

Coverage (``coverage_by_school``, ``coverage_by_role``), computed in the database:

- a person is trained when they completed a training whose completion date (or, without one,
  the training's date) lies in the last twelve months: after the same day one year ago, up to
  and including today;
- a person is one ``Participant.key`` (their e-mail address, else their name);
- per school, the staff count is the headcount the board recorded for that school
  (``StaffHeadcount``) or, without one, the number of different people ever recorded as
  participants at that school; it is never below the number trained (an outdated headcount
  does not give a share above 100%). Participants without a school count for the board's
  office ("bestuursbureau"), with the board's own headcount;
- per role, the staff count is the number of different people ever recorded with that role
  (roles compared without case); there is no headcount per role.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Lower, Trim
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.frameworks.models import Norm
from schildwacht.lib.coverage import Coverage
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_ids
from schildwacht.people.models import (
    Exercise,
    Finding,
    Participant,
    PhishingCampaign,
    StaffHeadcount,
    Training,
)
from schildwacht.people.reference import domain_code, evidence_kinds, links
from schildwacht.planning.models import ACTIVE_STATUSES, Measure

# At most this many items of each kind are shown as evidence on a norm.
EVIDENCE_LIMIT = 10


def today() -> dt.date:
    return timezone.localdate()


def year_before(day: dt.date) -> dt.date:
    """The same day one year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def people_organisation(user: Any, org_id: int, action: str = "view") -> Organisation:
    """Organisation ``org_id`` if ``user`` may ``action`` its exercises and trainings, else 404."""
    if org_id not in organisation_ids(user, action, Training.scope_area):
        raise Http404
    return Organisation.objects.select_related("parent").get(pk=org_id)


def in_tree(organisation: Organisation, field: str = "organisation") -> Q:
    """Items of ``organisation`` and everything below it."""
    return Q(**{f"{field}__path__startswith": organisation.path})


def with_board(organisation: Organisation) -> Q:
    """The organisation's tree, and for a school also the board's own (board-wide) items."""
    scope = in_tree(organisation)
    if organisation.kind == OrganisationKind.SCHOOL and organisation.parent_id:
        scope |= Q(organisation_id=organisation.parent_id)
    return scope


def changeable_organisations(user: Any, organisation: Organisation) -> QuerySet[Organisation]:
    """Boards and schools in ``organisation``'s subtree where ``user`` may add items."""
    return (
        Organisation.objects.filter(
            pk__in=organisation_ids(user, "change", Training.scope_area),
            path__startswith=organisation.path,
        )
        .exclude(kind=OrganisationKind.SECTOR)
        .order_by("path")
    )


def may_change(user: Any, organisation: Organisation) -> bool:
    return organisation.pk in organisation_ids(user, "change", Training.scope_area)


# Exercises -----------------------------------------------------------------------------------


def open_finding() -> Q:
    """A finding without a plan measure, or whose measure is still open or in progress."""
    return Q(plan_measure__isnull=True) | Q(plan_measure__status__in=ACTIVE_STATUSES)


@dataclass(frozen=True)
class ExerciseFilter:
    kind: str = ""
    search: str = ""


def exercises_for_user(
    user: Any, organisation: Organisation, selection: ExerciseFilter | None = None
) -> QuerySet[Exercise]:
    """Exercises of the organisation (and its schools), newest first, with finding counts."""
    selection = selection or ExerciseFilter()
    exercises = (
        Exercise.objects.for_user(user)
        .filter(in_tree(organisation))
        .select_related("organisation")
        .annotate(
            finding_count=Count("findings"),
            open_findings=Count(
                "findings",
                filter=Q(findings__plan_measure__isnull=True)
                | Q(findings__plan_measure__status__in=ACTIVE_STATUSES),
            ),
        )
        .order_by("-held_on", "-pk")
    )
    if selection.kind:
        exercises = exercises.filter(kind=selection.kind)
    if selection.search.strip():
        exercises = exercises.filter(title__icontains=selection.search.strip())
    return exercises


def exercise_for_user(user: Any, pk: int) -> Exercise:
    exercise = (
        Exercise.objects.for_user(user)
        .select_related("organisation", "organisation__parent", "created_by", "updated_by")
        .filter(pk=pk)
        .first()
    )
    if exercise is None:
        raise Http404
    return exercise


def findings_of(exercise: Exercise) -> list[Finding]:
    return list(
        Finding.objects.filter(exercise=exercise).select_related("plan_measure").order_by("pk")
    )


def finding_for_user(user: Any, pk: int) -> Finding:
    finding = (
        Finding.objects.for_user(user)
        .select_related("exercise", "exercise__organisation", "plan_measure")
        .filter(pk=pk)
        .first()
    )
    if finding is None:
        raise Http404
    return finding


def linkable_measures(user: Any, organisation: Organisation) -> QuerySet[Measure]:
    """Plan measures a finding of ``organisation`` may point at: its own or its board's."""
    ids = [organisation.pk] + ([organisation.parent_id] if organisation.parent_id else [])
    if organisation.kind != OrganisationKind.SCHOOL:
        ids = [organisation.pk]
    return (
        Measure.objects.for_user(user)
        .filter(organisation_id__in=ids)
        .select_related("organisation")
        .order_by("title", "pk")
    )


# Trainings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingFilter:
    kind: str = ""
    search: str = ""


def visible_participants(user: Any) -> Q:
    """Participants the user may see: the board's office and schools the user reads."""
    return Q(school__isnull=True) | Q(school_id__in=organisation_ids(user, "view"))


def trainings_for_user(
    user: Any, organisation: Organisation, selection: TrainingFilter | None = None
) -> QuerySet[Training]:
    """Trainings of the organisation (and its schools), newest first, with participant counts."""
    selection = selection or TrainingFilter()
    visible = Q(participants__school__isnull=True) | Q(
        participants__school_id__in=organisation_ids(user, "view")
    )
    trainings = (
        Training.objects.for_user(user)
        .filter(in_tree(organisation))
        .select_related("organisation")
        .annotate(
            participant_count=Count("participants", filter=visible),
            completed_count=Count("participants", filter=visible & Q(participants__completed=True)),
        )
        .order_by("-held_on", "-pk")
    )
    if selection.kind:
        trainings = trainings.filter(kind=selection.kind)
    if selection.search.strip():
        trainings = trainings.filter(title__icontains=selection.search.strip())
    return trainings


def training_for_user(user: Any, pk: int) -> Training:
    training = (
        Training.objects.for_user(user)
        .select_related("organisation", "organisation__parent", "created_by", "updated_by")
        .filter(pk=pk)
        .first()
    )
    if training is None:
        raise Http404
    return training


def participants_for_user(user: Any, training: Training) -> QuerySet[Participant]:
    return (
        Participant.objects.for_user(user)
        .filter(training=training)
        .filter(visible_participants(user))
        .select_related("school")
        .order_by("name", "email", "pk")
    )


def participant_for_user(user: Any, pk: int) -> Participant:
    participant = (
        Participant.objects.for_user(user)
        .filter(visible_participants(user))
        .select_related("training", "training__organisation", "school")
        .filter(pk=pk)
        .first()
    )
    if participant is None:
        raise Http404
    return participant


def export_participants(user: Any, trainings: QuerySet[Training]) -> QuerySet[Participant]:
    """Every visible participant of ``trainings``, in training order (for the XLSX export)."""
    return (
        Participant.objects.for_user(user)
        .filter(training__in=trainings.values("pk"))
        .filter(visible_participants(user))
        .select_related("training", "training__organisation", "school")
        .order_by("-training__held_on", "-training_id", "name", "email", "pk")
    )


def schools_for_import(training: Training) -> list[Organisation]:
    """The schools a participant of ``training`` may work at: its own, or all of its board's."""
    if training.organisation.kind == OrganisationKind.SCHOOL:
        return [training.organisation]
    return list(
        Organisation.objects.filter(parent=training.organisation, kind=OrganisationKind.SCHOOL)
    )


def reach_for_own(user: Any) -> frozenset[int]:
    """Where ``user`` sees their own items (view:own), and the board above each school."""
    ids = organisation_ids(user, "view", "own")
    parents = Organisation.objects.filter(pk__in=ids, parent__isnull=False).values_list(
        "parent_id", flat=True
    )
    return frozenset(ids) | frozenset(parents)


def my_participations(user: Any) -> QuerySet[Participant]:
    """The user's own participations ("Mijn trainingen"), matched on their e-mail address."""
    email = (getattr(user, "email", "") or "").strip().lower()
    if not email:
        return Participant.objects.none()
    return (
        Participant.objects.filter(email=email, training__organisation_id__in=reach_for_own(user))
        .select_related("training", "training__organisation", "school")
        .order_by("-training__held_on", "-pk")
    )


# Phishing ------------------------------------------------------------------------------------


def campaigns_for_user(user: Any, organisation: Organisation) -> QuerySet[PhishingCampaign]:
    return (
        PhishingCampaign.objects.for_user(user)
        .filter(in_tree(organisation))
        .select_related("organisation")
        .order_by("-sent_on", "name", "organisation__path", "pk")
    )


def campaign_for_user(user: Any, pk: int) -> PhishingCampaign:
    campaign = (
        PhishingCampaign.objects.for_user(user).select_related("organisation").filter(pk=pk).first()
    )
    if campaign is None:
        raise Http404
    return campaign


def rate(part: int | None, whole: int | None) -> float | None:
    """``part`` of ``whole`` between 0 and 1; None when nothing was sent."""
    return (part or 0) / whole if whole else None


# Coverage ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """One school (``organisation``; the board for its office) or one role (``role``)."""

    label: str
    trained: int
    known: int
    headcount: int | None
    organisation: Organisation | None = None
    role: str = ""

    @property
    def total(self) -> int:
        base = self.headcount if self.headcount is not None else self.known
        return max(base, self.trained)

    @property
    def coverage(self) -> Coverage:
        return Coverage(self.trained, self.total)


def _coverage_participants(user: Any, organisation: Organisation) -> QuerySet[Participant]:
    """Visible participants of the visible trainings that reach ``organisation``, with
    ``done`` (the date that counts)."""
    trainings = Training.objects.for_user(user).filter(with_board(organisation)).values("pk")
    participants = Participant.objects.filter(training__in=trainings).filter(
        visible_participants(user)
    )
    if organisation.kind == OrganisationKind.SCHOOL:
        # A school's staff, also in the board's trainings.
        participants = participants.filter(school=organisation)
    return participants.alias(done=Coalesce("completed_on", "training__held_on"))


def _trained(day: dt.date) -> Q:
    return Q(completed=True, done__gt=year_before(day), done__lte=day)


def coverage_by_school(
    user: Any, organisation: Organisation, day: dt.date | None = None
) -> list[CoverageRow]:
    """Training coverage per school of ``organisation`` (and the board's office), see above."""
    day = day or today()
    reach = organisation_ids(user, "view", Training.scope_area)
    schools = list(
        Organisation.objects.filter(
            pk__in=reach, path__startswith=organisation.path, kind=OrganisationKind.SCHOOL
        ).order_by("name", "pk")
    )
    counts: dict[int | None, dict[str, Any]] = {
        row["school"]: dict(row)
        for row in _coverage_participants(user, organisation)
        .values("school")
        .annotate(
            known=Count("key", distinct=True),
            trained=Count("key", distinct=True, filter=_trained(day)),
        )
    }
    board = organisation if organisation.kind == OrganisationKind.BOARD else None
    places = [*(([board]) if board is not None else []), *schools]
    headcounts = dict(
        StaffHeadcount.objects.for_user(user)
        .filter(organisation__in=places)
        .values_list("organisation_id", "staff_count")
    )
    rows = []
    for place in places:
        found = counts.get(None if place is board else place.pk, {})
        rows.append(
            CoverageRow(
                label=_("Bestuursbureau") if place is board else place.name,
                trained=found.get("trained", 0),
                known=found.get("known", 0),
                headcount=headcounts.get(place.pk),
                organisation=place,
            )
        )
    if board is not None and not rows[0].known and rows[0].headcount is None:
        rows = rows[1:]  # A board without office staff on record has no office row.
    return rows


def coverage_by_role(
    user: Any, organisation: Organisation, day: dt.date | None = None
) -> list[CoverageRow]:
    """Training coverage per role (roles compared without case), largest group first."""
    day = day or today()
    grouped = (
        _coverage_participants(user, organisation)
        .annotate(role_key=Lower(Trim("role")))
        .values("role_key")
        .annotate(
            label=Max("role"),
            known=Count("key", distinct=True),
            trained=Count("key", distinct=True, filter=_trained(day)),
        )
        .order_by("-known", "role_key")
    )
    return [
        CoverageRow(
            label=row["label"].strip() or _("(geen rol)"),
            trained=row["trained"],
            known=row["known"],
            headcount=None,
            role=row["role_key"],
        )
        for row in grouped
    ]


def total_coverage(rows: list[CoverageRow]) -> Coverage:
    return Coverage(sum(r.trained for r in rows), sum(r.total for r in rows))


def training_coverage(
    user: Any, organisation: Organisation, day: dt.date | None = None
) -> Coverage:
    """Staff trained in the last twelve months of all staff (the schools' rows added up), for
    overviews that show coverage figures side by side."""
    return total_coverage(coverage_by_school(user, organisation, day))


def headcount_places(user: Any, organisation: Organisation) -> QuerySet[Organisation]:
    """Schools (and the board, for its office) whose headcount the user may record."""
    return (
        Organisation.objects.filter(
            pk__in=organisation_ids(user, "change", StaffHeadcount.scope_area),
            path__startswith=organisation.path,
        )
        .exclude(kind=OrganisationKind.SECTOR)
        .order_by("path")
    )


# For the dashboard and the meting ------------------------------------------------------------


@dataclass(frozen=True)
class AwarenessSummary:
    """The dashboard's figures on people: trained share, exercises, findings, phishing."""

    trained: Coverage
    last_exercise_on: dt.date | None
    open_findings: int
    last_campaign: str
    last_campaign_on: dt.date | None
    last_click_rate: float | None

    @property
    def last_click_percent(self) -> int | None:
        return None if self.last_click_rate is None else round(self.last_click_rate * 100)


def awareness_summary(
    user: Any, organisation: Organisation, day: dt.date | None = None
) -> AwarenessSummary:
    """Trained share in the last 12 months, the last exercise's date, open findings and the
    click rate of the last phishing campaign (all its schools together)."""
    day = day or today()
    exercises = Exercise.objects.for_user(user).filter(in_tree(organisation))
    last_exercise = exercises.aggregate(last=Max("held_on"))["last"]
    open_findings = (
        Finding.objects.for_user(user)
        .filter(in_tree(organisation, "exercise__organisation"))
        .filter(open_finding())
        .count()
    )
    campaigns = PhishingCampaign.objects.for_user(user).filter(in_tree(organisation))
    latest = campaigns.order_by("-sent_on", "-pk").values("sent_on", "name").first()
    click_rate = None
    if latest is not None:
        totals = campaigns.filter(sent_on=latest["sent_on"], name__iexact=latest["name"]).aggregate(
            sent=Sum("sent"), clicked=Sum("clicked")
        )
        click_rate = rate(totals["clicked"], totals["sent"])
    return AwarenessSummary(
        trained=training_coverage(user, organisation, day),
        last_exercise_on=last_exercise,
        open_findings=open_findings,
        last_campaign=latest["name"] if latest else "",
        last_campaign_on=latest["sent_on"] if latest else None,
        last_click_rate=click_rate,
    )


@dataclass(frozen=True)
class EvidenceItem:
    """An exercise, training or phishing campaign shown as evidence on a norm."""

    kind: str
    title: str
    date: dt.date
    url: str


def _norm_domain(norm_id: str) -> str | None:
    norm = (
        Norm.objects.filter(framework__slug=links().framework, norm_id=norm_id)
        .select_related("domain")
        .order_by("-framework__version", "-framework__edition")
        .first()
    )
    return None if norm is None else domain_code(norm.domain.part, norm.domain.number)


def evidence_for_norm(user: Any, organisation: Organisation, norm_id: str) -> list[EvidenceItem]:
    """Exercises, trainings and phishing campaigns that are evidence for ``norm_id`` (by the
    links of ``data/domains.yaml``), newest first, at most ``EVIDENCE_LIMIT`` of each kind."""
    kinds = evidence_kinds(norm_id, _norm_domain(norm_id))
    if not kinds:
        return []
    scope = with_board(organisation)
    items: list[EvidenceItem] = []
    if kinds.exercise_kinds:
        for exercise in Exercise.objects.for_user(user).filter(
            scope, kind__in=kinds.exercise_kinds
        )[:EVIDENCE_LIMIT]:
            items.append(
                EvidenceItem(
                    exercise.get_kind_display(),
                    exercise.title,
                    exercise.held_on,
                    reverse("people:exercise_detail", args=[exercise.pk]),
                )
            )
    if kinds.training_kinds:
        for training in Training.objects.for_user(user).filter(
            scope, kind__in=kinds.training_kinds
        )[:EVIDENCE_LIMIT]:
            items.append(
                EvidenceItem(
                    training.get_kind_display(),
                    training.title,
                    training.held_on,
                    reverse("people:training_detail", args=[training.pk]),
                )
            )
    if kinds.phishing:
        for campaign in PhishingCampaign.objects.for_user(user).filter(scope)[:EVIDENCE_LIMIT]:
            items.append(
                EvidenceItem(
                    _("Phishingsimulatie"),
                    str(campaign),
                    campaign.sent_on,
                    reverse("people:campaigns") + f"#campagne-{campaign.pk}",
                )
            )
    items.sort(key=lambda item: item.date, reverse=True)
    return items
