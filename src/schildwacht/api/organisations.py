"""``/api/v1/organisations``: the organisations the caller may see."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.pagination import LimitOffsetPagination, paginate

from schildwacht.api.schemas import OrganisationOut
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import organisation_for_user, visible_organisation_ids

router = Router(tags=["organisations"])


def _out(org: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=org.pk,
        name=org.name,
        kind=org.kind,  # type: ignore[arg-type]
        parent=org.parent_id,
        bevoegd_gezag_number=org.bevoegd_gezag_number,
        brin=org.brin,
        vestiging=org.vestiging,
    )


@router.get("/organisations", response=list[OrganisationOut], summary="Zichtbare organisaties")
@paginate(LimitOffsetPagination)
def list_organisations(request: HttpRequest) -> list[OrganisationOut]:
    organisations = Organisation.objects.filter(
        pk__in=visible_organisation_ids(request.user)
    ).order_by("path")
    return [_out(org) for org in organisations]


@router.get("/organisations/{org_id}", response=OrganisationOut, summary="Eén organisatie")
def get_organisation(request: HttpRequest, org_id: int) -> OrganisationOut:
    return _out(organisation_for_user(request.user, org_id, "visible"))
