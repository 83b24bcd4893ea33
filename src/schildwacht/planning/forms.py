"""Forms of the plan pages: a measure, the list filters and a status change on the board."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from schildwacht.accounts.models import User
from schildwacht.frameworks.models import Basismaatregel, GroeipadPhase, GroeipadSubProject, Norm
from schildwacht.organisations.models import Organisation
from schildwacht.planning.models import Effort, Measure, MeasureStatus
from schildwacht.planning.queries import PLAN_FRAMEWORK, MeasureFilter


def norm_choices() -> list[tuple[str, str]]:
    """Norm ids of the plan's framework, titled from the newest edition that has them."""
    titles: dict[str, str] = {}
    for norm_id, title in (
        Norm.objects.filter(framework__slug=PLAN_FRAMEWORK)
        .order_by("norm_id", "-framework__version", "-framework__edition")
        .values_list("norm_id", "title")
    ):
        titles.setdefault(norm_id, f"{norm_id} {title}")
    return list(titles.items())


def basismaatregel_choices() -> list[tuple[str, str]]:
    return [(str(b.number), str(b)) for b in Basismaatregel.objects.order_by("number")]


def subproject_choices() -> list[tuple[Any, Any]]:
    """Sub-projects grouped by phase (an optgroup per phase)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for sub in GroeipadSubProject.objects.select_related("phase").order_by(
        "phase__groeipad", "phase__number", "position"
    ):
        label = f"{sub.phase.number}. {sub.phase.name}"
        groups.setdefault(label, []).append((sub.code, f"{sub.code} {sub.title}"))
    return [("", _("Geen")), *groups.items()]


def phase_choices() -> list[tuple[str, str]]:
    seen: dict[int, str] = {}
    for phase in GroeipadPhase.objects.order_by("number", "groeipad"):
        seen.setdefault(phase.number, f"{phase.number}. {phase.name}")
    return [("", str(_("Alle fasen"))), *[(str(n), label) for n, label in seen.items()]]


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.email})" if obj.full_name else obj.email


class MeasureForm(forms.Form):
    """A measure; ``organisation`` only when creating (a measure never moves)."""

    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none(), empty_label=None
    )
    title = forms.CharField(label=_("Titel"), max_length=200)
    description = forms.CharField(
        label=_("Omschrijving"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = OwnerChoiceField(
        label=_("Eigenaar"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Geen gebruiker"),
    )
    owner_name = forms.CharField(
        label=_("Eigenaar (naam)"),
        required=False,
        max_length=200,
        help_text=_("Voor een eigenaar zonder account, bijvoorbeeld een leverancier."),
    )
    due_date = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices)
    effort = forms.ChoiceField(
        label=_("Inspanning"),
        required=False,
        choices=[("", _("Onbekend")), *Effort.choices],
        help_text=_("Een grove maat: S tot een dag, M tot een week, L tot een maand, XL meer."),
    )
    cost = forms.DecimalField(
        label=_("Geschatte kosten (euro)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    norm_ids = forms.MultipleChoiceField(label=_("Normen"), required=False, choices=norm_choices)
    basismaatregelen = forms.TypedMultipleChoiceField(
        label=_("Basismaatregelen"), required=False, coerce=int, choices=basismaatregel_choices
    )
    groeipad_code = forms.ChoiceField(
        label=_("Deelproject groeipad"), required=False, choices=subproject_choices
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation] | None = None,
        owners: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            org_field = self.fields["organisation"]
            assert isinstance(org_field, forms.ModelChoiceField)
            org_field.queryset = organisations
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = owners

    @classmethod
    def initial_for(cls, measure: Measure) -> dict[str, Any]:
        return {
            "title": measure.title,
            "description": measure.description,
            "owner": measure.owner_id,
            "owner_name": measure.owner_name,
            "due_date": measure.due_date,
            "status": measure.status,
            "effort": measure.effort,
            "cost": measure.cost,
            "norm_ids": measure.norm_ids,
            "basismaatregelen": [str(n) for n in measure.basismaatregelen],
            "groeipad_code": measure.groeipad_code,
        }

    def measure_values(self) -> dict[str, Any]:
        """The cleaned values as the services take them."""
        data = dict(self.cleaned_data)
        data.pop("organisation", None)
        return data


class MeasureFilterForm(forms.Form):
    """The list's filters; every one optional."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alle")), *MeasureStatus.choices]
    )
    owner = OwnerChoiceField(
        label=_("Eigenaar"), queryset=User.objects.none(), required=False, empty_label=_("Iedereen")
    )
    norm = forms.ChoiceField(label=_("Norm"), required=False)
    basismaatregel = forms.TypedChoiceField(
        label=_("Basismaatregel"), required=False, coerce=int, empty_value=None
    )
    fase = forms.TypedChoiceField(
        label=_("Fase groeipad"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=phase_choices,
    )
    over_deadline = forms.BooleanField(label=_("Alleen over de deadline"), required=False)

    def __init__(self, *args: Any, owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = owners
        norm_field = self.fields["norm"]
        assert isinstance(norm_field, forms.ChoiceField)
        norm_field.choices = [("", _("Alle normen")), *norm_choices()]
        basis_field = self.fields["basismaatregel"]
        assert isinstance(basis_field, forms.ChoiceField)
        basis_field.choices = [("", _("Alle basismaatregelen")), *basismaatregel_choices()]

    def selection(self) -> MeasureFilter:
        data = self.cleaned_data
        owner = data.get("owner")
        return MeasureFilter(
            status=data.get("status") or None,
            owner=owner.pk if owner is not None else None,
            norm_id=data.get("norm") or None,
            basismaatregel=data.get("basismaatregel"),
            phase=data.get("fase"),
            overdue=bool(data.get("over_deadline")),
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices)
