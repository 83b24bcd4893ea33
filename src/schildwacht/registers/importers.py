"""Checking an application import and working out what it changes (nothing is written here).

``plan_application_import`` reads the file (``lib/tabular.read_table``), checks every row and
field against the same rules as the form (``services.check_application_values``) and against
the board's suppliers, schools and existing applications, and returns the applications to
create and to update. Any problem raises ``ImportRejected`` listing every bad row and field
(line, column, value, reason); ``services.import_applications`` writes the plan.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Change, change_for
from schildwacht.lib.tabular import ImportProblem, ImportRejected, read_table, shown, whole_file
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.registers.columns import (
    CHOICE_ALIASES,
    COLUMN_BY_KEY,
    COLUMNS,
    LIST_SEPARATOR,
    NO,
    YES,
    Cell,
    Column,
    header_aliases,
)
from schildwacht.registers.models import Application
from schildwacht.registers.reference import lookup
from schildwacht.registers.services import application_snapshot, check_application_values
from schildwacht.suppliers.models import Supplier
from schildwacht.suppliers.queries import available_suppliers, board_of

SHEET_NAMES = ("applicaties", "applications")
WHOLE_NUMBER = re.compile(r"^(\d+|\d{1,3}([. ]\d{3})+)$")
# Columns beyond these are never read (the register has about thirty).
MAX_COLUMNS = 60


@dataclass
class PlannedRow:
    """One row of the file that adds or changes an application."""

    line: int
    application: Application
    schools: list[int] | None
    old_schools: list[int] = field(default_factory=list)
    before: dict[str, Any] | None = None

    def change(self, application: Application) -> Change:
        schools = self.old_schools if self.schools is None else self.schools
        return change_for(
            AuditAction.UPDATE, application, self.before, application_snapshot(application, schools)
        )


@dataclass
class ImportPlan:
    created: list[PlannedRow] = field(default_factory=list)
    updated: list[PlannedRow] = field(default_factory=list)
    unchanged: int = 0


def choice_lookup(choices: type[TextChoices]) -> dict[str, str]:
    """Lower-cased code, Dutch label, English label and aliases -> code."""
    found: dict[str, str] = {}
    for value, label in choices.choices:
        found[value.lower()] = value
        for language in ("nl", "en"):
            with translation.override(language):
                found[str(label).lower()] = value
    for alias, value in CHOICE_ALIASES.items():
        if value in choices.values:
            found.setdefault(alias, value)
    return found


def dutch_labels(choices: type[TextChoices]) -> list[str]:
    with translation.override("nl"):
        return [str(label) for _value, label in choices.choices]


@dataclass
class _Context:
    """What rows are checked against, read once for the whole file."""

    default: Organisation
    changeable: frozenset[int]
    organisations: dict[str, Organisation]
    suppliers: dict[str, Supplier]
    schools: dict[str, Organisation]
    existing: dict[tuple[int, str], Application]
    existing_schools: dict[int, list[int]]
    choices: dict[str, dict[str, str]]


def _context(default: Organisation, changeable: frozenset[int]) -> _Context:
    board = board_of(default)
    tree = list(Organisation.objects.filter(path__startswith=board.path))
    organisations: dict[str, Organisation] = {}
    schools: dict[str, Organisation] = {}
    for org in tree:
        organisations[org.name.lower()] = org
        if org.kind == OrganisationKind.SCHOOL:
            schools[org.name.lower()] = org
            if org.brin6:
                schools[org.brin6.lower()] = org
                organisations[org.brin6.lower()] = org
    suppliers: dict[str, Supplier] = {}
    # The board's own supplier wins over a sector one of the same name.
    for supplier in available_suppliers(default).order_by("-organisation__path"):
        suppliers.setdefault(supplier.name.lower(), supplier)
    existing = {
        (app.organisation_id, app.name.lower()): app
        for app in Application.objects.filter(organisation_id__in=changeable).select_related(
            "organisation"
        )
    }
    existing_schools: dict[int, list[int]] = defaultdict(list)
    for app_id, school_id in Application.schools.through.objects.filter(
        application_id__in=[a.pk for a in existing.values()]
    ).values_list("application_id", "organisation_id"):
        existing_schools[app_id].append(school_id)
    choices = {c.key: choice_lookup(c.choices) for c in COLUMNS if c.choices is not None}
    return _Context(
        default,
        changeable,
        organisations,
        suppliers,
        schools,
        existing,
        existing_schools,
        choices,
    )


def _columns(header_line: int, header: list[str]) -> dict[str, int]:
    """Column key -> index; raises ``ImportRejected`` for missing or doubled columns."""
    aliases = header_aliases()
    found: dict[str, int] = {}
    problems: list[ImportProblem] = []
    for index, raw in enumerate(header):
        column = aliases.get(" ".join(raw.lower().replace("_", " ").replace("-", " ").split()))
        if column is None:
            continue  # Extra columns (such as the export's "volledig") are ignored.
        if column.key in found:
            problems.append(
                ImportProblem(header_line, raw, raw, _("Deze kolom komt twee keer voor."))
            )
            continue
        found[column.key] = index
    for column in COLUMNS:
        if column.required and column.key not in found:
            problems.append(
                ImportProblem(header_line, column.header, "", _("Deze verplichte kolom ontbreekt."))
            )
    if problems:
        raise ImportRejected(problems)
    return found


class _Row:
    """Reads the cells of one row into values, collecting problems by column."""

    def __init__(self, line: int, cells: dict[str, str], context: _Context) -> None:
        self.line = line
        self.cells = cells
        self.context = context
        self.problems: list[ImportProblem] = []
        # Columns already reported; the later checks of the whole row skip them.
        self.bad_keys: set[str] = set()

    def problem(self, key: str, reason: str) -> None:
        self.bad_keys.add(key)
        column = COLUMN_BY_KEY.get(key)
        header = column.header if column is not None else key
        self.problems.append(
            ImportProblem(self.line, header, shown(self.cells.get(key, "")), reason)
        )

    def value(self, column: Column) -> Any:
        text = self.cells[column.key]
        reader = getattr(self, f"_read_{column.cell}")
        return reader(column, text)

    def _read_text(self, column: Column, text: str) -> str:
        if column.required and not text:
            self.problem(column.key, _("Dit veld is verplicht."))
        return text

    def _read_choice(self, column: Column, text: str) -> str:
        if not text:
            if column.required:
                self.problem(column.key, _("Dit veld is verplicht."))
            return "unknown" if column.key == "hosting" else ""
        code = self.context.choices[column.key].get(text.lower())
        if code is None:
            assert column.choices is not None
            self.problem(
                column.key,
                _("Onbekende waarde; kies uit: %(values)s.")
                % {"values": ", ".join(dutch_labels(column.choices))},
            )
            return ""
        return code

    def _read_bool(self, column: Column, text: str) -> bool | None:
        if not text:
            return bool(column.default) if column.cell == Cell.BOOL else None
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        self.problem(column.key, _("Vul ja of nee in, of laat het veld leeg."))
        return None

    _read_nullbool = _read_bool

    def _read_number(self, column: Column, text: str) -> int | None:
        if not text:
            return None
        # Whole numbers, optionally grouped by thousands ("1.200", "1 200"); never a fraction.
        if not WHOLE_NUMBER.match(text) or len(text) > 12:
            self.problem(column.key, _("Vul een heel getal van 0 of meer in."))
            return None
        return int(re.sub(r"[. ]", "", text))

    def _read_codes(self, column: Column, text: str) -> list[str]:
        assert column.codes is not None
        codes: list[str] = []
        unknown: list[str] = []
        for part in LIST_SEPARATOR.split(text):
            if not part.strip():
                continue
            code = lookup(column.codes, part)
            if code is None:
                unknown.append(part.strip())
            else:
                codes.append(code)
        if unknown:
            self.problem(
                column.key,
                _(
                    "Onbekende categorie: %(names)s. Zie het tabblad Uitleg voor de mogelijke "
                    "waarden."
                )
                % {"names": ", ".join(unknown)},
            )
        return codes

    def _read_supplier(self, column: Column, text: str) -> Supplier | None:
        if not text:
            return None
        supplier = self.context.suppliers.get(text.lower())
        if supplier is None:
            self.problem(
                column.key,
                _(
                    "Onbekende leverancier; voeg hem eerst toe aan de leveranciers of kies een "
                    "leverancier uit de catalogus."
                ),
            )
        return supplier

    def _read_schools(self, column: Column, text: str) -> list[int]:
        ids: list[int] = []
        unknown: list[str] = []
        for part in LIST_SEPARATOR.split(text):
            if not part.strip():
                continue
            school = self.context.schools.get(part.strip().lower())
            if school is None:
                unknown.append(part.strip())
            else:
                ids.append(school.pk)
        if unknown:
            self.problem(
                column.key,
                _("Onbekende school: %(names)s.") % {"names": ", ".join(unknown)},
            )
        return sorted(set(ids))

    def _read_organisation(self, column: Column, text: str) -> Organisation | None:
        if not text:
            return self.context.default
        organisation = self.context.organisations.get(text.lower())
        if organisation is None:
            self.problem(column.key, _("Onbekende organisatie: noem het bestuur of een school."))
            return None
        if organisation.pk not in self.context.changeable:
            self.problem(
                column.key,
                _("U kunt hier geen applicaties van %(name)s importeren.")
                % {"name": organisation.name},
            )
            return None
        return organisation


def _row_values(row: _Row, columns: dict[str, int]) -> dict[str, Any]:
    return {key: row.value(COLUMN_BY_KEY[key]) for key in columns}


def _plan_row(
    row: _Row, values: dict[str, Any], organisation: Organisation | None, plan: ImportPlan
) -> None:
    """Check one row as the form would, apply it to a new or existing application and add it
    to the plan when the row has no problem at all."""
    context = row.context
    schools = values.pop("schools", None)
    for key in row.bad_keys:
        values.pop(key, None)
    target = organisation or context.default
    existing = context.existing.get((target.pk, str(values.get("name", "")).lower()))
    if existing is not None:
        application = copy.copy(existing)
        old_schools = sorted(context.existing_schools.get(existing.pk, []))
        before = application_snapshot(existing, old_schools)
    else:
        application = Application(organisation=target)
        old_schools, before = [], None
    errors: dict[str, list[str]] = {}
    check_application_values(application, values, errors)
    if schools and target.kind != OrganisationKind.BOARD:
        errors["schools"] = [
            _("Alleen een applicatie van het bestuur wordt door scholen gebruikt.")
        ]
    for key, messages in errors.items():
        if key not in row.bad_keys:
            for message in messages:
                row.problem(key, message)
    if row.problems or organisation is None:
        return
    planned = PlannedRow(row.line, application, schools, old_schools, before)
    if existing is None:
        plan.created.append(planned)
    elif planned.change(application).changes:
        application.updated_at = timezone.now()
        plan.updated.append(planned)
    else:
        plan.unchanged += 1


def plan_application_import(
    organisation: Organisation, changeable: Iterable[int], name: str, content: bytes
) -> ImportPlan:
    """Check the file and work out what it creates and changes; ``ImportRejected`` lists every
    problem. Rows without an organisation go to ``organisation``; ``changeable`` are the ids of
    the organisations the importing user may change."""
    table = read_table(name, content, sheet_names=SHEET_NAMES, max_columns=MAX_COLUMNS)
    columns = _columns(table.header_line, table.header)
    if not table.rows:
        raise whole_file(_("Het bestand bevat alleen een kopregel en geen applicaties."))
    context = _context(organisation, frozenset(changeable))
    plan = ImportPlan()
    problems: list[ImportProblem] = []
    first_line: dict[tuple[int, str], int] = {}
    for line, raw in table.rows:
        cells = {key: raw[index] if index < len(raw) else "" for key, index in columns.items()}
        row = _Row(line, cells, context)
        values = _row_values(row, columns)
        target = values.pop("organisation", organisation)
        if target is not None and values["name"]:
            key = (target.pk, values["name"].lower())
            if key in first_line:
                row.problem(
                    "name",
                    _("Deze naam staat ook al op regel %(line)d.") % {"line": first_line[key]},
                )
            else:
                first_line[key] = line
        _plan_row(row, values, target, plan)
        problems += row.problems
    if problems:
        problems.sort(key=lambda p: p.line or 0)
        raise ImportRejected(problems)
    return plan
