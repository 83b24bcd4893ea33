"""Forms of the register pages: an application, a processing activity, the list filters and the
import upload. Forms only parse; the services check and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from schildwacht.lib.tabular import MAX_IMPORT_BYTES
from schildwacht.organisations.models import Organisation
from schildwacht.registers.models import (
    Application,
    ApplicationKind,
    Classification,
    Criticality,
    Hosting,
    LegalBasis,
    ProcessingActivity,
)
from schildwacht.registers.reference import Kind, choices
from schildwacht.suppliers.models import Supplier

TEXTAREA = {"rows": 3}


def _checkboxes(label: Any, kind: Kind, help_text: Any = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        required=False,
        choices=lambda: choices(kind),
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


def _classification(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", _("Nog niet bepaald")), *Classification.choices],
    )


def _set_queryset(form: forms.Form, name: str, queryset: QuerySet[Any] | None) -> None:
    """Give a model choice field its queryset, or drop the field when there is none."""
    if queryset is None:
        del form.fields[name]
        return
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class OrganisationField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display().lower()})"


class ApplicationForm(forms.Form):
    """An application; ``organisation`` only when creating (an application never moves)."""

    GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
        (
            _("Algemeen"),
            ("organisation", "name", "kind", "description", "supplier", "schools"),
        ),
        (
            _("Persoonsgegevens"),
            (
                "personal_data",
                "data_categories",
                "special_categories",
                "processes_bsn",
                "pupil_data",
                "parent_data",
                "staff_data",
                "people_count",
            ),
        ),
        (_("Verantwoordelijken"), ("owner_name", "supplier_contact")),
        (_("Hosting"), ("hosting", "hosting_country")),
        (
            _("Classificatie en belang"),
            ("availability", "integrity", "confidentiality", "criticality"),
        ),
        (_("Inloggen"), ("sso_supported", "mfa_supported")),
        (
            _("Wat als het misgaat?"),
            (
                "incident_contacts",
                "incident_first_steps",
                "supplier_incident_contact",
                "supplier_incident_terms",
            ),
        ),
        (_("Overig"), ("notes",)),
    )

    organisation = OrganisationField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("Naam"), max_length=200)
    kind = forms.ChoiceField(label=_("Soort"), choices=ApplicationKind.choices)
    description = forms.CharField(
        label=_("Omschrijving"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    supplier = forms.ModelChoiceField(
        label=_("Leverancier"),
        queryset=Supplier.objects.none(),
        required=False,
        empty_label=_("Geen of onbekend"),
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Scholen die het gebruiken"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Alleen bij een applicatie van het bestuur."),
    )
    personal_data = forms.BooleanField(label=_("Bevat persoonsgegevens"), required=False)
    data_categories = _checkboxes(_("Soorten persoonsgegevens"), Kind.DATA)
    special_categories = _checkboxes(
        _("Bijzondere persoonsgegevens"),
        Kind.SPECIAL,
        _("Bijzondere categorieën (AVG art. 9) en strafrechtelijke gegevens (art. 10)."),
    )
    processes_bsn = forms.BooleanField(label=_("Verwerkt het BSN"), required=False)
    pupil_data = forms.BooleanField(label=_("Gegevens van leerlingen"), required=False)
    parent_data = forms.BooleanField(label=_("Gegevens van ouders"), required=False)
    staff_data = forms.BooleanField(label=_("Gegevens van medewerkers"), required=False)
    people_count = forms.IntegerField(
        label=_("Aantal betrokkenen (ongeveer)"), required=False, min_value=0
    )
    owner_name = forms.CharField(
        label=_("Eigenaar binnen de organisatie"),
        required=False,
        max_length=200,
        help_text=_("Wie inhoudelijk verantwoordelijk is, bijvoorbeeld de leerlingadministratie."),
    )
    supplier_contact = forms.CharField(
        label=_("Contactpersoon bij de leverancier"), required=False, max_length=300
    )
    hosting = forms.ChoiceField(label=_("Hosting"), choices=Hosting.choices)
    hosting_country = forms.CharField(
        label=_("Land van hosting"),
        required=False,
        max_length=2,
        help_text=_("Landcode van twee letters, bijvoorbeeld NL of IE."),
    )
    availability = _classification(_("Beschikbaarheid"))
    integrity = _classification(_("Integriteit"))
    confidentiality = _classification(_("Vertrouwelijkheid"))
    criticality = forms.ChoiceField(
        label=_("Kritiek voor de organisatie"),
        required=False,
        choices=[("", _("Nog niet bepaald")), *Criticality.choices],
    )
    sso_supported = forms.NullBooleanField(
        label=_("Ondersteunt single sign-on"), widget=forms.NullBooleanSelect
    )
    mfa_supported = forms.NullBooleanField(
        label=_("Ondersteunt meerstapsverificatie"), widget=forms.NullBooleanSelect
    )
    incident_contacts = forms.CharField(
        label=_("Wie bellen we bij een storing of datalek"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    incident_first_steps = forms.CharField(
        label=_("Eerste stappen"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    supplier_incident_contact = forms.CharField(
        label=_("Incidentcontact van de leverancier"), required=False, max_length=300
    )
    supplier_incident_terms = forms.CharField(
        label=_("Afspraken met de leverancier"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Bijvoorbeeld de hersteltijd en de termijn waarin een datalek gemeld wordt."),
    )
    notes = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation] | None = None,
        suppliers: QuerySet[Supplier],
        schools: QuerySet[Organisation] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "organisation", organisations)
        _set_queryset(self, "supplier", suppliers)
        _set_queryset(self, "schools", schools)

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """The fields by section, for the template."""
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in self.GROUPS
        ]

    @classmethod
    def initial_for(cls, application: Application, school_ids: list[int]) -> dict[str, Any]:
        initial = {
            name: getattr(application, name)
            for name in cls.base_fields
            if name not in ("organisation", "supplier", "schools")
        }
        initial["supplier"] = application.supplier_id
        initial["schools"] = school_ids
        return initial

    def values(self) -> dict[str, Any]:
        """The cleaned values as the services take them."""
        data = dict(self.cleaned_data)
        data.pop("organisation", None)
        if "schools" not in self.fields:
            data.pop("schools", None)
        if data.get("people_count") is None:
            data["people_count"] = None
        return data


class ApplicationFilterForm(forms.Form):
    """The list's filters; every one optional."""

    soort = forms.ChoiceField(
        label=_("Soort"), required=False, choices=[("", _("Alle")), *ApplicationKind.choices]
    )
    school = forms.TypedChoiceField(label=_("School"), required=False, coerce=int, empty_value=None)
    onvolledig = forms.BooleanField(label=_("Alleen onvolledige"), required=False)
    zoek = forms.CharField(label=_("Zoek op naam"), required=False, max_length=200)

    def __init__(self, *args: Any, schools: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Alle scholen")), *[(str(s.pk), s.name) for s in schools]]


class ImportForm(forms.Form):
    """An XLSX or CSV file of applications (the size is checked by the importer)."""

    organisation = OrganisationField(
        label=_("Organisatie"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=_("Regels zonder organisatie komen bij deze organisatie."),
    )
    file = forms.FileField(
        label=_("Bestand (XLSX of CSV)"),
        help_text=_(
            "Gebruik het sjabloon. CSV in UTF-8, met puntkomma of komma gescheiden. Hoogstens "
            "%(mb)d MB."
        )
        % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "organisation", organisations)


class ApplicationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class ActivityForm(forms.Form):
    """A processing activity with the fields of AVG art. 30(1)."""

    organisation = OrganisationField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("Naam van de verwerking"), max_length=200)
    controller = forms.CharField(
        label=_("Verwerkingsverantwoordelijke"),
        required=False,
        max_length=300,
        help_text=_("Naam en contactgegevens, meestal het bestuur."),
    )
    fg_contact = forms.CharField(
        label=_("Contactgegevens functionaris gegevensbescherming"),
        required=False,
        max_length=300,
    )
    purposes = forms.CharField(label=_("Doeleinden"), widget=forms.Textarea(attrs=TEXTAREA))
    legal_basis = forms.ChoiceField(
        label=_("Grondslag (AVG art. 6)"),
        required=False,
        choices=[("", _("Nog niet bepaald")), *LegalBasis.choices],
    )
    legal_basis_note = forms.CharField(
        label=_("Toelichting grondslag"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_(
            "Bij bijzondere persoonsgegevens ook de uitzondering van AVG art. 9 lid 2 die geldt."
        ),
    )
    data_subject_categories = _checkboxes(_("Categorieën betrokkenen"), Kind.SUBJECTS)
    data_categories = _checkboxes(_("Soorten persoonsgegevens"), Kind.DATA)
    special_categories = _checkboxes(_("Bijzondere persoonsgegevens"), Kind.SPECIAL)
    recipients = forms.CharField(
        label=_("Ontvangers"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
        help_text=_("Aan wie de gegevens worden verstrekt, bijvoorbeeld DUO of de gemeente."),
    )
    transfers_outside_eea = forms.BooleanField(label=_("Doorgifte buiten de EER"), required=False)
    transfer_countries = forms.CharField(label=_("Landen"), required=False, max_length=300)
    transfer_safeguards = forms.CharField(
        label=_("Waarborgen bij doorgifte"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    retention = forms.CharField(
        label=_("Bewaartermijnen"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )
    security_measures = forms.CharField(
        label=_("Beveiligingsmaatregelen (algemene beschrijving)"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    applications = ApplicationChoiceField(
        label=_("Gebruikte applicaties"),
        queryset=Application.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation] | None = None,
        applications: QuerySet[Application],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "organisation", organisations)
        _set_queryset(self, "applications", applications)

    @classmethod
    def initial_for(
        cls, activity: ProcessingActivity, application_ids: list[int]
    ) -> dict[str, Any]:
        initial = {
            name: getattr(activity, name)
            for name in cls.base_fields
            if name not in ("organisation", "applications")
        }
        initial["applications"] = application_ids
        return initial

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("organisation", None)
        return data


class ActivityFilterForm(forms.Form):
    zoek = forms.CharField(label=_("Zoek op naam"), required=False, max_length=200)
    grondslag = forms.ChoiceField(
        label=_("Grondslag"), required=False, choices=[("", _("Alle")), *LegalBasis.choices]
    )
