"""Suppliers, processing agreements (verwerkersovereenkomsten) and their reviews.

A supplier belongs either to the sector node (the shared catalogue the sector curator keeps, which
every board sees) or to one board (a supplier of its own). A board adds its own data to a shared
supplier in ``SupplierDetail``. Agreements always belong to a board or school.

A review applies the checklist of ``data/checklist.yaml`` to one text: either a supplier's
standard agreement, reviewed once by the curator (``supplier`` set, on the sector node), or one
board's agreement (``agreement`` set), which may build on that central review (``base``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from schildwacht.audit.tracking import Tracked
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import ScopedQuerySet, organisation_ids, sector_ids

# Suppliers, details, agreements and reviews are privacy items: the FG reads them.
SCOPE_AREA = "privacy"


def _curated_read_only(user: Any) -> frozenset[int]:
    """The sector nodes a read-only token of a curator still reads.

    ``sector_ids`` refuses "manage" to read-only tokens, which is right for writing; reading the
    catalogue the curator keeps is still the token's to do (within its narrowing).
    """
    token = getattr(user, "api_token", None)
    if token is None or not token.read_only:
        return frozenset()
    from schildwacht.organisations.models import Membership
    from schildwacht.organisations.roles import is_sector_role, role_grants

    rows = Membership.objects.filter(user_id=user.pk).values_list(
        "role", "organisation_id", "organisation__path"
    )
    narrowed = token.organisation_paths()
    return frozenset(
        org_id
        for role, org_id, path in rows
        if is_sector_role(role)
        and role_grants(role, "manage", "catalogues")
        and (not narrowed or any(path.startswith(prefix) for prefix in narrowed))
    )


def catalogue_ids(user: Any, action: str = "view") -> frozenset[int]:
    """Organisations whose suppliers (and central reviews) ``user`` may ``action``.

    Reading: the boards whose privacy items the user reads (their own suppliers) and the sector
    above each of them (the shared catalogue), plus the sector nodes the user curates. Changing:
    the boards where the user changes privacy items, and the curated sector nodes; a board role
    never changes the shared catalogue. Cached on the user object like the rest of the scope.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    cache: dict[tuple[str, str], frozenset[int]] = user.__dict__.setdefault("_sw_scope", {})
    key = ("supplier_catalogue", action)
    if key not in cache:
        boards = organisation_ids(user, action, SCOPE_AREA)
        curated = sector_ids(user, "manage", "catalogues")
        if action == "view" and not curated:
            curated = _curated_read_only(user)
        ids = set(boards) | set(curated)
        if action == "view" and boards:
            ids |= set(
                Organisation.objects.filter(
                    pk__in=boards, kind=OrganisationKind.BOARD, parent__isnull=False
                ).values_list("parent_id", flat=True)
            )
        cache[key] = frozenset(ids)
    return cache[key]


class ConvenantStatus(models.TextChoices):
    """Standing of the supplier under the Privacyconvenant onderwijs."""

    PARTICIPANT = "participant", _("Deelnemer")
    SUPPORTER = "supporter", _("Supporter")
    NONE = "none", _("Geen")


class SupplierQuerySet(ScopedQuerySet["Supplier"]):
    def for_user(self, user: Any, action: str = "view") -> SupplierQuerySet:
        """The sector catalogue and own boards' suppliers (see ``catalogue_ids``)."""
        return self.filter(organisation_id__in=catalogue_ids(user, action))


class Supplier(Tracked):
    """A supplier in the sector catalogue (organisation: the sector) or of one board."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="suppliers",
        verbose_name=_("organisatie"),
    )
    name = models.CharField(_("naam"), max_length=200)
    kvk_number = models.CharField(_("KvK-nummer"), max_length=8, blank=True)
    convenant_status = models.CharField(
        _("Privacyconvenant"),
        max_length=12,
        choices=ConvenantStatus.choices,
        default=ConvenantStatus.NONE,
    )
    certifications = models.JSONField(_("certificeringen"), default=list, blank=True)
    sub_processors = models.TextField(_("subverwerkers"), blank=True)
    data_locations = models.CharField(_("locaties van gegevens"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    incident_contact = models.CharField(_("incidentcontact"), max_length=300, blank=True)
    notes = models.TextField(_("toelichting"), blank=True)

    objects = SupplierQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "name",
        "kvk_number",
        "convenant_status",
        "certifications",
        "sub_processors",
        "data_locations",
        "website",
        "incident_contact",
        "notes",
    ]

    class Meta:
        verbose_name = _("leverancier")
        verbose_name_plural = _("leveranciers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("organisation", Lower("name"), name="supplier_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SupplierDetailQuerySet(ScopedQuerySet["SupplierDetail"]):
    pass


class SupplierDetail(Tracked):
    """What one board adds to a supplier of the shared catalogue: its own contacts and notes."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="details", verbose_name=_("leverancier")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="supplier_details",
        verbose_name=_("organisatie"),
    )
    contact_name = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mailadres contactpersoon"), blank=True)
    contact_phone = models.CharField(_("telefoon contactpersoon"), max_length=50, blank=True)
    customer_number = models.CharField(_("klantnummer"), max_length=100, blank=True)
    notes = models.TextField(_("toelichting"), blank=True)

    objects = SupplierDetailQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = [
        "supplier",
        "organisation",
        "contact_name",
        "contact_email",
        "contact_phone",
        "customer_number",
        "notes",
    ]

    class Meta:
        verbose_name = _("eigen gegevens bij leverancier")
        verbose_name_plural = _("eigen gegevens bij leveranciers")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "organisation"], name="supplier_detail_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} ({self.organisation})"


class AgreementModel(models.TextChoices):
    MODEL_4 = "model_4", _("Model Verwerkersovereenkomst 4.0")
    EDUCATION = "education", _("Algemeen model onderwijs")
    SUPPLIER = "supplier", _("Eigen model van de leverancier")
    OTHER = "other", _("Anders")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Concept")
    SIGNED = "signed", _("Getekend")
    EXPIRED = "expired", _("Verlopen")
    TERMINATED = "terminated", _("Beëindigd")


class AgreementQuerySet(ScopedQuerySet["Agreement"]):
    pass


def agreement_path(instance: Agreement, filename: str) -> str:
    """Documents are stored by organisation and digest, never under the uploaded name."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"agreements/{instance.organisation_id}/{instance.sha256[:2]}/{instance.sha256}.{suffix}"


class Agreement(Tracked):
    """A processing agreement of a board or school with a supplier, for some applications.

    ``breach_notification_hours`` is the supplier's term to tell the board of a data breach
    (AVG art. 33(2)); the incident module reads it. An agreement counts as valid when it is
    signed and its expiry date, if any, has not passed.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("organisatie"),
    )
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("leverancier")
    )
    applications = models.ManyToManyField(
        "registers.Application",
        blank=True,
        related_name="agreements",
        verbose_name=_("applicaties"),
    )
    title = models.CharField(_("titel"), max_length=200)
    model = models.CharField(_("model"), max_length=12, choices=AgreementModel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    signed_on = models.DateField(_("getekend op"), null=True, blank=True)
    expires_on = models.DateField(_("loopt af op"), null=True, blank=True)
    privacy_annex = models.BooleanField(_("privacybijsluiter aanwezig"), default=False)
    security_annex = models.BooleanField(_("beveiligingsbijlage aanwezig"), default=False)
    sub_processors = models.TextField(_("subverwerkers"), blank=True)
    breach_notification_hours = models.PositiveIntegerField(
        _("meldtermijn datalek (uren)"), null=True, blank=True
    )
    document = models.FileField(_("document"), upload_to=agreement_path, max_length=300, blank=True)
    document_name = models.CharField(_("bestandsnaam"), max_length=255, blank=True)
    content_type = models.CharField(_("bestandstype"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("grootte (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("controlegetal (SHA-256)"), max_length=64, blank=True)
    notes = models.TextField(_("toelichting"), blank=True)
    last_reminded_at = models.DateTimeField(_("laatst herinnerd op"), null=True, blank=True)

    objects = AgreementQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "supplier",
        "title",
        "model",
        "status",
        "signed_on",
        "expires_on",
        "privacy_annex",
        "security_annex",
        "sub_processors",
        "breach_notification_hours",
        "document",
        "document_name",
        "content_type",
        "size",
        "sha256",
        "notes",
        "last_reminded_at",
    ]

    class Meta:
        verbose_name = _("verwerkersovereenkomst")
        verbose_name_plural = _("verwerkersovereenkomsten")
        ordering = ["supplier__name", "title", "pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "expires_on"], name="agreement_status"),
        ]

    def __str__(self) -> str:
        return self.title


class Verdict(models.TextChoices):
    FINE = "fine", _("In orde")
    ATTENTION = "attention", _("Aandachtspunt")
    MISSING = "missing", _("Ontbreekt")


class ReviewQuerySet(ScopedQuerySet["Review"]):
    def for_user(self, user: Any, action: str = "view") -> ReviewQuerySet:
        """Reviews of agreements the user reaches, and central reviews of the catalogue.

        Boards read a central review once the curator has completed it; the curator of the
        sector reads and changes its own drafts as well.
        """
        curated = sector_ids(user, "manage", "catalogues")
        central = models.Q(supplier__isnull=False) & (
            models.Q(organisation_id__in=curated)
            | models.Q(completed_at__isnull=False, organisation_id__in=catalogue_ids(user, action))
        )
        own = models.Q(
            agreement__isnull=False,
            organisation_id__in=organisation_ids(user, action, SCOPE_AREA),
        )
        if action != "view":
            # Only the curator changes a central review.
            central = models.Q(supplier__isnull=False, organisation_id__in=curated)
        return self.filter(own | central)


class Review(Tracked):
    """The checklist applied to a supplier's standard agreement (central) or to one agreement."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreement_reviews",
        verbose_name=_("organisatie"),
    )
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="central_reviews",
        verbose_name=_("leverancier (standaardovereenkomst)"),
    )
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("verwerkersovereenkomst"),
    )
    base = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reuses",
        verbose_name=_("gebaseerd op centrale beoordeling"),
    )
    conclusion = models.TextField(_("conclusie"), blank=True)
    completed_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)

    objects = ReviewQuerySet.as_manager()
    scope_area = SCOPE_AREA
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "supplier",
        "agreement",
        "base",
        "conclusion",
        "completed_at",
    ]

    class Meta:
        verbose_name = _("beoordeling")
        verbose_name_plural = _("beoordelingen")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(supplier__isnull=False, agreement__isnull=True)
                | models.Q(supplier__isnull=True, agreement__isnull=False),
                name="review_of_supplier_or_agreement",
            ),
        ]

    def __str__(self) -> str:
        return str(self.agreement or self.supplier)


class ReviewItem(models.Model):
    """The verdict on one checklist item (a code of ``data/checklist.yaml``) with a note."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="items", verbose_name=_("beoordeling")
    )
    item = models.CharField(_("onderdeel"), max_length=40)
    verdict = models.CharField(_("oordeel"), max_length=10, choices=Verdict.choices, blank=True)
    note = models.TextField(_("notitie"), blank=True)

    audit_fields: ClassVar[list[str]] = ["review", "item", "verdict", "note"]

    class Meta:
        verbose_name = _("onderdeel van de beoordeling")
        verbose_name_plural = _("onderdelen van de beoordeling")
        ordering = ["review", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "item"], name="review_item_unique"),
        ]

    def __str__(self) -> str:
        return self.item
