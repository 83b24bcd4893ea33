"""Forms of the supplier pages: a supplier, a board's own data, an agreement, the list
filters, one review item and a review's conclusion. The services do the real checks; these
forms parse input and show the services' errors at the right field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from schildwacht.organisations.models import Organisation
from schildwacht.registers.models import Application
from schildwacht.suppliers.models import (
    Agreement,
    AgreementModel,
    AgreementStatus,
    ConvenantStatus,
    Supplier,
    SupplierDetail,
    Verdict,
)
from schildwacht.suppliers.queries import AgreementFilter, SupplierFilter

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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


class SupplierForm(forms.Form):
    """A supplier; ``organisation`` only when creating (a supplier never moves)."""

    organisation = OrganisationChoiceField(
        label=_("Catalogus"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        help_text=_("De gedeelde catalogus van de sector, of de eigen lijst van het bestuur."),
    )
    name = forms.CharField(label=_("Naam"), max_length=200)
    kvk_number = forms.CharField(
        label=_("KvK-nummer"),
        required=False,
        max_length=8,
        help_text=_("Acht cijfers, zoals in het Handelsregister."),
    )
    convenant_status = forms.ChoiceField(
        label=_("Privacyconvenant"), choices=ConvenantStatus.choices
    )
    certifications = forms.CharField(
        label=_("Certificeringen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Eén per regel of gescheiden door komma's, bijvoorbeeld ISO 27001, NEN 7510."),
    )
    sub_processors = forms.CharField(
        label=_("Subverwerkers"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    data_locations = forms.CharField(
        label=_("Locaties van gegevens"),
        required=False,
        max_length=300,
        help_text=_("Bijvoorbeeld: Nederland, Ierland (EER)."),
    )
    website = forms.CharField(label=_("Website"), required=False, max_length=200)
    incident_contact = forms.CharField(
        label=_("Incidentcontact"),
        required=False,
        max_length=300,
        help_text=_("Waar meldt een school een storing of datalek bij deze leverancier?"),
    )
    notes = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            field = self.fields["organisation"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = organisations

    @classmethod
    def initial_for(cls, supplier: Supplier) -> dict[str, Any]:
        return {
            **{name: getattr(supplier, name) for name in cls.base_fields if name != "organisation"},
            "certifications": "\n".join(supplier.certifications),
        }

    def supplier_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("organisation", None)
        return data


class SupplierFilterForm(forms.Form):
    zoek = forms.CharField(label=_("Zoeken op naam of KvK-nummer"), required=False, max_length=200)
    convenant = forms.ChoiceField(
        label=_("Privacyconvenant"),
        required=False,
        choices=[("", _("Alle")), *ConvenantStatus.choices],
    )

    def selection(self) -> SupplierFilter:
        return SupplierFilter(
            search=self.cleaned_data.get("zoek") or "",
            convenant_status=self.cleaned_data.get("convenant") or "",
        )


class SupplierDetailForm(forms.ModelForm):
    """The board's own contacts, customer number and notes at a supplier."""

    class Meta:
        model = SupplierDetail
        fields = ("contact_name", "contact_email", "contact_phone", "customer_number", "notes")
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class SupplierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class ApplicationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class AgreementForm(forms.Form):
    """An agreement; ``organisation`` only when creating, ``remove_document`` only when one is
    stored."""

    organisation = OrganisationChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=None
    )
    supplier = SupplierChoiceField(label=_("Leverancier"), queryset=Supplier.objects.none())
    title = forms.CharField(label=_("Titel"), max_length=200)
    applications = ApplicationChoiceField(
        label=_("Applicaties"),
        queryset=Application.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("De applicaties waarvoor deze overeenkomst de verwerking regelt."),
    )
    model = forms.ChoiceField(label=_("Model"), choices=AgreementModel.choices)
    status = forms.ChoiceField(label=_("Status"), choices=AgreementStatus.choices)
    signed_on = forms.DateField(label=_("Getekend op"), required=False, widget=DATE_WIDGET)
    expires_on = forms.DateField(
        label=_("Loopt af op"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leeg als de overeenkomst voor onbepaalde tijd geldt."),
    )
    privacy_annex = forms.BooleanField(label=_("Privacybijsluiter aanwezig"), required=False)
    security_annex = forms.BooleanField(label=_("Beveiligingsbijlage aanwezig"), required=False)
    sub_processors = forms.CharField(
        label=_("Subverwerkers"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    breach_notification_hours = forms.IntegerField(
        label=_("Meldtermijn datalek (uren)"),
        required=False,
        min_value=1,
        help_text=_("Binnen hoeveel uur meldt de leverancier een datalek aan de school?"),
    )
    notes = forms.CharField(
        label=_("Toelichting"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    document = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("De getekende overeenkomst: PDF, Word (docx) of afbeelding, hoogstens 20 MB."),
    )
    remove_document = forms.BooleanField(label=_("Huidig document verwijderen"), required=False)

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation] | None,
        suppliers: QuerySet[Supplier],
        applications: QuerySet[Application],
        has_document: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            self._queryset("organisation", organisations)
        self._queryset("supplier", suppliers)
        self._queryset("applications", applications)
        if not has_document:
            del self.fields["remove_document"]

    def _queryset(self, name: str, queryset: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    @classmethod
    def initial_for(cls, agreement: Agreement) -> dict[str, Any]:
        names = [n for n in cls.base_fields if n not in {"organisation", "document"}]
        initial = {name: getattr(agreement, name, None) for name in names}
        initial["supplier"] = agreement.supplier_id
        initial["applications"] = [a.pk for a in agreement.applications.all()]
        initial["remove_document"] = False
        return initial

    def agreement_values(self) -> dict[str, Any]:
        """The cleaned values as the services take them (document and removal apart)."""
        data = dict(self.cleaned_data)
        for name in ("organisation", "document", "remove_document"):
            data.pop(name, None)
        data["applications"] = list(data.get("applications") or [])
        return data


class AgreementFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alle")), *AgreementStatus.choices]
    )
    leverancier = SupplierChoiceField(
        label=_("Leverancier"),
        required=False,
        queryset=Supplier.objects.none(),
        empty_label=_("Alle leveranciers"),
    )
    verloopt_binnenkort = forms.BooleanField(
        label=_("Alleen die binnen 60 dagen aflopen"), required=False
    )

    def __init__(self, *args: Any, suppliers: QuerySet[Supplier], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["leverancier"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = suppliers

    def selection(self) -> AgreementFilter:
        supplier = self.cleaned_data.get("leverancier")
        return AgreementFilter(
            status=self.cleaned_data.get("status") or "",
            supplier=supplier.pk if supplier is not None else None,
            expiring=bool(self.cleaned_data.get("verloopt_binnenkort")),
        )


class ReviewItemForm(forms.Form):
    """The verdict and note on one checklist item (prefixed with the item code)."""

    verdict = forms.ChoiceField(label=_("Oordeel"), required=False)
    note = forms.CharField(
        label=_("Notitie"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, based: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        empty = _("Zoals centraal beoordeeld") if based else _("Nog niet beoordeeld")
        field = self.fields["verdict"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", empty), *Verdict.choices]


class ConclusionForm(forms.Form):
    conclusion = forms.CharField(
        label=_("Conclusie"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Wat betekent de beoordeling voor het bestuur: tekenen, bijsturen of niet?"),
    )
