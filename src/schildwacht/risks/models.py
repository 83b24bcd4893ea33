"""Risk register, sector risk templates and financial exposure (basismaatregel 3).

A ``Risk`` belongs to a board or a school: a threat, what it touches (applications of the
register, processes as text), likelihood × impact on the 5 × 5 matrix before measures
(inherent) and after them (residual, empty until assessed), an owner, a treatment with plan
measures, a yearly financial exposure range, a status and a review date. A board member may
accept a risk formally until an expiry date; after that date, or after the review date, the
risk needs review ("herbeoordeling nodig", see ``queries.needs_review_q``).

A ``RiskTemplate`` belongs to the sector node: the sector curator keeps it, boards read it and
adopt it, which makes a board risk linked to its template (``Risk.template``).

``MatrixLabels`` is a board's own wording of the five likelihood and impact levels. Only the
labels may differ per board; the 5 × 5 scale and the score bands are the sector's
(``data/matrix.yaml``), so scores stay comparable across boards.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from schildwacht.audit.tracking import Tracked
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import ScopedQuerySet, organisation_ids, sector_ids

# Risks are board data of every area: the FG (privacy only) does not read them.
SCOPE_AREA = "all"
LEVEL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


def _level(verbose_name: Any, *, null: bool = False) -> models.PositiveSmallIntegerField[Any, Any]:
    return models.PositiveSmallIntegerField(
        verbose_name, validators=LEVEL_VALIDATORS, null=null, blank=null
    )


def _euros(verbose_name: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(
        verbose_name,
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )


class Treatment(models.TextChoices):
    AVOID = "avoid", _("Vermijden")
    REDUCE = "reduce", _("Verminderen")
    TRANSFER = "transfer", _("Overdragen")
    ACCEPT = "accept", _("Accepteren")


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_TREATMENT = "in_treatment", _("In behandeling")
    MONITORED = "monitored", _("Beheerst")
    CLOSED = "closed", _("Vervallen")


def template_ids(user: Any, action: str = "view") -> frozenset[int]:
    """Sector nodes whose risk templates ``user`` may ``action``.

    Reading: the sector above every board whose risks the user reads (to adopt a template),
    plus the sector nodes the user curates. Changing: the curated sector nodes only. Cached on
    the user object like the rest of the scope.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cache: dict[tuple[str, str], frozenset[int]] = user.__dict__.setdefault("_sw_scope", {})
    key = ("risk_templates", action)
    if key not in cache:
        ids = set(sector_ids(user, "manage", "catalogues"))
        boards = organisation_ids(user, "view", SCOPE_AREA) if action == "view" else frozenset()
        if boards:
            ids |= set(
                Organisation.objects.filter(
                    pk__in=boards, kind=OrganisationKind.BOARD, parent__isnull=False
                ).values_list("parent_id", flat=True)
            )
        cache[key] = frozenset(ids)
    return cache[key]


class RiskTemplateQuerySet(ScopedQuerySet["RiskTemplate"]):
    def for_user(self, user: Any, action: str = "view") -> RiskTemplateQuerySet:
        """Templates of the sectors in ``template_ids``; boards read only the active ones."""
        ids = template_ids(user, action)
        curated = sector_ids(user, "manage", "catalogues")
        return self.filter(Q(organisation_id__in=curated) | Q(organisation_id__in=ids, active=True))


class RiskTemplate(Tracked):
    """A risk-analysis template of the sector, kept by the sector curator.

    ``code`` links a template to its entry in ``data/templates.yaml`` (empty for templates the
    curator wrote in the application); the loader adds missing codes and never overwrites.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="risk_templates",
        verbose_name=_("sector"),
    )
    code = models.CharField(_("code"), max_length=40, blank=True)
    title = models.CharField(_("titel"), max_length=200)
    title_en = models.CharField(_("titel (Engels)"), max_length=200, blank=True)
    threat = models.TextField(_("dreiging"))
    description = models.TextField(_("omschrijving"), blank=True)
    typical_assets = models.TextField(_("typisch getroffen middelen"), blank=True)
    likelihood = _level(_("voorgestelde kans"))
    impact = _level(_("voorgestelde impact"))
    suggested_measures = models.TextField(_("voorgestelde maatregelen"), blank=True)
    exposure_min = _euros(_("blootstelling per jaar, minimaal (euro)"))
    exposure_max = _euros(_("blootstelling per jaar, maximaal (euro)"))
    active = models.BooleanField(_("beschikbaar voor besturen"), default=True)

    objects = RiskTemplateQuerySet.as_manager()
    scope_area = "catalogues"
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "code",
        "title",
        "title_en",
        "threat",
        "description",
        "typical_assets",
        "likelihood",
        "impact",
        "suggested_measures",
        "exposure_min",
        "exposure_max",
        "active",
    ]

    class Meta:
        verbose_name = _("risicosjabloon")
        verbose_name_plural = _("risicosjablonen")
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                condition=~Q(code=""),
                name="risk_template_unique_code",
            ),
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="risk_template_levels_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(exposure_min__isnull=True)
                | Q(exposure_max__isnull=True)
                | Q(exposure_min__lte=models.F("exposure_max")),
                name="risk_template_exposure_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        from schildwacht.risks.reference import in_language

        return in_language(self.title, self.title_en or self.title)

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def asset_lines(self) -> list[str]:
        return [line.strip() for line in self.typical_assets.splitlines() if line.strip()]

    @property
    def measure_lines(self) -> list[str]:
        return [line.strip() for line in self.suggested_measures.splitlines() if line.strip()]


class RiskQuerySet(ScopedQuerySet["Risk"]):
    pass


class Risk(Tracked):
    """A risk in the register of a board or school (see the module docstring).

    The acceptance fields are set together by ``services.accept_risk`` and cleared together by
    ``services.withdraw_acceptance`` (or by a change of the scores or the treatment, which
    makes the accepted risk a different one). ``accepted_by_name`` keeps who accepted it when
    the account is gone.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="risks", verbose_name=_("organisatie")
    )
    template = models.ForeignKey(
        RiskTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="risks",
        verbose_name=_("sjabloon"),
    )
    title = models.CharField(_("titel"), max_length=200)
    threat = models.TextField(_("dreiging"))
    description = models.TextField(_("omschrijving"), blank=True)
    applications = models.ManyToManyField(
        "registers.Application", blank=True, related_name="risks", verbose_name=_("applicaties")
    )
    processes = models.TextField(_("processen en middelen"), blank=True)
    inherent_likelihood = _level(_("kans (bruto)"))
    inherent_impact = _level(_("impact (bruto)"))
    residual_likelihood = _level(_("kans (netto)"), null=True)
    residual_impact = _level(_("impact (netto)"), null=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eigenaar"),
    )
    owner_name = models.CharField(_("eigenaar (naam)"), max_length=200, blank=True)
    treatment = models.CharField(
        _("behandeling"), max_length=10, choices=Treatment.choices, blank=True
    )
    treatment_notes = models.TextField(_("toelichting op de behandeling"), blank=True)
    measures = models.ManyToManyField(
        "planning.Measure", blank=True, related_name="risks", verbose_name=_("maatregelen")
    )
    exposure_min = _euros(_("blootstelling per jaar, minimaal (euro)"))
    exposure_max = _euros(_("blootstelling per jaar, maximaal (euro)"))
    status = models.CharField(
        _("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN
    )
    review_date = models.DateField(_("herbeoordelen op"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geaccepteerd door"),
    )
    accepted_by_name = models.CharField(_("geaccepteerd door (naam)"), max_length=200, blank=True)
    accepted_at = models.DateTimeField(_("geaccepteerd op"), null=True, blank=True)
    acceptance_expires_on = models.DateField(_("acceptatie geldig tot"), null=True, blank=True)
    acceptance_note = models.TextField(_("toelichting bij de acceptatie"), blank=True)

    objects = RiskQuerySet.as_manager()
    scope_area = SCOPE_AREA
    # The linked applications and measures are added to the audit values by the services.
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "template",
        "title",
        "threat",
        "description",
        "processes",
        "inherent_likelihood",
        "inherent_impact",
        "residual_likelihood",
        "residual_impact",
        "owner",
        "owner_name",
        "treatment",
        "treatment_notes",
        "exposure_min",
        "exposure_max",
        "status",
        "review_date",
        "accepted_by",
        "accepted_by_name",
        "accepted_at",
        "acceptance_expires_on",
        "acceptance_note",
    ]

    class Meta:
        verbose_name = _("risico")
        verbose_name_plural = _("risico's")
        ordering = ["title", "pk"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="risk_org_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="risk_has_title"),
            models.CheckConstraint(
                condition=Q(
                    inherent_likelihood__gte=1,
                    inherent_likelihood__lte=5,
                    inherent_impact__gte=1,
                    inherent_impact__lte=5,
                ),
                name="risk_inherent_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(residual_likelihood__isnull=True, residual_impact__isnull=True)
                | Q(
                    residual_likelihood__gte=1,
                    residual_likelihood__lte=5,
                    residual_impact__gte=1,
                    residual_impact__lte=5,
                ),
                name="risk_residual_both_or_none",
            ),
            models.CheckConstraint(
                condition=Q(exposure_min__isnull=True)
                | Q(exposure_max__isnull=True)
                | Q(exposure_min__lte=models.F("exposure_max")),
                name="risk_exposure_ordered",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True, acceptance_expires_on__isnull=True)
                | Q(accepted_at__isnull=False, acceptance_expires_on__isnull=False),
                name="risk_acceptance_complete",
            ),
            models.CheckConstraint(
                condition=Q(treatment__in=["", *Treatment.values]), name="risk_treatment_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RiskStatus.values), name="risk_status_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def inherent_score(self) -> int:
        return self.inherent_likelihood * self.inherent_impact

    @property
    def residual_score(self) -> int | None:
        if self.residual_likelihood is None or self.residual_impact is None:
            return None
        return self.residual_likelihood * self.residual_impact

    @property
    def current_score(self) -> int:
        """The residual score once assessed, else the inherent one."""
        residual = self.residual_score
        return self.inherent_score if residual is None else residual

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def owner_label(self) -> str:
        return str(self.owner) if self.owner is not None else self.owner_name


class MatrixLabels(Tracked):
    """A board's own labels for the five likelihood and five impact levels (lists of five)."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="risk_matrix_labels",
        verbose_name=_("bestuur"),
    )
    likelihood_labels = models.JSONField(_("namen van de kansniveaus"), default=list)
    impact_labels = models.JSONField(_("namen van de impactniveaus"), default=list)

    objects = ScopedQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = ["organisation", "likelihood_labels", "impact_labels"]

    class Meta:
        verbose_name = _("eigen namen in de risicomatrix")
        verbose_name_plural = _("eigen namen in de risicomatrix")

    def __str__(self) -> str:
        return str(self.organisation)
