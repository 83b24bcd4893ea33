"""Demo log analysis for a board: a small, deterministic set of log files run through the real
upload and ingest, so the demo shows sources, an upload report and alerts.

``demo_log_files(folder, now)`` writes a few hundred Entra ID sign-ins of an ordinary school
week (Graph shape) with one brute force on a teacher's account and one impossible travel, an
Entra ID audit log with an administrator role granted, and (when the Microsoft 365 source is
available) a unified audit log with an inbox rule forwarding mail outside the board. The names,
addresses and places are invented; the times end shortly before ``now`` so the sources count as
delivering.

``load_demo_detection(actor, board, uploader)`` uploads them and marks the impossible travel a
false alarm (a VPN), with a note. It does nothing when the board already has uploads.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction

from schildwacht.audit.services import Actor
from schildwacht.detection.engine.sources import sources
from schildwacht.detection.models import AlertStatus, DetectionAlert, LogUpload
from schildwacht.organisations.models import Organisation

DOMAIN = "regenboog.example"
SEED = 2027
# Staff of the demo board: (user name, home city, latitude, longitude).
STAFF = (
    ("anna.devries", "Utrecht", 52.0907, 5.1214),
    ("bram.jansen", "Amersfoort", 52.1561, 5.3878),
    ("chantal.bakker", "Zeist", 52.0894, 5.2319),
    ("daan.visser", "Houten", 52.0285, 5.1681),
    ("eva.smit", "Nieuwegein", 52.0290, 5.0805),
    ("fatima.elamrani", "Utrecht", 52.0907, 5.1214),
    ("gijs.mulder", "De Bilt", 52.1100, 5.1806),
    ("hanna.bos", "Bunnik", 52.0667, 5.1986),
    ("ivo.peters", "Maarssen", 52.1351, 5.0406),
    ("joke.hendriks", "IJsselstein", 52.0203, 5.0442),
    ("kees.vandam", "Utrecht", 52.0907, 5.1214),
    ("lotte.meijer", "Zeist", 52.0894, 5.2319),
)
APPLICATIONS = ("Office 365 Exchange Online", "Microsoft Teams", "Office 365 SharePoint Online")
SCHOOL_IP = "203.0.113.10"  # TEST-NET-3: documentation addresses, never a real network
BRUTE_FORCE_VICTIM = "daan.visser"
TRAVELLER = "eva.smit"
FORWARDER = "ivo.peters"


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(rng: random.Random) -> str:
    return "-".join(
        "".join(rng.choice("0123456789abcdef") for _ in range(size)) for size in (8, 4, 4, 4, 12)
    )


def _sign_in(
    rng: random.Random,
    moment: dt.datetime,
    user: str,
    *,
    ip: str,
    city: str,
    country: str,
    latitude: float,
    longitude: float,
    error: int = 0,
    reason: str = "",
) -> dict[str, Any]:
    """One Entra ID sign-in as the Graph API and the admin centre download it."""
    return {
        "id": _id(rng),
        "createdDateTime": _stamp(moment),
        "userPrincipalName": f"{user}@{DOMAIN}",
        "userDisplayName": user.replace(".", " ").title(),
        "appDisplayName": rng.choice(APPLICATIONS),
        "ipAddress": ip,
        "clientAppUsed": "Browser",
        "authenticationRequirement": "multiFactorAuthentication",
        "status": {"errorCode": error, "failureReason": reason or None},
        "location": {
            "city": city,
            "countryOrRegion": country,
            "geoCoordinates": {"latitude": latitude, "longitude": longitude},
        },
        "deviceDetail": {"displayName": "", "operatingSystem": "Windows 10", "browser": "Edge"},
    }


def _ordinary_week(rng: random.Random, now: dt.datetime) -> list[dict[str, Any]]:
    """Three school days of sign-ins from school and from home, a typo now and then."""
    records = []
    for days_ago in (3, 2, 1):
        day = (now - dt.timedelta(days=days_ago)).replace(hour=7, minute=0, second=0, microsecond=0)
        for user, city, latitude, longitude in STAFF:
            for _ in range(rng.randint(5, 9)):
                moment = day + dt.timedelta(minutes=rng.randint(0, 10 * 60))
                at_school = rng.random() < 0.7
                home_ip = f"198.51.100.{10 + STAFF.index((user, city, latitude, longitude))}"
                place = ("Utrecht", 52.0907, 5.1214) if at_school else (city, latitude, longitude)
                typo = rng.random() < 0.03
                records.append(
                    _sign_in(
                        rng,
                        moment,
                        user,
                        ip=SCHOOL_IP if at_school else home_ip,
                        city=place[0],
                        country="NL",
                        latitude=place[1],
                        longitude=place[2],
                        error=50126 if typo else 0,
                        reason="Invalid username or password." if typo else "",
                    )
                )
    return records


def _attacks(rng: random.Random, now: dt.datetime) -> list[dict[str, Any]]:
    """A brute force on one teacher's account and one impossible journey of another's."""
    records = []
    start = (now - dt.timedelta(days=1)).replace(hour=2, minute=14, second=0, microsecond=0)
    for attempt in range(14):
        records.append(
            _sign_in(
                rng,
                start + dt.timedelta(seconds=20 * attempt),
                BRUTE_FORCE_VICTIM,
                ip="192.0.2.66",
                city="Kyiv",
                country="UA",
                latitude=50.4501,
                longitude=30.5234,
                error=50126,
                reason="Invalid username or password.",
            )
        )
    # In the evening, after the school day: the two sign-ins are the only ones for hours.
    evening = (now - dt.timedelta(days=2)).replace(hour=19, minute=5, second=0, microsecond=0)
    records.append(
        _sign_in(
            rng,
            evening,
            TRAVELLER,
            ip="198.51.100.14",
            city="Nieuwegein",
            country="NL",
            latitude=52.0290,
            longitude=5.0805,
        )
    )
    records.append(
        _sign_in(
            rng,
            evening + dt.timedelta(minutes=40),
            TRAVELLER,
            ip="192.0.2.140",
            city="New York",
            country="US",
            latitude=40.7128,
            longitude=-74.0060,
        )
    )
    return records


def _role_granted(rng: random.Random, now: dt.datetime) -> list[dict[str, Any]]:
    """An Entra ID audit log: routine group changes and one Global Administrator granted."""
    records = []
    for hours_ago in range(60, 6, -6):
        user = rng.choice(STAFF)[0]
        records.append(
            {
                "id": f"Directory_{_id(rng)}",
                "activityDateTime": _stamp(now - dt.timedelta(hours=hours_ago)),
                "activityDisplayName": "Add member to group",
                "category": "GroupManagement",
                "result": "success",
                "loggedByService": "Core Directory",
                "initiatedBy": {"app": {"displayName": "Microsoft School Data Sync"}},
                "targetResources": [
                    {"userPrincipalName": f"{user}@{DOMAIN}", "modifiedProperties": []},
                    {"displayName": "Team groep 8", "modifiedProperties": []},
                ],
            }
        )
    records.append(
        {
            "id": f"Directory_{_id(rng)}",
            "activityDateTime": _stamp(now - dt.timedelta(hours=20)),
            "activityDisplayName": "Add member to role",
            "category": "RoleManagement",
            "result": "success",
            "loggedByService": "Core Directory",
            "initiatedBy": {
                "user": {
                    "userPrincipalName": f"{BRUTE_FORCE_VICTIM}@{DOMAIN}",
                    "ipAddress": "192.0.2.66",
                }
            },
            "targetResources": [
                {
                    "userPrincipalName": f"{BRUTE_FORCE_VICTIM}@{DOMAIN}",
                    "modifiedProperties": [
                        {
                            "displayName": "Role.DisplayName",
                            "oldValue": None,
                            "newValue": '"Global Administrator"',
                        }
                    ],
                }
            ],
        }
    )
    return records


def _forwarding(rng: random.Random, now: dt.datetime) -> list[dict[str, Any]]:
    """A unified audit log record: an inbox rule forwarding everything to a free-mail address."""
    return [
        {
            "CreationTime": (now - dt.timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M:%S"),
            "Id": _id(rng),
            "Operation": "New-InboxRule",
            "RecordType": 1,
            "ResultStatus": "True",
            "UserId": f"{FORWARDER}@{DOMAIN}",
            "UserType": 0,
            "Workload": "Exchange",
            "ClientIP": "192.0.2.77:51234",
            "ObjectId": f"{FORWARDER}\\Archief",
            "Parameters": [
                {"Name": "Name", "Value": "Archief"},
                {"Name": "ForwardTo", "Value": "postvak.archief@freemail.example"},
                {"Name": "MarkAsRead", "Value": "True"},
            ],
        }
    ]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def demo_log_files(folder: Path, now: dt.datetime) -> dict[str, Path]:
    """Write the demo logs into ``folder``; returns source name -> file. The same ``now``
    gives the same files."""
    # Seeded for the same demo every time; nothing secret comes from it.
    rng = random.Random(SEED)  # noqa: S311
    signins = _ordinary_week(rng, now) + _attacks(rng, now)
    signins.sort(key=lambda record: record["createdDateTime"])
    files = {
        "entra-signin": _write(folder / "aanmeldingen.jsonl", signins),
        "entra-audit": _write(folder / "entra-audit.jsonl", _role_granted(rng, now)),
    }
    if "m365-audit" in sources():
        files["m365-audit"] = _write(folder / "m365-audit.jsonl", _forwarding(rng, now))
    return files


def load_demo_detection(actor: Actor, board: Organisation, uploader: Actor | None = None) -> int:
    """Upload and process the demo logs of ``board``; returns the number of uploads made (0 on
    a second run). ``uploader`` is who the uploads are recorded for (default ``actor``)."""
    from schildwacht.detection import services

    if LogUpload.objects.filter(organisation=board).exists():
        return 0
    uploader = uploader or actor
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    made = 0
    with tempfile.TemporaryDirectory(prefix="schildwacht-demo-logs-") as folder:
        for source, path in demo_log_files(Path(folder), now).items():
            # Processed here, by the demo, before the queued task would (it then finds the
            # upload done), so the demo's audit trail is the demo's.
            with transaction.atomic(), path.open("rb") as handle:
                upload = services.upload_log(uploader, board, source, File(handle, name=path.name))
                services.ingest(upload.pk, actor)
            made += 1
    travel = DetectionAlert.objects.filter(
        organisation=board, rule_id="impossible_travel", status=AlertStatus.NEW
    ).first()
    if travel is not None:
        services.change_alert_status(
            actor,
            travel,
            AlertStatus.FALSE_POSITIVE,
            note=(
                "Gecontroleerd met de medewerker: zij gebruikte tijdens de studiereis een "
                "VPN-dienst met een server in New York. Geen misbruik."
            ),
        )
    return made
