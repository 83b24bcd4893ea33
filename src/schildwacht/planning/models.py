"""The groeipad plan: measures (maatregelen) of a board or school.

A measure points at norms by their stable ``norm_id`` and at basismaatregelen by number (small
link tables, so lists filter and overviews count in the database), and at a groeipad
sub-project by its code ("2.4"). None of these are foreign keys into the catalogue: a new
edition of the catalogue replaces its rows, while the plan keeps its references.

Effort is a T-shirt size rather than hours: boards plan in rough sizes long before anyone can
count hours (S: up to a day, M: up to a week, L: up to a month, XL: more than a month).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

BASISMAATREGEL_NUMBERS = range(1, 12)


class MeasureStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("Bezig")
    DONE = "done", _("Afgerond")
    CANCELLED = "cancelled", _("Vervallen")


# Statuses of a measure that still has work to do (and so can be overdue).
ACTIVE_STATUSES = (MeasureStatus.OPEN, MeasureStatus.IN_PROGRESS)


class Effort(models.TextChoices):
    S = "S", _("S (tot een dag)")
    M = "M", _("M (tot een week)")
    L = "L", _("L (tot een maand)")
    XL = "XL", _("XL (meer dan een maand)")


class MeasureQuerySet(ScopedQuerySet["Measure"]):
    pass


class Measure(models.Model):
    """A maatregel in the plan of a board or school: who does what, by when, at what cost.

    ``done_at`` is set exactly when the status is done. ``last_reminded_at`` is when the owner
    last had an e-mail about this measure being overdue (see ``services.send_overdue_reminders``).
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name=_("organisatie"),
    )
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("omschrijving"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eigenaar"),
    )
    owner_name = models.CharField(_("eigenaar (naam)"), max_length=200, blank=True)
    due_date = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.OPEN
    )
    done_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)
    effort = models.CharField(_("inspanning"), max_length=2, choices=Effort.choices, blank=True)
    cost = models.DecimalField(
        _("geschatte kosten (euro)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    groeipad_code = models.CharField(_("deelproject groeipad"), max_length=10, blank=True)
    last_reminded_at = models.DateTimeField(_("laatst herinnerd op"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aangemaakt door"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gewijzigd door"),
    )
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = MeasureQuerySet.as_manager()
    scope_area = "all"
    # The linked norms and basismaatregelen are added to the audit values by the services.
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "title",
        "description",
        "owner",
        "owner_name",
        "due_date",
        "status",
        "done_at",
        "effort",
        "cost",
        "groeipad_code",
        "last_reminded_at",
    ]

    if TYPE_CHECKING:
        norm_links: RelatedManager[MeasureNorm]
        basismaatregel_links: RelatedManager[MeasureBasismaatregel]

    class Meta:
        verbose_name = _("maatregel")
        verbose_name_plural = _("maatregelen")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "due_date"], name="measure_org_status"),
            models.Index(fields=["owner", "status", "due_date"], name="measure_owner_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(title=""), name="measure_has_title"),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in MeasureStatus]),
                name="measure_status_known",
            ),
            models.CheckConstraint(
                condition=(
                    (models.Q(status=MeasureStatus.DONE) & models.Q(done_at__isnull=False))
                    | (~models.Q(status=MeasureStatus.DONE) & models.Q(done_at__isnull=True))
                ),
                name="measure_done_at_when_done",
            ),
            models.CheckConstraint(
                condition=models.Q(effort__in=["", *[e.value for e in Effort]]),
                name="measure_effort_known",
            ),
            models.CheckConstraint(
                condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0),
                name="measure_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def owner_label(self) -> str:
        """The owner as shown: the user's name, else the free-text name."""
        if self.owner is not None:
            return str(self.owner)
        return self.owner_name

    @property
    def norm_ids(self) -> list[str]:
        return sorted(link.norm_id for link in self.norm_links.all())

    @property
    def basismaatregelen(self) -> list[int]:
        return sorted(link.number for link in self.basismaatregel_links.all())

    @property
    def phase(self) -> int | None:
        """The groeipad phase: the part of the sub-project code before the dot."""
        head = self.groeipad_code.partition(".")[0]
        return int(head) if head.isdigit() else None


class MeasureNorm(models.Model):
    """A norm (stable id) that a measure works on."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="norm_links", verbose_name=_("maatregel")
    )
    norm_id = models.CharField(_("norm"), max_length=10)

    class Meta:
        verbose_name = _("norm van een maatregel")
        verbose_name_plural = _("normen van maatregelen")
        ordering = ["measure", "norm_id"]
        indexes = [models.Index(fields=["norm_id"], name="measure_norm_id")]
        constraints = [
            models.UniqueConstraint(fields=["measure", "norm_id"], name="unique_measure_norm")
        ]

    def __str__(self) -> str:
        return self.norm_id


class MeasureBasismaatregel(models.Model):
    """A basismaatregel (number 1–11) that a measure contributes to."""

    measure = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        related_name="basismaatregel_links",
        verbose_name=_("maatregel"),
    )
    number = models.PositiveSmallIntegerField(_("basismaatregel"))

    class Meta:
        verbose_name = _("basismaatregel van een maatregel")
        verbose_name_plural = _("basismaatregelen van maatregelen")
        ordering = ["measure", "number"]
        indexes = [models.Index(fields=["number"], name="measure_basismaatregel")]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "number"], name="unique_measure_basismaatregel"
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=11),
                name="measure_basismaatregel_1_to_11",
            ),
        ]

    def __str__(self) -> str:
        return str(self.number)
