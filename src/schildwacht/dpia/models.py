"""DPIA pre-scans and DPIAs (AVG art. 35 and 36).

A pre-scan belongs to one application or one processing activity of a board or school; redoing
it adds a new pre-scan, so the history stays. Its codes point at the reference data of
``data/`` (see ``reference``); ``required`` is computed by ``prescan.evaluate`` and stored.

A DPIA follows the four parts of the Dutch model: description, lawfulness, risks and measures.
A board's DPIA (organisation: a board or school) goes concept → ter advies → besluit genomen and
is locked once decided; a change then means a new version (``previous``). The FG's advice is a
record of its own (``Advice``), written only by the FG. A sector DPIA (organisation: the sector
node) is written by the sector curator, goes concept → gepubliceerd and is adopted by boards:
the board's DPIA keeps a link (``sector_dpia``) and starts with copies of its risks and measures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from schildwacht.audit.tracking import Tracked
from schildwacht.dpia.reference import risk_matrix
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import ScopedQuerySet, organisation_ids, sector_ids
from schildwacht.registers.models import Application, LegalBasis, ProcessingActivity

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


class PreScanQuerySet(ScopedQuerySet["PreScan"]):
    pass


class PreScan(Tracked):
    """Whether one application or processing activity needs a DPIA, with the reasoning."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="dpia_prescans",
        verbose_name=_("organisatie"),
    )
    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dpia_prescans",
        verbose_name=_("applicatie"),
    )
    processing_activity = models.ForeignKey(
        ProcessingActivity,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dpia_prescans",
        verbose_name=_("verwerking"),
    )
    ap_items = models.JSONField(_("soorten verwerking op de lijst van de AP"), default=list)
    criteria = models.JSONField(_("Europese criteria"), default=list)
    reasons = models.JSONField(_("toelichting per onderdeel"), default=dict, blank=True)
    reasoning = models.TextField(_("toelichting"), blank=True)
    required = models.BooleanField(_("DPIA verplicht"))

    objects = PreScanQuerySet.as_manager()
    scope_area = "privacy"
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "application",
        "processing_activity",
        "ap_items",
        "criteria",
        "reasons",
        "reasoning",
        "required",
    ]

    class Meta:
        verbose_name = _("DPIA-pre-scan")
        verbose_name_plural = _("DPIA-pre-scans")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["application", "-created_at"], name="prescan_application"),
            models.Index(fields=["processing_activity", "-created_at"], name="prescan_processing"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(application__isnull=False, processing_activity__isnull=True)
                    | Q(application__isnull=True, processing_activity__isnull=False)
                ),
                name="prescan_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Pre-scan %(subject)s") % {"subject": self.subject})

    @property
    def subject(self) -> Application | ProcessingActivity | None:
        return self.application or self.processing_activity


class DpiaStatus(models.TextChoices):
    CONCEPT = "concept", _("Concept")
    ADVICE = "advice", _("Ter advies bij FG")
    DECIDED = "decided", _("Besluit genomen")
    PUBLISHED = "published", _("Gepubliceerd")


class Decision(models.TextChoices):
    PROCEED = "proceed", _("Doorgaan met de verwerking")
    PROCEED_WITH_MEASURES = "proceed_with_measures", _("Doorgaan met aanvullende maatregelen")
    DO_NOT_PROCEED = "do_not_proceed", _("Niet doorgaan met de verwerking")


class DpiaQuerySet(ScopedQuerySet["Dpia"]):
    """Board DPIAs by the house scoping, plus sector DPIAs.

    The sector curator reads and changes the sector DPIAs of their sector node (never a board's);
    a board user who reads privacy items reads the *published* sector DPIAs of their sector.
    """

    def for_user(self, user: Any, action: str = "view") -> DpiaQuerySet:
        reach = Q(organisation__in=organisation_ids(user, action, Dpia.scope_area))
        if action in {"view", "change"}:
            reach |= Q(organisation__in=sector_ids(user, "manage", "catalogues"))
        if action == "view":
            sectors = sectors_above(organisation_ids(user, "view", Dpia.scope_area))
            reach |= Q(organisation__in=sectors, status=DpiaStatus.PUBLISHED)
        return self.filter(reach)


def sectors_above(ids: frozenset[int]) -> set[int]:
    """The sector nodes above the given organisations (the first id of each path)."""
    if not ids:
        return set()
    paths = Organisation.objects.filter(pk__in=ids).values_list("path", flat=True)
    return {int(path.strip("/").split("/")[0]) for path in paths if path.strip("/")}


class Dpia(Tracked):
    """A data protection impact assessment in the four parts of the Dutch model."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="dpias", verbose_name=_("organisatie")
    )
    title = models.CharField(_("titel"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=DpiaStatus.choices, default=DpiaStatus.CONCEPT
    )
    version = models.PositiveIntegerField(_("versie"), default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("vorige versie"),
    )
    sector_dpia = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adoptions",
        verbose_name=_("overgenomen sector-DPIA"),
    )
    prescan = models.ForeignKey(
        PreScan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dpias",
        verbose_name=_("pre-scan"),
    )
    # What a sector DPIA is about: a supplier of the catalogue and/or a name as text.
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sector_dpias",
        verbose_name=_("leverancier"),
    )
    subject_name = models.CharField(_("leverancier of applicatie"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("gepubliceerd op"), null=True, blank=True)
    # Part 1: description of the processing.
    nature = models.TextField(_("aard van de verwerking"), blank=True)
    scope = models.TextField(_("omvang van de verwerking"), blank=True)
    context = models.TextField(_("context van de verwerking"), blank=True)
    purposes = models.TextField(_("doeleinden"), blank=True)
    applications = models.ManyToManyField(
        Application, blank=True, related_name="dpias", verbose_name=_("applicaties")
    )
    processing_activities = models.ManyToManyField(
        ProcessingActivity, blank=True, related_name="dpias", verbose_name=_("verwerkingen")
    )
    # Part 2: lawfulness.
    legal_basis = models.CharField(
        _("grondslag"), max_length=25, choices=LegalBasis.choices, blank=True
    )
    legal_basis_note = models.TextField(_("toelichting grondslag"), blank=True)
    necessity = models.TextField(_("noodzaak en evenredigheid"), blank=True)
    subsidiarity = models.TextField(_("subsidiariteit"), blank=True)
    retention = models.TextField(_("bewaartermijnen"), blank=True)
    data_subject_rights = models.TextField(_("rechten van betrokkenen"), blank=True)
    # Outcome: prior consultation (AVG art. 36) while a high residual risk remains.
    prior_consultation = models.BooleanField(
        _("voorafgaande raadpleging van de AP nodig"), default=False
    )
    # The board's decision, recorded on its behalf.
    decision = models.CharField(_("besluit"), max_length=25, choices=Decision.choices, blank=True)
    decision_reasoning = models.TextField(_("motivering van het besluit"), blank=True)
    decided_by_name = models.CharField(_("besloten door"), max_length=200, blank=True)
    decided_on = models.DateField(_("datum besluit"), null=True, blank=True)
    decision_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("besluit vastgelegd door"),
    )
    no_advice_note = models.TextField(_("toelichting: geen advies gevraagd"), blank=True)

    objects = DpiaQuerySet.as_manager()
    scope_area = "privacy"
    # The linked applications and processing activities are added by the services.
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "title",
        "status",
        "version",
        "previous",
        "sector_dpia",
        "prescan",
        "supplier",
        "subject_name",
        "published_at",
        "nature",
        "scope",
        "context",
        "purposes",
        "legal_basis",
        "legal_basis_note",
        "necessity",
        "subsidiarity",
        "retention",
        "data_subject_rights",
        "prior_consultation",
        "decision",
        "decision_reasoning",
        "decided_by_name",
        "decided_on",
        "decision_recorded_by",
        "no_advice_note",
    ]

    if TYPE_CHECKING:
        risks: RelatedManager[DpiaRisk]
        measures: RelatedManager[DpiaMeasure]
        advice: Advice

    class Meta:
        verbose_name = _("DPIA")
        verbose_name_plural = _("DPIA's")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="dpia_has_title"),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in DpiaStatus]), name="dpia_status_known"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=["", *[d.value for d in Decision]]),
                name="dpia_decision_known",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("dpia:detail", args=[self.pk])

    @property
    def is_sector(self) -> bool:
        return self.organisation.kind == OrganisationKind.SECTOR

    @property
    def locked(self) -> bool:
        """Decided and published DPIAs are records: a change means a new version."""
        return self.status in (DpiaStatus.DECIDED, DpiaStatus.PUBLISHED)


class DpiaRisk(models.Model):
    """A risk for the data subjects, scored likelihood × impact before and after measures."""

    dpia = models.ForeignKey(
        Dpia, on_delete=models.CASCADE, related_name="risks", verbose_name=_("DPIA")
    )
    title = models.CharField(_("risico"), max_length=200)
    description = models.TextField(_("omschrijving en gevolgen voor betrokkenen"), blank=True)
    likelihood = models.PositiveSmallIntegerField(_("kans (inherent)"))
    impact = models.PositiveSmallIntegerField(_("impact (inherent)"))
    residual_likelihood = models.PositiveSmallIntegerField(_("kans (rest)"), null=True, blank=True)
    residual_impact = models.PositiveSmallIntegerField(_("impact (rest)"), null=True, blank=True)
    from_sector = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uit de sector-DPIA"),
    )

    audit_fields: ClassVar[list[str]] = [
        "dpia",
        "title",
        "description",
        "likelihood",
        "impact",
        "residual_likelihood",
        "residual_impact",
        "from_sector",
    ]

    class Meta:
        verbose_name = _("risico van een DPIA")
        verbose_name_plural = _("risico's van DPIA's")
        ordering = ["dpia", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, impact__gte=1), name="dpia_risk_scored"
            ),
            models.CheckConstraint(
                condition=(
                    Q(residual_likelihood__isnull=True, residual_impact__isnull=True)
                    | Q(residual_likelihood__gte=1, residual_impact__gte=1)
                ),
                name="dpia_risk_residual_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def organisation(self) -> Organisation:
        """The DPIA's organisation (the audit trail scopes the entry by it)."""
        return self.dpia.organisation

    @property
    def inherent_score(self) -> int:
        return self.likelihood * self.impact

    @property
    def residual_score(self) -> int | None:
        if self.residual_likelihood is None or self.residual_impact is None:
            return None
        return self.residual_likelihood * self.residual_impact

    @property
    def effective_score(self) -> int:
        """The residual score, or the inherent one while no residual score is given."""
        residual = self.residual_score
        return self.inherent_score if residual is None else residual

    @property
    def inherent_level(self) -> Any:
        return risk_matrix().level_for(self.inherent_score)

    @property
    def residual_level(self) -> Any:
        residual = self.residual_score
        return None if residual is None else risk_matrix().level_for(residual)

    @property
    def residual_high(self) -> bool:
        """Whether a high risk remains: residual score high, or inherent high and no residual."""
        return risk_matrix().is_high(self.effective_score)


class DpiaMeasure(models.Model):
    """A measure of a DPIA against its risks, linked to a measure of the plan when there is one."""

    dpia = models.ForeignKey(
        Dpia, on_delete=models.CASCADE, related_name="measures", verbose_name=_("DPIA")
    )
    description = models.TextField(_("maatregel"))
    risks = models.ManyToManyField(
        DpiaRisk, blank=True, related_name="measures", verbose_name=_("risico's")
    )
    # PROTECT: a decided DPIA is locked, so its measures must not lose their plan measure
    # behind its back; the plan cancels such a measure instead of deleting it.
    plan_measure = models.ForeignKey(
        "planning.Measure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dpia_measures",
        verbose_name=_("maatregel in het plan"),
    )
    from_sector = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uit de sector-DPIA"),
    )

    audit_fields: ClassVar[list[str]] = ["dpia", "description", "plan_measure", "from_sector"]

    class Meta:
        verbose_name = _("maatregel van een DPIA")
        verbose_name_plural = _("maatregelen van DPIA's")
        ordering = ["dpia", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(description=""), name="dpia_measure_described")
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def organisation(self) -> Organisation:
        return self.dpia.organisation


class Advice(Tracked):
    """The FG's advice on a DPIA (AVG art. 35(2)): written by the FG only, kept apart."""

    dpia = models.OneToOneField(
        Dpia, on_delete=models.CASCADE, related_name="advice", verbose_name=_("DPIA")
    )
    text = models.TextField(_("advies"))
    advised_on = models.DateField(_("datum advies"))
    advised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("advies van"),
    )
    advised_by_name = models.CharField(_("naam functionaris"), max_length=200)

    audit_fields: ClassVar[list[str]] = [
        "dpia",
        "text",
        "advised_on",
        "advised_by",
        "advised_by_name",
    ]

    class Meta:
        verbose_name = _("advies van de FG")
        verbose_name_plural = _("adviezen van de FG")

    def __str__(self) -> str:
        return str(_("Advies FG bij %(dpia)s") % {"dpia": self.dpia})

    @property
    def organisation(self) -> Organisation:
        return self.dpia.organisation
