"""Checking a participant or phishing import and working out what it changes (nothing is
written here; ``services.import_participants`` and ``services.import_phishing`` write the plan).

Both read the file with ``lib/tabular.read_table`` (size cap, XLSX or UTF-8 CSV, the spreadsheet
guard undone), check every row and field and raise ``ImportRejected`` naming each problem (line,
column, value, reason) before anything is written.

Participants of one training, one row per person (``PARTICIPANT_COLUMNS``): e-mail address
or name (at least one), role, school (name or BRIN code with vestiging; empty: the board's
office, or the training's own school), completed (ja/nee) and the date of completion. A person
is matched on e-mail address, else on name: the same person twice in one file is an error, and
a person already on the list is updated.

Phishing results, one row per campaign per school (``PHISHING_COLUMNS``): campaign name, date,
school (empty: board-wide), and the numbers of e-mails sent, opened, clicked and reported (whole
numbers, none above the number sent). These are the aggregate figures every simulation tool
reports per campaign; no result of a single person is stored. A row with the same campaign,
date and school as one already recorded replaces its figures.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schildwacht.audit.services import snapshot
from schildwacht.lib.tabular import ImportProblem, ImportRejected, read_table, shown, whole_file
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.people.models import Participant, PhishingCampaign, Training
from schildwacht.people.queries import schools_for_import

MAX_COLUMNS = 20
YES = {"ja", "j", "yes", "y", "x", "1", "true", "waar"}
NO = {"nee", "n", "no", "0", "false", "onwaar"}
WHOLE_NUMBER = re.compile(r"^\d{1,9}$")
# Dates as people type them (2026-03-31, 31-03-2026, 31/3/2026, 31.03.2026) and as a spreadsheet
# date cell reads ("2026-03-31 00:00:00").
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?: 00:00:00)?$")
DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
EARLIEST = dt.date(2000, 1, 1)

_M = TypeVar("_M", Participant, PhishingCampaign)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool = False


PARTICIPANT_COLUMNS = (
    Column("email", "e-mail", ("e-mailadres", "email", "e-mail address", "mail")),
    Column("name", "naam", ("name", "volledige naam")),
    Column("role", "rol", ("role", "functie")),
    Column("school", "school", ("vestiging", "brin")),
    Column("completed", "afgerond", ("completed", "voltooid", "gehaald"), required=True),
    Column("date", "datum", ("date", "afgerond op", "datum afgerond", "completed on")),
)
PHISHING_COLUMNS = (
    Column("name", "campagne", ("campaign", "naam", "name"), required=True),
    Column("date", "datum", ("date", "verzonden op"), required=True),
    Column("school", "school", ("vestiging", "brin")),
    Column("sent", "verzonden", ("sent", "aantal verzonden"), required=True),
    Column("opened", "geopend", ("opened",)),
    Column("clicked", "geklikt", ("clicked",)),
    Column("reported", "gemeld", ("reported",)),
)
COLUMN_HELP = {
    "email": gettext_lazy("E-mailadres van de deelnemer; vul e-mail of naam in."),
    "name": gettext_lazy("Naam van de deelnemer."),
    "role": gettext_lazy("Functie of rol, bijvoorbeeld leerkracht, directie, IBP-coördinator."),
    "school": gettext_lazy("Naam of BRIN-code met vestiging (11AA00); leeg: bestuursbureau."),
    "completed": gettext_lazy("ja of nee."),
    "date": gettext_lazy("Datum afgerond, als 2026-03-31 of 31-03-2026; alleen bij ja."),
}


@dataclass
class ImportPlan(Generic[_M]):
    """What an import changes: new rows, changed rows (with their values before) and how many
    rows were already as the file says."""

    created: list[_M] = field(default_factory=list)
    updated: list[tuple[_M, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())


def _columns(header_line: int, header: list[str], columns: tuple[Column, ...]) -> dict[str, int]:
    """Column key -> index; ``ImportRejected`` for doubled or missing required columns."""
    names = {_normal(c.header): c for c in columns}
    names.update({_normal(alias): c for c in columns for alias in c.aliases})
    found: dict[str, int] = {}
    problems: list[ImportProblem] = []
    for index, raw in enumerate(header):
        column = names.get(_normal(raw))
        if column is None:
            continue  # Extra columns are ignored.
        if column.key in found:
            problems.append(
                ImportProblem(header_line, raw, raw, _("Deze kolom komt twee keer voor."))
            )
            continue
        found[column.key] = index
    for column in columns:
        if column.required and column.key not in found:
            problems.append(
                ImportProblem(header_line, column.header, "", _("Deze verplichte kolom ontbreekt."))
            )
    if columns is PARTICIPANT_COLUMNS and not {"email", "name"} & set(found):
        problems.append(
            ImportProblem(
                header_line, "e-mail", "", _("Het bestand heeft een kolom e-mail of naam nodig.")
            )
        )
    if problems:
        raise ImportRejected(problems)
    return found


def parse_date(text: str) -> dt.date | None:
    """A date in one of the accepted ways of writing it, or None (also for 31-02-2026)."""
    if match := ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := DUTCH_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


class Row:
    """The cells of one row, read into values; each problem names its column."""

    def __init__(self, line: int, cells: dict[str, str], columns: tuple[Column, ...]) -> None:
        self.line = line
        self.cells = cells
        self.headers = {c.key: c.header for c in columns}
        self.problems: list[ImportProblem] = []

    def text(self, key: str) -> str:
        return self.cells.get(key, "")

    def problem(self, key: str, reason: str) -> None:
        self.problems.append(
            ImportProblem(self.line, self.headers.get(key, key), shown(self.text(key)), reason)
        )

    def plain(self, key: str, limit: int, *, required: bool = False) -> str:
        value = self.text(key)
        if required and not value:
            self.problem(key, _("Dit veld is verplicht."))
        elif len(value) > limit:
            self.problem(key, _("Hoogstens %(limit)d tekens.") % {"limit": limit})
        elif any(ord(char) < 32 for char in value):
            self.problem(key, _("Dit veld bevat een stuurteken (zoals een tab of regeleinde)."))
        return value

    def yes_no(self, key: str) -> bool | None:
        value = self.text(key).lower()
        if value in YES:
            return True
        if value in NO:
            return False
        self.problem(key, _("Vul ja of nee in."))
        return None

    def date(self, key: str, day: dt.date, *, required: bool = False) -> dt.date | None:
        value = self.text(key)
        if not value:
            if required:
                self.problem(key, _("Dit veld is verplicht."))
            return None
        parsed = parse_date(value)
        if parsed is not None:
            if parsed > day:
                self.problem(key, _("Deze datum ligt in de toekomst."))
            elif parsed < EARLIEST:
                self.problem(key, _("Deze datum ligt vóór 2000."))
            return parsed
        self.problem(key, _("Geen geldige datum; schrijf 2026-03-31 of 31-03-2026."))
        return None

    def number(self, key: str, *, required: bool = False) -> int | None:
        value = self.text(key).replace(".", "").replace(" ", "")
        if not value:
            if required:
                self.problem(key, _("Dit veld is verplicht."))
            return None if required else 0
        if not WHOLE_NUMBER.match(value):
            self.problem(key, _("Vul een heel getal van 0 of meer in."))
            return None
        return int(value)

    def school(self, key: str, schools: dict[str, Organisation]) -> Organisation | None:
        value = self.text(key)
        if not value:
            return None
        school = schools.get(value.lower())
        if school is None:
            self.problem(
                key,
                _("Onbekende school; kies uit: %(names)s.")
                % {"names": ", ".join(sorted({s.name for s in schools.values()})) or "–"},
            )
        return school


def _school_lookup(schools: list[Organisation]) -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    for school in schools:
        found[school.name.lower()] = school
        if school.brin6:
            found[school.brin6.lower()] = school
            found[school.brin.lower()] = school
    return found


def _rows(table: Any, columns: tuple[Column, ...], found: dict[str, int]) -> list[Row]:
    return [
        Row(line, {key: raw[i] if i < len(raw) else "" for key, i in found.items()}, columns)
        for line, raw in table.rows
    ]


def participant_key(email: str, name: str) -> str:
    """Who a participant is: the e-mail address, else the name (both without case)."""
    return email.lower() if email else "naam:" + " ".join(name.lower().split())


def _participant_values(
    row: Row, training: Training, schools: dict[str, Organisation], day: dt.date
) -> dict[str, Any] | None:
    email = row.plain("email", 254).lower()
    name = row.plain("name", 200)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            row.problem("email", _("Geen geldig e-mailadres."))
    elif not name:
        row.problem("email", _("Vul een e-mailadres of een naam in."))
    role = row.plain("role", 100)
    school = row.school("school", schools)
    if school is None and training.organisation.kind == OrganisationKind.SCHOOL:
        school = training.organisation if not row.text("school") else None
    completed = row.yes_no("completed")
    completed_on = row.date("date", day)
    if completed is False and completed_on is not None:
        row.problem("date", _("Een datum van afronden hoort alleen bij afgerond = ja."))
    if completed_on is not None and completed_on < training.held_on - dt.timedelta(days=366):
        row.problem("date", _("Deze datum ligt meer dan een jaar vóór de training."))
    if row.problems:
        return None
    return {
        "key": participant_key(email, name),
        "email": email,
        "name": name,
        "role": role,
        "school": school,
        "completed": bool(completed),
        "completed_on": completed_on,
    }


def _plan(plan: ImportPlan[Any], existing: Any, values: dict[str, Any], make: Any) -> None:
    """Add a row to the plan: new, changed (a copy with the new values) or unchanged."""
    if existing is None:
        plan.created.append(make(**values))
        return
    before = snapshot(existing)
    changed = copy.copy(existing)
    for name, value in values.items():
        setattr(changed, name, value)
    if snapshot(changed) != before:
        plan.updated.append((changed, before))
    else:
        plan.unchanged += 1


def plan_participant_import(training: Training, name: str, content: bytes) -> ImportPlan[Any]:
    """Check a participant list for ``training`` and work out what it changes."""
    table = read_table(
        name, content, sheet_names=("deelnemers", "participants"), max_columns=MAX_COLUMNS
    )
    found = _columns(table.header_line, table.header, PARTICIPANT_COLUMNS)
    if not table.rows:
        raise whole_file(_("Het bestand bevat alleen een kopregel en geen deelnemers."))
    day = timezone.localdate()
    schools = _school_lookup(schools_for_import(training))
    existing = {}
    for participant in Participant.objects.filter(training=training):
        participant.training = training  # The audit entry asks for its organisation.
        existing[participant.key] = participant
    plan: ImportPlan[Participant] = ImportPlan()
    problems: list[ImportProblem] = []
    first_line: dict[str, int] = {}
    for row in _rows(table, PARTICIPANT_COLUMNS, found):
        values = _participant_values(row, training, schools, day)
        if values is not None:
            if values["key"] in first_line:
                column = "email" if values["email"] else "name"
                row.problem(
                    column,
                    _("Deze persoon staat ook al op regel %(line)d.")
                    % {"line": first_line[values["key"]]},
                )
            else:
                first_line[values["key"]] = row.line
        problems += row.problems
        if values is not None and not row.problems:
            _plan(
                plan,
                existing.get(values["key"]),
                values,
                lambda **v: Participant(training=training, **v),
            )
    if problems:
        raise ImportRejected(problems)
    return plan


def _campaign_values(
    row: Row,
    default: Organisation,
    schools: dict[str, Organisation],
    changeable: frozenset[int],
    day: dt.date,
) -> dict[str, Any] | None:
    name = row.plain("name", 200, required=True)
    sent_on = row.date("date", day, required=True)
    school = row.school("school", schools)
    target = school or (default if not row.text("school") else None)
    if target is not None and target.pk not in changeable:
        row.problem(
            "school",
            _("U kunt hier geen resultaten van %(name)s importeren.") % {"name": target.name},
        )
    counts = {
        key: row.number(key, required=key == "sent")
        for key in ("sent", "opened", "clicked", "reported")
    }
    sent = counts["sent"]
    if sent is not None:
        for key in ("opened", "clicked", "reported"):
            value = counts[key]
            if value is not None and value > sent:
                row.problem(key, _("Dit aantal is groter dan het aantal verzonden e-mails."))
    if row.problems or target is None or sent_on is None:
        return None
    return {"organisation": target, "name": name, "sent_on": sent_on, **counts}


def plan_phishing_import(
    organisation: Organisation, changeable: frozenset[int], name: str, content: bytes
) -> ImportPlan[Any]:
    """Check phishing results for ``organisation`` (a board: rows name its schools; a school:
    its own results) and work out what they change; ``changeable``: where the user writes."""
    table = read_table(name, content, sheet_names=("phishing",), max_columns=MAX_COLUMNS)
    found = _columns(table.header_line, table.header, PHISHING_COLUMNS)
    if not table.rows:
        raise whole_file(_("Het bestand bevat alleen een kopregel en geen campagnes."))
    day = timezone.localdate()
    if organisation.kind == OrganisationKind.SCHOOL:
        school_list = [organisation]
    else:
        school_list = list(
            Organisation.objects.filter(parent=organisation, kind=OrganisationKind.SCHOOL)
        )
    schools = _school_lookup(school_list)
    existing = {
        (c.organisation_id, c.name.lower(), c.sent_on): c
        for c in PhishingCampaign.objects.filter(
            organisation_id__in=[organisation.pk, *(s.pk for s in school_list)]
        ).select_related("organisation")
    }
    plan: ImportPlan[PhishingCampaign] = ImportPlan()
    problems: list[ImportProblem] = []
    first_line: dict[tuple[int, str, dt.date], int] = {}
    for row in _rows(table, PHISHING_COLUMNS, found):
        values = _campaign_values(row, organisation, schools, changeable, day)
        if values is None:
            problems += row.problems
            continue
        key = (values["organisation"].pk, values["name"].lower(), values["sent_on"])
        if key in first_line:
            row.problem(
                "name",
                _("Deze campagne voor deze school en datum staat ook al op regel %(line)d.")
                % {"line": first_line[key]},
            )
        else:
            first_line[key] = row.line
        problems += row.problems
        if not row.problems:
            _plan(plan, existing.get(key), values, PhishingCampaign)
    if problems:
        raise ImportRejected(problems)
    return plan
