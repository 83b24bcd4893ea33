"""The normenkader catalogue: frameworks, domains, norms, basismaatregelen and the groeipad.

The catalogue is reference data for the whole sector, loaded from the files under ``data/``:
it belongs to no organisation and every signed-in user may read it. Metingen (later) point at a
``Framework`` row and a stable ``norm_id``, so a new edition or version never rewrites them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class CatalogueQuerySet(models.QuerySet[Any]):
    """Scoping for sector-wide reference data: every active, signed-in user reads all of it."""

    def for_user(self, user: Any, action: str = "view") -> CatalogueQuerySet:
        if action != "view" or user is None or not user.is_authenticated or not user.is_active:
            # Writing the catalogue goes through the curator's services, never a user queryset.
            return self.none()
        return self.all()


class Part(models.TextChoices):
    IB = "IB", _("Informatiebeveiliging")
    PRIVACY = "privacy", _("Privacy")


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", _("bevestigd")
    INFERRED = "inferred", _("afgeleid uit het adres van de officiële pagina")
    ID_ONLY = "id_only", _("alleen het id is bekend")
    IMPORTED = "imported", _("geïmporteerd door de sectorbeheerder uit de officiële lijst")


class CatalogueFile(models.Model):
    """A data file the loader has read, with the checksum of its content.

    An unchanged checksum means the loader writes nothing for that file (idempotent).
    """

    name = models.CharField(_("bestand"), max_length=200, unique=True)
    checksum = models.CharField(_("controlegetal (SHA-256)"), max_length=64)
    loaded_at = models.DateTimeField(_("geladen op"), auto_now=True)

    objects = CatalogueQuerySet.as_manager()
    audit_fields: ClassVar[list[str]] = ["name", "checksum"]

    class Meta:
        verbose_name = _("catalogusbestand")
        verbose_name_plural = _("catalogusbestanden")

    def __str__(self) -> str:
        return self.name


class Framework(models.Model):
    """One edition of one version of a framework (e.g. Normenkader IBP FO 2024-06-06, edition 1).

    A shipped file makes edition 1 of its version; a curator's import of the full official list
    makes the next edition of the same version. An official new version is a new file and row.
    """

    slug = models.SlugField(_("id"), max_length=64)
    version = models.CharField(_("versie"), max_length=20)
    edition = models.PositiveIntegerField(_("editie"), default=1)
    name = models.CharField(_("naam"), max_length=200)
    locale = models.CharField(_("taal"), max_length=10)
    publisher = models.CharField(_("uitgever"), max_length=200)
    source_url = models.URLField(_("bron"), max_length=500)
    completeness_note = models.TextField(_("toelichting volledigheid"))
    declared_norm_count = models.PositiveIntegerField(_("aantal normen (officieel)"))
    declared_counts = models.JSONField(_("aantal normen per deel (officieel)"), default=dict)
    is_complete = models.BooleanField(_("volledig"))
    notes = models.TextField(_("opmerkingen"), blank=True)
    maturity_levels = models.JSONField(_("volwassenheidsniveaus"), default=list)
    target_level = models.PositiveSmallIntegerField(_("streefniveau"), default=3)
    loaded_from = models.CharField(_("geladen uit"), max_length=200, blank=True)
    checksum = models.CharField(_("controlegetal (SHA-256)"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = CatalogueQuerySet.as_manager()
    audit_fields: ClassVar[list[str]] = [
        "slug",
        "version",
        "edition",
        "name",
        "locale",
        "publisher",
        "source_url",
        "completeness_note",
        "declared_norm_count",
        "declared_counts",
        "is_complete",
        "notes",
        "maturity_levels",
        "target_level",
        "loaded_from",
        "checksum",
    ]

    class Meta:
        verbose_name = _("normenkader")
        verbose_name_plural = _("normenkaders")
        ordering = ["slug", "-version", "-edition"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "version", "edition"], name="unique_framework_edition"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version} ({self.edition})"


class Domain(models.Model):
    """A domain of a framework part; ``prefix`` and ``name`` are empty when not confirmed."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="domains", verbose_name=_("normenkader")
    )
    part = models.CharField(_("deel"), max_length=10, choices=Part.choices)
    number = models.PositiveSmallIntegerField(_("nummer"))
    prefix = models.CharField(_("voorvoegsel"), max_length=2, blank=True)
    name = models.CharField(_("naam"), max_length=200, blank=True)
    description = models.TextField(_("omschrijving"))
    raci = models.JSONField(_("RACI"), default=dict)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("domein")
        verbose_name_plural = _("domeinen")
        # IB before privacy ("IB" < "privacy" in every collation we use), then by number.
        ordering = ["framework", "part", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "part", "number"], name="unique_domain_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_part_display()} {self.number} {self.name or '?'}"


class Norm(models.Model):
    """A norm of a framework, identified by its stable id (``GO.01``) within the framework.

    ``title`` is the official short title when ``title_is_official``, else our descriptive
    title. ``criteria`` maps level ("1".."5") to what that level asks, in our own words.
    """

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="norms", verbose_name=_("normenkader")
    )
    domain = models.ForeignKey(
        Domain, on_delete=models.CASCADE, related_name="norms", verbose_name=_("domein")
    )
    norm_id = models.CharField(_("id"), max_length=10)
    title = models.CharField(_("titel"), max_length=200)
    title_is_official = models.BooleanField(_("officiële titel"))
    confidence = models.CharField(_("zekerheid"), max_length=10, choices=Confidence.choices)
    source_url = models.URLField(_("bron"), max_length=500, blank=True)
    description = models.TextField(_("omschrijving"))
    criteria = models.JSONField(_("criteria per niveau"), default=dict, blank=True)
    references = models.JSONField(_("wet- en regelgeving en normen"), default=list, blank=True)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("norm")
        verbose_name_plural = _("normen")
        ordering = ["framework", "norm_id"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "norm_id"], name="unique_norm_id")
        ]

    def __str__(self) -> str:
        return f"{self.norm_id} {self.title}"

    def criteria_by_level(self) -> list[tuple[int, str]]:
        return [(int(level), text) for level, text in sorted(self.criteria.items())]


class Basismaatregel(models.Model):
    """One of Kennisnet's eleven basismaatregelen.

    ``norm_ids`` are stable ids in the framework ``framework_slug`` (any edition);
    ``groeipad_codes`` are sub-project codes; ``indicator`` names the module figure that will
    feed its status (e.g. ``evidence.mfa``).
    """

    number = models.PositiveSmallIntegerField(_("nummer"), unique=True)
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("omschrijving"))
    framework_slug = models.SlugField(_("normenkader"), max_length=64)
    norm_ids = models.JSONField(_("normen"), default=list)
    groeipad_codes = models.JSONField(_("groeipad-deelprojecten"), default=list)
    indicator = models.CharField(_("indicator"), max_length=64)

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("basismaatregel")
        verbose_name_plural = _("basismaatregelen")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Groeipad(models.Model):
    """A groeipad: phases of sub-projects. ``official`` false marks Schildwacht's proposal."""

    slug = models.SlugField(_("id"), max_length=64, unique=True)
    name = models.CharField(_("naam"), max_length=200)
    official = models.BooleanField(_("officieel"))
    description = models.TextField(_("omschrijving"))

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("groeipad")
        verbose_name_plural = _("groeipaden")

    def __str__(self) -> str:
        return self.name


class GroeipadPhase(models.Model):
    """A phase of a groeipad."""

    groeipad = models.ForeignKey(
        Groeipad, on_delete=models.CASCADE, related_name="phases", verbose_name=_("groeipad")
    )
    number = models.PositiveSmallIntegerField(_("nummer"))
    name = models.CharField(_("naam"), max_length=200)
    description = models.TextField(_("omschrijving"))

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("fase")
        verbose_name_plural = _("fasen")
        ordering = ["groeipad", "number"]
        constraints = [
            models.UniqueConstraint(fields=["groeipad", "number"], name="unique_groeipad_phase")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class GroeipadSubProject(models.Model):
    """A sub-project ``<phase>.<n>``; ``official`` when number and subject are confirmed."""

    phase = models.ForeignKey(
        GroeipadPhase,
        on_delete=models.CASCADE,
        related_name="subprojects",
        verbose_name=_("fase"),
    )
    code = models.CharField(_("nummer"), max_length=10)
    position = models.PositiveSmallIntegerField(_("volgorde"))
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("omschrijving"))
    official = models.BooleanField(_("officieel"))

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        verbose_name = _("deelproject")
        verbose_name_plural = _("deelprojecten")
        ordering = ["phase", "position"]
        constraints = [
            models.UniqueConstraint(fields=["phase", "code"], name="unique_groeipad_subproject")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
