"""The application register (basismaatregel 1) and the processing register (AVG art. 30).

An application belongs to a board or a school (``organisation``); a board's application lists the
schools that use it. Categories of personal data and of data subjects are codes from the
reference file ``data/personal_data.yaml``, stored as lists so that a new category is a data
change, not a migration.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from schildwacht.audit.tracking import Tracked
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import ScopedQuerySet


class ApplicationKind(models.TextChoices):
    STUDENT_INFORMATION = "sis", _("Leerlingadministratie")
    LEARNING_PLATFORM = "learning_platform", _("Leerplatform / ELO")
    LEARNING_APP = "learning_app", _("Leermiddel of leerapp")
    ASSESSMENT = "assessment", _("Toetsing en examens")
    COMMUNICATION = "communication", _("Communicatie met ouders en leerlingen")
    OFFICE_IDENTITY = "office_identity", _("Kantoor en identiteit")
    FINANCE_HR = "finance_hr", _("Financiën en personeel")
    INFRASTRUCTURE = "infrastructure", _("Infrastructuur en omgeving")
    OTHER = "other", _("Overig")


class Hosting(models.TextChoices):
    SAAS = "saas", _("Clouddienst van de leverancier (SaaS)")
    PUBLIC_CLOUD = "public_cloud", _("Eigen omgeving bij een cloudaanbieder")
    ON_PREMISES = "on_premises", _("Eigen servers (on-premises)")
    HYBRID = "hybrid", _("Gemengd")
    UNKNOWN = "unknown", _("Onbekend")


class Classification(models.TextChoices):
    """One letter of the BIV classification (beschikbaarheid, integriteit, vertrouwelijkheid)."""

    LOW = "low", _("Laag")
    MEDIUM = "medium", _("Midden")
    HIGH = "high", _("Hoog")


class Criticality(models.TextChoices):
    LOW = "low", _("Laag")
    MEDIUM = "medium", _("Midden")
    HIGH = "high", _("Hoog")
    VITAL = "vital", _("Vitaal")


class ApplicationQuerySet(ScopedQuerySet["Application"]):
    pass


class Application(Tracked):
    """An application or environment of a board or school and what happens when it fails.

    ``personal_data`` says whether it holds personal data at all: only those count for the
    agreement coverage of basismaatregel 2.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("organisatie"),
    )
    name = models.CharField(_("naam"), max_length=200)
    kind = models.CharField(_("soort"), max_length=20, choices=ApplicationKind.choices)
    description = models.TextField(_("omschrijving"), blank=True)
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("leverancier"),
    )
    schools = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="applications_in_use",
        verbose_name=_("scholen die het gebruiken"),
    )
    personal_data = models.BooleanField(_("bevat persoonsgegevens"), default=True)
    data_categories = models.JSONField(_("soorten persoonsgegevens"), default=list, blank=True)
    special_categories = models.JSONField(
        _("bijzondere persoonsgegevens"), default=list, blank=True
    )
    processes_bsn = models.BooleanField(_("verwerkt BSN"), default=False)
    pupil_data = models.BooleanField(_("gegevens van leerlingen"), default=False)
    parent_data = models.BooleanField(_("gegevens van ouders"), default=False)
    staff_data = models.BooleanField(_("gegevens van medewerkers"), default=False)
    people_count = models.PositiveIntegerField(
        _("aantal betrokkenen (ongeveer)"), null=True, blank=True
    )
    owner_name = models.CharField(_("eigenaar binnen de organisatie"), max_length=200, blank=True)
    supplier_contact = models.CharField(_("contactpersoon leverancier"), max_length=300, blank=True)
    hosting = models.CharField(
        _("hosting"), max_length=20, choices=Hosting.choices, default=Hosting.UNKNOWN
    )
    hosting_country = models.CharField(_("land van hosting"), max_length=2, blank=True)
    availability = models.CharField(
        _("beschikbaarheid"), max_length=10, choices=Classification.choices, blank=True
    )
    integrity = models.CharField(
        _("integriteit"), max_length=10, choices=Classification.choices, blank=True
    )
    confidentiality = models.CharField(
        _("vertrouwelijkheid"), max_length=10, choices=Classification.choices, blank=True
    )
    sso_supported = models.BooleanField(_("ondersteunt single sign-on"), null=True, blank=True)
    mfa_supported = models.BooleanField(
        _("ondersteunt meerstapsverificatie"), null=True, blank=True
    )
    criticality = models.CharField(
        _("kritiek voor de organisatie"), max_length=10, choices=Criticality.choices, blank=True
    )
    incident_contacts = models.TextField(_("wie bellen we bij een storing of lek"), blank=True)
    incident_first_steps = models.TextField(_("eerste stappen"), blank=True)
    supplier_incident_contact = models.CharField(
        _("incidentcontact leverancier"), max_length=300, blank=True
    )
    supplier_incident_terms = models.TextField(_("afspraken met de leverancier"), blank=True)
    notes = models.TextField(_("toelichting"), blank=True)

    objects = ApplicationQuerySet.as_manager()
    scope_area = "privacy"
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "name",
        "kind",
        "description",
        "supplier",
        "personal_data",
        "data_categories",
        "special_categories",
        "processes_bsn",
        "pupil_data",
        "parent_data",
        "staff_data",
        "people_count",
        "owner_name",
        "supplier_contact",
        "hosting",
        "hosting_country",
        "availability",
        "integrity",
        "confidentiality",
        "sso_supported",
        "mfa_supported",
        "criticality",
        "incident_contacts",
        "incident_first_steps",
        "supplier_incident_contact",
        "supplier_incident_terms",
        "notes",
    ]

    class Meta:
        verbose_name = _("applicatie")
        verbose_name_plural = _("applicaties")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("organisation", Lower("name"), name="application_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class LegalBasis(models.TextChoices):
    """The grounds of AVG art. 6(1)."""

    CONSENT = "consent", _("Toestemming (a)")
    CONTRACT = "contract", _("Uitvoering van een overeenkomst (b)")
    LEGAL_OBLIGATION = "legal_obligation", _("Wettelijke verplichting (c)")
    VITAL_INTERESTS = "vital_interests", _("Vitaal belang (d)")
    PUBLIC_TASK = "public_task", _("Taak van algemeen belang (e)")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Gerechtvaardigd belang (f)")


class ProcessingActivityQuerySet(ScopedQuerySet["ProcessingActivity"]):
    pass


class ProcessingActivity(Tracked):
    """A processing activity with the fields AVG art. 30(1) asks of a controller."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="processing_activities",
        verbose_name=_("organisatie"),
    )
    name = models.CharField(_("naam"), max_length=200)
    controller = models.CharField(_("verwerkingsverantwoordelijke"), max_length=300, blank=True)
    fg_contact = models.CharField(
        _("contactgegevens functionaris gegevensbescherming"), max_length=300, blank=True
    )
    purposes = models.TextField(_("doeleinden"))
    legal_basis = models.CharField(
        _("grondslag"), max_length=25, choices=LegalBasis.choices, blank=True
    )
    legal_basis_note = models.TextField(_("toelichting grondslag"), blank=True)
    data_subject_categories = models.JSONField(
        _("categorieën betrokkenen"), default=list, blank=True
    )
    data_categories = models.JSONField(_("soorten persoonsgegevens"), default=list, blank=True)
    special_categories = models.JSONField(
        _("bijzondere persoonsgegevens"), default=list, blank=True
    )
    recipients = models.TextField(_("ontvangers"), blank=True)
    transfers_outside_eea = models.BooleanField(_("doorgifte buiten de EER"), default=False)
    transfer_countries = models.CharField(_("landen"), max_length=300, blank=True)
    transfer_safeguards = models.TextField(_("waarborgen bij doorgifte"), blank=True)
    retention = models.TextField(_("bewaartermijnen"), blank=True)
    security_measures = models.TextField(_("beveiligingsmaatregelen"), blank=True)
    applications = models.ManyToManyField(
        Application,
        blank=True,
        related_name="processing_activities",
        verbose_name=_("gebruikte applicaties"),
    )
    notes = models.TextField(_("toelichting"), blank=True)

    objects = ProcessingActivityQuerySet.as_manager()
    scope_area = "privacy"
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "name",
        "controller",
        "fg_contact",
        "purposes",
        "legal_basis",
        "legal_basis_note",
        "data_subject_categories",
        "data_categories",
        "special_categories",
        "recipients",
        "transfers_outside_eea",
        "transfer_countries",
        "transfer_safeguards",
        "retention",
        "security_measures",
        "notes",
    ]

    class Meta:
        verbose_name = _("verwerking")
        verbose_name_plural = _("verwerkingen")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("organisation", Lower("name"), name="processing_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
