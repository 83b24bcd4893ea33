"""Forms of the catalogue pages: the curator's import of the official norm list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from schildwacht.frameworks.importers import MAX_IMPORT_BYTES


class NormImportForm(forms.Form):
    """An XLSX or CSV file with one norm per row (the size is checked by the importer)."""

    file = forms.FileField(
        label=_("Bestand (XLSX of CSV)"),
        help_text=_(
            "Kolommen: id, titel, domein (nummer) en omschrijving; optioneel deel (IB of "
            "privacy), officiele_titel (ja of nee) en niveau_1 tot en met niveau_5. Engelse "
            "kolomnamen (title, domain, description, level_1 …) mogen ook. CSV in UTF-8, met "
            "puntkomma of komma gescheiden. Hoogstens %(mb)d MB."
        )
        % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.txt"}),
    )
