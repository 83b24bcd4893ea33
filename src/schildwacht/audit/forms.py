"""The audit-trail filter form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.queries import AuditFilter, object_type_label
from schildwacht.organisations.models import Organisation

# Dates outside these bounds mean nothing for a trail that started this century, and near the
# ends of the calendar the local-midnight arithmetic of the query would overflow.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)


def _date_input() -> forms.DateInput:
    return forms.DateInput(
        attrs={"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}
    )


class AuditFilterForm(forms.Form):
    """Filters of the audit-trail browser; the organisation choices are the user's own."""

    organisation = forms.TypedChoiceField(
        label=_("Organisatie"), required=False, coerce=int, empty_value=None
    )
    action = forms.ChoiceField(label=_("Handeling"), required=False)
    object_type = forms.ChoiceField(label=_("Objectsoort"), required=False)
    actor = forms.CharField(
        label=_("Door"),
        required=False,
        max_length=200,
        help_text=_("Deel van het e-mailadres of de naam."),
    )
    date_from = forms.DateField(label=_("Vanaf datum"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("Tot en met datum"), required=False, widget=_date_input())

    def __init__(
        self,
        *args: Any,
        organisations: list[Organisation],
        object_types: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._organisations = {o.pk: o for o in organisations}
        self._choice_field("organisation").choices = [("", _("Alle organisaties"))] + [
            (o.pk, o.name) for o in organisations
        ]
        self._choice_field("action").choices = [("", _("Alle handelingen")), *AuditAction.choices]
        self._choice_field("object_type").choices = [("", _("Alle objectsoorten"))] + [
            (t, object_type_label(t)) for t in object_types
        ]

    def _choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def _bounded_date(self, name: str) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get(name)
        if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
            raise forms.ValidationError(
                gettext("Kies een datum tussen %(earliest)s en %(latest)s.")
                % {"earliest": date_format(EARLIEST_DATE), "latest": date_format(LATEST_DATE)},
                code="out_of_range",
            )
        return day

    def clean_date_from(self) -> dt.date | None:
        return self._bounded_date("date_from")

    def clean_date_to(self) -> dt.date | None:
        return self._bounded_date("date_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("De einddatum ligt vóór de begindatum."))
        return data

    def selection(self) -> AuditFilter:
        """The validated filter (call after ``is_valid``)."""
        data = self.cleaned_data
        return AuditFilter(
            organisation=self._organisations.get(data.get("organisation") or 0),
            action=data.get("action") or "",
            object_type=data.get("object_type") or "",
            actor=(data.get("actor") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
