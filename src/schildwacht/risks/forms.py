"""Forms of the risk pages: a risk, its acceptance, the list filters, a template, adopting
templates and a board's matrix labels. The services do the real checks; these forms parse
input and show the services' errors at the right field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from schildwacht.accounts.models import User
from schildwacht.organisations.models import Organisation
from schildwacht.planning.models import Measure
from schildwacht.registers.models import Application
from schildwacht.risks.matrix import BoardMatrix
from schildwacht.risks.models import Risk, RiskStatus, RiskTemplate, Treatment
from schildwacht.risks.queries import NO_TREATMENT, REVIEW_STATUS, RiskFilter
from schildwacht.risks.reference import default_matrix

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: at its field, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class ApplicationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class MeasureChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.organisation.name})"


def _amount(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=0, max_digits=12, decimal_places=2
    )


class RiskForm(forms.Form):
    """A risk; ``organisation`` only when creating (a risk never moves)."""

    organisation = NamedChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Titel"), max_length=200)
    threat = forms.CharField(
        label=_("Dreiging"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wat kan er gebeuren, en door wie of wat?"),
    )
    description = forms.CharField(
        label=_("Omschrijving"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    applications = ApplicationChoiceField(
        label=_("Getroffen applicaties"),
        queryset=Application.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    processes = forms.CharField(
        label=_("Getroffen processen en middelen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Eén per regel, bijvoorbeeld: leerlingadministratie, toetsen, salarissen."),
    )
    inherent_likelihood = forms.TypedChoiceField(label=_("Kans (bruto)"), coerce=int)
    inherent_impact = forms.TypedChoiceField(label=_("Impact (bruto)"), coerce=int)
    residual_likelihood = forms.TypedChoiceField(
        label=_("Kans (netto)"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("Na de maatregelen; leeg zolang dat nog niet is beoordeeld."),
    )
    residual_impact = forms.TypedChoiceField(
        label=_("Impact (netto)"), coerce=int, required=False, empty_value=None
    )
    owner = OwnerChoiceField(
        label=_("Eigenaar"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Geen gebruiker gekozen"),
    )
    owner_name = forms.CharField(
        label=_("Eigenaar (naam)"),
        required=False,
        max_length=200,
        help_text=_("Voor een eigenaar zonder account in Schildwacht."),
    )
    treatment = forms.ChoiceField(
        label=_("Behandeling"),
        required=False,
        choices=[("", _("Nog niet gekozen")), *Treatment.choices],
    )
    treatment_notes = forms.CharField(
        label=_("Toelichting op de behandeling"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    measures = MeasureChoiceField(
        label=_("Maatregelen uit het plan"),
        queryset=Measure.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exposure_min = _amount(_("Financiële blootstelling per jaar, minimaal (euro)"))
    exposure_max = _amount(_("Financiële blootstelling per jaar, maximaal (euro)"))
    status = forms.ChoiceField(label=_("Status"), choices=RiskStatus.choices)
    review_date = forms.DateField(label=_("Herbeoordelen op"), required=False, widget=DATE_WIDGET)

    def __init__(
        self,
        *args: Any,
        matrix: BoardMatrix,
        organisations: QuerySet[Organisation] | None,
        applications: QuerySet[Application],
        measures: QuerySet[Measure],
        owners: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            self._queryset("organisation", organisations)
        self._queryset("applications", applications)
        self._queryset("measures", measures)
        self._queryset("owner", owners)
        empty = [("", _("Nog niet beoordeeld"))]
        for prefix in ("inherent", "residual"):
            extra = empty if prefix == "residual" else []
            likelihood = self.fields[f"{prefix}_likelihood"]
            impact = self.fields[f"{prefix}_impact"]
            assert isinstance(likelihood, forms.ChoiceField)
            assert isinstance(impact, forms.ChoiceField)
            likelihood.choices = [*extra, *matrix.likelihood_choices()]
            impact.choices = [*extra, *matrix.impact_choices()]

    def _queryset(self, name: str, queryset: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    @classmethod
    def initial_for(cls, risk: Risk) -> dict[str, Any]:
        names = [n for n in cls.base_fields if n not in {"organisation"}]
        initial = {name: getattr(risk, name, None) for name in names}
        initial["owner"] = risk.owner_id
        initial["applications"] = [a.pk for a in risk.applications.all()]
        initial["measures"] = [m.pk for m in risk.measures.all()]
        return initial

    def risk_values(self) -> dict[str, Any]:
        """The cleaned values as the services take them."""
        data = dict(self.cleaned_data)
        data.pop("organisation", None)
        data["applications"] = list(data.get("applications") or [])
        data["measures"] = list(data.get("measures") or [])
        return data


class AcceptForm(forms.Form):
    expires_on = forms.DateField(
        label=_("Acceptatie geldig tot"),
        widget=DATE_WIDGET,
        help_text=_("Na deze datum vraagt het risico om herbeoordeling; hoogstens drie jaar."),
    )
    note = forms.CharField(
        label=_("Toelichting"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Waarom accepteert het bestuur dit risico?"),
    )


class RiskFilterForm(forms.Form):
    behandeling = forms.ChoiceField(label=_("Behandeling"), required=False)
    score = forms.ChoiceField(label=_("Score"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    school = NamedChoiceField(
        label=_("Organisatie"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("Alle"),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: dict[str, list[tuple[str, Any]]] = {
            "behandeling": [
                ("", _("Alle")),
                *Treatment.choices,
                (NO_TREATMENT, _("Nog niet gekozen")),
            ],
            "score": [
                ("", _("Alle")),
                *[(band.code, band.label.text) for band in default_matrix().bands],
            ],
            "status": [
                ("", _("Alle")),
                *RiskStatus.choices,
                (REVIEW_STATUS, _("Herbeoordeling nodig")),
            ],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options
        school = self.fields["school"]
        assert isinstance(school, forms.ModelChoiceField)
        school.queryset = organisations

    def selection(self) -> RiskFilter:
        school = self.cleaned_data.get("school")
        return RiskFilter(
            treatment=self.cleaned_data.get("behandeling") or "",
            band=self.cleaned_data.get("score") or "",
            status=self.cleaned_data.get("status") or "",
            organisation=school.pk if school is not None else None,
        )


class TemplateForm(forms.Form):
    """A risk template of the sector (the curator's form)."""

    title = forms.CharField(label=_("Titel"), max_length=200)
    title_en = forms.CharField(label=_("Titel (Engels)"), max_length=200, required=False)
    threat = forms.CharField(label=_("Dreiging"), widget=forms.Textarea(attrs={"rows": 3}))
    description = forms.CharField(
        label=_("Omschrijving"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    typical_assets = forms.CharField(
        label=_("Typisch getroffen middelen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Eén per regel."),
    )
    likelihood = forms.TypedChoiceField(label=_("Voorgestelde kans"), coerce=int)
    impact = forms.TypedChoiceField(label=_("Voorgestelde impact"), coerce=int)
    suggested_measures = forms.CharField(
        label=_("Voorgestelde maatregelen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Eén per regel."),
    )
    exposure_min = _amount(_("Blootstelling per jaar, minimaal (euro)"))
    exposure_max = _amount(_("Blootstelling per jaar, maximaal (euro)"))
    active = forms.BooleanField(label=_("Beschikbaar voor besturen"), required=False)

    def __init__(self, *args: Any, matrix: BoardMatrix, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (
            ("likelihood", matrix.likelihood_choices()),
            ("impact", matrix.impact_choices()),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices

    @classmethod
    def initial_for(cls, template: RiskTemplate) -> dict[str, Any]:
        return {name: getattr(template, name) for name in cls.base_fields}

    def template_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class AdoptForm(forms.Form):
    organisation = NamedChoiceField(
        label=_("Overnemen voor"), queryset=Organisation.objects.none(), empty_label=None
    )
    templates = forms.ModelMultipleChoiceField(
        label=_("Sjablonen"),
        queryset=RiskTemplate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        templates: QuerySet[RiskTemplate],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (("organisation", organisations), ("templates", templates)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset


class MatrixLabelsForm(forms.Form):
    """Five names per axis; ``reset`` goes back to the sector's default names."""

    def __init__(self, *args: Any, matrix: BoardMatrix, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for axis, levels, title in (
            ("likelihood", matrix.likelihood, _("Kans")),
            ("impact", matrix.impact, _("Impact")),
        ):
            for level in levels:
                self.fields[f"{axis}_{level.value}"] = forms.CharField(
                    label=f"{title} {level.value}",
                    max_length=60,
                    initial=level.label,
                    help_text=level.description,
                )

    def labels(self, axis: str) -> list[str]:
        return [self.cleaned_data[f"{axis}_{value}"] for value in range(1, 6)]
