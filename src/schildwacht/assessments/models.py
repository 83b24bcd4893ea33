"""Metingen: a board or school measured against one framework edition, norm by norm.

A score points at its norm by the stable ``norm_id``, not by a foreign key, so metingen made on
one edition carry over to the next and compare by norm id across editions and versions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schildwacht.frameworks.models import Framework
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import ScopedQuerySet

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

LEVELS = range(1, 6)


class AssessmentKind(models.TextChoices):
    NULMETING = "nulmeting", _("Nulmeting")
    METING = "meting", _("Meting")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    IN_REVIEW = "in_review", _("Ter beoordeling")
    APPROVED = "approved", _("Goedgekeurd")


class AssessmentQuerySet(ScopedQuerySet["Assessment"]):
    pass


class Assessment(models.Model):
    """One meting of a board or school on one framework edition.

    Workflow: draft → in review → approved by a board member. An approved meting is locked:
    further change means a new meting, which starts as a copy of this one (``previous``).
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("organisatie"),
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="+", verbose_name=_("normenkader")
    )
    title = models.CharField(_("titel"), max_length=200)
    kind = models.CharField(
        _("soort"), max_length=10, choices=AssessmentKind.choices, default=AssessmentKind.METING
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gekopieerd van"),
    )
    notes = models.TextField(_("toelichting"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aangemaakt door"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("goedgekeurd door"),
    )
    approved_at = models.DateTimeField(_("goedgekeurd op"), null=True, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), default=timezone.now)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = AssessmentQuerySet.as_manager()
    scope_area = "all"
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "framework",
        "title",
        "kind",
        "status",
        "previous",
        "notes",
        "created_by",
        "approved_by",
        "approved_at",
    ]

    if TYPE_CHECKING:
        scores: RelatedManager[NormScore]

    class Meta:
        verbose_name = _("meting")
        verbose_name_plural = _("metingen")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "created_at"], name="assessment_org_time")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        """An approved meting never changes again."""
        return self.status == AssessmentStatus.APPROVED

    @property
    def is_editable(self) -> bool:
        return self.status in {AssessmentStatus.DRAFT, AssessmentStatus.IN_REVIEW}


class NormScoreQuerySet(ScopedQuerySet["NormScore"]):
    scope_field = "assessment__organisation"


class NormScore(models.Model):
    """The level of one norm in one meting: 1–5, not applicable (with a reason) or not yet scored."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("meting")
    )
    norm_id = models.CharField(_("norm"), max_length=10)
    level = models.PositiveSmallIntegerField(_("niveau"), null=True, blank=True)
    not_applicable = models.BooleanField(_("niet van toepassing"), default=False)
    not_applicable_reason = models.TextField(_("reden niet van toepassing"), blank=True)
    target_level = models.PositiveSmallIntegerField(_("streefniveau"), default=3)
    owner = models.CharField(_("eigenaar"), max_length=200, blank=True)
    notes = models.TextField(_("toelichting"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gewijzigd door"),
    )
    updated_at = models.DateTimeField(_("gewijzigd op"), default=timezone.now)

    objects = NormScoreQuerySet.as_manager()
    scope_area = "all"
    audit_fields: ClassVar[list[str]] = [
        "norm_id",
        "level",
        "not_applicable",
        "not_applicable_reason",
        "target_level",
        "owner",
        "notes",
    ]

    if TYPE_CHECKING:
        evidence: RelatedManager[Evidence]

    class Meta:
        verbose_name = _("normscore")
        verbose_name_plural = _("normscores")
        ordering = ["assessment", "norm_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "norm_id"], name="unique_score_norm"),
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=5),
                name="score_level_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(target_level__gte=1, target_level__lte=5),
                name="score_target_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(not_applicable=False)
                | (models.Q(level__isnull=True) & ~models.Q(not_applicable_reason="")),
                name="score_not_applicable_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.norm_id} ({self.assessment})"

    @property
    def organisation(self) -> Organisation:
        """The scope of the audit entries of this score."""
        return self.assessment.organisation

    @property
    def at_target(self) -> bool:
        return self.level is not None and self.level >= self.target_level


class EvidenceQuerySet(ScopedQuerySet["Evidence"]):
    scope_field = "score__assessment__organisation"


def evidence_path(instance: Evidence, filename: str) -> str:
    """Files are stored by organisation and content digest, never under the uploaded name."""
    organisation_id = instance.score.assessment.organisation_id
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{organisation_id}/{instance.sha256[:2]}/{instance.sha256}.{suffix}"


class Evidence(models.Model):
    """Evidence for one norm score: an uploaded file (with its SHA-256) or an https link."""

    score = models.ForeignKey(
        NormScore, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("normscore")
    )
    file = models.FileField(_("bestand"), upload_to=evidence_path, max_length=300, blank=True)
    original_name = models.CharField(_("bestandsnaam"), max_length=255, blank=True)
    content_type = models.CharField(_("bestandstype"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("grootte (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("controlegetal (SHA-256)"), max_length=64, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    description = models.CharField(_("omschrijving"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("toegevoegd door"),
    )
    uploaded_at = models.DateTimeField(_("toegevoegd op"), default=timezone.now)

    objects = EvidenceQuerySet.as_manager()
    # Auditors read evidence ("view:evidence"); everyone who reads board data does too.
    scope_area = "evidence"
    audit_fields: ClassVar[list[str]] = [
        "score",
        "file",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "url",
        "description",
    ]

    class Meta:
        verbose_name = _("bewijsstuk")
        verbose_name_plural = _("bewijsstukken")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (~models.Q(file="") & models.Q(url="") & ~models.Q(sha256=""))
                    | (models.Q(file="") & ~models.Q(url=""))
                ),
                name="evidence_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.original_name or self.url

    @property
    def organisation(self) -> Organisation:
        return self.score.assessment.organisation

    @property
    def is_file(self) -> bool:
        return bool(self.file)
