"""Generate realistic school log files with injected attacks (issue 6).

The output feeds the log-detection benchmark (a million Entra ID sign-ins, about 1.4 GB of
JSON lines) and the detection tests at small scale: every injected attack must be found and
the benign background must raise no alert. Everything comes from ``random.Random`` seeded by
``--seed`` and the time range ends on a fixed date, so the same options give byte-identical
files (ids are built from the seeded generator, never from ``uuid4``).

The board is SYNTHETIC: a po/vo board "Stichting Scholengroep Voorbeeld" with about twenty
schools in Dutch cities, staff (``firstname.lastname@``) and pupils (``l123456@``). Each school
signs in from one NAT'ed public address; staff and pupils also from home (one consumer ISP
address per person) and staff from mobile networks. A few staff commute from Belgium and
Germany and sign in from home every day from the first day on.

Files written to the output folder:

- ``signins.jsonl`` (``.jsonl.gz`` with ``--gzip``): Entra ID sign-ins sorted by time, in one
  of three shapes with the same logical records: ``graph`` (Graph API / admin centre
  download), ``monitor`` (Azure Monitor diagnostic export) or ``analytics`` (Log Analytics
  ``SigninLogs`` export);
- with ``--audit-events N``: ``entra-audit.jsonl`` (Graph ``directoryAudits``) and
  ``m365-audit.jsonl`` (unified audit log ``AuditData``), N records each;
- ``truth.json``: the injected attacks, one ``{rule, source, entity, start, end, events}`` each.

Usage::

    .venv/bin/python bench/generate_logs.py /tmp/gen --events 20000 --audit-events 5000
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import gzip as gzip_lib
import heapq
import json
import math
import random
import sys
import time
from bisect import bisect
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import IO, Any

# The last day covered. Fixed, not "today", so the output is reproducible.
END_DATE = dt.date(2026, 10, 30)
DOMAIN = "scholengroep-voorbeeld.nl"
TENANT_DOMAIN = "scholengroepvoorbeeld.onmicrosoft.com"
SHAREPOINT = "https://scholengroepvoorbeeld.sharepoint.com"
MYSITE = "https://scholengroepvoorbeeld-my.sharepoint.com"
SHAPES = ("graph", "monitor", "analytics")

TICKS = 10_000_000  # 100-ns ticks per second: Entra's timestamps carry seven digits
MINUTE = 60 * TICKS
HOUR = 3600 * TICKS
DAY = 24 * HOUR
WARMUP_DAYS = 7  # attacks only after this, so detectors can learn the board first
STAFF_SHARE = 0.15
FAILURE_RATE = 0.03
MIN_ACCOUNTS = 100
MIN_AUDIT_EVENTS = 1500

# Background limits, kept well below every rule's threshold: failures per account per 10
# minutes (brute force: 10), distinct accounts with a wrong password per address per hour
# (spray: 20), and one MFA denial per account per day (fatigue: 5 in 30 minutes). The windows
# are a second wider than they say, so the limits also hold at whole-second precision.
SLACK = TICKS
MAX_USER_FAILURES = 3
MAX_IP_WRONG_PASSWORD_ACCOUNTS = 9
MAX_BULK_FILE_OPS = 20  # downloads or deletions per user per 10 minutes (rule: 100)

# Instances of each injected attack.
SIGNIN_ATTACKS = {
    "brute_force": 5,
    "password_spray": 4,
    "mfa_fatigue": 5,
    "impossible_travel": 4,
    "new_country": 4,
    "legacy_auth": 5,
}
ENTRA_AUDIT_ATTACKS = {"admin_role_granted": 3, "mfa_method_removed": 4}
MAILBOX_FORWARDS = 4

# Dutch school holidays (regio noord/midden) around the default range; weekdays in them are
# quiet like weekends.
HOLIDAYS = (
    (dt.date(2025, 12, 20), dt.date(2026, 1, 4)),
    (dt.date(2026, 2, 14), dt.date(2026, 2, 22)),
    (dt.date(2026, 4, 25), dt.date(2026, 5, 3)),
    (dt.date(2026, 7, 4), dt.date(2026, 8, 16)),
    (dt.date(2026, 10, 17), dt.date(2026, 10, 25)),
    (dt.date(2026, 12, 19), dt.date(2027, 1, 3)),
)
# Relative sign-in volume per local hour: a school day peaks 7:30-17:00, with homework and
# e-mail in the evening; weekends and holidays are flat and low.
SCHOOL_DAY_HOURS = (
    *(0.3, 0.15, 0.1, 0.1, 0.15, 0.4),  # 00-05
    *(1.5, 5, 12, 11, 10, 9.5),  # 06-11
    *(9, 10, 9, 8, 5.5, 3.5),  # 12-17
    *(3, 3.5, 3.5, 2.8, 1.5, 0.7),  # 18-23
)
QUIET_DAY_HOURS = (
    *(0.15, 0.08, 0.04, 0.04, 0.04, 0.08),
    *(0.12, 0.25, 0.4, 0.6, 0.7, 0.7),
    *(0.7, 0.7, 0.7, 0.7, 0.7, 0.7),
    *(0.65, 0.9, 1.0, 0.9, 0.5, 0.3),
)
HOLIDAY_FACTOR = 1.2  # a holiday weekday is a little busier than a weekend day

# city, province, latitude, longitude
NL_CITIES = (
    ("Amsterdam", "Noord-Holland", 52.3676, 4.9041),
    ("Rotterdam", "Zuid-Holland", 51.9244, 4.4777),
    ("Den Haag", "Zuid-Holland", 52.0705, 4.3007),
    ("Utrecht", "Utrecht", 52.0907, 5.1214),
    ("Eindhoven", "Noord-Brabant", 51.4416, 5.4697),
    ("Groningen", "Groningen", 53.2194, 6.5665),
    ("Zwolle", "Overijssel", 52.5168, 6.0830),
    ("Tilburg", "Noord-Brabant", 51.5555, 5.0913),
    ("Breda", "Noord-Brabant", 51.5719, 4.7683),
    ("Nijmegen", "Gelderland", 51.8126, 5.8372),
    ("Arnhem", "Gelderland", 51.9851, 5.8987),
    ("Enschede", "Overijssel", 52.2215, 6.8937),
    ("Apeldoorn", "Gelderland", 52.2112, 5.9699),
    ("Haarlem", "Noord-Holland", 52.3874, 4.6462),
    ("Amersfoort", "Utrecht", 52.1561, 5.3878),
    ("Maastricht", "Limburg", 50.8514, 5.6910),
    ("Leiden", "Zuid-Holland", 52.1601, 4.4970),
    ("Dordrecht", "Zuid-Holland", 51.8133, 4.6901),
    ("Zoetermeer", "Zuid-Holland", 52.0575, 4.4931),
    ("Almere", "Flevoland", 52.3508, 5.2647),
    ("'s-Hertogenbosch", "Noord-Brabant", 51.6978, 5.3037),
    ("Leeuwarden", "Friesland", 53.2012, 5.7999),
    ("Assen", "Drenthe", 52.9925, 6.5649),
    ("Deventer", "Overijssel", 52.2661, 6.1552),
    ("Heerlen", "Limburg", 50.8882, 5.9795),
    ("Venlo", "Limburg", 51.3704, 6.1724),
    ("Alkmaar", "Noord-Holland", 52.6324, 4.7534),
    ("Hilversum", "Noord-Holland", 52.2292, 5.1669),
    ("Gouda", "Zuid-Holland", 52.0116, 4.7105),
    ("Emmen", "Drenthe", 52.7792, 6.9069),
    ("Roosendaal", "Noord-Brabant", 51.5308, 4.4653),
    ("Helmond", "Noord-Brabant", 51.4793, 5.6570),
    ("Ede", "Gelderland", 52.0402, 5.6649),
    ("Lelystad", "Flevoland", 52.5185, 5.4714),
    ("Sittard", "Limburg", 50.9983, 5.8693),
    ("Drachten", "Friesland", 53.1030, 6.0989),
)
# name, kind (po = primary, vo = secondary), city
SCHOOLS = (
    ("OBS De Regenboog", "po", "Amsterdam"),
    ("Voorbeeld College Amsterdam", "vo", "Amsterdam"),
    ("CBS Het Kompas", "po", "Utrecht"),
    ("Stedelijk Lyceum Voorbeeld", "vo", "Utrecht"),
    ("Basisschool De Wilgenhoek", "po", "Rotterdam"),
    ("Scholengemeenschap De Brug", "vo", "Rotterdam"),
    ("OBS De Vlieger", "po", "Den Haag"),
    ("Christelijk College De Pijler", "vo", "Zwolle"),
    ("IKC De Boomgaard", "po", "Eindhoven"),
    ("Technasium Voorbeeld Eindhoven", "vo", "Eindhoven"),
    ("OBS Het Palet", "po", "Groningen"),
    ("Gymnasium Voorbeeld", "vo", "Groningen"),
    ("CBS De Morgenster", "po", "Tilburg"),
    ("Vakcollege De Werf", "vo", "Breda"),
    ("Montessorischool De Linde", "po", "Nijmegen"),
    ("Jenaplanschool De Horizon", "po", "Arnhem"),
    ("Het Baken Mavo", "vo", "Enschede"),
    ("KBS Sint Jozef", "po", "Maastricht"),
    ("Daltonschool De Sterrenwachter", "po", "Amersfoort"),
    ("OBS De Zeven Provincien", "po", "Haarlem"),
)
# Staff of a school in these cities may live across the border (the commuters).
COMMUTER_HOMES = {
    "Breda": (("Antwerpen", "Vlaanderen", "BE", 51.2194, 4.4025),),
    "Tilburg": (("Turnhout", "Vlaanderen", "BE", 51.3227, 4.9447),),
    "Eindhoven": (("Turnhout", "Vlaanderen", "BE", 51.3227, 4.9447),),
    "Maastricht": (
        ("Lanaken", "Vlaanderen", "BE", 50.8931, 5.6466),
        ("Aachen", "Nordrhein-Westfalen", "DE", 50.7753, 6.0839),
    ),
    "Nijmegen": (("Kleve", "Nordrhein-Westfalen", "DE", 51.7890, 6.1386),),
    "Enschede": (("Gronau", "Nordrhein-Westfalen", "DE", 52.2125, 7.0228),),
    "Groningen": (("Leer", "Niedersachsen", "DE", 53.2311, 7.4611),),
}
# Failed attacks come from hosting networks abroad: city, state, country, lat, lon, ASN, prefix.
ATTACK_ORIGINS = (
    ("Ashburn", "Virginia", "US", 39.0438, -77.4874, 14618, "3.80.0.0/12"),
    ("Singapore", "Singapore", "SG", 1.3521, 103.8198, 16509, "13.212.0.0/14"),
    ("Seoul", "Seoul", "KR", 37.5665, 126.9780, 4766, "121.128.0.0/10"),
    ("Bucharest", "Bucuresti", "RO", 44.4268, 26.1025, 9009, "185.107.80.0/22"),
    ("Kyiv", "Kyiv City", "UA", 50.4501, 30.5234, 15895, "46.200.0.0/13"),
    ("Hong Kong", "Hong Kong", "HK", 22.3193, 114.1694, 4760, "112.118.0.0/15"),
    ("Istanbul", "Istanbul", "TR", 41.0082, 28.9784, 9121, "85.96.0.0/12"),
)
# Successful sign-ins from far away (new country, impossible travel); each used once, so each
# is a country the board has never seen. Disjoint from ATTACK_ORIGINS on purpose.
FAR_ORIGINS = (
    ("Lagos", "Lagos", "NG", 6.5244, 3.3792, 29465, "105.112.0.0/12"),
    ("São Paulo", "São Paulo", "BR", -23.5505, -46.6333, 28573, "177.32.0.0/11"),
    ("Moscow", "Moscow", "RU", 55.7558, 37.6173, 12389, "95.24.0.0/13"),
    ("Shanghai", "Shanghai", "CN", 31.2304, 121.4737, 4812, "101.80.0.0/12"),
    ("Ho Chi Minh City", "Ho Chi Minh", "VN", 10.8231, 106.6297, 7552, "113.160.0.0/11"),
    ("Jakarta", "Jakarta", "ID", -6.2088, 106.8456, 7713, "36.64.0.0/11"),
    ("Mumbai", "Maharashtra", "IN", 19.0760, 72.8777, 55836, "49.32.0.0/11"),
    ("Johannesburg", "Gauteng", "ZA", -26.2041, 28.0473, 5713, "41.0.0.0/11"),
    ("Buenos Aires", "Buenos Aires", "AR", -34.6037, -58.3816, 7303, "181.0.0.0/12"),
    ("Manila", "Metro Manila", "PH", 14.5995, 120.9842, 9299, "112.198.0.0/15"),
    ("Nairobi", "Nairobi", "KE", -1.2921, 36.8219, 33771, "105.160.0.0/12"),
)
# MFA fatigue comes from a Dutch VPS (the attacker has the password and hides behind a local
# address), so its final success is no new country and no impossible travel.
NL_VPS = ("Amsterdam", "Noord-Holland", "NL", 52.3676, 4.9041, 60781, "37.48.64.0/18")

# name, ASN, share, IPv4 prefixes, IPv6 prefix (first two groups) or ""
HOME_ISPS = {
    "NL": (
        ("KPN", 1136, 35, ("77.160.0.0/12", "86.80.0.0/13"), "2a02:a44"),
        ("Ziggo", 33915, 40, ("84.24.0.0/13", "62.194.0.0/15", "83.80.0.0/13"), "2001:1c0"),
        ("Odido", 50266, 15, ("62.140.0.0/17", "94.157.0.0/16"), ""),
        ("DELTA Fiber", 15435, 10, ("94.208.0.0/12",), "2a02:58"),
    ),
    "BE": (
        ("Proximus", 5432, 50, ("81.240.0.0/12",), ""),
        ("Telenet", 6848, 50, ("84.192.0.0/11",), "2a02:1810"),
    ),
    "DE": (
        ("Deutsche Telekom", 3320, 60, ("79.192.0.0/10",), "2003:e6"),
        ("Vodafone", 3209, 40, ("188.96.0.0/12",), ""),
    ),
}
MOBILE_CARRIERS = (
    (1136, "77.61.0.0/16"),  # KPN mobile
    (31615, "31.20.0.0/16"),  # Odido mobile
    (33915, "5.132.0.0/16"),  # VodafoneZiggo mobile
)
SCHOOL_NETWORKS = ((1103, "145.100.0.0/14"), (286, "195.190.0.0/16"), (1136, "212.238.0.0/16"))

# A word list reads better as text than as a column of one-word lines.
FIRST_NAMES = (  # noqa: SIM905
    "Anna Bram Daan Emma Eva Femke Fleur Hanneke Inge Jan Jesse Joost Julia Kees Lars Lieke Lisa "
    "Lotte Luuk Maaike Marieke Mark Martijn Milan Nina Noah Pieter Ruben Sanne Sem Sophie Thijs "
    "Tim Wouter Yara Zoë Anouk Bas Floor Gijs Iris Koen Marloes Niels Esther Rik Saskia Tom Vera "
    "Willem"
).split()
LAST_NAMES = (  # noqa: SIM905
    "de Jong,Jansen,de Vries,van den Berg,van Dijk,Bakker,Janssen,Visser,Smit,Meijer,de Boer,"
    "Mulder,de Groot,Bos,Vos,Peters,Hendriks,van Leeuwen,Dekker,Brouwer,de Wit,Dijkstra,Smits,"
    "de Graaf,van der Meer,van der Linden,Kok,Jacobs,de Haan,Vermeulen,van den Heuvel,"
    "van der Veen,van den Broek,de Bruijn,de Bruin,van der Heijden,Schouten,van Beek,Willems,"
    "van Vliet,van de Ven,Hoekstra,Maas,Verhoeven,Koster,Prins"
).split(",")

# Well-known first-party application ids; the two pupil administration systems are tenant
# enterprise apps and get seeded ids. name, app id, resource, resource id, browser share
APPS = {
    "teams": (
        "Microsoft Teams",
        "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
        "Microsoft Teams Services",
        "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
        0.3,
    ),
    "exchange": (
        "Office 365 Exchange Online",
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
        "00000002-0000-0ff1-ce00-000000000000",
        0.5,
    ),
    "onedrive": (
        "OneDrive",
        "b26aadf8-566f-4478-926f-589f601d9c74",
        "Office 365 SharePoint Online",
        "00000003-0000-0ff1-ce00-000000000000",
        0.3,
    ),
    "sharepoint": (
        "SharePoint Online Web Client Extensibility",
        "08e18876-6177-487e-b8b5-cf950c1e598c",
        "Office 365 SharePoint Online",
        "00000003-0000-0ff1-ce00-000000000000",
        0.9,
    ),
    "office": (
        "Microsoft Office",
        "d3590ed6-52b3-4102-aeff-aad2292ab01c",
        "Microsoft Graph",
        "00000003-0000-0000-c000-000000000000",
        0.2,
    ),
    "authenticator": (
        "Microsoft Authenticator App",
        "4813382a-8fa7-425e-ab75-3b753aab3abb",
        "Microsoft Graph",
        "00000003-0000-0000-c000-000000000000",
        0.0,
    ),
    "magister": ("Magister", "", "Magister", "", 1.0),
    "somtoday": ("Somtoday", "", "Somtoday", "", 1.0),
    "parnassys": ("ParnasSys", "", "ParnasSys", "", 1.0),
}
STAFF_APPS = (
    ("teams", 30),
    ("exchange", 22),
    ("onedrive", 10),
    ("sharepoint", 12),
    ("sis", 16),
    ("office", 6),
    ("authenticator", 4),
)
PUPIL_APPS = (
    ("sis", 35),
    ("teams", 25),
    ("onedrive", 12),
    ("sharepoint", 8),
    ("exchange", 8),
    ("office", 12),
)
MODERN_CLIENTS = ("Browser", "Mobile Apps and Desktop clients")
LEGACY_CLIENTS = (
    "IMAP4",
    "POP3",
    "Authenticated SMTP",
    "Exchange ActiveSync",
    "Other clients",
    "Exchange Web Services",
    "MAPI Over HTTP",
    "AutoDiscover",
    "Offline Address Book",
    "Exchange Online PowerShell",
)

FAILURE_REASONS = {
    0: "Other.",
    50126: "Error validating credentials due to invalid username or password.",
    50074: "Strong Authentication is required.",
    50076: "Due to a configuration change made by your administrator, or because you moved "
    "to a new location, you must use multi-factor authentication to access the resource.",
    50140: "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
    500121: "Authentication failed during strong authentication request.",
}
FAILURE_DETAILS = {
    50126: "The user didn't enter the right credentials. It's expected to see some number of "
    "these errors in your logs due to users making mistakes.",
    50074: "MFA required in Azure AD",
    50076: "MFA required in Azure AD",
    50140: None,
}
MFA_DENIED = (
    "MFA denied; user declined the authentication",
    "MFA denied; user did not respond to mobile app notification",
)
# Failure codes and their weights; MFA codes only where MFA is asked (staff off the school
# network), so at school they fall back to the keep-me-signed-in interrupt.
STAFF_FAILURES = ((50126, 40), (50074, 18), (50076, 17), (50140, 20), (500121, 5))
PUPIL_FAILURES = ((50126, 65), (50140, 35))
MFA_CODES = frozenset({50074, 50076, 500121})
MFA_REQUIREMENT = ("singleFactorAuthentication", "multiFactorAuthentication")

# Authentication steps: method, succeeded, result detail.
Step = tuple[str, bool, str]
PASSWORD_OK: Step = ("Password", True, "Correct password")
PASSWORD_BAD: Step = ("Password", False, "Invalid username or password")
TOKEN_OK: Step = ("Previously satisfied", True, "First factor requirement satisfied by claim")
MFA_TOKEN_OK: Step = ("Previously satisfied", True, "MFA requirement satisfied by claim")
PUSH_OK: Step = ("Mobile app notification", True, "MFA successfully completed")
PUSH_DENIED: dict[str, Step] = {d: ("Mobile app notification", False, d) for d in MFA_DENIED}

# Conditional Access policies of the board. Two are report-only on purpose (a board still
# rolling them out), which is why legacy and foreign sign-ins can succeed.
CA_POLICIES = (
    ("CA01 MFA medewerkers buiten school", ["Mfa"]),
    ("CA02 Blokkeer legacy auth (rapport)", ["Block"]),
    ("CA03 Alleen NL BE DE (rapport)", ["Block"]),
)
# Per situation: conditionalAccessStatus and the result of each policy above.
CA_RESULTS = {
    "failed": ("notApplied", "notApplied reportOnlyNotApplied reportOnlyNotApplied"),
    "staff_school": ("notApplied", "notApplied reportOnlyNotApplied reportOnlySuccess"),
    "staff_away": ("success", "success reportOnlyNotApplied reportOnlySuccess"),
    "pupil": ("notApplied", "notApplied reportOnlyNotApplied reportOnlySuccess"),
    "legacy": ("notApplied", "notApplied reportOnlyFailure reportOnlySuccess"),
    "foreign": ("success", "success reportOnlyNotApplied reportOnlyFailure"),
}

JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


# --- small helpers ---------------------------------------------------------------------------


def guid(rng: random.Random) -> str:
    """A GUID-shaped id from the seeded generator (uuid4 would break reproducibility)."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def token_id(rng: random.Random) -> str:
    """A 22-character base64url token identifier like Entra's uniqueTokenIdentifier."""
    return base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).decode()[:22]


def ipv4_in(rng: random.Random, cidr: str) -> str:
    """A random host address inside an IPv4 prefix."""
    base, bits = cidr.split("/")
    a, b, c, d = (int(part) for part in base.split("."))
    host = (a << 24 | b << 16 | c << 8 | d) + rng.randrange(1, (1 << (32 - int(bits))) - 1)
    return f"{host >> 24}.{host >> 16 & 255}.{host >> 8 & 255}.{host & 255}"


def ipv6_in(rng: random.Random, prefix: str) -> str:
    """A random IPv6 address under a prefix of two groups (a home /56 and a host part)."""
    groups = [f"{rng.getrandbits(16):x}" for _ in range(6)]
    return f"{prefix}{rng.randrange(16):x}:{':'.join(groups)}"


def iso_seconds(ticks: int) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` (UTC) for a tick count since the epoch."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ticks // TICKS))


def iso_truth(ticks: int, *, up: bool = False) -> str:
    """A truth boundary in whole seconds: start rounds down, end rounds up, so every event
    of the attack lies inside it whatever precision a shape shows."""
    seconds = -(-ticks // TICKS) if up else ticks // TICKS
    return iso_seconds(seconds * TICKS) + "Z"


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))


def summer_time(day: dt.date, hour_utc: int) -> bool:
    """Central European Summer Time: last Sunday of March to last Sunday of October, 01:00 UTC."""

    def last_sunday(month: int) -> dt.date:
        last = dt.date(day.year, month, 31)
        return last - dt.timedelta(days=(last.weekday() - 6) % 7)

    start, end = last_sunday(3), last_sunday(10)
    moment = (day, hour_utc)
    return (start, 1) <= moment < (end, 1)


def weighted_picker(rng: random.Random, items: list[Any], weights: Iterable[float]) -> Any:
    """A function that draws from ``items`` by weight (bisect on cumulative weights)."""
    cum = list(accumulate(weights))
    total = cum[-1]
    rand = rng.random
    return lambda: items[bisect(cum, rand() * total)]


# --- the board ---------------------------------------------------------------------------------


class Place:
    """A geolocation as Entra shows it, prebuilt for each shape."""

    __slots__ = ("analytics", "analytics_text", "city", "country", "graph", "lat", "lon", "state")

    def __init__(self, city: str, state: str, country: str, lat: float, lon: float) -> None:
        self.city, self.state, self.country, self.lat, self.lon = city, state, country, lat, lon
        coordinates = {"altitude": None, "latitude": lat, "longitude": lon}
        self.graph = {
            "city": city,
            "state": state,
            "countryOrRegion": country,
            "geoCoordinates": coordinates,
        }
        self.analytics = {
            "city": city,
            "state": state,
            "countryOrRegion": country,
            "geoCoordinates": {"latitude": lat, "longitude": lon},
        }
        self.analytics_text = JSON.encode(self.analytics)


class Spot:
    """Where a sign-in comes from: address, geolocation, network and its kind."""

    __slots__ = ("asn", "ip", "kind", "network", "place")

    def __init__(self, ip: str, place: Place, asn: int, kind: str, network: str = "") -> None:
        self.ip, self.place, self.asn, self.kind = ip, place, asn, kind
        self.network = (
            [{"networkType": "namedNetwork", "networkNames": [network]}] if network else []
        )


class Device:
    """A device as ``deviceDetail`` shows it, for a browser and for an app sign-in."""

    __slots__ = ("detail", "detail_text", "ua")

    def __init__(
        self,
        device_id: str,
        name: str | None,
        os: str,
        browser: str,
        app: str,
        compliant: bool | None,
        managed: bool | None,
        trust: str | None,
        ua: str,
    ) -> None:
        self.ua = ua
        self.detail = tuple(
            {
                "deviceId": device_id,
                "displayName": name,
                "operatingSystem": os,
                "browser": b,
                "isCompliant": compliant,
                "isManaged": managed,
                "trustType": trust,
            }
            for b in (browser, app)
        )
        self.detail_text = tuple(JSON.encode(d) for d in self.detail)


class App:
    __slots__ = ("browser_share", "id", "name", "resource", "resource_id")

    def __init__(self, name: str, app_id: str, resource: str, resource_id: str, share: float):
        self.name, self.id, self.resource, self.resource_id = name, app_id, resource, resource_id
        self.browser_share = share


@dataclass
class School:
    name: str
    kind: str
    place: Place
    spot: Spot
    sis: App
    site_url: str
    site_id: str
    web_id: str
    list_id: str


class User:
    __slots__ = (
        "admin",
        "commuter",
        "home",
        "id",
        "index",
        "laptop",
        "name",
        "phone",
        "puid",
        "school",
        "staff",
        "upn",
        "weight",
    )

    def __init__(
        self, index: int, upn: str, name: str, user_id: str, staff: bool, school: School
    ) -> None:
        self.index, self.upn, self.name, self.id = index, upn, name, user_id
        self.staff, self.school = staff, school
        self.admin = False
        self.commuter = ""
        self.home: Spot = school.spot
        self.laptop: Device | None = None
        self.phone: Device | None = None
        self.puid = ""
        self.weight = 1.0


@dataclass
class Board:
    tenant_id: str
    schools: list[School]
    users: list[User]
    staff: list[User]
    admins: list[User]
    commuters: list[User]
    apps: dict[str, App]
    mobile_pool: list[tuple[str, int]]
    groups: list[tuple[str, str]]
    sync_app: dict[str, str | None]
    pick_user: Any = field(repr=False, default=None)

    def countries(self) -> set[str]:
        """Countries the background signs in from (successful sign-ins)."""
        return {"NL"} | {u.home.place.country for u in self.commuters}


def _devices(rng: random.Random, user: User, po: bool) -> None:
    """Staff: a managed school laptop and a registered phone; pupils: a Chromebook (po) or
    their own laptop and phone (vo)."""
    iphone = rng.random() < 0.55
    phone_os, phone_browser, phone_ua = (
        (
            "iOS 18.6",
            "Mobile Safari 18.6",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) "
            "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
        )
        if iphone
        else (
            "Android 15",
            "Chrome Mobile 141.0.7390",
            "Mozilla/5.0 (Linux; Android 15; SM-S921B) "
            "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Mobile Safari/537.36",
        )
    )
    if user.staff:
        user.laptop = Device(
            guid(rng),
            f"SGV-LT-{rng.randrange(100000):05d}",
            "Windows 11",
            "Edge 141.0.3537",
            "Rich Client 16.0.19231",
            True,
            True,
            "Azure AD joined",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0",
        )
        user.phone = Device(
            guid(rng),
            None,
            phone_os,
            phone_browser,
            "Rich Client 6.2.1",
            False,
            False,
            "Azure AD registered",
            phone_ua,
        )
    elif po:
        user.laptop = Device(
            "",
            None,
            "Chrome OS",
            "Chrome 141.0.7390",
            "Rich Client 5.0.0",
            None,
            None,
            None,
            "Mozilla/5.0 (X11; CrOS x86_64 16328.55.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/141.0.0.0 Safari/537.36",
        )
    else:
        user.laptop = Device(
            "",
            None,
            "Windows 10",
            "Chrome 141.0.7390",
            "Rich Client 16.0.19231",
            None,
            None,
            None,
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/141.0.0.0 Safari/537.36",
        )
        user.phone = Device(
            "", None, phone_os, phone_browser, "Rich Client 6.2.1", None, None, None, phone_ua
        )


def _home(rng: random.Random, place: Place, country: str = "NL") -> Spot:
    """A consumer ISP address, stable per person; a fifth of Dutch homes sign in over IPv6."""
    isps = HOME_ISPS[country]
    _name, asn, _share, prefixes, v6 = rng.choices(isps, weights=[i[2] for i in isps])[0]
    if v6 and rng.random() < 0.2:
        return Spot(ipv6_in(rng, v6), place, asn, "home")
    return Spot(ipv4_in(rng, rng.choice(prefixes)), place, asn, "home")


def build_board(accounts: int, seed: int) -> Board:
    """Schools, staff and pupils with their homes, devices and weights. Depends only on
    ``accounts`` and ``seed``, so every shape and size sees the same people."""
    rng = random.Random(f"{seed}:board")
    tenant = guid(rng)
    cities = {c[0]: Place(c[0], c[1], "NL", c[2], c[3]) for c in NL_CITIES}
    apps = {key: App(*spec) for key, spec in APPS.items()}
    for key in ("magister", "somtoday", "parnassys"):
        apps[key].id = guid(rng)
        apps[key].resource_id = apps[key].id
    schools = []
    for i, (name, kind, city) in enumerate(SCHOOLS):
        asn, prefix = SCHOOL_NETWORKS[i % len(SCHOOL_NETWORKS)]
        spot = Spot(ipv4_in(rng, prefix), cities[city], asn, "school", f"Schoolnetwerk {name}")
        sis = apps["parnassys"] if kind == "po" else apps["magister" if i % 2 else "somtoday"]
        slug = "".join(ch for ch in name.title() if ch.isalnum())
        schools.append(
            School(
                name,
                kind,
                cities[city],
                spot,
                sis,
                f"{SHAREPOINT}/sites/{slug}/",
                guid(rng),
                guid(rng),
                guid(rng),
            )
        )
    near = {
        s.name: [
            p for p in cities.values() if distance_km(p.lat, p.lon, s.place.lat, s.place.lon) < 45
        ]
        for s in schools
    }
    school_weights = [3 if s.kind == "vo" else 1 for s in schools]
    n_staff = max(20, round(accounts * STAFF_SHARE))
    users: list[User] = []
    taken: set[str] = set()
    pupil_numbers = rng.sample(range(100000, 1000000), accounts - n_staff)
    for index in range(accounts):
        staff = index < n_staff
        school = rng.choices(schools, weights=school_weights)[0]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if staff:
            local = f"{first}.{last.replace(' ', '')}".lower().replace("ë", "e")
            upn, n = f"{local}@{DOMAIN}", 1
            while upn in taken:
                n += 1
                upn = f"{local}{n}@{DOMAIN}"
            taken.add(upn)
        else:
            upn = f"l{pupil_numbers[index - n_staff]}@{DOMAIN}"
        user = User(index, upn, f"{first} {last[0].upper()}{last[1:]}", guid(rng), staff, school)
        user.puid = f"10032{rng.getrandbits(44):011X}"
        home = school.place if rng.random() < 0.5 or not staff else rng.choice(near[school.name])
        user.home = _home(rng, home)
        _devices(rng, user, school.kind == "po")
        # Staff sign in more than pupils; primary pupils least.
        base = 4.0 if staff else (0.6 if school.kind == "po" else 1.2)
        user.weight = base * rng.lognormvariate(0, 0.5)
        users.append(user)
    staff_users = users[:n_staff]
    # Commuters: staff of border schools living in Belgium or Germany, both countries present.
    border = [u for u in staff_users if u.school.place.city in COMMUTER_HOMES]
    rng.shuffle(border)
    commuters: list[User] = []
    wanted = max(4, n_staff // 50)
    for country in ("BE", "DE") * wanted:
        for user in border:
            options = [h for h in COMMUTER_HOMES[user.school.place.city] if h[2] == country]
            if not user.commuter and options:
                city, state, cc, lat, lon = rng.choice(options)
                user.commuter = cc
                user.home = _home(rng, Place(city, state, cc, lat, lon), cc)
                commuters.append(user)
                break
        if len(commuters) >= wanted:
            break
    admins = [u for u in staff_users if not u.commuter][:3]
    for user in admins:
        user.admin = True
    mobile_pool = []
    for _ in range(3000):
        asn, prefix = rng.choice(MOBILE_CARRIERS)
        mobile_pool.append((ipv4_in(rng, prefix), asn))
    groups = [(guid(rng), f"Medewerkers {s.name}") for s in schools]
    groups += [(guid(rng), f"Leerlingen {s.name}") for s in schools]
    groups += [
        (guid(rng), f"Klas {y}{c} {s.name}")
        for s in schools
        if s.kind == "vo"
        for y in range(1, 5)
        for c in "ab"
    ]
    sync_app = {
        "appId": guid(rng),
        "displayName": "Microsoft School Data Sync",
        "servicePrincipalId": guid(rng),
        "servicePrincipalName": None,
    }
    board = Board(
        tenant, schools, users, staff_users, admins, commuters, apps, mobile_pool, groups, sync_app
    )
    board.pick_user = weighted_picker(rng, users, [u.weight for u in users])
    return board


class VictimPicker:
    """Hands out distinct victims: staff who neither commute nor administer, then pupils."""

    def __init__(self, board: Board, rng: random.Random) -> None:
        staff = [u for u in board.staff if not u.commuter and not u.admin]
        pupils = [u for u in board.users if not u.staff]
        rng.shuffle(staff)
        rng.shuffle(pupils)
        self._queue = deque(staff + pupils)

    def take(self) -> User:
        return self._queue.popleft()


# --- time ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Hour:
    tick: int
    local_hour: int
    school_day: bool
    weight: float


class Calendar:
    """The hours of the range with their local time, school-day flag and relative volume."""

    def __init__(self, days: int) -> None:
        end = dt.datetime.combine(END_DATE + dt.timedelta(days=1), dt.time(), dt.UTC)
        self.end = int(end.timestamp()) * TICKS
        self.start = self.end - days * DAY
        self.days = days
        self.warmup = WARMUP_DAYS if days >= 2 * WARMUP_DAYS else max(3, days // 2)
        self.hours: list[Hour] = []
        for h in range(days * 24):
            utc = end - dt.timedelta(days=days) + dt.timedelta(hours=h)
            local = utc + dt.timedelta(hours=2 if summer_time(utc.date(), utc.hour) else 1)
            day = local.date()
            holiday = any(a <= day <= b for a, b in HOLIDAYS)
            school_day = local.weekday() < 5 and not holiday
            if school_day:
                weight = SCHOOL_DAY_HOURS[local.hour]
            else:
                factor = HOLIDAY_FACTOR if local.weekday() < 5 else 1.0
                weight = QUIET_DAY_HOURS[local.hour] * factor
            self.hours.append(Hour(self.start + h * HOUR, local.hour, school_day, weight))

    def spread(
        self, count: int, rng: random.Random, pinned: dict[int, list[tuple[int, Any]]] | None = None
    ) -> Iterator[tuple[int, Hour, Any]]:
        """``count`` moments spread over the hours by weight, in time order, merged with the
        pinned ``(tick, payload)`` moments (whose payload comes along; None for the rest)."""
        total = sum(h.weight for h in self.hours)
        exact = [count * h.weight / total for h in self.hours]
        counts = [int(e) for e in exact]
        short = count - sum(counts)
        if short:
            fractions = [e - c for e, c in zip(exact, counts, strict=True)]
            for i in rng.choices(range(len(counts)), weights=fractions, k=short):
                counts[i] += 1
        pinned = pinned or {}
        randrange = rng.randrange
        for i, hour in enumerate(self.hours):
            moments: list[tuple[int, Any]] = [
                (hour.tick + randrange(HOUR), None) for _ in range(counts[i])
            ]
            moments.extend(pinned.get(i, ()))
            moments.sort(key=lambda m: m[0])
            for tick, payload in moments:
                yield tick, hour, payload

    def attack_slots(self, count: int, rng: random.Random) -> list[int]:
        """Start moments for ``count`` attacks, one per equal slot after the warm-up (in
        random order, so the kinds interleave); the last two hours stay free."""
        low = self.start + self.warmup * DAY
        width = (self.end - 2 * HOUR - low) // count
        slots = [low + i * width + int(rng.uniform(0.05, 0.7) * width) for i in range(count)]
        rng.shuffle(slots)
        return slots


def where(board: Board, user: User, tick: int, hour: Hour, rng: random.Random) -> Spot:
    """Where a user is at a moment: at school on school days 7:30-17:00 (mostly), otherwise
    at home, staff and older pupils sometimes on a mobile network near home."""
    minute = hour.local_hour * 60 + (tick - hour.tick) // MINUTE
    at_school_hours = hour.school_day and 450 <= minute < 1020
    if at_school_hours and rng.random() < (0.72 if user.staff else 0.88):
        return user.school.spot
    if not user.commuter and user.phone and rng.random() < (0.22 if user.staff else 0.08):
        ip, asn = rng.choice(board.mobile_pool)
        return Spot(ip, user.home.place, asn, "mobile")
    return user.home


# --- sign-ins --------------------------------------------------------------------------------


class SignIn:
    """One logical sign-in; the shapes only format it (no randomness after this point)."""

    __slots__ = (
        "app",
        "ca",
        "client",
        "code",
        "corr",
        "detail",
        "device",
        "dkind",
        "id",
        "mfa",
        "ms",
        "spot",
        "steps",
        "t",
        "token",
        "user",
    )

    def __init__(
        self,
        rng: random.Random,
        t: int,
        user: User,
        app: App,
        client: str,
        spot: Spot,
        code: int,
        detail: str | None,
        device: Device,
        dkind: int,
        mfa: bool,
        ca: str,
        steps: tuple[Step, ...],
    ) -> None:
        self.t, self.user, self.app, self.client, self.spot = t, user, app, client, spot
        self.code, self.detail, self.device, self.dkind = code, detail, device, dkind
        self.mfa, self.ca, self.steps = mfa, ca, steps
        self.id = guid(rng)
        self.corr = guid(rng)
        self.token = token_id(rng)
        self.ms = rng.randrange(40, 400)


def _ca_policies(ids: list[str]) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """The applied policy lists per situation, built once and shared by all records."""
    out = {}
    for key, (status, results) in CA_RESULTS.items():
        policies = []
        for (name, grants), result, pid in zip(CA_POLICIES, results.split(), ids, strict=True):
            # Only the policies that took part; listing the not-applied ones too would double
            # the line length for nothing a detector reads.
            if result.endswith("otApplied"):
                continue
            policies.append(
                {
                    "id": pid,
                    "displayName": name,
                    "enforcedGrantControls": grants,
                    "enforcedSessionControls": [],
                    "result": result,
                }
            )
        out[key] = (status, policies)
    return out


class Formatter:
    """Turns a logical sign-in into one of the three shapes."""

    def __init__(self, board: Board, shape: str) -> None:
        if shape not in SHAPES:
            raise ValueError(f"shape must be one of {', '.join(SHAPES)}")
        self.tenant = board.tenant_id
        self.resource = f"/tenants/{self.tenant}/providers/Microsoft.aadiam"
        self.shape = shape
        ids = [guid(random.Random(f"ca:{board.tenant_id}:{i}")) for i in range(len(CA_POLICIES))]
        self.ca = _ca_policies(ids)
        self.processing = [
            {"key": "Legacy TLS (TLS 1.0, 1.1, 3DES)", "value": "False"},
            {"key": "Is CAE Token", "value": "False"},
        ]
        self.format = {"graph": self.graph, "monitor": self.monitor, "analytics": self.analytics}[
            shape
        ]

    def steps(self, s: SignIn, stamp: str) -> list[dict[str, Any]]:
        return [
            {
                "authenticationStepDateTime": stamp,
                "authenticationMethod": method,
                "succeeded": ok,
                "authenticationStepResultDetail": detail,
            }
            for method, ok, detail in s.steps
        ]

    def graph(self, s: SignIn) -> dict[str, Any]:
        """Graph API ``auditLogs/signIns`` (and the admin centre's JSON download)."""
        u, a, spot = s.user, s.app, s.spot
        stamp = iso_seconds(s.t) + "Z"
        ca_status, policies = self.ca[s.ca]
        return {
            "id": s.id,
            "createdDateTime": stamp,
            "userDisplayName": u.name,
            "userPrincipalName": u.upn,
            "userId": u.id,
            "appId": a.id,
            "appDisplayName": a.name,
            "ipAddress": spot.ip,
            "clientAppUsed": s.client,
            "correlationId": s.corr,
            "conditionalAccessStatus": ca_status,
            "isInteractive": True,
            "riskDetail": "none",
            "riskLevelAggregated": "none",
            "riskLevelDuringSignIn": "none",
            "riskState": "none",
            "riskEventTypes_v2": [],
            "resourceDisplayName": a.resource,
            "resourceId": a.resource_id,
            "authenticationRequirement": MFA_REQUIREMENT[s.mfa],
            "status": {
                "errorCode": s.code,
                "failureReason": FAILURE_REASONS[s.code],
                "additionalDetails": s.detail,
            },
            "deviceDetail": s.device.detail[s.dkind],
            "location": spot.place.graph,
            "appliedConditionalAccessPolicies": policies,
            "authenticationDetails": self.steps(s, stamp),
        }

    def monitor(self, s: SignIn) -> dict[str, Any]:
        """Azure Monitor diagnostic settings export: an envelope around the Graph record."""
        reason = FAILURE_REASONS[s.code]
        return {
            "time": f"{iso_seconds(s.t)}.{s.t % TICKS:07d}Z",
            "resourceId": self.resource,
            "operationName": "Sign-in activity",
            "operationVersion": "1.0",
            "category": "SignInLogs",
            "tenantId": self.tenant,
            "resultType": str(s.code),
            "resultSignature": "None",
            "resultDescription": reason,
            "durationMs": 0,
            "callerIpAddress": s.spot.ip,
            "correlationId": s.corr,
            "identity": s.user.name,
            "Level": 4,
            "location": s.spot.place.country,
            "properties": self.graph(s),
        }

    def analytics(self, s: SignIn) -> dict[str, Any]:
        """Log Analytics ``SigninLogs`` rows exported as JSON. About half the exports carry
        the dynamic columns as JSON text; which half follows from the id, not from the RNG."""
        u, a, spot, place = s.user, s.app, s.spot, s.spot.place
        stamp = f"{iso_seconds(s.t)}.{s.t % TICKS // 10000:03d}Z"
        ca_status, policies = self.ca[s.ca]
        status = {
            "errorCode": s.code,
            "failureReason": FAILURE_REASONS[s.code],
            "additionalDetails": s.detail,
        }
        as_text = s.id[0] in "01234567"
        return {
            "TenantId": self.tenant,
            "SourceSystem": "Azure AD",
            "TimeGenerated": stamp,
            "ResourceId": self.resource,
            "OperationName": "Sign-in activity",
            "OperationVersion": "1.0",
            "Category": "SignInLogs",
            "ResultType": str(s.code),
            "ResultSignature": "None",
            "ResultDescription": FAILURE_REASONS[s.code],
            "DurationMs": 0,
            "CorrelationId": s.corr,
            "Resource": "Microsoft.aadiam",
            "ResourceGroup": "Microsoft.aadiam",
            "Identity": u.name,
            "Level": 4,
            "Location": place.country,
            "AlternateSignInName": u.upn,
            "AppDisplayName": a.name,
            "AppId": a.id,
            "AuthenticationDetails": JSON.encode(self.steps(s, iso_seconds(s.t) + "Z")),
            "AuthenticationProcessingDetails": self.processing,
            "AuthenticationRequirement": MFA_REQUIREMENT[s.mfa],
            "AutonomousSystemNumber": spot.asn,
            "ClientAppUsed": s.client,
            "ConditionalAccessPolicies": policies,
            "ConditionalAccessStatus": ca_status,
            "CreatedDateTime": stamp,
            "CrossTenantAccessType": "none",
            "DeviceDetail": s.device.detail_text[s.dkind] if as_text else s.device.detail[s.dkind],
            "HomeTenantId": self.tenant,
            "Id": s.id,
            "IPAddress": spot.ip,
            "IsInteractive": True,
            "IsRisky": False,
            "LocationDetails": place.analytics_text if as_text else place.analytics,
            "NetworkLocationDetails": JSON.encode(spot.network),
            "OriginalRequestId": s.id,
            "ProcessingTimeInMilliseconds": str(s.ms),
            "ResourceDisplayName": a.resource,
            "ResourceIdentity": a.resource_id,
            "ResourceTenantId": self.tenant,
            "RiskDetail": "none",
            "RiskEventTypes": "[]",
            "RiskEventTypes_V2": "[]",
            "RiskLevelAggregated": "none",
            "RiskLevelDuringSignIn": "none",
            "RiskState": "none",
            "SessionLifetimePolicies": "[]",
            "Status": JSON.encode(status) if as_text else status,
            "TokenIssuerName": "",
            "TokenIssuerType": "AzureAD",
            "UniqueTokenIdentifier": s.token,
            "UserAgent": s.device.ua,
            "UserDisplayName": u.name,
            "UserId": u.id,
            "UserPrincipalName": u.upn,
            "UserType": "Member",
            "Type": "SigninLogs",
        }


class SignInMaker:
    """Builds background sign-ins that respect every limit the rules must stay quiet on."""

    def __init__(self, board: Board, rng: random.Random) -> None:
        self.board, self.rng = board, rng
        self.user_failures: dict[int, deque[int]] = {}
        self.ip_wrong_password: dict[str, deque[tuple[int, int]]] = {}
        self.ip_accounts: dict[str, Counter[int]] = {}
        self.last_denial: dict[int, int] = {}
        self.staff_failure = weighted_picker(
            rng, [c for c, _ in STAFF_FAILURES], [w for _, w in STAFF_FAILURES]
        )
        self.pupil_failure = weighted_picker(
            rng, [c for c, _ in PUPIL_FAILURES], [w for _, w in PUPIL_FAILURES]
        )
        self.app_pickers: dict[tuple[str, bool], Any] = {}
        for school in board.schools:
            for staff, table in ((True, STAFF_APPS), (False, PUPIL_APPS)):
                apps = [school.sis if k == "sis" else board.apps[k] for k, _ in table]
                self.app_pickers[school.name, staff] = weighted_picker(
                    rng, apps, [w for _, w in table]
                )

    def _failure(self, user: User, spot: Spot, t: int, mfa: bool) -> int:
        """A failure code that keeps the background under the thresholds, or 0."""
        code = self.staff_failure() if user.staff else self.pupil_failure()
        if code in MFA_CODES and not mfa:
            code = 50140
        if code == 500121 and self.last_denial.get(user.index, -DAY) > t - DAY:
            code = 50074
        if code == 50126:
            window = self.ip_wrong_password.setdefault(spot.ip, deque())
            accounts = self.ip_accounts.setdefault(spot.ip, Counter())
            while window and window[0][0] <= t - HOUR - SLACK:
                _, old = window.popleft()
                accounts[old] -= 1
                if not accounts[old]:
                    del accounts[old]
            if user.index not in accounts and len(accounts) >= MAX_IP_WRONG_PASSWORD_ACCOUNTS:
                code = 50140
        failures = self.user_failures.setdefault(user.index, deque())
        while failures and failures[0] <= t - 10 * MINUTE - SLACK:
            failures.popleft()
        if len(failures) >= MAX_USER_FAILURES:
            return 0
        failures.append(t)
        if code == 50126:
            self.ip_wrong_password[spot.ip].append((t, user.index))
            self.ip_accounts[spot.ip][user.index] += 1
        elif code == 500121:
            self.last_denial[user.index] = t
        return code

    def make(self, t: int, user: User, spot: Spot, forced_success: bool = False) -> SignIn:
        rng = self.rng
        mfa = user.staff and spot.kind != "school"
        app = self.app_pickers[user.school.name, user.staff]()
        if app.id == APPS["authenticator"][1] and user.phone is None:
            app = self.board.apps["teams"]
        browser = rng.random() < app.browser_share
        client = MODERN_CLIENTS[0] if browser else MODERN_CLIENTS[1]
        mobile = spot.kind == "mobile" or app.name == "Microsoft Authenticator App"
        device = (user.phone if mobile else user.laptop) or user.laptop
        assert device is not None
        code = 0
        steps: tuple[Step, ...]
        if not forced_success and rng.random() < FAILURE_RATE:
            code = self._failure(user, spot, t, mfa)
        if code == 0:
            if mfa:
                token = rng.random() < 0.7
                steps = (TOKEN_OK, MFA_TOKEN_OK) if token else (PASSWORD_OK, PUSH_OK)
                detail = (
                    "MFA requirement satisfied by claim in the token"
                    if token
                    else "MFA completed in Azure AD"
                )
            else:
                steps = (TOKEN_OK,) if rng.random() < 0.6 else (PASSWORD_OK,)
                detail = None
            ca = (
                ("staff_school" if spot.kind == "school" else "staff_away")
                if user.staff
                else "pupil"
            )
        else:
            ca = "failed"
            if code == 50126:
                steps, detail = (PASSWORD_BAD,), FAILURE_DETAILS[50126]
            elif code == 500121:
                detail = rng.choice(MFA_DENIED)
                steps = (PASSWORD_OK, PUSH_DENIED[detail])
            else:
                steps, detail = (PASSWORD_OK,), FAILURE_DETAILS[code]
        return SignIn(
            rng,
            t,
            user,
            app,
            client,
            spot,
            code,
            detail,
            device,
            0 if browser else 1,
            mfa,
            ca,
            steps,
        )


def background_signins(
    board: Board,
    cal: Calendar,
    count: int,
    blackouts: dict[int, list[tuple[int, int]]],
    rng: random.Random,
) -> Iterator[SignIn]:
    """``count`` benign sign-ins in time order. Commuters sign in from home every day from the
    first day on (so BE and DE are known countries long before anything else happens); the
    victims of injected attacks are kept out of a window around their attack."""
    maker = SignInMaker(board, rng)
    pinned: dict[int, list[tuple[int, Any]]] = {}
    for user in board.commuters:
        for day in range(cal.days):
            first = day * 24
            # Before school on school days (06:00-07:00 local), in the evening otherwise.
            hours = [
                h
                for h in range(first, first + 24)
                if cal.hours[h].local_hour in ((6,) if cal.hours[h].school_day else (19, 20))
            ]
            h = rng.choice(hours or [first + 12])
            pinned.setdefault(h, []).append((cal.hours[h].tick + rng.randrange(HOUR), user))
    n_pinned = sum(len(v) for v in pinned.values())
    if count < 2 * n_pinned:
        raise ValueError(
            f"too few events for {len(board.commuters)} commuters over {cal.days} days"
        )
    pick = board.pick_user
    for t, hour, forced in cal.spread(count - n_pinned, rng, pinned):
        if forced is not None:
            yield maker.make(t, forced, forced.home, forced_success=True)
            continue
        user = pick()
        while user.index in blackouts and any(a <= t <= b for a, b in blackouts[user.index]):
            user = pick()
        yield maker.make(t, user, where(board, user, t, hour, rng))


@dataclass
class Injected:
    """Injected records of one source, the truth entries and the users kept quiet."""

    events: list[Any] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)
    blackouts: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    decoys: list[dict[str, Any]] = field(default_factory=list)

    def record(self, rule: str, source: str, entity: str, ticks: list[int]) -> None:
        self.truth.append(
            {
                "rule": rule,
                "source": source,
                "entity": entity.lower(),
                "start": iso_truth(min(ticks)),
                "end": iso_truth(max(ticks), up=True),
                "events": len(ticks),
            }
        )

    def quiet(self, user: User, start: int, end: int) -> None:
        self.blackouts.setdefault(user.index, []).append((start, end))


def _origin_spot(rng: random.Random, origin: tuple[Any, ...]) -> Spot:
    city, state, country, lat, lon, asn, prefix = origin
    return Spot(ipv4_in(rng, prefix), Place(city, state, country, lat, lon), asn, "attack")


def _tool(os: str, browser: str, app: str, ua: str) -> Device:
    """An attacker's unregistered device or script."""
    return Device("", None, os, browser, app, None, None, None, ua)


ATTACK_DEVICES = (
    _tool("", "Python Requests 2.32", "Python Requests 2.32", "python-requests/2.32.3"),
    _tool(
        "Linux",
        "Chrome 120.0.0",
        "Rich Client 4.61.0",
        "Mozilla/5.0 (X11; Linux x86_64) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    ),
    _tool(
        "Windows 10",
        "Chrome 126.0.0",
        "Rich Client 16.0.17531",
        "Mozilla/5.0 (Windows NT "
        "10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    ),
)
LEGACY_DEVICE = _tool("", "", "", "")
BROWSER, APP_CLIENT = MODERN_CLIENTS


def plan_signin_attacks(
    board: Board, cal: Calendar, rng: random.Random, victims: VictimPicker
) -> Injected:
    """The injected sign-in attacks, their truth entries and the victims' quiet windows."""
    out = Injected()
    seen = board.countries()
    far = list(FAR_ORIGINS)
    rng.shuffle(far)
    kinds = [kind for kind, n in SIGNIN_ATTACKS.items() for _ in range(n)]

    def add(
        t: int,
        user: User,
        spot: Spot,
        code: int,
        detail: str | None,
        steps: tuple[Step, ...],
        device: Device,
        *,
        app: str = "exchange",
        client: str = BROWSER,
        mfa: bool = True,
        ca: str = "failed",
    ) -> None:
        dkind = 1 if client == APP_CLIENT else 0
        out.events.append(
            SignIn(
                rng,
                t,
                user,
                board.apps[app],
                client,
                spot,
                code,
                detail,
                device,
                dkind,
                mfa,
                ca,
                steps,
            )
        )

    wrong_password = (50126, FAILURE_DETAILS[50126], (PASSWORD_BAD,))
    mfa_done: tuple[int, str, tuple[Step, ...]] = (
        0,
        "MFA completed in Azure AD",
        (PASSWORD_OK, PUSH_OK),
    )
    for kind, start in zip(kinds, cal.attack_slots(len(kinds), rng), strict=True):
        if kind == "brute_force":
            # Many wrong passwords for one account within minutes, from a hosting network.
            user, spot = victims.take(), _origin_spot(rng, rng.choice(ATTACK_ORIGINS))
            device = rng.choice(ATTACK_DEVICES)
            span = rng.randint(120, 360) * TICKS
            ticks = sorted(start + rng.randrange(span) for _ in range(rng.randint(25, 60)))
            for t in ticks:
                add(t, user, spot, *wrong_password, device, client=APP_CLIENT, mfa=False)
            out.record(kind, "entra-signin", user.upn, ticks)
        elif kind == "password_spray":
            # One or two guesses for each of many accounts, from one address within the hour.
            spot = _origin_spot(rng, rng.choice(ATTACK_ORIGINS))
            device = rng.choice(ATTACK_DEVICES)
            targets = rng.sample(board.users, min(len(board.users), rng.randint(40, 150)))
            span = rng.randint(20, 55) * MINUTE
            attempts = sorted(
                (
                    (start + rng.randrange(span), u)
                    for u in targets
                    for _ in range(rng.choice((1, 1, 2)))
                ),
                key=lambda a: a[0],
            )
            for t, target in attempts:
                add(t, target, spot, *wrong_password, device, mfa=False)
            out.record(kind, "entra-signin", spot.ip, [t for t, _ in attempts])
        elif kind == "mfa_fatigue":
            # The attacker has the password and pushes prompts from a Dutch VPS until the
            # user gives in (half of the time).
            user, spot = victims.take(), _origin_spot(rng, NL_VPS)
            device = ATTACK_DEVICES[2]
            span = rng.randint(4, 20) * MINUTE
            ticks = sorted(start + rng.randrange(span) for _ in range(rng.randint(6, 20)))
            for t in ticks:
                detail = rng.choice(MFA_DENIED)
                add(
                    t,
                    user,
                    spot,
                    500121,
                    detail,
                    (PASSWORD_OK, PUSH_DENIED[detail]),
                    device,
                    app="office",
                )
            if rng.random() < 0.5:
                ticks.append(ticks[-1] + rng.randint(20, 90) * TICKS)
                add(ticks[-1], user, spot, *mfa_done, device, app="office", ca="staff_away")
            out.record(kind, "entra-signin", user.upn, ticks)
            out.quiet(user, ticks[0] - HOUR, ticks[-1] + HOUR)
        elif kind == "impossible_travel":
            # A sign-in at home, then a stolen session token replayed far away.
            user, spot = victims.take(), _origin_spot(rng, far.pop())
            second = start + rng.randint(25, 90) * MINUTE
            add(start, user, user.home, *mfa_done, user.laptop or LEGACY_DEVICE, ca="staff_away")
            add(
                second,
                user,
                spot,
                0,
                "MFA requirement satisfied by claim in the token",
                (TOKEN_OK, MFA_TOKEN_OK),
                rng.choice(ATTACK_DEVICES[1:]),
                ca="foreign",
            )
            out.record(kind, "entra-signin", user.upn, [start, second])
            if spot.place.country not in seen:
                seen.add(spot.place.country)
                out.record("new_country", "entra-signin", user.upn, [second])
            # Quiet long enough that coming back home is no impossible travel.
            out.quiet(user, start - HOUR, second + DAY)
        elif kind == "new_country":
            user, spot = victims.take(), _origin_spot(rng, far.pop())
            device = rng.choice(ATTACK_DEVICES[1:])
            ticks = sorted(start + rng.randrange(30 * MINUTE) for _ in range(rng.randint(1, 3)))
            for t in ticks:
                add(t, user, spot, *mfa_done, device, ca="foreign")
            if spot.place.country not in seen:
                seen.add(spot.place.country)
                out.record(kind, "entra-signin", user.upn, ticks)
            # A day either side: the jump from and back to the Netherlands stays slow.
            out.quiet(user, ticks[0] - DAY, ticks[-1] + DAY)
        elif kind == "legacy_auth":
            # An old mail client at home: Dutch address, so nothing but the protocol stands out.
            user, client = victims.take(), rng.choice(LEGACY_CLIENTS)
            ticks = sorted(start + rng.randrange(HOUR) for _ in range(rng.randint(1, 4)))
            for t in ticks:
                add(
                    t,
                    user,
                    user.home,
                    0,
                    None,
                    (PASSWORD_OK,),
                    LEGACY_DEVICE,
                    client=client,
                    mfa=False,
                    ca="legacy",
                )
            out.record(kind, "entra-signin", user.upn, ticks)
    out.events.sort(key=lambda s: s.t)
    return out


# --- audit logs ------------------------------------------------------------------------------


def _stamp7(t: int) -> str:
    return f"{iso_seconds(t)}.{t % TICKS:07d}Z"


def _directory_id(rng: random.Random, corr: str) -> str:
    letters = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(5))
    return f"Directory_{corr}_{letters}_{rng.randrange(10**8, 10**9)}"


def _user_ref(user: User, ip: str) -> dict[str, Any]:
    return {
        "user": {
            "id": user.id,
            "displayName": None,
            "userPrincipalName": user.upn,
            "ipAddress": ip,
        },
        "app": None,
    }


def _target_user(user: User, props: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": user.id,
        "displayName": None,
        "type": "User",
        "userPrincipalName": user.upn,
        "groupType": None,
        "modifiedProperties": props or [],
    }


def _prop(name: str, old: str | None, new: str | None) -> dict[str, Any]:
    return {"displayName": name, "oldValue": old, "newValue": new}


def entra_audit_record(
    rng: random.Random,
    t: int,
    activity: str,
    category: str,
    service: str,
    operation: str,
    initiated_by: dict[str, Any],
    targets: list[dict[str, Any]],
    reason: str = "",
    details: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """One Graph ``directoryAudit``."""
    corr = guid(rng)
    return {
        "id": _directory_id(rng, corr) if service == "Core Directory" else guid(rng),
        "category": category,
        "correlationId": corr,
        "result": "success",
        "resultReason": reason,
        "activityDisplayName": activity,
        "activityDateTime": _stamp7(t),
        "loggedByService": service,
        "operationType": operation,
        "initiatedBy": initiated_by,
        "targetResources": targets,
        "additionalDetails": details or [],
    }


JOB_TITLES = (
    "Leerkracht",
    "Intern begeleider",
    "Docent",
    "Mentor",
    "Directeur",
    "Onderwijsassistent",
    "Administratief medewerker",
    "Conciërge",
)
AUTH_METHODS = (
    ("Microsoft Authenticator", "User registered Authenticator App with Notification and Code"),
    ("Mobile Phone", "User registered Mobile Phone SMS"),
    ("Passkey", "User registered Passkey (Microsoft Authenticator)"),
)
ENTRA_BACKGROUND = (
    ("Update user", "UserManagement", "Core Directory", "Update", 30),
    ("Add member to group", "GroupManagement", "Core Directory", "Add", 18),
    ("Remove member from group", "GroupManagement", "Core Directory", "Delete", 7),
    ("Update group", "GroupManagement", "Core Directory", "Update", 5),
    ("Add user", "UserManagement", "Core Directory", "Add", 5),
    ("Reset user password", "UserManagement", "Core Directory", "Update", 8),
    ("Change user password", "UserManagement", "Core Directory", "Update", 6),
    ("User registered security info", "UserManagement", "Authentication Methods", "Add", 10),
    ("User changed default security info", "UserManagement", "Authentication Methods", "Update", 3),
    ("Update StsRefreshTokenValidFrom Timestamp", "UserManagement", "Core Directory", "Update", 4),
    ("Add app role assignment grant to user", "ApplicationManagement", "Core Directory", "Add", 4),
)


def entra_background(
    board: Board, cal: Calendar, t: int, hour: Hour, rng: random.Random, pick_activity: Any
) -> dict[str, Any]:
    """A routine directory change: provisioning by School Data Sync, an admin's work or a user
    managing their own password and security info."""
    activity, category, service, operation, _ = pick_activity()
    user = board.pick_user()
    admin = rng.choice(board.admins)
    by_admin = _user_ref(admin, where(board, admin, t, hour, rng).ip)
    by_user = _user_ref(user, where(board, user, t, hour, rng).ip)
    by_sync = {"user": None, "app": board.sync_app}
    targets: list[dict[str, Any]]
    details: list[dict[str, str]] = [{"key": "UserType", "value": "Member"}]
    reason = ""
    if activity in ("Add member to group", "Remove member from group"):
        gid, gname = rng.choice(board.groups)
        prop = "Group.DisplayName"
        old, new = (None, f'"{gname}"') if operation == "Add" else (f'"{gname}"', None)
        targets = [
            _target_user(
                user,
                [
                    _prop("Group.ObjectID", old and f'"{gid}"', new and f'"{gid}"'),
                    _prop(prop, old, new),
                ],
            ),
            {
                "id": gid,
                "displayName": gname,
                "type": "Group",
                "userPrincipalName": None,
                "groupType": "unifiedGroups",
                "modifiedProperties": [],
            },
        ]
        initiator = by_sync if rng.random() < 0.7 else by_admin
    elif activity == "Update group":
        gid, gname = rng.choice(board.groups)
        targets = [
            {
                "id": gid,
                "displayName": gname,
                "type": "Group",
                "userPrincipalName": None,
                "groupType": "unifiedGroups",
                "modifiedProperties": [_prop("Description", '["Groep"]', f'["{gname}"]')],
            }
        ]
        initiator = by_admin
    elif activity in ("Update user", "Add user"):
        new = rng.choice(JOB_TITLES) if user.staff else f"Klas {rng.randint(1, 6)}"
        name = "JobTitle" if user.staff else "Department"
        targets = [
            _target_user(
                user,
                [
                    _prop(name, "[]", f'["{new}"]'),
                    _prop("Included Updated Properties", None, f'"{name}"'),
                ],
            )
        ]
        initiator = by_sync if rng.random() < 0.6 else by_admin
    elif activity == "Reset user password":
        targets, initiator = [_target_user(user)], by_admin
    elif activity in ("User registered security info", "User changed default security info"):
        method, reason = rng.choice(AUTH_METHODS)
        if operation == "Update":
            reason = "User changed default security info"
        targets, initiator = [_target_user(user)], by_user
        details = [{"key": "Method", "value": method}]
    elif activity == "Add app role assignment grant to user":
        sis = user.school.sis
        targets = [
            {
                "id": sis.id,
                "displayName": sis.name,
                "type": "ServicePrincipal",
                "userPrincipalName": None,
                "groupType": None,
                "modifiedProperties": [_prop("AppRole.Value", None, '"User"')],
            },
            _target_user(user),
        ]
        initiator = by_admin
    else:  # password change by the user, token revocation after it
        targets, initiator = [_target_user(user)], by_user
    return entra_audit_record(
        rng, t, activity, category, service, operation, initiator, targets, reason, details
    )


ROLES = (
    ("Global Administrator", "62e90394-69f5-4237-9190-012177145e10", "TenantAdmins"),
    ("Privileged Role Administrator", "e8611ab8-c189-46e8-94e1-60213ab1f814", ""),
)


def plan_entra_audit_attacks(
    board: Board, cal: Calendar, rng: random.Random, victims: VictimPicker
) -> Injected:
    """Role grants to ordinary users and removed MFA methods."""
    out = Injected()
    kinds = [k for k, n in ENTRA_AUDIT_ATTACKS.items() for _ in range(n)]
    removals = [
        "User deleted security info",
        "Admin deleted security info",
        "Disable Strong Authentication",
    ]
    for i, (kind, t) in enumerate(zip(kinds, cal.attack_slots(len(kinds), rng), strict=True)):
        user = victims.take()
        admin = rng.choice(board.admins)
        ip = admin.home.ip
        if kind == "admin_role_granted":
            role, template, known = ROLES[0] if i % 3 != 2 else ROLES[1]
            role_id = guid(random.Random(f"role:{board.tenant_id}:{role}"))
            props = [
                _prop("Role.ObjectID", None, f'"{role_id}"'),
                _prop("Role.DisplayName", None, f'"{role}"'),
                _prop("Role.TemplateId", None, f'"{template}"'),
                _prop("Role.WellKnownObjectName", None, f'"{known}"'),
            ]
            targets = [
                _target_user(user, props),
                {
                    "id": role_id,
                    "displayName": role,
                    "type": "Role",
                    "userPrincipalName": None,
                    "groupType": None,
                    "modifiedProperties": [],
                },
            ]
            record = entra_audit_record(
                rng,
                t,
                "Add member to role",
                "RoleManagement",
                "Core Directory",
                "Add",
                _user_ref(admin, ip),
                targets,
            )
        else:
            activity = removals[i % len(removals)]
            if activity == "Disable Strong Authentication":
                props = [
                    _prop(
                        "StrongAuthenticationRequirement",
                        '[{"RelyingParty":"*","State":1,"RememberDevicesNotIssuedBefore":'
                        '"2026-09-01T08:00:00Z"}]',
                        "[]",
                    ),
                    _prop("Included Updated Properties", None, '"StrongAuthenticationRequirement"'),
                ]
                record = entra_audit_record(
                    rng,
                    t,
                    activity,
                    "UserManagement",
                    "Core Directory",
                    "Update",
                    _user_ref(admin, ip),
                    [_target_user(user, props)],
                )
            else:
                by_self = activity.startswith("User")
                initiator = _user_ref(user, user.home.ip) if by_self else _user_ref(admin, ip)
                record = entra_audit_record(
                    rng,
                    t,
                    activity,
                    "UserManagement",
                    "Authentication Methods",
                    "Delete",
                    initiator,
                    [_target_user(user)],
                    f"{'User' if by_self else 'Admin'} deleted Authenticator App with "
                    "Notification and Code",
                    [{"key": "Method", "value": "Microsoft Authenticator"}],
                )
        out.events.append((t, record))
        out.record(kind, "entra-audit", user.upn, [t])
    out.events.sort(key=lambda e: e[0])
    return out


# Unified audit log.
FILES = (
    ("Gedeelde documenten/Onderwijs", "Lesplanning week {n}", "docx"),
    ("Gedeelde documenten/Onderwijs", "Jaarplanning 2026-2027 v{n}", "xlsx"),
    ("Gedeelde documenten/Zorg", "Groepsplan {n}", "docx"),
    ("Gedeelde documenten/Personeel", "Notulen teamvergadering {n}", "docx"),
    ("Gedeelde documenten/Toetsen", "Toets hoofdstuk {n}", "pdf"),
    ("Gedeelde documenten/Ouders", "Nieuwsbrief {n}", "pdf"),
    ("Gedeelde documenten/Foto's", "IMG_{n}", "jpg"),
    ("Documents", "Lesvoorbereiding {n}", "pptx"),
    ("Documents/Cijfers", "Cijferlijst {n}", "xlsx"),
    ("Documents/Huiswerk", "Werkstuk {n}", "docx"),
)
SUBJECTS = (
    "Oudergesprekken week {n}",
    "Rooster wijziging {n}",
    "Vergadering MR {n}",
    "Toetsweek planning {n}",
    "Schoolreis groep {n}",
    "Re: leerlingbespreking {n}",
)
STAFF_OPS = (
    ("MailItemsAccessed", 30),
    ("Send", 10),
    ("FileAccessed", 20),
    ("FileModified", 9),
    ("FileDownloaded", 7),
    ("FileUploaded", 4),
    ("FilePreviewed", 4),
    ("FileDeleted", 1.5),
    ("FileRecycled", 0.5),
    ("UserLoggedIn", 12),
    ("New-InboxRule", 0.08),
)
PUPIL_OPS = (
    ("FileAccessed", 30),
    ("FileModified", 14),
    ("FileUploaded", 8),
    ("FileDownloaded", 6),
    ("FilePreviewed", 6),
    ("FileDeleted", 1.5),
    ("MailItemsAccessed", 6),
    ("UserLoggedIn", 14),
)
BULK_OPS = frozenset({"FileDownloaded", "FileDeleted", "FileRecycled"})
WEB_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0"
)
SYNC_UA = "Microsoft SkyDriveSync 25.174.0907.0001 ship; Windows NT 10.0 (26100)"


class M365:
    """Builds unified audit log ``AuditData`` records for the board."""

    def __init__(self, board: Board, rng: random.Random) -> None:
        self.board, self.rng = board, rng
        self.org = board.tenant_id
        self.server = (
            f"AM{rng.randrange(1, 9)}PR0{rng.randrange(1, 9)}MB{rng.randrange(1000, 9999)}"
        )

    def base(
        self,
        t: int,
        op: str,
        user: User,
        ip: str,
        record_type: int,
        workload: str,
        object_id: str,
        status: str | None = "Succeeded",
    ) -> dict[str, Any]:
        key = f"i:0h.f|membership|{user.puid.lower()}@live.com" if record_type == 6 else user.puid
        record = {
            "CreationTime": iso_seconds(t),
            "Id": guid(self.rng),
            "Operation": op,
            "OrganizationId": self.org,
            "RecordType": record_type,
            "ResultStatus": status,
            "UserKey": user.id if workload == "AzureActiveDirectory" else key,
            "UserType": 0,
            "Version": 1,
            "Workload": workload,
            "ClientIP": ip,
            "UserId": user.upn,
            "ObjectId": object_id,
        }
        if status is None:
            del record["ResultStatus"]
        return record

    def file_op(
        self,
        t: int,
        op: str,
        user: User,
        ip: str,
        ua: str = WEB_UA,
        onedrive: bool | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        rng = self.rng
        if onedrive is None:
            onedrive = rng.random() < (0.5 if user.staff else 0.6)
        folder, stem, ext = rng.choice(FILES[7:] if onedrive else FILES[:7])
        name = name or f"{stem.format(n=rng.randrange(1, 60))}.{ext}"
        if onedrive:
            site = f"{MYSITE}/personal/{user.upn.replace('.', '_').replace('@', '_')}/"
            workload = "OneDrive"
        else:
            site = user.school.site_url
            workload = "SharePoint"
        record = self.base(t, op, user, ip, 6, workload, f"{site}{folder}/{name}", None)
        record.update(
            {
                "CorrelationId": guid(rng),
                "EventSource": "SharePoint",
                "ItemType": "File",
                "ListId": user.school.list_id,
                "ListItemUniqueId": guid(rng),
                "Site": user.school.site_id,
                "UserAgent": ua,
                "WebId": user.school.web_id,
                "FileSizeBytes": rng.randrange(20_000, 4_000_000),
                "SourceFileExtension": ext,
                "SiteUrl": site,
                "SourceFileName": name,
                "SourceRelativeUrl": folder,
                "GeoLocation": "EUR",
                "IsManagedDevice": user.staff,
                "AuthenticationType": "OAuth",
            }
        )
        return record

    def mailbox_op(self, t: int, op: str, user: User, ip: str) -> dict[str, Any]:
        rng = self.rng
        record = self.base(
            t, op, user, ip, 50 if op == "MailItemsAccessed" else 2, "Exchange", user.upn
        )
        message = f"<{guid(rng).replace('-', '')[:24]}@{DOMAIN}>"
        record.update(
            {
                "AppId": "00000002-0000-0ff1-ce00-000000000000",
                "ClientInfoString": rng.choice(
                    ("Client=OWA;Action=ViaProxy", "Client=REST;Client=RESTSystem;;")
                ),
                "ClientIPAddress": ip,
                "ExternalAccess": False,
                "InternalLogonType": 0,
                "LogonType": 0,
                "MailboxGuid": guid(rng),
                "MailboxOwnerUPN": user.upn,
                "OrganizationName": TENANT_DOMAIN,
                "OriginatingServer": f"{self.server} (15.20.8722.20)",
            }
        )
        if op == "MailItemsAccessed":
            record["OperationProperties"] = [
                {"Name": "MailAccessType", "Value": "Bind"},
                {"Name": "IsThrottled", "Value": "False"},
            ]
            record["Folders"] = [
                {
                    "Id": guid(rng),
                    "Path": "\\Postvak IN",
                    "FolderItems": [
                        {"InternetMessageId": message, "SizeInBytes": rng.randrange(4000, 900000)}
                    ],
                }
            ]
            record["OperationCount"] = 1
        else:
            subject = rng.choice(SUBJECTS).format(n=rng.randrange(1, 52))
            record["Item"] = {
                "Id": guid(rng),
                "InternetMessageId": message,
                "ParentFolder": {"Id": guid(rng), "Path": "\\Verzonden items"},
                "SizeInBytes": rng.randrange(4000, 900000),
                "Subject": subject,
            }
        return record

    def login(self, t: int, user: User, ip: str) -> dict[str, Any]:
        rng = self.rng
        record = self.base(
            t,
            "UserLoggedIn",
            user,
            ip,
            15,
            "AzureActiveDirectory",
            "00000003-0000-0ff1-ce00-000000000000",
            "Success",
        )
        record.update(
            {
                "AzureActiveDirectoryEventType": 1,
                "ExtendedProperties": [
                    {"Name": "ResultStatusDetail", "Value": "Redirect"},
                    {"Name": "UserAgent", "Value": WEB_UA},
                    {"Name": "RequestType", "Value": "OAuth2:Authorize"},
                ],
                "ModifiedProperties": [],
                "Actor": [{"ID": user.id, "Type": 0}, {"ID": user.upn, "Type": 5}],
                "ActorContextId": self.org,
                "ActorIpAddress": ip,
                "InterSystemsId": guid(rng),
                "IntraSystemId": guid(rng),
                "SupportTicketId": "",
                "Target": [{"ID": "00000003-0000-0ff1-ce00-000000000000", "Type": 0}],
                "TargetContextId": self.org,
                "ApplicationId": "4765445b-32c6-49b0-83e6-1d93765276ca",
                "ErrorNumber": "0",
            }
        )
        return record

    def admin_op(
        self, t: int, op: str, user: User, ip: str, name: str, parameters: list[dict[str, str]]
    ) -> dict[str, Any]:
        """An Exchange cmdlet run by the user (inbox rule, mailbox setting). Exchange writes
        the client address with its port here."""
        rng = self.rng
        port = rng.randrange(1024, 65535)
        client = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
        record = self.base(
            t,
            op,
            user,
            client,
            1,
            "Exchange",
            f"{TENANT_DOMAIN}\\{user.upn.split('@')[0]}\\{name}",
            "True",
        )
        record.update(
            {
                "AppId": "",
                "ClientAppId": "",
                "ExternalAccess": False,
                "OrganizationName": TENANT_DOMAIN,
                "OriginatingServer": f"{self.server} (15.20.8722.20)",
                "Parameters": [
                    {"Name": "AlwaysDeleteOutlookRulesBlob", "Value": "False"},
                    {"Name": "Force", "Value": "False"},
                    *parameters,
                ],
                "SessionId": guid(rng),
            }
        )
        return record


def m365_background(
    m: M365,
    board: Board,
    t: int,
    hour: Hour,
    pick_staff_op: Any,
    pick_pupil_op: Any,
    bulk: dict[int, deque[int]],
) -> dict[str, Any]:
    """A routine mailbox, file or sign-in record; bulk file operations stay far below the
    mass download and deletion thresholds."""
    rng = m.rng
    user = board.pick_user()
    op = pick_staff_op() if user.staff else pick_pupil_op()
    ip = where(board, user, t, hour, rng).ip
    if op in BULK_OPS:
        window = bulk.setdefault(user.index, deque())
        while window and window[0] <= t - 10 * MINUTE:
            window.popleft()
        if len(window) >= MAX_BULK_FILE_OPS:
            op = "FileAccessed"
        else:
            window.append(t)
    if op in ("MailItemsAccessed", "Send"):
        return m.mailbox_op(t, op, user, ip)
    if op == "UserLoggedIn":
        return m.login(t, user, ip)
    if op == "New-InboxRule":
        sender = rng.choice(
            (
                "nieuwsbrief@kennisnet.nl",
                "nieuwsbrief@poraad.nl",
                "nieuwsbrief@vo-raad.nl",
                f"nieuwsbrief@{DOMAIN}",
            )
        )
        return m.admin_op(
            t,
            op,
            user,
            ip,
            "Nieuwsbrieven",
            [
                {"Name": "Name", "Value": "Nieuwsbrieven"},
                {"Name": "MoveToFolder", "Value": "Nieuwsbrieven"},
                {"Name": "From", "Value": sender},
                {"Name": "StopProcessingRules", "Value": "True"},
            ],
        )
    return m.file_op(t, op, user, ip, SYNC_UA if rng.random() < 0.3 else WEB_UA)


EXTERNAL_FORWARDS = (
    "backup.post7781@gmail.com",
    "archief.mail2026@outlook.com",
    "doorsturen.inbox@proton.me",
    "m.jansen.privé@hotmail.com",
)


def plan_m365_attacks(
    board: Board,
    cal: Calendar,
    rng: random.Random,
    victims: VictimPicker,
    m: M365,
    audit_events: int,
) -> Injected:
    """Forwarding to outside addresses, mass downloads and mass deletions, plus one forward
    inside the board's own domain that must NOT alert."""
    out = Injected()
    n_mass = 1 if audit_events < 4000 else 2 if audit_events < 10000 else 3
    kinds = (
        ["mailbox_forwarding"] * MAILBOX_FORWARDS
        + ["internal_forward"]
        + ["mass_download"] * n_mass
        + ["mass_deletion"] * n_mass
    )
    for i, (kind, start) in enumerate(zip(kinds, cal.attack_slots(len(kinds), rng), strict=True)):
        user = victims.take()
        ip = user.home.ip
        if kind in ("mailbox_forwarding", "internal_forward"):
            variant = i % 4 if kind == "mailbox_forwarding" else 0
            target = (
                EXTERNAL_FORWARDS[i % len(EXTERNAL_FORWARDS)]
                if kind == "mailbox_forwarding"
                else f"administratie@{DOMAIN}"
            )
            if variant == 0:
                record = m.admin_op(
                    start,
                    "New-InboxRule",
                    user,
                    ip,
                    "Doorsturen",
                    [
                        {"Name": "Name", "Value": "Doorsturen"},
                        {"Name": "ForwardTo", "Value": target},
                        {"Name": "StopProcessingRules", "Value": "False"},
                    ],
                )
            elif variant == 1:
                record = m.admin_op(
                    start,
                    "Set-InboxRule",
                    user,
                    ip,
                    ".",
                    [
                        {"Name": "Identity", "Value": f"{user.upn}\\."},
                        {"Name": "RedirectTo", "Value": target},
                    ],
                )
            elif variant == 2:
                record = m.admin_op(
                    start,
                    "Set-Mailbox",
                    user,
                    ip,
                    "",
                    [
                        {"Name": "Identity", "Value": user.upn},
                        {"Name": "ForwardingSmtpAddress", "Value": f"smtp:{target}"},
                        {"Name": "DeliverToMailboxAndForward", "Value": "True"},
                    ],
                )
                record["ObjectId"] = f"{TENANT_DOMAIN}\\{user.upn.split('@')[0]}"
            else:
                record = m.admin_op(
                    start,
                    "New-InboxRule",
                    user,
                    ip,
                    "Archief",
                    [
                        {"Name": "Name", "Value": "Archief"},
                        {"Name": "ForwardAsAttachmentTo", "Value": target},
                        {"Name": "MarkAsRead", "Value": "True"},
                    ],
                )
            out.events.append((start, record))
            if kind == "mailbox_forwarding":
                out.record(kind, "m365-audit", user.upn, [start])
            else:
                out.decoys.append(
                    {
                        "rule": "mailbox_forwarding",
                        "source": "m365-audit",
                        "entity": user.upn,
                        "why": "forward inside the board's domain",
                        "start": iso_truth(start),
                        "end": iso_truth(start, up=True),
                    }
                )
        else:
            download = kind == "mass_download"
            n = rng.randint(150, 400) if download else rng.randint(120, 300)
            span = rng.randint(3, 9) * MINUTE
            ticks = sorted(start + rng.randrange(span) for _ in range(n))
            onedrive = rng.random() < 0.5
            for j, t in enumerate(ticks):
                op = "FileDownloaded" if download else rng.choice(("FileDeleted", "FileRecycled"))
                name = (
                    f"Leerlingdossier {j + 1:04d}.pdf" if download else f"Document {j + 1:04d}.docx"
                )
                out.events.append(
                    (t, m.file_op(t, op, user, ip, SYNC_UA if download else WEB_UA, onedrive, name))
                )
            out.record(kind, "m365-audit", user.upn, ticks)
    out.events.sort(key=lambda e: e[0])
    return out


# --- writing ---------------------------------------------------------------------------------


def _open(path: Path, compress: bool) -> IO[str]:
    if compress:
        return gzip_lib.open(path, "wt", encoding="utf-8", compresslevel=5)
    return path.open("w", encoding="utf-8", buffering=1 << 20)


def write_lines(path: Path, records: Iterable[dict[str, Any]], compress: bool = False) -> int:
    """Write one JSON object per line, in batches; returns the number of lines."""
    count = 0
    encode = JSON.encode
    with _open(path, compress) as out:
        batch: list[str] = []
        for record in records:
            batch.append(encode(record))
            if len(batch) >= 2000:
                out.write("\n".join(batch) + "\n")
                count += len(batch)
                batch.clear()
        if batch:
            out.write("\n".join(batch) + "\n")
            count += len(batch)
    return count


def _audit_stream(
    cal: Calendar, count: int, rng: random.Random, injected: Injected, make: Any
) -> Iterator[dict[str, Any]]:
    background = ((t, make(t, hour)) for t, hour, _ in cal.spread(count, rng))
    for _, record in heapq.merge(background, injected.events, key=lambda e: e[0]):
        yield record


@dataclass
class Truth:
    """What ``generate`` wrote: the injected attacks (iterable like the list in truth.json),
    the files with their line counts, and the benign look-alikes that must not alert."""

    attacks: list[dict[str, Any]]
    files: dict[str, Path]
    lines: dict[str, int]
    decoys: list[dict[str, Any]]
    domain: str
    tenant_id: str
    start: str
    end: str
    shape: str
    seconds: float = 0.0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.attacks)

    def __len__(self) -> int:
        return len(self.attacks)

    def by_rule(self) -> Counter[str]:
        return Counter(a["rule"] for a in self.attacks)


def generate(
    out_dir: Path,
    *,
    events: int,
    accounts: int = 5000,
    days: int = 30,
    seed: int = 7,
    shape: str = "graph",
    gzip: bool = False,
    audit_events: int = 0,
) -> Truth:
    """Write the sign-ins (exactly ``events`` lines, attacks included), the audit files when
    ``audit_events`` > 0 (that many lines each) and truth.json into ``out_dir``."""
    began = time.perf_counter()
    if accounts < MIN_ACCOUNTS:
        raise ValueError(f"accounts must be at least {MIN_ACCOUNTS}")
    if days < 4:
        raise ValueError("days must be at least 4")
    if audit_events and audit_events < MIN_AUDIT_EVENTS:
        raise ValueError(f"audit_events must be 0 or at least {MIN_AUDIT_EVENTS}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    board = build_board(accounts, seed)
    cal = Calendar(days)
    formatter = Formatter(board, shape)
    victims = VictimPicker(board, random.Random(f"{seed}:victims"))

    attacks = plan_signin_attacks(board, cal, random.Random(f"{seed}:attacks"), victims)
    background_count = events - len(attacks.events)
    if background_count < len(attacks.events):
        raise ValueError(
            f"events must be at least {2 * len(attacks.events)} (attacks: {len(attacks.events)})"
        )
    background = background_signins(
        board, cal, background_count, attacks.blackouts, random.Random(f"{seed}:signins")
    )
    merged = heapq.merge(background, attacks.events, key=lambda s: s.t)
    signins = out_dir / ("signins.jsonl.gz" if gzip else "signins.jsonl")
    files = {"signins": signins}
    lines = {"signins": write_lines(signins, map(formatter.format, merged), gzip)}
    truth = list(attacks.truth)
    decoys: list[dict[str, Any]] = []

    if audit_events:
        rng = random.Random(f"{seed}:entra-audit")
        entra = plan_entra_audit_attacks(board, cal, rng, victims)
        pick_activity = weighted_picker(
            rng, list(ENTRA_BACKGROUND), [a[4] for a in ENTRA_BACKGROUND]
        )
        path = out_dir / "entra-audit.jsonl"
        files["entra_audit"] = path
        lines["entra_audit"] = write_lines(
            path,
            _audit_stream(
                cal,
                audit_events - len(entra.events),
                rng,
                entra,
                lambda t, hour: entra_background(board, cal, t, hour, rng, pick_activity),
            ),
        )
        truth += entra.truth

        rng = random.Random(f"{seed}:m365-audit")
        m = M365(board, rng)
        m365 = plan_m365_attacks(board, cal, rng, victims, m, audit_events)
        pick_staff = weighted_picker(rng, [o for o, _ in STAFF_OPS], [w for _, w in STAFF_OPS])
        pick_pupil = weighted_picker(rng, [o for o, _ in PUPIL_OPS], [w for _, w in PUPIL_OPS])
        bulk: dict[int, deque[int]] = {}
        path = out_dir / "m365-audit.jsonl"
        files["m365_audit"] = path
        lines["m365_audit"] = write_lines(
            path,
            _audit_stream(
                cal,
                audit_events - len(m365.events),
                rng,
                m365,
                lambda t, hour: m365_background(m, board, t, hour, pick_staff, pick_pupil, bulk),
            ),
        )
        truth += m365.truth
        decoys += m365.decoys

    truth.sort(key=lambda a: (a["start"], a["rule"], a["entity"]))
    (out_dir / "truth.json").write_text(
        json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    files["truth"] = out_dir / "truth.json"
    return Truth(
        truth,
        files,
        lines,
        decoys,
        DOMAIN,
        board.tenant_id,
        iso_truth(cal.start),
        iso_truth(cal.end),
        shape,
        time.perf_counter() - began,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--events", type=int, default=1_000_000, help="sign-in lines in all")
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--days", type=int, default=30, help=f"days ending {END_DATE}")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shape", choices=SHAPES, default="graph")
    parser.add_argument("--gzip", action="store_true", help="write signins.jsonl.gz")
    parser.add_argument(
        "--audit-events", type=int, default=0, help="lines in each audit file (0: no audit files)"
    )
    args = parser.parse_args(argv)
    try:
        truth = generate(
            args.out_dir,
            events=args.events,
            accounts=args.accounts,
            days=args.days,
            seed=args.seed,
            shape=args.shape,
            gzip=args.gzip,
            audit_events=args.audit_events,
        )
    except ValueError as error:
        parser.error(str(error))
    for name, path in truth.files.items():
        size = path.stat().st_size
        count = truth.lines.get(name)
        extra = f", {count:,} lines, {size / max(count, 1):,.0f} B/line" if count else ""
        print(f"{path}: {size / 1e6:,.1f} MB{extra}", file=sys.stderr)
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(truth.by_rule().items()))
    print(
        f"{truth.start} .. {truth.end}, shape {truth.shape}, {truth.seconds:.1f} s", file=sys.stderr
    )
    print(f"attacks: {len(truth)} ({rules})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
