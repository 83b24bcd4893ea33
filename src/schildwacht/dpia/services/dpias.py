"""Writing a DPIA's parts 1 and 2, creating and deleting it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, change_for, record_change, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.dpia.models import (
    Advice,
    Dpia,
    DpiaMeasure,
    DpiaRisk,
    DpiaStatus,
    PreScan,
)
from schildwacht.dpia.queries import near_organisation
from schildwacht.dpia.services.common import (
    DPIA_FIELDS,
    LINK_FIELDS,
    DpiaRefused,
    dpia_links,
    dpia_snapshot,
    ids_of,
    measure_snapshot,
    require,
    require_open,
    user_of,
    write_links,
)
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.registers.models import Application, ProcessingActivity


def _clean_link(
    actor: Actor, dpia: Dpia, name: str, values: Iterable[Any], errors: dict[str, list[str]]
) -> list[int]:
    """Applications or processing activities of the DPIA's organisation (or its board)."""
    try:
        wanted = ids_of(values)
    except (TypeError, ValueError):
        errors[name] = [_("Geef de nummers van bestaande registerregels.")]
        return []
    if wanted and dpia.organisation.kind == OrganisationKind.SECTOR:
        errors[name] = [_("Een sector-DPIA hoort niet bij de registers van één bestuur.")]
        return []
    model = Application if name == "applications" else ProcessingActivity
    organisation = dpia.organisation
    queryset: QuerySet[Any] = (
        model.objects.for_user(actor.user) if actor.user is not None else model.objects.all()
    )
    near = near_organisation(queryset, organisation)
    found = set(near.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = sorted(wanted - found)
    if missing:
        errors[name] = [
            _("Niet gevonden bij deze organisatie: %(ids)s.")
            % {"ids": ", ".join(str(i) for i in missing)}
        ]
    return sorted(found)


def _clean_supplier(dpia: Dpia, value: Any, errors: dict[str, list[str]]) -> Any:
    from schildwacht.suppliers.models import Supplier

    if value is None:
        return None
    supplier_id = value.pk if isinstance(value, Model) else value
    supplier = Supplier.objects.filter(pk=supplier_id).first()
    if supplier is None or supplier.organisation_id not in _supplier_owners(dpia.organisation):
        errors["supplier"] = [_("Kies een leverancier uit de catalogus.")]
        return None
    return supplier


def _supplier_owners(organisation: Organisation) -> set[int]:
    """Whose suppliers a DPIA may name: the sector's catalogue and the board's own."""
    if organisation.kind == OrganisationKind.SECTOR:
        return {organisation.pk}
    board = organisation.board or organisation
    return {board.pk, board.parent_id or 0}


def _clean_prescan(dpia: Dpia, value: Any, errors: dict[str, list[str]]) -> Any:
    if value is None:
        return None
    prescan_id = value.pk if isinstance(value, Model) else value
    prescan = PreScan.objects.filter(
        pk=prescan_id, organisation__path__startswith=dpia.organisation.path
    ).first()
    if prescan is None:
        errors["prescan"] = [_("Deze pre-scan hoort niet bij deze organisatie.")]
    return prescan


def _validate_dpia(actor: Actor, dpia: Dpia, values: dict[str, Any]) -> dict[str, list[int] | None]:
    """Apply ``values`` to ``dpia`` and check them; return the cleaned links (None: unchanged)."""
    unknown = set(values) - set(DPIA_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Onbekend veld.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    links: dict[str, list[int] | None] = {}
    for name in LINK_FIELDS:
        links[name] = (
            _clean_link(actor, dpia, name, values.pop(name), errors) if name in values else None
        )
    if "supplier" in values:
        values["supplier"] = _clean_supplier(dpia, values["supplier"], errors)
    if "prescan" in values:
        values["prescan"] = _clean_prescan(dpia, values["prescan"], errors)
    for name, value in values.items():
        setattr(dpia, name, value.strip() if isinstance(value, str) else value)
    try:
        dpia.full_clean(
            exclude=["organisation", "created_by", "updated_by", "decision_recorded_by"],
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return links


def create_dpia(actor: Actor, organisation: Organisation, **values: Any) -> Dpia:
    """Start a DPIA (concept) for a board or school, or a sector DPIA on the sector node."""
    require(actor, organisation)
    dpia = Dpia(organisation=organisation, created_by=user_of(actor), updated_by=user_of(actor))
    links = _validate_dpia(actor, dpia, dict(values))
    final = {name: ids or [] for name, ids in links.items()}
    with transaction.atomic():
        dpia.save()
        write_links(dpia, links)
        record_change(actor, change_for(AuditAction.CREATE, dpia, None, dpia_snapshot(dpia, final)))
    return dpia


def update_dpia(actor: Actor, dpia: Dpia, **values: Any) -> Dpia:
    """Change parts 1 and 2 (and the title) of an open DPIA."""
    require(actor, dpia.organisation)
    require_open(dpia)
    old_links = dpia_links(dpia)
    before = dpia_snapshot(dpia, old_links)
    links = _validate_dpia(actor, dpia, dict(values))
    dpia.updated_by = user_of(actor)
    after = dpia_snapshot(
        dpia, {name: old_links[name] if ids is None else ids for name, ids in links.items()}
    )
    change = change_for(AuditAction.UPDATE, dpia, before, after)
    if not change.changes:
        return dpia
    with transaction.atomic():
        dpia.save()
        write_links(dpia, links)
        record_change(actor, change)
    return dpia


def delete_dpia(actor: Actor, dpia: Dpia) -> None:
    """Remove a DPIA that is still a concept (decided and published ones are records).

    Once the FG has advised on it, it stays: the advice is the FG's own record (AVG art. 38),
    which nobody else may write, and so nobody else may remove it with the DPIA either.
    """
    require(actor, dpia.organisation)
    if dpia.status != DpiaStatus.CONCEPT:
        raise DpiaRefused(_("Alleen een DPIA in concept kan worden verwijderd."))
    if Advice.objects.filter(dpia=dpia).exists():
        raise DpiaRefused(
            _(
                "De FG heeft over deze DPIA geadviseerd; het advies blijft bewaard en de DPIA "
                "kan niet meer worden verwijderd. Leg zo nodig het besluit vast om niet door "
                "te gaan."
            )
        )
    changes = [
        *[
            change_for(AuditAction.DELETE, m, measure_snapshot(m), None)
            for m in DpiaMeasure.objects.filter(dpia=dpia)
        ],
        *[
            change_for(AuditAction.DELETE, r, model_snapshot(r), None)
            for r in DpiaRisk.objects.filter(dpia=dpia)
        ],
    ]
    changes.append(change_for(AuditAction.DELETE, dpia, dpia_snapshot(dpia), None))
    with transaction.atomic():
        dpia.delete()
        record_changes(actor, changes)
