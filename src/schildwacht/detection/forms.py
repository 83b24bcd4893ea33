"""Forms of the log-analysis pages: the upload, the alert filters, the alert's status, a rule
file and a source's retention.

The forms check the shape of the input; the services check the rest and their errors are put on
the fields they name (``add_service_errors``). Dates are entered in Europe/Amsterdam.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schildwacht.detection.models import MAX_RETENTION_DAYS, AlertStatus, Severity


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's errors on the fields they name; other errors above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class UploadForm(forms.Form):
    """One log file and the source it comes from."""

    source = forms.ChoiceField(label=_("Logbron"), choices=())
    file = forms.FileField(
        label=_("Logbestand"),
        help_text=_(
            "JSON lines, een JSON-export of een met gzip ingepakt bestand, zoals het beheercentrum "
            "of de API het levert. Zie de handleiding voor het exporteren per bron."
        ),
        allow_empty_file=True,
    )

    def __init__(self, *args: Any, sources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["source"]
        field.choices = [("", _("Kies een logbron")), *sources]


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("", _("Alle statussen")),
            ("open", _("Open (nieuw of in behandeling)")),
            *AlertStatus.choices,
        ],
        required=False,
    )
    ernst = forms.ChoiceField(
        label=_("Ernst"),
        choices=[("", _("Alle")), *reversed(Severity.choices)],
        required=False,
    )
    regel = forms.ChoiceField(label=_("Regel"), choices=(), required=False)
    van = forms.DateField(
        label=_("Vanaf"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tot = forms.DateField(
        label=_("Tot en met"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, rules: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["regel"]
        field.choices = [("", _("Alle regels")), *rules]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("van"), data.get("tot")
        if since and until and since > until:
            self.add_error("tot", _("Deze datum ligt voor de begindatum."))
        return data

    @staticmethod
    def moment(day: dt.date | None, *, end: bool = False) -> dt.datetime | None:
        """The start of ``day`` in Europe/Amsterdam (of the next day for an end date)."""
        if day is None:
            return None
        if end:
            day = day + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(day, dt.time()))


class AlertStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AlertStatus.choices)
    note = forms.CharField(
        label=_("Toelichting"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bij vals alarm: waarom. Noem geen wachtwoorden of andere geheimen."),
    )
    incident: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Incident"),
        queryset=None,
        required=False,
        help_text=_("Bij de status incident: het incident waar dit signaal bij hoort."),
    )

    def __init__(self, *args: Any, incidents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["incident"]
        field.queryset = incidents
        field.empty_label = _("Geen")


class IncidentFromAlertForm(forms.Form):
    note = forms.CharField(
        label=_("Toelichting"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RuleFileForm(forms.Form):
    name = forms.CharField(
        label=_("Naam"),
        max_length=200,
        help_text=_("Een bestand met dezelfde naam wordt vervangen."),
    )
    file = forms.FileField(
        label=_("Sigma-regelbestand (YAML)"),
        help_text=_(
            "Eén of meer Sigma-regels in één bestand, gescheiden door ---; hoogstens 512 kB."
        ),
        allow_empty_file=True,
    )


class SourceSettingForm(forms.Form):
    retention_days = forms.IntegerField(
        label=_("Bewaartermijn (dagen)"),
        min_value=1,
        max_value=MAX_RETENTION_DAYS,
        help_text=_(
            "Na zoveel dagen worden de gebeurtenissen van deze bron verwijderd. Leg de termijn "
            "vast in het verwerkingsregister en de DPIA."
        ),
    )
    enabled = forms.BooleanField(
        label=_("In gebruik"),
        required=False,
        help_text=_("Telt mee voor basismaatregel 10: deze bron hoort elke week logs te leveren."),
    )
