"""Forms of the DPIA pages: the pre-scan, the four parts, risks, measures, advice and decision.

The forms check the shape of the input; the services check the rest and their errors are put
on the fields they name (``add_service_errors``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schildwacht.dpia.models import Decision, Dpia
from schildwacht.dpia.reference import ap_list, criteria_list, risk_matrix
from schildwacht.organisations.models import Organisation
from schildwacht.registers.models import LegalBasis

TEXTAREA = {"rows": 4}
SHORT_TEXTAREA = {"rows": 2}


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's errors on the fields they name; other errors above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# Pre-scan ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreScanRow:
    """One item of the pre-scan: what it is, its checkbox and its reasoning field."""

    code: str
    name: str
    explanation: str
    example: str | None
    checkbox: forms.BoundField
    reason: forms.BoundField

    @property
    def help_id(self) -> str:
        """The id of the explanation the checkbox is described by."""
        return f"uitleg-{self.code}"


class PreScanForm(forms.Form):
    """A checkbox and an optional reasoning per AP item and per criterion, and the overall reasoning."""

    reasoning = forms.CharField(
        label=_("Toelichting op de uitkomst"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_(
            "Verplicht, tenzij u bij elk aangevinkt onderdeel een toelichting geeft. Leg ook vast "
            "waarom niets van toepassing is."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for prefix, codes in (
            ("ap", [i.code for i in ap_list().items]),
            ("crit", [c.code for c in criteria_list().items]),
        ):
            for code in codes:
                self.fields[f"{prefix}_{code}"] = forms.BooleanField(
                    label=_("Van toepassing"),
                    required=False,
                    widget=forms.CheckboxInput(attrs={"aria-describedby": f"uitleg-{code}"}),
                )
                self.fields[f"{prefix}_{code}_reden"] = forms.CharField(
                    label=_("Toelichting"),
                    required=False,
                    max_length=4000,
                    widget=forms.Textarea(attrs=SHORT_TEXTAREA),
                )

    def ap_rows(self) -> Iterator[PreScanRow]:
        for item in ap_list().items:
            yield PreScanRow(
                item.code,
                item.name,
                item.description,
                item.school_example,
                self[f"ap_{item.code}"],
                self[f"ap_{item.code}_reden"],
            )

    def criterion_rows(self) -> Iterator[PreScanRow]:
        for item in criteria_list().items:
            yield PreScanRow(
                item.code,
                item.name,
                item.explanation,
                None,
                self[f"crit_{item.code}"],
                self[f"crit_{item.code}_reden"],
            )

    @classmethod
    def initial_from(cls, prescan: Any) -> dict[str, Any]:
        """Start a redo from the previous pre-scan's answers."""
        initial: dict[str, Any] = {"reasoning": prescan.reasoning}
        for code in prescan.ap_items:
            initial[f"ap_{code}"] = True
        for code in prescan.criteria:
            initial[f"crit_{code}"] = True
        for code, text in prescan.reasons.items():
            prefix = "ap" if code in prescan.ap_items else "crit"
            initial[f"{prefix}_{code}_reden"] = text
        return initial

    def prescan_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        ap_items = [i.code for i in ap_list().items if data.get(f"ap_{i.code}")]
        criteria = [c.code for c in criteria_list().items if data.get(f"crit_{c.code}")]
        reasons = {}
        for prefix, codes in (("ap", ap_items), ("crit", criteria)):
            for code in codes:
                text = data.get(f"{prefix}_{code}_reden", "").strip()
                if text:
                    reasons[code] = text
        return {
            "ap_items": ap_items,
            "criteria": criteria,
            "reasons": reasons,
            "reasoning": data.get("reasoning", ""),
        }


# DPIA parts --------------------------------------------------------------------------------------


class NewDpiaForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Titel"), max_length=200)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations


class SectorDpiaForm(forms.Form):
    """The heading of a sector DPIA: what it is about."""

    title = forms.CharField(label=_("Titel"), max_length=200)
    subject_name = forms.CharField(
        label=_("Leverancier of applicatie"),
        max_length=200,
        required=False,
        help_text=_("Bijvoorbeeld de naam van het leerlingvolgsysteem of de leverancier."),
    )
    supplier = forms.ModelChoiceField(
        label=_("Leverancier uit de catalogus"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Geen"),
    )

    def __init__(self, *args: Any, suppliers: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supplier"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = suppliers


class DescriptionForm(forms.Form):
    """Part 1: description of the processing."""

    title = forms.CharField(label=_("Titel"), max_length=200)
    nature = forms.CharField(
        label=_("Aard van de verwerking"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Wat gebeurt er met welke gegevens, met welke technologie en door wie?"),
    )
    scope = forms.CharField(
        label=_("Omvang"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Hoeveel betrokkenen, welke gegevens, hoe lang en waar?"),
    )
    context = forms.CharField(
        label=_("Context"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("De relatie met de betrokkenen, hun verwachtingen, kinderen, afhankelijkheid."),
    )
    purposes = forms.CharField(
        label=_("Doeleinden"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    applications = forms.ModelMultipleChoiceField(
        label=_("Betrokken applicaties"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    processing_activities = forms.ModelMultipleChoiceField(
        label=_("Betrokken verwerkingen"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        applications: QuerySet[Any] | None = None,
        processing: QuerySet[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("applications", applications),
            ("processing_activities", processing),
        ):
            if queryset is None:
                del self.fields[name]
                continue
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = queryset

    @classmethod
    def initial_for(cls, dpia: Dpia) -> dict[str, Any]:
        return {
            "title": dpia.title,
            "nature": dpia.nature,
            "scope": dpia.scope,
            "context": dpia.context,
            "purposes": dpia.purposes,
            "applications": [a.pk for a in dpia.applications.all()],
            "processing_activities": [p.pk for p in dpia.processing_activities.all()],
        }


class LawfulnessForm(forms.Form):
    """Part 2: lawfulness of the processing."""

    legal_basis = forms.ChoiceField(
        label=_("Grondslag (AVG art. 6)"),
        required=False,
        choices=[("", _("Nog niet bepaald")), *LegalBasis.choices],
    )
    legal_basis_note = forms.CharField(
        label=_("Toelichting grondslag"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    necessity = forms.CharField(
        label=_("Noodzaak en evenredigheid"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_(
            "Is de verwerking nodig voor het doel, en staat de inbreuk daartoe in verhouding?"
        ),
    )
    subsidiarity = forms.CharField(
        label=_("Subsidiariteit"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Kan het doel ook met minder gegevens of op een minder ingrijpende manier?"),
    )
    retention = forms.CharField(
        label=_("Bewaartermijnen"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    data_subject_rights = forms.CharField(
        label=_("Rechten van betrokkenen"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_(
            "Hoe kunnen leerlingen, ouders en medewerkers inzage, correctie of verwijdering vragen?"
        ),
    )

    @classmethod
    def initial_for(cls, dpia: Dpia) -> dict[str, Any]:
        return {name: getattr(dpia, name) for name in cls.base_fields}


def _score_field(label: Any, choices: list[tuple[int, str]], required: bool) -> forms.Field:
    return forms.TypedChoiceField(
        label=label,
        coerce=int,
        required=required,
        empty_value=None,
        choices=choices if required else [("", _("Nog niet bepaald")), *choices],
    )


class RiskForm(forms.Form):
    """Part 3: one risk, scored on the matrix before (inherent) and after measures (residual)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        matrix = risk_matrix()
        self.fields["title"] = forms.CharField(label=_("Risico"), max_length=200)
        self.fields["description"] = forms.CharField(
            label=_("Omschrijving en gevolgen voor betrokkenen"),
            required=False,
            widget=forms.Textarea(attrs=TEXTAREA),
        )
        self.fields["likelihood"] = _score_field(_("Kans"), matrix.likelihood_choices(), True)
        self.fields["impact"] = _score_field(_("Impact"), matrix.impact_choices(), True)
        self.fields["residual_likelihood"] = _score_field(
            _("Kans na maatregelen"), matrix.likelihood_choices(), False
        )
        self.fields["residual_impact"] = _score_field(
            _("Impact na maatregelen"), matrix.impact_choices(), False
        )

    @staticmethod
    def initial_for(risk: Any) -> dict[str, Any]:
        return {
            name: getattr(risk, name)
            for name in (
                "title",
                "description",
                "likelihood",
                "impact",
                "residual_likelihood",
                "residual_impact",
            )
        }


class DpiaMeasureForm(forms.Form):
    """Part 4: one measure, the risks it addresses and optionally an existing plan measure."""

    description = forms.CharField(label=_("Maatregel"), widget=forms.Textarea(attrs=SHORT_TEXTAREA))
    risks = forms.ModelMultipleChoiceField(
        label=_("Tegen de risico's"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    plan_measure = forms.ModelChoiceField(
        label=_("Gekoppelde maatregel in het plan"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Geen"),
    )

    def __init__(
        self, *args: Any, risks: QuerySet[Any], plan_measures: QuerySet[Any] | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        risk_field = self.fields["risks"]
        assert isinstance(risk_field, forms.ModelMultipleChoiceField)
        risk_field.queryset = risks
        if plan_measures is None:
            del self.fields["plan_measure"]
        else:
            plan_field = self.fields["plan_measure"]
            assert isinstance(plan_field, forms.ModelChoiceField)
            plan_field.queryset = plan_measures

    @staticmethod
    def initial_for(measure: Any) -> dict[str, Any]:
        return {
            "description": measure.description,
            "risks": [r.pk for r in measure.risks.all()],
            "plan_measure": measure.plan_measure_id,
        }


class PlanMeasureForm(forms.Form):
    """A new plan measure made from a DPIA measure."""

    title = forms.CharField(label=_("Titel in het plan"), max_length=200)
    due_date = forms.DateField(label=_("Deadline"), required=False, widget=_date_widget())


# Advice and decision -----------------------------------------------------------------------------


class AdviceForm(forms.Form):
    text = forms.CharField(label=_("Advies"), widget=forms.Textarea(attrs={"rows": 8}))
    advised_on = forms.DateField(label=_("Datum advies"), widget=_date_widget())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("advised_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Besluit"), choices=Decision.choices, widget=forms.RadioSelect
    )
    decision_reasoning = forms.CharField(
        label=_("Motivering"), widget=forms.Textarea(attrs=TEXTAREA)
    )
    decided_by_name = forms.CharField(
        label=_("Besloten door"),
        max_length=200,
        help_text=_("Bijvoorbeeld: het college van bestuur, of de naam van de bestuurder."),
    )
    decided_on = forms.DateField(label=_("Datum besluit"), widget=_date_widget())
    no_advice_note = forms.CharField(
        label=_("Geen advies van de FG gevraagd, omdat"),
        required=False,
        widget=forms.Textarea(attrs=SHORT_TEXTAREA),
        help_text=_("Alleen invullen als er geen advies van de FG is."),
    )


class AdoptForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Overnemen voor"), queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations
