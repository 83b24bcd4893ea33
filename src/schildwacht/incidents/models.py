"""Security incidents, cyber incidents and data breaches (datalekken), AVG art. 33 and 34.

One register holds them all (``Incident``). A breach carries its separate times: when it
happened, when it was discovered, when a processor informed the board (with the term from the
processor's agreement) and when the board became aware, which starts the 72-hour clock
(``clock.py``). The privacy officer's assessment and decision (``BreachAssessment``), the FG's
advice (``Advice``), the notifications to the Autoriteit Persoonsgegevens in phases
(``ApNotification``) and the timeline (``TimelineEntry``) are records of their own; the last two
are append-only. The contact of the sector CERT is kept per board or for the whole sector
(``CertContact``).

Who reads what is written once, in ``IncidentQuerySet.for_user``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from schildwacht.audit.tracking import Tracked
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import ScopedQuerySet, organisation_ids
from schildwacht.registers.models import Application

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


class IncidentKind(models.TextChoices):
    SECURITY = "security", _("Beveiligingsincident")
    CYBER = "cyber", _("Cyberincident")
    BREACH = "breach", _("Datalek")


class Severity(models.TextChoices):
    LOW = "low", _("Laag")
    MEDIUM = "medium", _("Midden")
    HIGH = "high", _("Hoog")
    CRITICAL = "critical", _("Kritiek")


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("Gemeld")
    IN_PROGRESS = "in_progress", _("In behandeling")
    CLOSED = "closed", _("Afgesloten")


class PersonalData(models.TextChoices):
    YES = "yes", _("Ja")
    NO = "no", _("Nee")
    UNKNOWN = "unknown", _("Weet ik niet")


class Tlp(models.TextChoices):
    """Traffic Light Protocol labels (FIRST, version 2.0) for what the CERT may pass on."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber_strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


def incident_reach(user: Any, action: str, *, own: bool = True) -> Q:
    """Which incidents ``user`` may ``action`` ("view", "change" or "advise"); the one rule.

    * a role with ``<action>:all`` (IBP-coördinator, privacy officer and board member reading,
      school leader on its school, auditor reading): every incident of its organisations;
    * a role with ``<action>:privacy`` only (the FG; the privacy officer changing): the data
      breaches of its organisations;
    * reading only: the reporter reads their own reports where they may still report (left
      out with ``own=False``: whether someone reads the register, not just their own report).
    """
    everything = organisation_ids(user, action, "all")
    privacy = organisation_ids(user, action, "privacy")
    reach = Q(organisation__in=everything) | Q(
        kind=IncidentKind.BREACH, organisation__in=privacy - everything
    )
    if own and action == "view" and user is not None and user.is_authenticated:
        reporting = organisation_ids(user, "report", "incidents")
        if reporting:
            reach |= Q(reported_by=user.pk, organisation__in=reporting)
    return reach


class IncidentQuerySet(ScopedQuerySet["Incident"]):
    def for_user(self, user: Any, action: str = "view", *, own: bool = True) -> IncidentQuerySet:
        return self.filter(incident_reach(user, action, own=own))


class Incident(Tracked):
    """One incident or (suspected) data breach in the board's register."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("organisatie"),
    )
    kind = models.CharField(_("soort"), max_length=10, choices=IncidentKind.choices)
    title = models.CharField(_("korte omschrijving"), max_length=200)
    description = models.TextField(_("wat is er gebeurd"))
    severity = models.CharField(
        _("ernst"), max_length=10, choices=Severity.choices, blank=True, default=""
    )
    status = models.CharField(
        _("status"), max_length=12, choices=IncidentStatus.choices, default=IncidentStatus.REPORTED
    )
    personal_data = models.CharField(
        _("persoonsgegevens betrokken"), max_length=8, choices=PersonalData.choices
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gemeld door"),
    )
    reporter_name = models.CharField(_("naam melder"), max_length=200, blank=True)
    handler_name = models.CharField(_("behandelaar"), max_length=200, blank=True)
    applications = models.ManyToManyField(
        Application, blank=True, related_name="incidents", verbose_name=_("applicaties")
    )
    application_note = models.CharField(
        _("applicatie of systeem (zoals gemeld)"), max_length=300, blank=True
    )
    suppliers = models.ManyToManyField(
        "suppliers.Supplier", blank=True, related_name="incidents", verbose_name=_("leveranciers")
    )
    schools = models.ManyToManyField(
        Organisation, blank=True, related_name="affected_by_incidents", verbose_name=_("scholen")
    )
    # The times of a breach (all stored in UTC, shown in Europe/Amsterdam).
    occurred_at = models.DateTimeField(_("gebeurd op"), null=True, blank=True)
    discovered_at = models.DateTimeField(_("ontdekt op"))
    processor_application = models.ForeignKey(
        Application,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gemeld door de verwerker van"),
    )
    processor_informed_at = models.DateTimeField(
        _("verwerker informeerde het bestuur op"), null=True, blank=True
    )
    # The processor's term as its agreement said when the report came in (art. 33(2)); kept,
    # so a later agreement does not rewrite what applied then.
    processor_term_hours = models.PositiveIntegerField(
        _("meldtermijn verwerker (uren)"), null=True, blank=True
    )
    aware_at = models.DateTimeField(_("bestuur op de hoogte op"), null=True, blank=True)
    aware_note = models.TextField(_("toelichting op het moment van kennisname"), blank=True)
    # What the notification to the AP and the letter to the people involved say.
    breach_types = models.JSONField(_("soort inbreuk"), default=list, blank=True)
    data_kinds = models.JSONField(_("soorten persoonsgegevens"), default=list, blank=True)
    subject_groups = models.JSONField(_("groepen betrokkenen"), default=list, blank=True)
    people_min = models.PositiveIntegerField(
        _("aantal betrokkenen, minimaal"), null=True, blank=True
    )
    people_max = models.PositiveIntegerField(
        _("aantal betrokkenen, maximaal"), null=True, blank=True
    )
    records_count = models.PositiveIntegerField(
        _("aantal gegevensrecords (ongeveer)"), null=True, blank=True
    )
    consequences = models.TextField(_("waarschijnlijke gevolgen voor betrokkenen"), blank=True)
    measures_taken = models.TextField(_("genomen maatregelen"), blank=True)
    measures_proposed = models.TextField(_("voorgestelde maatregelen"), blank=True)
    advice_to_subjects = models.TextField(_("wat betrokkenen zelf kunnen doen"), blank=True)
    contact_name = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    contact_details = models.CharField(_("bereikbaar via"), max_length=300, blank=True)
    subjects_informed_at = models.DateTimeField(
        _("betrokkenen geïnformeerd op"), null=True, blank=True
    )
    subjects_informed_how = models.CharField(
        _("betrokkenen geïnformeerd via"), max_length=300, blank=True
    )
    # The prepared escalation to the sector CERT.
    cert_tlp = models.CharField(
        _("TLP-label"), max_length=12, choices=Tlp.choices, default=Tlp.AMBER
    )
    cert_summary = models.TextField(_("samenvatting voor de CERT"), blank=True)
    cert_indicators = models.TextField(_("indicatoren (IP-adressen, domeinen, hashes)"), blank=True)
    cert_systems = models.TextField(_("getroffen systemen"), blank=True)
    cert_shared_at = models.DateTimeField(_("gedeeld met de CERT op"), null=True, blank=True)
    lessons_learned = models.TextField(_("geleerde lessen"), blank=True)
    plan_measures = models.ManyToManyField(
        "planning.Measure",
        blank=True,
        related_name="incidents",
        verbose_name=_("maatregelen in het plan"),
    )
    closed_at = models.DateTimeField(_("afgesloten op"), null=True, blank=True)
    closing_note = models.TextField(_("afsluitende toelichting"), blank=True)
    reminder_24_sent_at = models.DateTimeField(_("herinnering na 24 uur"), null=True, blank=True)
    reminder_48_sent_at = models.DateTimeField(_("herinnering na 48 uur"), null=True, blank=True)

    objects = IncidentQuerySet.as_manager()
    scope_area = "privacy"
    # The many-to-many links are added to the snapshots by the services.
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "kind",
        "title",
        "description",
        "severity",
        "status",
        "personal_data",
        "reported_by",
        "reporter_name",
        "handler_name",
        "application_note",
        "occurred_at",
        "discovered_at",
        "processor_application",
        "processor_informed_at",
        "processor_term_hours",
        "aware_at",
        "aware_note",
        "breach_types",
        "data_kinds",
        "subject_groups",
        "people_min",
        "people_max",
        "records_count",
        "consequences",
        "measures_taken",
        "measures_proposed",
        "advice_to_subjects",
        "contact_name",
        "contact_details",
        "subjects_informed_at",
        "subjects_informed_how",
        "cert_tlp",
        "cert_summary",
        "cert_indicators",
        "cert_systems",
        "cert_shared_at",
        "lessons_learned",
        "closed_at",
        "closing_note",
        "reminder_24_sent_at",
        "reminder_48_sent_at",
    ]

    if TYPE_CHECKING:
        timeline: RelatedManager[TimelineEntry]
        notifications: RelatedManager[ApNotification]
        assessment: BreachAssessment
        advice: Advice

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidenten")
        ordering = ["-discovered_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organisation", "kind", "status"], name="incident_org_kind_status"
            ),
            models.Index(fields=["reported_by", "-created_at"], name="incident_reporter"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="incident_has_title"),
            models.CheckConstraint(
                condition=Q(kind__in=IncidentKind.values), name="incident_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=IncidentStatus.values), name="incident_status_known"
            ),
            models.CheckConstraint(
                condition=Q(people_min__isnull=True)
                | Q(people_max__isnull=True)
                | Q(people_min__lte=models.F("people_max")),
                name="incident_people_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.pk])

    @property
    def is_breach(self) -> bool:
        return self.kind == IncidentKind.BREACH

    @property
    def closed(self) -> bool:
        return self.status == IncidentStatus.CLOSED

    @property
    def reached_board_at(self) -> Any:
        """When the breach reached the board: the processor's report, else the discovery."""
        return self.processor_informed_at or self.discovered_at


class Inform(models.TextChoices):
    INDIVIDUAL = "individual", _("Betrokkenen persoonlijk informeren")
    PUBLIC = "public", _("Openbare mededeling in plaats van persoonlijk bericht")
    NONE = "none", _("Betrokkenen niet informeren")


class BreachAssessment(Tracked):
    """The privacy officer's assessment of a breach and the board's decision, with reasoning.

    The answers are the privacy officer's; ``notify_ap`` and ``inform`` follow from them
    (``assessment.decide``) and are stored as decided.
    """

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="assessment", verbose_name=_("incident")
    )
    is_breach = models.BooleanField(_("inbreuk op persoonsgegevens"))
    risk = models.BooleanField(_("waarschijnlijk risico voor betrokkenen"))
    high_risk = models.BooleanField(_("hoog risico voor betrokkenen"))
    unintelligible = models.BooleanField(
        _("gegevens onbegrijpelijk voor anderen (34(3)(a))"), default=False
    )
    risk_removed = models.BooleanField(
        _("hoog risico weggenomen door maatregelen (34(3)(b))"), default=False
    )
    disproportionate = models.BooleanField(_("onevenredige inspanning (34(3)(c))"), default=False)
    factors = models.JSONField(_("afwegingsfactoren"), default=list, blank=True)
    reasoning = models.TextField(_("motivering"))
    notify_ap = models.BooleanField(_("melden bij de AP"))
    inform = models.CharField(_("betrokkenen informeren"), max_length=10, choices=Inform.choices)
    decided_at = models.DateTimeField(_("besloten op"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("besloten door"),
    )
    decided_by_name = models.CharField(_("naam"), max_length=200)

    audit_fields: ClassVar[list[str]] = [
        "incident",
        "is_breach",
        "risk",
        "high_risk",
        "unintelligible",
        "risk_removed",
        "disproportionate",
        "factors",
        "reasoning",
        "notify_ap",
        "inform",
        "decided_at",
        "decided_by",
        "decided_by_name",
    ]

    class Meta:
        verbose_name = _("beoordeling van een datalek")
        verbose_name_plural = _("beoordelingen van datalekken")
        constraints = [
            models.CheckConstraint(condition=~Q(reasoning=""), name="breach_assessment_reasoned"),
        ]

    def __str__(self) -> str:
        return str(_("Beoordeling van %(incident)s") % {"incident": self.incident})

    @property
    def organisation(self) -> Organisation:
        return self.incident.organisation


class Advice(Tracked):
    """The FG's advice on a breach (AVG art. 39): written by the FG only, kept apart."""

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="advice", verbose_name=_("incident")
    )
    text = models.TextField(_("advies"))
    advised_at = models.DateTimeField(_("advies gegeven op"))
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
        "incident",
        "text",
        "advised_at",
        "advised_by",
        "advised_by_name",
    ]

    class Meta:
        verbose_name = _("advies van de FG over een datalek")
        verbose_name_plural = _("adviezen van de FG over datalekken")

    def __str__(self) -> str:
        return str(_("Advies FG bij %(incident)s") % {"incident": self.incident})

    @property
    def organisation(self) -> Organisation:
        return self.incident.organisation


class TimelineEntry(models.Model):
    """One entry of an incident's timeline: what happened when, and who wrote it (append-only)."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("incident")
    )
    at = models.DateTimeField(_("tijdstip"))
    text = models.TextField(_("wat er gebeurde"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    author_name = models.CharField(_("auteur"), max_length=200)
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    audit_fields: ClassVar[list[str]] = ["incident", "at", "text", "author", "author_name"]

    class Meta:
        verbose_name = _("tijdlijnregel")
        verbose_name_plural = _("tijdlijnregels")
        ordering = ["at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="timeline_has_text")]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def organisation(self) -> Organisation:
        return self.incident.organisation


class NotificationKind(models.TextChoices):
    INITIAL = "initial", _("Melding")
    ADDITION = "addition", _("Aanvulling")
    WITHDRAWAL = "withdrawal", _("Intrekking")


class ApNotification(models.Model):
    """One step of the notification to the Autoriteit Persoonsgegevens (append-only).

    The first is the notification itself (its time stops the 72-hour clock); later steps add to
    it or withdraw it. A first notification after the 72 hours carries the reasons for the delay.
    """

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("incident")
    )
    kind = models.CharField(_("soort"), max_length=10, choices=NotificationKind.choices)
    notified_at = models.DateTimeField(_("tijdstip"))
    reference = models.CharField(_("kenmerk van de AP"), max_length=100, blank=True)
    summary = models.TextField(_("inhoud"), blank=True)
    delay_reasons = models.TextField(_("redenen van de vertraging"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vastgelegd door"),
    )
    recorded_by_name = models.CharField(_("vastgelegd door"), max_length=200)
    created_at = models.DateTimeField(_("vastgelegd op"), auto_now_add=True)

    audit_fields: ClassVar[list[str]] = [
        "incident",
        "kind",
        "notified_at",
        "reference",
        "summary",
        "delay_reasons",
        "recorded_by",
        "recorded_by_name",
    ]

    class Meta:
        verbose_name = _("melding aan de AP")
        verbose_name_plural = _("meldingen aan de AP")
        ordering = ["notified_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="ap_notification_kind_known"
            ),
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(kind="initial"),
                name="ap_notification_one_initial",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}".strip()

    @property
    def organisation(self) -> Organisation:
        return self.incident.organisation


class CertContact(Tracked):
    """Where a board's CERT escalations go: per board, or for the whole sector (sector node).

    A board's own contact wins; without one the sector's applies.
    """

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="cert_contact",
        verbose_name=_("organisatie"),
    )
    name = models.CharField(_("naam van de CERT"), max_length=200)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=50, blank=True)
    notes = models.TextField(_("werkwijze en afspraken"), blank=True)

    audit_fields: ClassVar[list[str]] = ["organisation", "name", "email", "phone", "notes"]

    class Meta:
        verbose_name = _("CERT-contact")
        verbose_name_plural = _("CERT-contacten")

    def __str__(self) -> str:
        return self.name
