"""Forms of the incident pages: the two-minute report, the parts of an incident, the timeline,
the assessment, the FG's advice, the notification to the AP, closing and the CERT contact.

The forms check the shape of the input; the services check the rest and their errors are put on
the fields they name (``add_service_errors``). Times are entered in Europe/Amsterdam.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from schildwacht.incidents.models import (
    Incident,
    IncidentKind,
    IncidentStatus,
    NotificationKind,
    PersonalData,
    Severity,
    Tlp,
)
from schildwacht.incidents.reference import reference
from schildwacht.organisations.models import Organisation

TEXTAREA = {"rows": 4}
SHORT_TEXTAREA = {"rows": 2}
MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
YES_NO = [("ja", _("Ja")), ("nee", _("Nee"))]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's errors on the fields they name; other errors above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def moment_field(label: Any, *, required: bool = False, help_text: Any = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=MOMENT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ObjectChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class ReportForm(forms.Form):
    """The two-minute report: what, when, where, and personal data yes/no/unknown."""

    description = forms.CharField(
        label=_("Wat is er gebeurd?"),
        max_length=4000,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Beschrijf kort wat u zag of merkte. Noem liever geen namen van leerlingen."),
    )
    discovered_at = moment_field(_("Wanneer merkte u het?"), required=True)
    organisation = forms.ModelChoiceField(
        label=_("Bij welke school of welk bestuur?"), queryset=Organisation.objects.none()
    )
    application = forms.ModelChoiceField(
        label=_("Welke applicatie?"), queryset=Organisation.objects.none(), required=False
    )
    application_note = forms.CharField(
        label=_("Applicatie, systeem of apparaat"),
        max_length=300,
        required=False,
        help_text=_("Bijvoorbeeld het leerlingvolgsysteem, de e-mail of een laptop."),
    )
    personal_data = forms.ChoiceField(
        label=_("Zijn er persoonsgegevens bij betrokken?"),
        choices=PersonalData.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Gegevens over leerlingen, ouders of collega's. Twijfelt u, kies dan "
            "“Weet ik niet”: de privacy officer kijkt ernaar."
        ),
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        applications: QuerySet[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = organisations
        application: Any = self.fields["application"]
        application.queryset = applications
        if not applications.exists():
            del self.fields["application"]


class GeneralForm(forms.Form):
    """Part "algemeen": what it is, how serious, who handles it, what it touches."""

    kind = forms.ChoiceField(label=_("Soort"), choices=IncidentKind.choices)
    title = forms.CharField(label=_("Korte omschrijving"), max_length=200)
    description = forms.CharField(
        label=_("Wat is er gebeurd"), max_length=20000, widget=forms.Textarea(attrs=TEXTAREA)
    )
    severity = forms.ChoiceField(
        label=_("Ernst"),
        choices=[("", _("Nog niet bepaald")), *Severity.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in IncidentStatus if s != IncidentStatus.CLOSED],
    )
    personal_data = forms.ChoiceField(
        label=_("Persoonsgegevens betrokken"),
        choices=PersonalData.choices,
        widget=forms.RadioSelect,
    )
    handler_name = forms.CharField(label=_("Behandelaar"), max_length=200, required=False)
    applications = ObjectChoices(
        label=_("Getroffen applicaties"), queryset=Organisation.objects.none(), required=False
    )
    application_note = forms.CharField(
        label=_("Applicatie of systeem (zoals gemeld)"), max_length=300, required=False
    )
    suppliers = ObjectChoices(
        label=_("Betrokken leveranciers"), queryset=Organisation.objects.none(), required=False
    )
    schools = ObjectChoices(
        label=_("Getroffen scholen"), queryset=Organisation.objects.none(), required=False
    )

    def __init__(self, *args: Any, choices: dict[str, QuerySet[Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in choices.items():
            field: Any = self.fields[name]
            field.queryset = queryset


class TimesForm(forms.Form):
    """Part "tijden": the separate moments of a breach (all in Europe/Amsterdam)."""

    occurred_at = moment_field(_("Gebeurd op"))
    discovered_at = moment_field(
        _("Ontdekt op"),
        required=True,
        help_text=_("Bij een melding van een verwerker: wanneer de verwerker het ontdekte."),
    )
    processor_application = forms.ModelChoiceField(
        label=_("Gemeld door de verwerker van"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("De meldtermijn uit de verwerkersovereenkomst wordt erbij gezocht."),
    )
    processor_informed_at = moment_field(_("Verwerker informeerde het bestuur op"))
    aware_at = moment_field(
        _("Bestuur op de hoogte op"),
        help_text=_(
            "Het moment waarop het bestuur redelijk zeker wist dat het om een datalek ging. "
            "Hier begint de termijn van 72 uur."
        ),
    )
    aware_note = forms.CharField(
        label=_("Toelichting op dat moment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs=SHORT_TEXTAREA),
    )

    def __init__(self, *args: Any, applications: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["processor_application"]
        field.queryset = applications


def _codes(name: str, label: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=lambda: reference().choices(name),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class DetailsForm(forms.Form):
    """Part "gegevens": what the notification to the AP and the letter to the people say."""

    breach_types = _codes("breach_types", _("Wat is er met de gegevens gebeurd?"))
    data_kinds = _codes("data_kinds", _("Welke persoonsgegevens?"))
    subject_groups = _codes("subject_groups", _("Van wie?"))
    people_min = forms.IntegerField(
        label=_("Aantal betrokkenen, minimaal"), min_value=0, required=False
    )
    people_max = forms.IntegerField(
        label=_("Aantal betrokkenen, maximaal"), min_value=0, required=False
    )
    records_count = forms.IntegerField(
        label=_("Aantal gegevensrecords (ongeveer)"), min_value=0, required=False
    )
    consequences = forms.CharField(
        label=_("Waarschijnlijke gevolgen voor betrokkenen"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    measures_taken = forms.CharField(
        label=_("Genomen maatregelen"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    measures_proposed = forms.CharField(
        label=_("Voorgestelde maatregelen"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    advice_to_subjects = forms.CharField(
        label=_("Wat betrokkenen zelf kunnen doen"),
        required=False,
        widget=forms.Textarea(attrs=SHORT_TEXTAREA),
    )
    contact_name = forms.CharField(label=_("Contactpersoon"), max_length=200, required=False)
    contact_details = forms.CharField(
        label=_("Bereikbaar via (e-mail, telefoon)"), max_length=300, required=False
    )
    subjects_informed_at = moment_field(_("Betrokkenen geïnformeerd op"))
    subjects_informed_how = forms.CharField(
        label=_("Betrokkenen geïnformeerd via"), max_length=300, required=False
    )


class CertForm(forms.Form):
    """Part "cert": the prepared escalation to the sector CERT."""

    cert_tlp = forms.ChoiceField(
        label=_("TLP-label"),
        choices=Tlp.choices,
        help_text=_(
            "Wat de CERT mag doorgeven: CLEAR openbaar; GREEN binnen de gemeenschap; AMBER "
            "binnen de eigen organisatie en wie het nodig heeft; AMBER+STRICT alleen binnen "
            "de eigen organisatie; RED alleen de ontvangers zelf."
        ),
    )
    cert_summary = forms.CharField(
        label=_("Samenvatting voor de CERT"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    cert_indicators = forms.CharField(
        label=_("Indicatoren (IP-adressen, domeinen, hashes; één per regel)"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    cert_systems = forms.CharField(
        label=_("Getroffen systemen"), required=False, widget=forms.Textarea(attrs=SHORT_TEXTAREA)
    )


class LessonsForm(forms.Form):
    lessons_learned = forms.CharField(
        label=_("Geleerde lessen"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


PART_FORMS: dict[str, type[forms.Form]] = {
    "algemeen": GeneralForm,
    "tijden": TimesForm,
    "gegevens": DetailsForm,
    "cert": CertForm,
    "lessen": LessonsForm,
}
PART_TITLES = {
    "algemeen": _("Incident bewerken"),
    "tijden": _("Tijden van het datalek"),
    "gegevens": _("Gegevens voor de melding en de brief"),
    "cert": _("Escalatie naar de sector-CERT"),
    "lessen": _("Geleerde lessen"),
}


def initial_for(incident: Incident, form_class: type[forms.Form]) -> dict[str, Any]:
    """The incident's current values for the fields of ``form_class``."""
    initial: dict[str, Any] = {}
    for name in form_class.base_fields:
        if name in {"applications", "suppliers", "schools"}:
            initial[name] = list(getattr(incident, name).values_list("pk", flat=True))
        elif name == "processor_application":
            initial[name] = incident.processor_application_id
        else:
            initial[name] = getattr(incident, name)
    return initial


def values_from(form: forms.Form) -> dict[str, Any]:
    """The cleaned data as service values (objects as ids)."""
    values: dict[str, Any] = {}
    for name, value in form.cleaned_data.items():
        if name in {"applications", "suppliers", "schools"}:
            values[name] = [item.pk for item in value]
        elif name == "processor_application":
            values[name] = value.pk if value is not None else None
        else:
            values[name] = value
    return values


class TimelineForm(forms.Form):
    at = moment_field(_("Tijdstip"), help_text=_("Leeg: nu."))
    text = forms.CharField(
        label=_("Wat gebeurde er?"), max_length=4000, widget=forms.Textarea(attrs=SHORT_TEXTAREA)
    )


def _yes_no(label: Any, help_text: Any = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "ja",
        widget=forms.RadioSelect,
    )


class AssessmentForm(forms.Form):
    """The guided assessment: the factors, the three questions, the exceptions, the reasoning."""

    factors = _codes("factors", _("Wat weegt mee?"))
    is_breach = _yes_no(
        _("1. Is dit een inbreuk op persoonsgegevens?"),
        _(
            "Zijn persoonsgegevens verloren gegaan, ingezien, gewijzigd, vernietigd of "
            "onbereikbaar geworden zonder dat dat mocht?"
        ),
    )
    risk = _yes_no(
        _("2. Is er waarschijnlijk een risico voor de rechten en vrijheden van betrokkenen?"),
        _("Ja: melden bij de Autoriteit Persoonsgegevens binnen 72 uur (AVG art. 33)."),
    )
    high_risk = _yes_no(
        _("3. Is dat risico hoog?"),
        _("Ja: ook de betrokkenen zelf informeren (AVG art. 34), behalve bij een uitzondering."),
    )
    unintelligible = forms.BooleanField(
        label=_("a. De gegevens zijn voor anderen onbegrijpelijk, bijvoorbeeld goed versleuteld"),
        required=False,
    )
    risk_removed = forms.BooleanField(
        label=_("b. Later genomen maatregelen nemen het hoge risico weg"), required=False
    )
    disproportionate = forms.BooleanField(
        label=_(
            "c. Iedereen persoonlijk informeren vergt een onevenredige inspanning (dan een "
            "openbare mededeling)"
        ),
        required=False,
    )
    reasoning = forms.CharField(
        label=_("Motivering van het besluit"),
        max_length=8000,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Ook een besluit om niet te melden wordt met de motivering bewaard."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data.setdefault("factors", [])
        return data


class AdviceForm(forms.Form):
    text = forms.CharField(
        label=_("Advies"), max_length=8000, widget=forms.Textarea(attrs={"rows": 6})
    )


class NotificationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Wat legt u vast?"), choices=NotificationKind.choices, widget=forms.RadioSelect
    )
    notified_at = moment_field(_("Tijdstip van de melding"), required=True)
    reference = forms.CharField(label=_("Kenmerk van de AP"), max_length=100, required=False)
    summary = forms.CharField(
        label=_("Inhoud (wat is gemeld, aangevuld of waarom ingetrokken)"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs=SHORT_TEXTAREA),
    )
    delay_reasons = forms.CharField(
        label=_("Redenen van de vertraging"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs=SHORT_TEXTAREA),
        help_text=_("Verplicht als de melding later is dan 72 uur na kennisname."),
    )


class CloseForm(forms.Form):
    closing_note = forms.CharField(
        label=_("Afsluitende toelichting"), max_length=4000, widget=forms.Textarea(attrs=TEXTAREA)
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Waarom gaat het incident weer open?"),
        max_length=4000,
        widget=forms.Textarea(attrs=SHORT_TEXTAREA),
    )


class LinkMeasureForm(forms.Form):
    plan_measure = forms.ModelChoiceField(
        label=_("Bestaande maatregel uit het plan"), queryset=Organisation.objects.none()
    )

    def __init__(self, *args: Any, measures: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["plan_measure"]
        field.queryset = measures


class NewMeasureForm(forms.Form):
    title = forms.CharField(label=_("Titel van de nieuwe maatregel"), max_length=200)
    description = forms.CharField(
        label=_("Omschrijving"), required=False, widget=forms.Textarea(attrs=SHORT_TEXTAREA)
    )


class CertContactForm(forms.Form):
    name = forms.CharField(label=_("Naam van de CERT"), max_length=200)
    email = forms.EmailField(label=_("E-mailadres"), required=False)
    phone = forms.CharField(label=_("Telefoon"), max_length=50, required=False)
    notes = forms.CharField(
        label=_("Werkwijze en afspraken"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class FilterForm(forms.Form):
    soort = forms.ChoiceField(
        label=_("Soort"), choices=[("", _("Alle soorten")), *IncidentKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Alle statussen")), *IncidentStatus.choices],
        required=False,
    )
