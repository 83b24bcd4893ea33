"""Forms of the meting pages: new meting, one norm's score, evidence, compare choice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from schildwacht.assessments.models import LEVELS, NormScore
from schildwacht.assessments.uploads import CONTENT_TYPES
from schildwacht.frameworks.models import Framework
from schildwacht.organisations.models import Organisation

NOT_APPLICABLE = "nvt"


class AssessmentCreateForm(forms.Form):
    """A new meting: for which organisation, on which framework edition, with what title."""

    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=None
    )
    framework = forms.ModelChoiceField(
        label=_("Normenkader"), queryset=Framework.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Titel"), max_length=200)

    def __init__(
        self,
        *args: Any,
        organisations: Any,
        frameworks: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        org_field = self.fields["organisation"]
        assert isinstance(org_field, forms.ModelChoiceField)
        org_field.queryset = organisations
        framework_field = self.fields["framework"]
        assert isinstance(framework_field, forms.ModelChoiceField)
        framework_field.queryset = frameworks


class BoardFromSchoolsForm(forms.Form):
    framework = forms.ModelChoiceField(
        label=_("Normenkader"), queryset=Framework.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Titel"), max_length=200)

    def __init__(self, *args: Any, frameworks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        framework_field = self.fields["framework"]
        assert isinstance(framework_field, forms.ModelChoiceField)
        framework_field.queryset = frameworks


def level_choices() -> list[tuple[str, Any]]:
    return [
        ("", _("Nog niet gescoord")),
        *[(str(level), str(level)) for level in LEVELS],
        (NOT_APPLICABLE, _("N.v.t.")),
    ]


class ScoreForm(forms.Form):
    """One norm's score; the level select holds 1–5 and "N.v.t." (then a reason is required)."""

    level = forms.ChoiceField(label=_("Niveau"), required=False, choices=level_choices)
    not_applicable_reason = forms.CharField(
        label=_("Reden n.v.t."), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    target_level = forms.TypedChoiceField(
        label=_("Streefniveau"),
        coerce=int,
        choices=[(str(level), str(level)) for level in LEVELS],
    )
    owner = forms.CharField(label=_("Eigenaar"), required=False, max_length=200)
    notes = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def for_score(cls, score: NormScore, prefix: str, data: Any = None) -> ScoreForm:
        level = NOT_APPLICABLE if score.not_applicable else str(score.level or "")
        initial = {
            "level": level,
            "not_applicable_reason": score.not_applicable_reason,
            "target_level": str(score.target_level),
            "owner": score.owner,
            "notes": score.notes,
        }
        return cls(data, initial=initial, prefix=prefix)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            cleaned.get("level") == NOT_APPLICABLE
            and not (cleaned.get("not_applicable_reason") or "").strip()
        ):
            self.add_error(
                "not_applicable_reason",
                _("Geef een reden waarom deze norm niet van toepassing is."),
            )
        return cleaned

    def score_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        not_applicable = data["level"] == NOT_APPLICABLE
        return {
            "level": None if not_applicable or not data["level"] else int(data["level"]),
            "not_applicable": not_applicable,
            "not_applicable_reason": data["not_applicable_reason"] if not_applicable else "",
            "target_level": data["target_level"],
            "owner": data["owner"],
            "notes": data["notes"],
        }


class EvidenceForm(forms.Form):
    """Evidence for one norm: a file or an https link (one of the two)."""

    file = forms.FileField(
        label=_("Bestand"),
        required=False,
        help_text=_("PDF, PNG, JPG, DOCX, XLSX, TXT of CSV, hoogstens 20 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(f".{ext}" for ext in CONTENT_TYPES)}
        ),
    )
    url = forms.CharField(
        label=_("Of een link"),
        required=False,
        max_length=500,
        help_text=_("Een adres dat begint met https://."),
        widget=forms.URLInput,
    )
    description = forms.CharField(label=_("Omschrijving"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_file, has_url = bool(cleaned.get("file")), bool(cleaned.get("url"))
        if has_file == has_url:
            self.add_error("file", _("Kies een bestand of geef een link (één van de twee)."))
        return cleaned
