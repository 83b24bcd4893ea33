"""The columns of the application register as a spreadsheet: import, template and export.

One list serves all three, so an exported register can be edited and imported again. Column
names are fixed Dutch words (the file format does not change with the interface language);
the field names (``name``, ``kind``, …) are accepted as well. Choice cells take the Dutch
label or the code; category cells take codes or labels separated by commas or semicolons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from schildwacht.registers.models import ApplicationKind, Classification, Criticality, Hosting
from schildwacht.registers.reference import Kind


class Cell:
    """What a column holds (how a cell is read and written)."""

    TEXT = "text"
    CHOICE = "choice"
    BOOL = "bool"
    NULLBOOL = "nullbool"
    NUMBER = "number"
    CODES = "codes"
    SUPPLIER = "supplier"
    SCHOOLS = "schools"
    ORGANISATION = "organisation"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    cell: str
    help: Promise
    required: bool = False
    choices: type[TextChoices] | None = None
    codes: Kind | None = None
    default: bool | None = None


COLUMNS: tuple[Column, ...] = (
    Column("name", "naam", Cell.TEXT, _("De naam van de applicatie of omgeving."), True),
    Column(
        "kind",
        "soort",
        Cell.CHOICE,
        _("Wat voor applicatie het is."),
        True,
        choices=ApplicationKind,
    ),
    Column(
        "organisation",
        "organisatie",
        Cell.ORGANISATION,
        _(
            "Het bestuur of de school waar de applicatie bij hoort. Leeg: de organisatie die u "
            "bij het importeren kiest."
        ),
    ),
    Column("description", "omschrijving", Cell.TEXT, _("Waarvoor de applicatie gebruikt wordt.")),
    Column(
        "supplier",
        "leverancier",
        Cell.SUPPLIER,
        _("De naam van een leverancier uit de catalogus van de sector of van het bestuur."),
    ),
    Column(
        "schools",
        "scholen",
        Cell.SCHOOLS,
        _(
            "Alleen bij een applicatie van het bestuur: de scholen die haar gebruiken, met komma's "
            "gescheiden (naam of BRIN-code met vestigingsnummer)."
        ),
    ),
    Column(
        "personal_data",
        "bevat persoonsgegevens",
        Cell.BOOL,
        _("ja of nee; leeg telt als ja."),
        default=True,
    ),
    Column(
        "data_categories",
        "soorten persoonsgegevens",
        Cell.CODES,
        _("Met komma's gescheiden."),
        codes=Kind.DATA,
    ),
    Column(
        "special_categories",
        "bijzondere persoonsgegevens",
        Cell.CODES,
        _(
            "Bijzondere en strafrechtelijke persoonsgegevens (AVG art. 9 en 10), met komma's "
            "gescheiden."
        ),
        codes=Kind.SPECIAL,
    ),
    Column("processes_bsn", "verwerkt bsn", Cell.BOOL, _("ja of nee; leeg telt als nee.")),
    Column("pupil_data", "gegevens van leerlingen", Cell.BOOL, _("ja of nee; leeg telt als nee.")),
    Column("parent_data", "gegevens van ouders", Cell.BOOL, _("ja of nee; leeg telt als nee.")),
    Column("staff_data", "gegevens van medewerkers", Cell.BOOL, _("ja of nee; leeg telt als nee.")),
    Column(
        "people_count",
        "aantal betrokkenen",
        Cell.NUMBER,
        _("Ongeveer hoeveel mensen erin staan: een heel getal, of leeg."),
    ),
    Column(
        "owner_name", "eigenaar", Cell.TEXT, _("Wie binnen de organisatie verantwoordelijk is.")
    ),
    Column(
        "supplier_contact",
        "contactpersoon leverancier",
        Cell.TEXT,
        _("Naam, telefoon of e-mail van de vaste contactpersoon bij de leverancier."),
    ),
    Column("hosting", "hosting", Cell.CHOICE, _("Waar de applicatie draait."), choices=Hosting),
    Column(
        "hosting_country",
        "land van hosting",
        Cell.TEXT,
        _("Landcode van twee letters, bijvoorbeeld NL of IE."),
    ),
    Column(
        "availability",
        "beschikbaarheid",
        Cell.CHOICE,
        _("BIV-classificatie: Laag, Midden of Hoog."),
        choices=Classification,
    ),
    Column(
        "integrity",
        "integriteit",
        Cell.CHOICE,
        _("BIV-classificatie: Laag, Midden of Hoog."),
        choices=Classification,
    ),
    Column(
        "confidentiality",
        "vertrouwelijkheid",
        Cell.CHOICE,
        _("BIV-classificatie: Laag, Midden of Hoog."),
        choices=Classification,
    ),
    Column(
        "sso_supported",
        "single sign-on",
        Cell.NULLBOOL,
        _("ja of nee; leeg betekent onbekend."),
    ),
    Column(
        "mfa_supported",
        "meerstapsverificatie",
        Cell.NULLBOOL,
        _("ja of nee; leeg betekent onbekend."),
    ),
    Column(
        "criticality",
        "kritiek",
        Cell.CHOICE,
        _("Hoe erg het is als de applicatie uitvalt."),
        choices=Criticality,
    ),
    Column(
        "incident_contacts",
        "wie bellen",
        Cell.TEXT,
        _("Wie u belt bij een storing of datalek (namen en telefoonnummers)."),
    ),
    Column(
        "incident_first_steps",
        "eerste stappen",
        Cell.TEXT,
        _("Wat u als eerste doet als het misgaat."),
    ),
    Column(
        "supplier_incident_contact",
        "incidentcontact leverancier",
        Cell.TEXT,
        _("Het nummer of adres van de leverancier voor storingen en datalekken."),
    ),
    Column(
        "supplier_incident_terms",
        "afspraken met leverancier",
        Cell.TEXT,
        _("Afgesproken hersteltijd, meldtermijn van datalekken en dergelijke."),
    ),
    Column("notes", "toelichting", Cell.TEXT, _("Overige opmerkingen.")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
# Read-only columns the export adds after the importable ones; an import ignores them.
EXPORT_ONLY_HEADERS = ("volledig", "ontbreekt")

# Alternative spellings of choice values (lower case) -> code, on top of codes and labels.
CHOICE_ALIASES: dict[str, str] = {
    "l": "low",
    "m": "medium",
    "h": "high",
    "gemiddeld": "medium",
    "middel": "medium",
}
YES = {"ja", "j", "yes", "y", "waar", "true", "1", "x"}
NO = {"nee", "n", "no", "onwaar", "false", "0"}
LIST_SEPARATOR = re.compile(r"[;,]")


def normalise_header(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


def header_aliases() -> dict[str, Column]:
    """Normalised header or field name -> column."""
    found: dict[str, Column] = {}
    for column in COLUMNS:
        found[normalise_header(column.header)] = column
        found[normalise_header(column.key)] = column
    return found
