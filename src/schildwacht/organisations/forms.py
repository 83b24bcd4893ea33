"""Forms of the organisation pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from schildwacht.organisations.roles import is_sector_role, role_choices


class MemberAddForm(forms.Form):
    """Add a person (existing or new account) with a board or school role."""

    email = forms.EmailField(
        label=_("E-mailadres"),
        max_length=254,
        help_text=_(
            "Bestaat er nog geen account met dit adres, dan wordt het aangemaakt "
            "zonder wachtwoord; er wordt nog geen e-mail verstuurd."
        ),
    )
    full_name = forms.CharField(
        label=_("Naam"),
        max_length=200,
        required=False,
        help_text=_("Alleen gebruikt als het account nieuw is."),
    )
    role = forms.ChoiceField(label=_("Rol"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Sector roles are held on the sector node only, never on a board or school.
        self._choice_field("role").choices = [("", _("Kies een rol"))] + [
            (code, label) for code, label in role_choices() if not is_sector_role(code)
        ]
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def _choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field
