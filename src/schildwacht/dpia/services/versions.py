"""New versions of decided DPIAs, and sector DPIAs: publishing and adopting."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schildwacht.audit.models import AuditAction
from schildwacht.audit.services import Actor, Change, change_for, record_changes
from schildwacht.audit.services import snapshot as model_snapshot
from schildwacht.dpia.models import (
    Dpia,
    DpiaMeasure,
    DpiaRisk,
    DpiaStatus,
)
from schildwacht.dpia.services.common import (
    DESCRIPTION_FIELDS,
    LAWFULNESS_FIELDS,
    DpiaRefused,
    dpia_links,
    dpia_snapshot,
    measure_snapshot,
    refresh_outcome,
    require,
    set_status,
    user_of,
    write_links,
)
from schildwacht.organisations.models import Organisation, OrganisationKind

COPIED_FIELDS = ("title", "subject_name", "supplier_id", *DESCRIPTION_FIELDS, *LAWFULNESS_FIELDS)


def _copy_rows(
    actor: Actor, source: Dpia, target: Dpia, *, from_sector: bool, keep_plan: bool
) -> list[Change]:
    """Copy the risks and measures of ``source`` into ``target`` (the links follow the copies)."""
    changes: list[Change] = []
    risk_map: dict[int, DpiaRisk] = {}
    for risk in DpiaRisk.objects.filter(dpia=source).order_by("pk"):
        copy = DpiaRisk(
            dpia=target,
            title=risk.title,
            description=risk.description,
            likelihood=risk.likelihood,
            impact=risk.impact,
            residual_likelihood=risk.residual_likelihood,
            residual_impact=risk.residual_impact,
            from_sector=risk if from_sector else risk.from_sector,
        )
        copy.save()
        risk_map[risk.pk] = copy
        changes.append(change_for(AuditAction.CREATE, copy, None, model_snapshot(copy)))
    for measure in DpiaMeasure.objects.filter(dpia=source).prefetch_related("risks").order_by("pk"):
        copy_measure = DpiaMeasure(
            dpia=target,
            description=measure.description,
            plan_measure_id=measure.plan_measure_id if keep_plan else None,
            from_sector=measure if from_sector else measure.from_sector,
        )
        copy_measure.save()
        risk_ids = [risk_map[r.pk].pk for r in measure.risks.all() if r.pk in risk_map]
        copy_measure.risks.set(risk_ids)
        changes.append(
            change_for(
                AuditAction.CREATE, copy_measure, None, measure_snapshot(copy_measure, risk_ids)
            )
        )
    return changes


def new_version(actor: Actor, dpia: Dpia) -> Dpia:
    """Copy a decided (or published) DPIA into a new concept version; the old one stays locked."""
    require(actor, dpia.organisation)
    if not dpia.locked:
        raise DpiaRefused(_("Deze DPIA is nog niet vastgelegd; wijzig hem gewoon."))
    if Dpia.objects.filter(previous=dpia).exists():
        raise DpiaRefused(_("Van deze DPIA bestaat al een nieuwere versie."))
    copy = Dpia(
        organisation=dpia.organisation,
        version=dpia.version + 1,
        previous=dpia,
        sector_dpia=dpia.sector_dpia,
        prescan=dpia.prescan,
        created_by=user_of(actor),
        updated_by=user_of(actor),
        **{name: getattr(dpia, name) for name in COPIED_FIELDS},
    )
    links = dpia_links(dpia)
    with transaction.atomic():
        copy.save()
        write_links(copy, dict(links))
        changes = [change_for(AuditAction.CREATE, copy, None, dpia_snapshot(copy, links))]
        changes += _copy_rows(actor, dpia, copy, from_sector=False, keep_plan=True)
        outcome = refresh_outcome(copy)
        record_changes(actor, [*changes, *([outcome] if outcome else [])])
    return copy


def publish_sector_dpia(actor: Actor, dpia: Dpia) -> Dpia:
    """Publish a sector DPIA so that boards can adopt it; it is then locked."""
    require(actor, dpia.organisation)
    if dpia.organisation.kind != OrganisationKind.SECTOR:
        raise DpiaRefused(_("Alleen een sector-DPIA wordt gepubliceerd."))
    if dpia.status != DpiaStatus.CONCEPT:
        raise DpiaRefused(_("Deze sector-DPIA is al gepubliceerd."))
    if not dpia.subject_name and dpia.supplier_id is None:
        raise ValidationError(
            {"subject_name": [_("Noem de leverancier of applicatie waar deze DPIA over gaat.")]}
        )
    return set_status(actor, dpia, DpiaStatus.PUBLISHED, published_at=timezone.now())


def adopt_sector_dpia(actor: Actor, sector_dpia: Dpia, organisation: Organisation) -> Dpia:
    """Make a board DPIA from a published sector DPIA: linked to it, with copies of its risks
    and measures, for the board to add its own context, risks and measures."""
    require(actor, organisation)
    if organisation.kind == OrganisationKind.SECTOR:
        raise DpiaRefused(_("Neem een sector-DPIA over voor een bestuur of school."))
    if sector_dpia.status != DpiaStatus.PUBLISHED or not organisation.path.startswith(
        sector_dpia.organisation.path
    ):
        raise DpiaRefused(_("Deze sector-DPIA is niet beschikbaar voor deze organisatie."))
    dpia = Dpia(
        organisation=organisation,
        title=sector_dpia.title,
        subject_name=sector_dpia.subject_name,
        supplier=sector_dpia.supplier,
        sector_dpia=sector_dpia,
        created_by=user_of(actor),
        updated_by=user_of(actor),
    )
    with transaction.atomic():
        dpia.save()
        changes = [change_for(AuditAction.CREATE, dpia, None, dpia_snapshot(dpia))]
        changes += _copy_rows(actor, sector_dpia, dpia, from_sector=True, keep_plan=False)
        outcome = refresh_outcome(dpia)
        record_changes(actor, [*changes, *([outcome] if outcome else [])])
    return dpia
