"""Reads of the log analysis for pages, the API and the basismaatregelen overview.

Every queryset starts at ``objects.for_user`` (``detection_board_ids``): a board's uploads and
alerts for whoever reads its log analysis, 404 for everyone else. The sources' newest days come
from the event store's manifest (one file read), not from the events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schildwacht.detection.engine.sources import sources
from schildwacht.detection.models import (
    DEFAULT_RETENTION_DAYS,
    OPEN_STATUSES,
    DetectionAlert,
    LogUpload,
    RuleFile,
    Severity,
    SourceSetting,
    UploadStatus,
    detection_board_ids,
    refusal_label,
    source_label,
)
from schildwacht.detection.services.common import event_store
from schildwacht.lib.coverage import Coverage
from schildwacht.organisations.models import Organisation, OrganisationKind

# A source "delivers" when its newest stored day lies within this many days (today included).
FRESH_DAYS = 7

# Dutch titles and descriptions of the rules Schildwacht ships, by rule id; a board's own rules
# are shown as written.
RULE_TEXTS: dict[str, tuple[Any, Any]] = {
    "brute_force": (
        gettext_lazy("Brute force op één account"),
        gettext_lazy(
            "Tien of meer foute wachtwoorden voor één account binnen tien minuten: iemand "
            "probeert het wachtwoord te raden. Kijk of daarna een aanmelding lukte; zo ja, zet "
            "het wachtwoord en de sessies opnieuw."
        ),
    ),
    "password_spray": (
        gettext_lazy("Wachtwoordspray vanaf één adres"),
        gettext_lazy(
            "Foute wachtwoorden voor twintig of meer verschillende accounts vanaf één IP-adres "
            "binnen een uur: een aanvaller probeert een paar veelgebruikte wachtwoorden op veel "
            "accounts."
        ),
    ),
    "mfa_fatigue": (
        gettext_lazy("MFA-moeheid"),
        gettext_lazy(
            "Vijf of meer geweigerde of onbeantwoorde MFA-verzoeken voor één account binnen een "
            "half uur: wie het wachtwoord heeft, blijft verzoeken sturen tot de eigenaar er één "
            "goedkeurt. Wijzig het wachtwoord meteen."
        ),
    ),
    "legacy_auth": (
        gettext_lazy("Aanmelding via verouderde authenticatie"),
        gettext_lazy(
            "Een gelukte aanmelding via een oud protocol (IMAP, POP, SMTP AUTH, ActiveSync, "
            "EWS) dat geen tweede factor kan vragen. Blokkeer verouderde authenticatie en zoek "
            "uit welk apparaat het nog gebruikt."
        ),
    ),
    "impossible_travel": (
        gettext_lazy("Onmogelijke reis"),
        gettext_lazy(
            "Twee gelukte aanmeldingen van één account vanaf plaatsen die zo ver uit elkaar "
            "liggen dat niemand in die tijd kan reizen. Waarschijnlijk gebruikt een ander het "
            "account; een VPN geeft hetzelfde beeld, dus vraag het de gebruiker."
        ),
    ),
    "new_country": (
        gettext_lazy("Aanmelding vanuit een land dat het bestuur niet kent"),
        gettext_lazy(
            "Een gelukte aanmelding vanuit een land waarvandaan het bestuur nog geen vast "
            "patroon van aanmeldingen heeft. Een vakantie geeft hetzelfde beeld; een account "
            "dat vanuit het buitenland wordt gebruikt terwijl de eigenaar op school is, is "
            "overgenomen."
        ),
    ),
    "admin_role_granted": (
        gettext_lazy("Beheerrol toegekend"),
        gettext_lazy(
            "Een account kreeg een beheerrol zoals globale beheerder. Aanvallers geven zichzelf "
            "zo blijvend macht; controleer wie de rol gaf en of dat gepland was."
        ),
    ),
    "google_admin_role_granted": (
        gettext_lazy("Beheerrol in Google Workspace toegekend"),
        gettext_lazy(
            "Een account kreeg een beheerdersrol in Google Workspace. Controleer wie de rol gaf "
            "en of dat gepland was."
        ),
    ),
    "mfa_method_removed": (
        gettext_lazy("MFA-methode verwijderd of uitgeschakeld"),
        gettext_lazy(
            "Een aanmeldmethode van een account is verwijderd of meerstapsverificatie is "
            "uitgezet. Wie een account overneemt, verwijdert de authenticator van de eigenaar; "
            "een reset door de servicedesk ziet er hetzelfde uit, dus vraag het de eigenaar."
        ),
    ),
    "google_mfa_disabled": (
        gettext_lazy("Tweestapsverificatie in Google uitgeschakeld"),
        gettext_lazy(
            "Tweestapsverificatie van een Google-account is uitgezet. Vraag de eigenaar of dat "
            "klopt."
        ),
    ),
    "mailbox_forwarding": (
        gettext_lazy("E-mail doorgestuurd naar een adres buiten het bestuur"),
        gettext_lazy(
            "Een regel of instelling stuurt e-mail door naar een adres buiten het eigen domein: "
            "een bekende stap na het overnemen van een account. Verwijder de regel en onderzoek "
            "het account."
        ),
    ),
    "mass_download": (
        gettext_lazy("Massale download"),
        gettext_lazy(
            "Een account downloadt in korte tijd heel veel bestanden uit OneDrive, SharePoint "
            "of Google Drive: mogelijk verdwijnen leerlingdossiers naar buiten."
        ),
    ),
    "mass_deletion": (
        gettext_lazy("Massale verwijdering"),
        gettext_lazy(
            "Een account verwijdert in korte tijd heel veel bestanden: ransomware of sabotage "
            "ziet er zo uit. Controleer het account en zet bestanden zo nodig terug."
        ),
    ),
}


def rule_title(rule_id: str, title: str) -> str:
    """The Dutch title of a bundled rule; other rules keep their own."""
    texts = RULE_TEXTS.get(rule_id)
    return str(texts[0]) if texts else title


def rule_description(rule_id: str, description: str) -> str:
    texts = RULE_TEXTS.get(rule_id)
    return str(texts[1]) if texts else description


def skip_reason(reason: str) -> str:
    """Why the engine skipped a rule, in Dutch (the engine's own words follow as detail)."""
    text = str(reason)
    if text == "duplicate name":
        return _("Een andere regel heeft al deze naam; geef de regel een eigen naam.")
    known = (
        ("logsource not ingested", _("Schildwacht leest deze logbron niet in")),
        ("cannot read", _("Het bestand is niet te lezen")),
        ("regular expression not supported", _("Deze reguliere expressie werkt niet in DuckDB")),
        ("DuckDB:", _("De zoekopdracht werkt niet in DuckDB")),
        (
            "only 'at least' thresholds",
            _("Alleen drempels 'minstens' (gte, gt, eq) geven signalen"),
        ),
        ("correlation type", _("Dit soort correlatie wordt niet ondersteund")),
        ("correlations of correlations", _("Correlaties van correlaties worden niet ondersteund")),
        ("correlation field aliases", _("Veldaliassen in correlaties worden niet ondersteund")),
        ("unresolved rule reference", _("De correlatie noemt een regel die er niet is")),
        ("window", _("Het venster is geen getal met s, m, h of d")),
    )
    for prefix, meaning in known:
        if prefix in text:
            return f"{meaning} ({text})"
    return _("Niet te gebruiken (%(reason)s)") % {"reason": text}


# Boards and uploads ----------------------------------------------------------------------------


def board_of(organisation: Organisation | None) -> Organisation | None:
    """The board an organisation belongs to (a school's parent), None for the sector."""
    if organisation is None:
        return None
    if organisation.kind == OrganisationKind.SCHOOL:
        return organisation.parent
    if organisation.kind == OrganisationKind.BOARD:
        return organisation
    return None


def readable_board(
    user: Any, organisation: Organisation | None, action: str = "view"
) -> Organisation:
    """The board of ``organisation`` if ``user`` may ``action`` its log analysis, else Http404."""
    board = board_of(organisation)
    if board is None or board.pk not in detection_board_ids(user, action):
        raise Http404
    return board


def uploads_for_user(user: Any, board: Organisation) -> QuerySet[LogUpload]:
    return (
        LogUpload.objects.for_user(user)
        .filter(organisation=board)
        .select_related("uploaded_by")
        .order_by("-created_at", "-pk")
    )


def upload_for_user(user: Any, pk: int) -> LogUpload:
    upload = (
        LogUpload.objects.for_user(user)
        .select_related("organisation", "uploaded_by")
        .filter(pk=pk)
        .first()
    )
    if upload is None:
        raise Http404
    return upload


@dataclass(frozen=True)
class RefusalRow:
    record: int | None
    reason: str
    detail: str


def refusal_rows(upload: LogUpload, part: str = "refusals") -> list[RefusalRow]:
    """The refused records of an upload's report (``part="notices"``: the warnings about
    records that were kept), with the Dutch reason."""
    rows = []
    for item in (upload.report or {}).get(part, []):
        rows.append(
            RefusalRow(
                record=item.get("record"),
                reason=refusal_label(str(item.get("code", ""))),
                detail=str(item.get("detail", "")),
            )
        )
    return rows


# Alerts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertFilter:
    status: str = ""
    severity: str = ""
    rule_id: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    open_only: bool = False


def alerts_for_user(
    user: Any, board: Organisation, action: str = "view"
) -> QuerySet[DetectionAlert]:
    return (
        DetectionAlert.objects.for_user(user, action)
        .filter(organisation=board)
        .select_related("incident")
        .order_by("-last_seen", "-pk")
    )


def filter_alerts(
    alerts: QuerySet[DetectionAlert], selection: AlertFilter
) -> QuerySet[DetectionAlert]:
    if selection.status:
        alerts = alerts.filter(status=selection.status)
    if selection.open_only:
        alerts = alerts.filter(status__in=OPEN_STATUSES)
    if selection.severity:
        alerts = alerts.filter(severity=selection.severity)
    if selection.rule_id:
        alerts = alerts.filter(rule_id=selection.rule_id)
    if selection.since:
        alerts = alerts.filter(last_seen__gte=selection.since)
    if selection.until:
        alerts = alerts.filter(first_seen__lt=selection.until)
    return alerts


def alert_for_user(user: Any, pk: int, action: str = "view") -> DetectionAlert:
    alert = (
        DetectionAlert.objects.for_user(user, action)
        .select_related("organisation", "incident", "handled_by", "upload")
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise Http404
    return alert


def rule_choices(user: Any, board: Organisation) -> list[tuple[str, str]]:
    """The rules that raised alerts for the board (for the filter), by their shown title."""
    rows = (
        DetectionAlert.objects.for_user(user)
        .filter(organisation=board)
        .values_list("rule_id", "title")
        .distinct()
        .order_by("rule_id")
    )
    titles: dict[str, str] = {}
    for rule_id, title in rows:
        titles.setdefault(rule_id, rule_title(rule_id, title))
    return sorted(titles.items(), key=lambda item: item[1].lower())


def open_alert_counts(user: Any, board: Organisation) -> list[tuple[str, str, int]]:
    """Open alerts (new or being handled) per severity, most severe first, in one query."""
    counts = dict(
        DetectionAlert.objects.for_user(user)
        .filter(organisation=board, status__in=OPEN_STATUSES)
        .values_list("severity")
        .annotate(total=Count("pk"))
        .values_list("severity", "total")
    )
    return [
        (severity.value, str(severity.label), counts.get(severity.value, 0))
        for severity in reversed(Severity)
    ]


# Sources ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    """One log source of a board on the overview: newest day stored, retention, whether it is
    switched on and whether it delivered within ``FRESH_DAYS``."""

    source: str
    label: str
    newest_day: dt.date | None
    retention_days: int
    enabled: bool
    configured: bool
    fresh: bool


def source_rows(board: Organisation, today: dt.date | None = None) -> list[SourceRow]:
    """The board's sources: every one it set up or has events of (then the others it could)."""
    today = today or timezone.localdate()
    latest = event_store(board).latest()
    settings = {s.source: s for s in SourceSetting.objects.filter(organisation=board)}
    names = sorted(set(settings) | set(latest), key=source_label)
    rows = []
    for name in names:
        setting = settings.get(name)
        newest = latest.get(name)
        rows.append(
            SourceRow(
                source=name,
                label=source_label(name),
                newest_day=newest,
                retention_days=setting.retention_days if setting else DEFAULT_RETENTION_DAYS,
                enabled=setting.enabled if setting else True,
                configured=setting is not None,
                fresh=newest is not None and newest > today - dt.timedelta(days=FRESH_DAYS),
            )
        )
    return rows


def log_sources(user: Any, organisation: Organisation, today: dt.date | None = None) -> Coverage:
    """Basismaatregel 10: of the log sources the board set up (switched on, or with stored
    events and not switched off), how many delivered events within the last seven days.

    Counted for the board of ``organisation``, as ``user`` may read its log analysis (nothing
    to count otherwise). One query and one manifest read.
    """
    board = board_of(organisation)
    if board is None or board.pk not in detection_board_ids(user, "view"):
        return Coverage(covered=0, total=0)
    rows = [row for row in source_rows(board, today) if row.enabled]
    return Coverage(covered=sum(1 for row in rows if row.fresh), total=len(rows))


def available_sources() -> list[tuple[str, str]]:
    """The sources the engine reads, for the upload form, by their Dutch name."""
    return sorted(((name, source_label(name)) for name in sources()), key=lambda item: item[1])


# Rule files ------------------------------------------------------------------------------------


def rule_files_for_user(user: Any, organisation: Organisation) -> QuerySet[RuleFile]:
    """The rule files that run for ``organisation`` (a board: the sector's and its own; the
    sector: its own), as far as ``user`` reads them."""
    owners = Q(organisation=organisation)
    if organisation.kind == OrganisationKind.BOARD and organisation.parent_id:
        owners |= Q(organisation_id=organisation.parent_id)
    return (
        RuleFile.objects.for_user(user)
        .filter(owners)
        .select_related("organisation", "uploaded_by")
        .order_by("organisation__path", "name", "pk")
    )


def rule_file_for_user(user: Any, pk: int, action: str = "view") -> RuleFile:
    rule_file = (
        RuleFile.objects.for_user(user, action)
        .select_related("organisation", "uploaded_by")
        .filter(pk=pk)
        .first()
    )
    if rule_file is None:
        raise Http404
    return rule_file


@dataclass(frozen=True)
class RuleInfo:
    """What the alert page says about the rule: its title and description, where it comes from."""

    rule_id: str
    title: str
    description: str
    origin: str
    bundled: bool


def rule_info(board: Organisation, rule_id: str, title: str) -> RuleInfo:
    """The rule behind an alert: a bundled one (in Dutch), or one of the board's or sector's
    rule files (as written); a rule no longer in the pack keeps the alert's title."""
    from schildwacht.detection.services.rules import bundled_rules

    for rule in bundled_rules():
        if rule.rule_id == rule_id:
            return RuleInfo(
                rule_id,
                rule_title(rule_id, rule.title),
                rule_description(rule_id, rule.description),
                _("meegeleverd met Schildwacht"),
                True,
            )
    owners = [board.pk] + ([board.parent_id] if board.parent_id else [])
    for rule_file in RuleFile.objects.filter(organisation_id__in=owners).order_by(
        "-organisation__kind", "name"
    ):
        for item in rule_file.rules or []:
            if item.get("rule_id") == rule_id:
                return RuleInfo(
                    rule_id,
                    str(item.get("title") or title),
                    str(item.get("description") or ""),
                    _("regelbestand “%(name)s”") % {"name": rule_file.name},
                    False,
                )
    return RuleInfo(rule_id, title, "", _("niet meer in het regelpakket"), False)


def recent_uploads(user: Any, board: Organisation, limit: int = 5) -> list[LogUpload]:
    return list(uploads_for_user(user, board)[:limit])


def has_unfinished(uploads: list[LogUpload]) -> bool:
    return any(u.status in (UploadStatus.QUEUED, UploadStatus.RUNNING) for u in uploads)
