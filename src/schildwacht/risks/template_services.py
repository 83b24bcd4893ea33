"""Writing the sector's risk templates, adopting them as board risks, and the template loader.

The sector curator (``manage:catalogues`` on the sector node) creates, changes and deletes the
templates of its sector; boards only read them. Adopting is a change of the board's (or
school's) own register: whoever adds its risks may adopt. Refusals raise ``RiskRefused``; bad
values raise ``ValidationError`` naming each field; every write is audited in its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.lib.text import refuse_control_characters
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import sector_ids
from schildwacht.risks.models import Risk, RiskTemplate
from schildwacht.risks.queries import adoptable_templates, adopted_template_ids
from schildwacht.risks.reference import Template, template_file
from schildwacht.risks.services import (
    RiskRefused,
    create_risk,
    quantize_amounts,
    require,
    user_of,
)

TEMPLATE_FIELDS = (
    "code",
    "title",
    "title_en",
    "threat",
    "description",
    "typical_assets",
    "likelihood",
    "impact",
    "suggested_measures",
    "exposure_min",
    "exposure_max",
    "active",
)


def may_curate(actor: Actor, sector: Organisation) -> bool:
    """Whether ``actor`` keeps the risk templates of ``sector``."""
    if actor.user is None:
        return True
    return sector.pk in sector_ids(actor.user, "manage", "catalogues")


def _require_curator(actor: Actor, sector: Organisation) -> None:
    if not may_curate(actor, sector):
        raise RiskRefused(
            _("U mag de risicosjablonen van %(name)s niet wijzigen.") % {"name": sector}
        )


def _validate_template(template: RiskTemplate, values: dict[str, Any]) -> None:
    unknown = set(values) - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    refuse_control_characters(values, errors)
    for name, value in values.items():
        setattr(template, name, value.strip() if isinstance(value, str) else value)
    for name in ("exposure_min", "exposure_max"):
        value = getattr(template, name)
        if value is not None and not isinstance(value, Decimal):
            try:
                setattr(template, name, Decimal(str(value)))
            except ArithmeticError:
                errors[name] = [_("Vul een bedrag in euro's in.")]
                setattr(template, name, None)
    if template.organisation.kind != OrganisationKind.SECTOR:
        errors["organisation"] = [_("Een risicosjabloon hoort bij de sector.")]
    try:
        template.full_clean(
            exclude=["organisation", "created_by", "updated_by"], validate_constraints=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    low, high = template.exposure_min, template.exposure_max
    if low is not None and high is not None and low > high:
        errors.setdefault("exposure_max", []).append(
            _("Het maximum moet minstens zo hoog zijn als het minimum.")
        )
    duplicate = (
        RiskTemplate.objects.filter(organisation=template.organisation, code=template.code)
        .exclude(pk=template.pk)
        .exists()
    )
    if template.code and duplicate:
        errors.setdefault("code", []).append(
            _("Er is al een sjabloon met de code %(code)s.") % {"code": template.code}
        )
    if errors:
        raise ValidationError(errors)
    quantize_amounts(template)


def create_template(actor: Actor, sector: Organisation, **values: Any) -> RiskTemplate:
    """Add a risk template to the catalogue of ``sector``."""
    _require_curator(actor, sector)
    template = RiskTemplate(
        organisation=sector, created_by=user_of(actor), updated_by=user_of(actor)
    )
    _validate_template(template, dict(values))
    with transaction.atomic():
        template.save()
        record_change(
            actor, change_for(AuditAction.CREATE, template, None, model_snapshot(template))
        )
    return template


def update_template(actor: Actor, template: RiskTemplate, **values: Any) -> RiskTemplate:
    """Change the given fields of a template. Risks adopted earlier keep what they copied."""
    _require_curator(actor, template.organisation)
    before = model_snapshot(template)
    _validate_template(template, dict(values))
    template.updated_by = user_of(actor)
    change = change_for(AuditAction.UPDATE, template, before, model_snapshot(template))
    if change.changes:
        with transaction.atomic():
            template.save()
            record_change(actor, change)
    return template


def delete_template(actor: Actor, template: RiskTemplate) -> None:
    """Remove a template no board adopted; an adopted one is made unavailable instead (the
    message says so without telling the curator which boards adopted it)."""
    _require_curator(actor, template.organisation)
    if Risk.objects.filter(template=template).exists():
        raise ValidationError(
            {
                "__all__": [
                    _(
                        "Dit sjabloon is door besturen overgenomen en kan niet worden verwijderd. "
                        "Zet het op niet beschikbaar om het uit de keuzelijst te halen."
                    )
                ]
            }
        )
    change = change_for(AuditAction.DELETE, template, model_snapshot(template), None)
    with transaction.atomic():
        template.delete()
        record_change(actor, change)


# Adoption ------------------------------------------------------------------------------------


def risk_values_from(template: RiskTemplate) -> dict[str, Any]:
    """What an adopted risk starts with: the template's texts, scores and exposure."""
    return {
        "title": template.title,
        "threat": template.threat,
        "description": template.description,
        "processes": template.typical_assets,
        "inherent_likelihood": template.likelihood,
        "inherent_impact": template.impact,
        "treatment_notes": template.suggested_measures,
        "exposure_min": template.exposure_min,
        "exposure_max": template.exposure_max,
    }


def adopt_templates(
    actor: Actor, organisation: Organisation, templates: Iterable[RiskTemplate]
) -> list[Risk]:
    """Adopt ``templates`` as risks of ``organisation`` (a board or school), all or none.

    Each new risk links to its template and starts with its texts and suggested scores; the
    board then adjusts it. A template the organisation adopted before is refused (adjust the
    existing risk instead), as is one outside the organisation's sector or made unavailable.
    """
    require(actor, organisation)
    chosen = list(templates)
    errors: list[str] = []
    if organisation.kind not in (OrganisationKind.BOARD, OrganisationKind.SCHOOL):
        errors.append(_("Alleen een bestuur of school neemt risicosjablonen over."))
    if not chosen:
        errors.append(_("Kies minstens één sjabloon."))
    allowed = set(adoptable_templates(organisation).values_list("pk", flat=True))
    adopted = adopted_template_ids(organisation)
    for template in chosen:
        if template.pk not in allowed:
            errors.append(_("Sjabloon %(title)s is niet beschikbaar.") % {"title": template})
        elif template.pk in adopted:
            errors.append(
                _("%(title)s is al overgenomen; pas het bestaande risico aan.")
                % {"title": template}
            )
    if errors:
        raise ValidationError({"templates": errors})
    with transaction.atomic():
        return [
            create_risk(actor, organisation, template=template, **risk_values_from(template))
            for template in chosen
        ]


# Loader --------------------------------------------------------------------------------------


def template_values(item: Template) -> dict[str, Any]:
    """The model values of one entry of ``data/templates.yaml``."""
    return {
        "code": item.code,
        "title": item.title.nl,
        "title_en": item.title.en,
        "threat": item.threat,
        "description": item.description,
        "typical_assets": "\n".join(item.assets),
        "likelihood": item.likelihood,
        "impact": item.impact,
        "suggested_measures": "\n".join(item.measures),
        "exposure_min": Decimal(item.exposure.min),
        "exposure_max": Decimal(item.exposure.max),
    }


def load_risk_templates(actor: Actor, sector: Organisation) -> int:
    """Put the templates of ``data/templates.yaml`` on ``sector`` that it lacks (by code).

    Idempotent: a template already there is left as the curator keeps it, also when the file
    changed; returns how many were added.
    """
    existing = set(RiskTemplate.objects.filter(organisation=sector).values_list("code", flat=True))
    missing = [item for item in template_file().templates if item.code not in existing]
    with transaction.atomic():
        for item in missing:
            create_template(actor, sector, **template_values(item))
    return len(missing)
