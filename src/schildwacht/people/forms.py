"""Forms of the people pages: an exercise, a finding, a training, the imports, a headcount and
the list filters. The services do the real checks; these forms parse input and show the
services' errors at the right field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from schildwacht.lib.tabular import MAX_IMPORT_BYTES
from schildwacht.organisations.models import Organisation
from schildwacht.people.models import Exercise, ExerciseKind, Training, TrainingKind
from schildwacht.people.queries import ExerciseFilter, TrainingFilter
from schildwacht.planning.models import Measure

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# "Naam; rol", "Naam - rol" or "Naam (rol)" on each line of the participants box.
PARTICIPANT_SEPARATORS = (";", "\t", " – ", " - ")


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: at its field, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class MeasureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.organisation.name}, {obj.get_status_display()})"


def _organisation_field(form: forms.Form, organisations: QuerySet[Organisation] | None) -> None:
    if organisations is None:
        del form.fields["organisation"]
        return
    field = form.fields["organisation"]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = organisations


def parse_participants(text: str) -> list[dict[str, str]]:
    """One participant per line: the name, then optionally a separator and the role."""
    people = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, role = line, ""
        if line.endswith(")") and "(" in line:
            name, _sep, role = line[:-1].partition("(")
        else:
            for separator in PARTICIPANT_SEPARATORS:
                if separator in line:
                    name, _sep, role = line.partition(separator)
                    break
        people.append({"name": name.strip(), "role": role.strip()})
    return people


def format_participants(people: list[dict[str, str]]) -> str:
    return "\n".join(f"{p['name']}; {p['role']}" if p.get("role") else p["name"] for p in people)


class ExerciseForm(forms.Form):
    """A crisis exercise; ``organisation`` only when creating (an exercise never moves)."""

    organisation = OrganisationChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Titel"), max_length=200)
    kind = forms.ChoiceField(label=_("Soort oefening"), choices=ExerciseKind.choices)
    held_on = forms.DateField(label=_("Datum"), widget=DATE_WIDGET)
    scenario = forms.CharField(
        label=_("Scenario"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Wat er in de oefening gebeurde, bijvoorbeeld: ransomware op maandagochtend."),
    )
    participants = forms.CharField(
        label=_("Deelnemers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Eén deelnemer per regel: naam; rol. Bijvoorbeeld: Anna de Vries; bestuurder."),
    )
    observations = forms.CharField(
        label=_("Waarnemingen"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _organisation_field(self, organisations)

    @classmethod
    def initial_for(cls, exercise: Exercise) -> dict[str, Any]:
        return {
            "title": exercise.title,
            "kind": exercise.kind,
            "held_on": exercise.held_on,
            "scenario": exercise.scenario,
            "participants": format_participants(exercise.participants),
            "observations": exercise.observations,
        }

    def exercise_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "held_on": data["held_on"],
            "scenario": data["scenario"],
            "participants": parse_participants(data["participants"]),
            "observations": data["observations"],
        }


class FindingForm(forms.Form):
    """A finding of an exercise, optionally linked to an existing plan measure."""

    title = forms.CharField(label=_("Bevinding"), max_length=200)
    description = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    plan_measure = MeasureChoiceField(
        label=_("Maatregel in het plan"),
        required=False,
        queryset=Measure.objects.none(),
        empty_label=_("(nog geen maatregel)"),
        help_text=_("Koppel een bestaande maatregel; of zet de bevinding daarna in het plan."),
    )

    def __init__(self, *args: Any, measures: QuerySet[Measure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["plan_measure"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = measures


class TrainingForm(forms.Form):
    """A course or session; ``organisation`` only when creating."""

    organisation = OrganisationChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Titel"), max_length=200)
    kind = forms.ChoiceField(label=_("Soort"), choices=TrainingKind.choices)
    held_on = forms.DateField(
        label=_("Datum"),
        widget=DATE_WIDGET,
        help_text=_("De datum van de sessie, of het begin van een e-learning."),
    )
    target_group = forms.CharField(
        label=_("Doelgroep"),
        required=False,
        max_length=200,
        help_text=_("Voor wie, bijvoorbeeld: alle leerkrachten, het bestuur, IBP-medewerkers."),
    )
    provider = forms.CharField(label=_("Aanbieder"), required=False, max_length=200)
    description = forms.CharField(
        label=_("Omschrijving"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _organisation_field(self, organisations)

    @classmethod
    def initial_for(cls, training: Training) -> dict[str, Any]:
        return {name: getattr(training, name) for name in cls.value_names()}

    @staticmethod
    def value_names() -> tuple[str, ...]:
        return ("title", "kind", "held_on", "target_group", "provider", "description")

    def training_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.value_names()}


def _file_field(help_text: Any) -> forms.FileField:
    return forms.FileField(
        label=_("Bestand (XLSX of CSV)"),
        help_text=help_text,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class ParticipantImportForm(forms.Form):
    file = _file_field(
        _(
            "Gebruik het sjabloon. CSV in UTF-8, met puntkomma of komma gescheiden. Hoogstens %(mb)d MB."
        )
        % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
    )


class PhishingImportForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("Organisatie"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=_("Regels zonder school gelden voor deze organisatie."),
    )
    file = _file_field(
        _("Eén regel per campagne per school. CSV in UTF-8 of XLSX, hoogstens %(mb)d MB.")
        % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _organisation_field(self, organisations)


class HeadcountForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("School of bestuursbureau"), queryset=Organisation.objects.none(), empty_label=None
    )
    staff_count = forms.IntegerField(
        label=_("Aantal medewerkers"),
        required=False,
        min_value=1,
        help_text=_("Laat leeg om het aantal te wissen; dan tellen de bekende deelnemers."),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _organisation_field(self, organisations)


class ExerciseFilterForm(forms.Form):
    soort = forms.ChoiceField(
        label=_("Soort"), required=False, choices=[("", _("Alle")), *ExerciseKind.choices]
    )
    zoek = forms.CharField(label=_("Zoeken"), required=False, max_length=100)

    def selection(self) -> ExerciseFilter:
        return ExerciseFilter(kind=self.cleaned_data["soort"], search=self.cleaned_data["zoek"])


class TrainingFilterForm(forms.Form):
    soort = forms.ChoiceField(
        label=_("Soort"), required=False, choices=[("", _("Alle")), *TrainingKind.choices]
    )
    zoek = forms.CharField(label=_("Zoeken"), required=False, max_length=100)

    def selection(self) -> TrainingFilter:
        return TrainingFilter(kind=self.cleaned_data["soort"], search=self.cleaned_data["zoek"])
