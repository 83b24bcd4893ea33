"""Cyber-crisis exercises, awareness and training, phishing simulations (theme 2).

An exercise (tabletop or live) of a board or school records its scenario, date, participants
(free-text names and roles), observations and findings; a finding becomes a plan measure
(``plan_measure``). A training is one course or session with its participants, usually imported
from a spreadsheet; a participant is known by e-mail address, or by name when there is none
(``key``). A phishing campaign holds the aggregate results of one simulation at one school (or
board-wide): how many e-mails were sent, opened, clicked and reported. ``StaffHeadcount`` is the
number of staff a board records per school, the denominator of the training coverage when known
(see ``queries.coverage_by_school``).

These are board items of area "all": the IBP coordinator and the school leader (own school)
change them; the board member, auditor and privacy officer read them; the FG, whose role
covers privacy items only, does not. Staff see only their own participations ("Mijn
trainingen", matched on their e-mail address).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from schildwacht.audit.tracking import Tracked
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

# Board items of area "all" (not privacy items): the FG does not read them.
SCOPE_AREA = "all"


class ExerciseKind(models.TextChoices):
    TABLETOP = "tabletop", _("Tabletop-oefening")
    LIVE = "live", _("Live-oefening")


class TrainingKind(models.TextChoices):
    ELEARNING = "elearning", _("E-learning")
    CLASSROOM = "classroom", _("Klassikale training")
    BOARD = "board", _("Professionalisering bestuur")
    IBP_STAFF = "ibp_staff", _("Professionalisering IBP-medewerkers")


class ExerciseQuerySet(ScopedQuerySet["Exercise"]):
    pass


class Exercise(Tracked):
    """A cyber-crisis exercise of a board or school.

    ``participants`` is a list of ``{"name": …, "role": …}``: who took part, as free text (often
    people from outside the platform, such as the ICT supplier).
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="exercises",
        verbose_name=_("organisatie"),
    )
    title = models.CharField(_("titel"), max_length=200)
    kind = models.CharField(_("soort"), max_length=12, choices=ExerciseKind.choices)
    held_on = models.DateField(_("datum"))
    scenario = models.TextField(_("scenario"))
    participants = models.JSONField(_("deelnemers"), default=list, blank=True)
    observations = models.TextField(_("waarnemingen"), blank=True)

    objects = ExerciseQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "title",
        "kind",
        "held_on",
        "scenario",
        "participants",
        "observations",
    ]
    if TYPE_CHECKING:
        findings: RelatedManager[Finding]

    class Meta:
        verbose_name = _("crisisoefening")
        verbose_name_plural = _("crisisoefeningen")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "-held_on"], name="exercise_recent")]

    def __str__(self) -> str:
        return self.title


class FindingQuerySet(ScopedQuerySet["Finding"]):
    scope_field = "exercise__organisation"


class Finding(Tracked):
    """Something an exercise showed that needs work; ``plan_measure`` is the measure for it.

    A finding is open while it has no plan measure, or while that measure is still open or in
    progress. The plan measure is protected: a measure a finding relies on is cancelled
    ("vervallen") in the plan rather than deleted.
    """

    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, related_name="findings", verbose_name=_("oefening")
    )
    title = models.CharField(_("bevinding"), max_length=200)
    description = models.TextField(_("toelichting"), blank=True)
    plan_measure = models.ForeignKey(
        "planning.Measure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exercise_findings",
        verbose_name=_("maatregel in het plan"),
    )

    objects = FindingQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = ["exercise", "title", "description", "plan_measure"]

    class Meta:
        verbose_name = _("bevinding")
        verbose_name_plural = _("bevindingen")
        ordering = ["exercise", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def organisation(self) -> Organisation:
        """The exercise's organisation (the audit trail files the finding there)."""
        return self.exercise.organisation


class TrainingQuerySet(ScopedQuerySet["Training"]):
    pass


class Training(Tracked):
    """A course or session (e-learning, classroom, professionalisation) with its participants."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="trainings",
        verbose_name=_("organisatie"),
    )
    title = models.CharField(_("titel"), max_length=200)
    kind = models.CharField(_("soort"), max_length=12, choices=TrainingKind.choices)
    held_on = models.DateField(_("datum"))
    target_group = models.CharField(_("doelgroep"), max_length=200, blank=True)
    provider = models.CharField(_("aanbieder"), max_length=200, blank=True)
    description = models.TextField(_("omschrijving"), blank=True)

    objects = TrainingQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "title",
        "kind",
        "held_on",
        "target_group",
        "provider",
        "description",
    ]
    if TYPE_CHECKING:
        participants: RelatedManager[Participant]

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainingen")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["organisation", "-held_on"], name="training_recent")]

    def __str__(self) -> str:
        return self.title


class ParticipantQuerySet(ScopedQuerySet["Participant"]):
    scope_field = "training__organisation"


class Participant(models.Model):
    """One person's participation in a training.

    ``key`` identifies the person within the training: the e-mail address in lower case, or
    ``naam:<name in lower case>`` when the list has no address; an import updates the row with
    the same key, so importing the same file twice changes nothing. ``school`` is the school
    the person works at (empty: the board's office). ``completed_on`` is when they finished;
    when it is empty, the training's own date counts.
    """

    training = models.ForeignKey(
        Training, on_delete=models.CASCADE, related_name="participants", verbose_name=_("training")
    )
    key = models.CharField(_("sleutel"), max_length=260)
    email = models.EmailField(_("e-mailadres"), blank=True, db_index=True)
    name = models.CharField(_("naam"), max_length=200, blank=True)
    role = models.CharField(_("rol"), max_length=100, blank=True)
    school = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("school"),
    )
    completed = models.BooleanField(_("afgerond"), default=False)
    completed_on = models.DateField(_("afgerond op"), null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = [
        "training",
        "email",
        "name",
        "role",
        "school",
        "completed",
        "completed_on",
    ]

    class Meta:
        verbose_name = _("deelnemer")
        verbose_name_plural = _("deelnemers")
        ordering = ["training", "name", "email", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["training", "key"], name="participant_unique_key"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def organisation(self) -> Organisation:
        return self.training.organisation


class PhishingCampaignQuerySet(ScopedQuerySet["PhishingCampaign"]):
    pass


class PhishingCampaign(Tracked):
    """The aggregate result of one phishing simulation at one school, or board-wide.

    One campaign sent to several schools is one row per school (same name and date), so every
    school sees its own figures and the board adds them up.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="phishing_campaigns",
        verbose_name=_("organisatie"),
    )
    name = models.CharField(_("campagne"), max_length=200)
    sent_on = models.DateField(_("datum"))
    sent = models.PositiveIntegerField(_("verzonden"))
    opened = models.PositiveIntegerField(_("geopend"), default=0)
    clicked = models.PositiveIntegerField(_("geklikt"), default=0)
    reported = models.PositiveIntegerField(_("gemeld"), default=0)

    objects = PhishingCampaignQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "name",
        "sent_on",
        "sent",
        "opened",
        "clicked",
        "reported",
    ]

    class Meta:
        verbose_name = _("phishingsimulatie")
        verbose_name_plural = _("phishingsimulaties")
        ordering = ["-sent_on", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), "sent_on", name="phishing_unique_campaign"
            ),
            models.CheckConstraint(
                condition=models.Q(opened__lte=models.F("sent"))
                & models.Q(clicked__lte=models.F("sent"))
                & models.Q(reported__lte=models.F("sent")),
                name="phishing_counts_within_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sent_on:%d-%m-%Y})"


class StaffHeadcountQuerySet(ScopedQuerySet["StaffHeadcount"]):
    pass


class StaffHeadcount(Tracked):
    """How many staff work at a school (or the board's office), as the board records it."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="staff_headcount",
        verbose_name=_("organisatie"),
    )
    staff_count = models.PositiveIntegerField(_("aantal medewerkers"))

    objects = StaffHeadcountQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = ["organisation", "staff_count"]

    class Meta:
        verbose_name = _("personeelsaantal")
        verbose_name_plural = _("personeelsaantallen")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.staff_count}"
