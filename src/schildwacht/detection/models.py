"""Log analysis of a board: uploaded log files, the alerts the rules raise, the board's own
Sigma rule files, retention per log source, and the lock that keeps writers of one board's
event store apart.

Who reads what (written once, in ``detection_board_ids``): log analysis watches the sign-ins
and actions of the whole board's staff and pupils, so only roles held on the board itself read
it: the board member, the IBP coordinator, the privacy officer and the auditor (``view:all`` on
the board node). A school leader reads board-wide items elsewhere (``reads_up``), but not these:
the logs of colleagues at other schools are none of a school's business, and a school leader's
own staff are watched too (404). The FG (``view:privacy`` only) has no access: the board may
show the FG what a DPIA needs without opening the logs. Writing (upload, triage, rule files,
retention) takes ``change:all`` on the board: the IBP coordinator. The sector curator keeps the
sector's rule files (``manage:catalogues``) and never reads a board's logs or alerts.

The events themselves are not in the database: they are Parquet files per board, source and
day under ``SCHILDWACHT_HOME/detection/events/<board>/`` (``engine.storage.EventStore``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.roles import Role, is_sector_role, role_definitions, role_grants
from schildwacht.organisations.scoping import (
    ScopedQuerySet,
    memberships,
    organisation_ids,
    sector_ids,
)

DEFAULT_RETENTION_DAYS = 180
MAX_RETENTION_DAYS = 3650


class UploadStatus(models.TextChoices):
    QUEUED = "queued", _("In de wachtrij")
    RUNNING = "running", _("Bezig")
    DONE = "done", _("Klaar")
    FAILED = "failed", _("Mislukt")


class UploadStep(models.TextChoices):
    """What the worker is doing with an upload, shown beside the progress bar."""

    WAITING = "waiting", _("Wacht op de verwerking")
    READING = "reading", _("Bestand lezen")
    STORING = "storing", _("Gebeurtenissen opslaan")
    DETECTING = "detecting", _("Regels uitvoeren")
    DONE = "done", _("Klaar")


class Severity(models.TextChoices):
    """The Sigma levels, lowest first."""

    INFORMATIONAL = "informational", _("Informatief")
    LOW = "low", _("Laag")
    MEDIUM = "medium", _("Midden")
    HIGH = "high", _("Hoog")
    CRITICAL = "critical", _("Kritiek")


class AlertStatus(models.TextChoices):
    NEW = "new", _("Nieuw")
    TRIAGED = "triaged", _("In behandeling")
    FALSE_POSITIVE = "false_positive", _("Vals alarm")
    INCIDENT = "incident", _("Incident")


# Alerts still waiting for someone: counted on the overview and in the e-mail.
OPEN_STATUSES = (AlertStatus.NEW, AlertStatus.TRIAGED)

# The log sources by their engine name, as the board's staff know them.
SOURCE_LABELS: dict[str, Any] = {
    "entra-signin": _("Microsoft Entra ID – aanmeldingen"),
    "entra-audit": _("Microsoft Entra ID – auditlog"),
    "m365-audit": _("Microsoft 365 – auditlog (Exchange, SharePoint, OneDrive)"),
    "google-login": _("Google Workspace – aanmeldingen"),
    "google-admin": _("Google Workspace – beheerlog"),
    "google-drive": _("Google Workspace – Drive-log"),
    "google-user-accounts": _("Google Workspace – gebruikersaccounts"),
    "windows-security": _("Windows – beveiligingslog"),
    "syslog": _("Syslog (Linux, netwerkapparatuur)"),
}

# Why a record of a log file was refused, by the engine's code (``reading.REFUSAL_CODES``).
REFUSAL_LABELS: dict[str, Any] = {
    "empty": _("het bestand bevat geen regels"),
    "invalid_json": _("geen geldige JSON"),
    "not_utf8": _("bevat tekens die geen UTF-8 zijn"),
    "too_large": _("regel is groter dan de grens van 64 MB"),
    "truncated": _("het bestand houdt midden in deze regel op (afgebroken)"),
    "not_object": _("geen JSON-object"),
    "wrong_source": _("geen regel van deze logbron (is de juiste bron gekozen?)"),
    "no_time": _("geen leesbaar tijdstip"),
    "damaged": _("beschadigde regel"),
    "checksum": _(
        "de controlesom klopt niet: de regels zijn gelezen, maar kunnen achteraf gewijzigd zijn"
    ),
    "unreadable": _("het bestand is niet te lezen"),
    "invalid_syslog": _("geen syslogregel (RFC 3164 of RFC 5424)"),
}


def source_label(name: str) -> str:
    """The Dutch name of a log source; an unknown one is shown by its engine name."""
    return str(SOURCE_LABELS.get(name, name))


def refusal_label(code: str) -> str:
    return str(REFUSAL_LABELS.get(code, code))


def _held_on_boards(user: Any, action: str) -> frozenset[int]:
    """Boards where ``user`` holds, on the board node itself, a role granting ``<action>:all``
    that is not a school role (``reads_up``).

    Read from the memberships ``scoping`` already cached for the request (the menu asks on
    every page and must not cost a query). A board's path names two nodes ("/sector/board/"):
    the tree is always sector, board, school (``Organisation.clean``).
    """
    return frozenset(
        org_id
        for role, path, org_id, _parent in memberships(user)
        if not is_sector_role(role)
        and path.strip("/").count("/") == 1
        and role_grants(role, action, "all")
        and not role_definitions()[Role(role)].reads_up
    )


def detection_board_ids(user: Any, action: str = "view") -> frozenset[int]:
    """Boards whose log analysis ``user`` may ``action`` ("view" or "change"); the one rule.

    A role granting ``<action>:all`` held on the board node itself, and not a school role
    (``reads_up``) even when someone holds one there; within what ``organisation_ids`` allows,
    so an API token narrows it like every other scope (read-only tokens never change).
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return _held_on_boards(user, action) & organisation_ids(user, action, "all")


def may_read_detection(user: Any) -> bool:
    """Whether the menu shows the log analysis: a board role that reads it (no query)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(_held_on_boards(user, "view"))


def rule_file_ids(user: Any, action: str = "view") -> frozenset[int]:
    """Organisations whose rule files ``user`` may ``action``: the boards of
    ``detection_board_ids``; for reading also the sector above them (its files run for every
    board); and the sector nodes the user curates (``manage:catalogues``)."""
    boards = detection_board_ids(user, action)
    ids = set(boards) | set(sector_ids(user, "manage", "catalogues"))
    if action == "view" and boards:
        ids |= set(
            Organisation.objects.filter(pk__in=boards, parent__isnull=False).values_list(
                "parent_id", flat=True
            )
        )
    return frozenset(ids)


class BoardQuerySet(ScopedQuerySet[Any]):
    """Items of a board's log analysis, scoped by ``detection_board_ids``."""

    def for_user(self, user: Any, action: str = "view") -> BoardQuerySet:
        return self.filter(organisation_id__in=detection_board_ids(user, action))


class RuleFileQuerySet(ScopedQuerySet["RuleFile"]):
    def for_user(self, user: Any, action: str = "view") -> RuleFileQuerySet:
        return self.filter(organisation_id__in=rule_file_ids(user, action))


class LogUpload(models.Model):
    """One log file a board uploaded: where it is, what the worker made of it and how far it is.

    The file is stored by its content (SHA-256) under ``SCHILDWACHT_HOME/detection/uploads/
    <board>/`` until it is processed. ``report`` holds what reading gave: records read, events
    stored, duplicates, refused records (the first 100 with their line and reason code) and the
    shapes recognised.
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="log_uploads",
        verbose_name=_("bestuur"),
    )
    source = models.CharField(_("logbron"), max_length=40)
    file_name = models.CharField(_("bestandsnaam"), max_length=255)
    stored_path = models.CharField(_("opgeslagen als"), max_length=500)
    size = models.PositiveBigIntegerField(_("grootte (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=UploadStatus.choices, default=UploadStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("voortgang (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    step = models.CharField(
        _("stap"), max_length=10, choices=UploadStep.choices, default=UploadStep.WAITING
    )
    report = models.JSONField(_("verslag"), default=dict, blank=True)
    events_stored = models.PositiveBigIntegerField(_("opgeslagen gebeurtenissen"), default=0)
    alerts_created = models.PositiveIntegerField(_("nieuwe signalen"), default=0)
    alerts_updated = models.PositiveIntegerField(_("bijgewerkte signalen"), default=0)
    error = models.TextField(_("foutmelding"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("geüpload door"),
    )
    started_at = models.DateTimeField(_("gestart op"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    created_at = models.DateTimeField(_("geüpload op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = BoardQuerySet.as_manager()
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "source",
        "file_name",
        "size",
        "sha256",
        "status",
        "events_stored",
        "alerts_created",
        "alerts_updated",
        "error",
        "attempts",
        "uploaded_by",
    ]

    class Meta:
        verbose_name = _("logupload")
        verbose_name_plural = _("loguploads")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="logupload_org_created"),
            models.Index(fields=["status", "created_at"], name="logupload_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=UploadStatus.values), name="logupload_status_known"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="logupload_progress_max"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({source_label(self.source)})"

    def get_absolute_url(self) -> str:
        return reverse("detection:upload_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (UploadStatus.DONE, UploadStatus.FAILED)

    @property
    def source_label(self) -> str:
        return source_label(self.source)


class DetectionAlert(models.Model):
    """An alert a rule raised over a board's events, and how the board handled it.

    One alert stands for one rule and one entity (the account, address or device it is about)
    over a span of time; a later run whose matches overlap that span (or lie within the rule's
    window of it) updates the alert instead of adding one. ``sample`` holds up to ten of the
    matching events as normalised columns (never the raw record).
    """

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="detection_alerts",
        verbose_name=_("bestuur"),
    )
    rule_id = models.CharField(_("regel"), max_length=200)
    title = models.CharField(_("titel"), max_length=300)
    severity = models.CharField(_("ernst"), max_length=15, choices=Severity.choices)
    kind = models.CharField(_("soort regel"), max_length=20)
    entity = models.CharField(_("over"), max_length=500)
    first_seen = models.DateTimeField(_("eerste gebeurtenis"))
    last_seen = models.DateTimeField(_("laatste gebeurtenis"))
    count = models.PositiveIntegerField(_("aantal gebeurtenissen"))
    sample = models.JSONField(_("voorbeeldgebeurtenissen"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=AlertStatus.choices, default=AlertStatus.NEW
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="detection_alerts",
        verbose_name=_("incident"),
    )
    note = models.TextField(_("toelichting"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("behandeld door"),
    )
    handled_at = models.DateTimeField(_("behandeld op"), null=True, blank=True)
    upload = models.ForeignKey(
        LogUpload,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("gevonden bij upload"),
    )
    created_at = models.DateTimeField(_("gevonden op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = BoardQuerySet.as_manager()
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "rule_id",
        "title",
        "severity",
        "kind",
        "entity",
        "first_seen",
        "last_seen",
        "count",
        "status",
        "incident",
        "note",
        "handled_by",
    ]

    class Meta:
        verbose_name = _("signaal")
        verbose_name_plural = _("signalen")
        ordering = ["-last_seen", "-pk"]
        indexes = [
            models.Index(
                fields=["organisation", "status", "severity"], name="alert_org_status_severity"
            ),
            models.Index(
                fields=["organisation", "rule_id", "entity", "last_seen"], name="alert_merge"
            ),
            models.Index(fields=["organisation", "-last_seen"], name="alert_org_last_seen"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AlertStatus.values), name="alert_status_known"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="alert_severity_known"
            ),
            models.CheckConstraint(
                condition=Q(first_seen__lte=models.F("last_seen")), name="alert_span_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}: {self.entity}"[:200]

    def get_absolute_url(self) -> str:
        return reverse("detection:alert_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RuleFile(models.Model):
    """A Sigma rule file a board added to its rule pack, or the sector curator added for every
    board (on the sector node). The last check says which rules were taken and which were
    skipped, and why."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="detection_rule_files",
        verbose_name=_("organisatie"),
    )
    name = models.CharField(_("naam"), max_length=200)
    content = models.TextField(_("inhoud (YAML)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rules = models.JSONField(_("opgenomen regels"), default=list, blank=True)
    skipped = models.JSONField(_("overgeslagen regels"), default=list, blank=True)
    checked_at = models.DateTimeField(_("gecontroleerd op"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("toegevoegd door"),
    )
    created_at = models.DateTimeField(_("toegevoegd op"), auto_now_add=True)
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = RuleFileQuerySet.as_manager()
    audit_fields: ClassVar[list[str]] = [
        "organisation",
        "name",
        "sha256",
        "rules",
        "skipped",
        "uploaded_by",
    ]

    class Meta:
        verbose_name = _("regelbestand")
        verbose_name_plural = _("regelbestanden")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint("organisation", Lower("name"), name="rulefile_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("detection:rule_file", args=[self.pk])

    @property
    def is_sector(self) -> bool:
        return self.organisation.kind == OrganisationKind.SECTOR


class SourceSetting(models.Model):
    """A board's setting for one log source: whether it is expected to deliver logs (the
    basismaatregel-10 figure counts it) and how many days its events are kept."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="detection_sources",
        verbose_name=_("bestuur"),
    )
    source = models.CharField(_("logbron"), max_length=40)
    retention_days = models.PositiveIntegerField(
        _("bewaartermijn (dagen)"),
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)],
    )
    enabled = models.BooleanField(_("in gebruik"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BoardQuerySet.as_manager()
    audit_fields: ClassVar[list[str]] = ["organisation", "source", "retention_days", "enabled"]

    class Meta:
        verbose_name = _("instelling van een logbron")
        verbose_name_plural = _("instellingen van logbronnen")
        ordering = ["source"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "source"], name="source_setting_once"),
            models.CheckConstraint(
                condition=Q(retention_days__gte=1, retention_days__lte=MAX_RETENTION_DAYS),
                name="source_setting_retention_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{source_label(self.source)}: {self.retention_days}"

    @property
    def source_label(self) -> str:
        return source_label(self.source)


class IngestLock(models.Model):
    """The lease on one board's event store: whoever holds it (a random token) may write the
    store (ingest, compaction, purge) until ``leased_until``, and renews it while working.

    Taken with one conditional UPDATE (free, or the lease ran out), so it works the same on
    SQLite and PostgreSQL and no transaction stays open while DuckDB works.
    """

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="ingest_lock",
        verbose_name=_("bestuur"),
    )
    holder = models.CharField(_("houder"), max_length=64, blank=True, default="")
    leased_until = models.DateTimeField(_("vastgehouden tot"), null=True, blank=True)
    taken_at = models.DateTimeField(_("genomen op"), null=True, blank=True)

    class Meta:
        verbose_name = _("verwerkingsslot")
        verbose_name_plural = _("verwerkingssloten")

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.holder or '-'}"
