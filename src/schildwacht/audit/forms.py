"""The audit-trail filter form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.queries import AuditFilter
from schildwacht.organisations.models import Organisation


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
    date_from = forms.DateField(
        label=_("Vanaf datum"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Tot en met datum"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

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
            (t, t) for t in object_types
        ]

    def _choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

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
