"""``/api/v1/frameworks``: the sector-wide normenkader catalogue, readable by every caller."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from schildwacht.frameworks.exports import export_framework
from schildwacht.frameworks.models import Framework, Norm
from schildwacht.frameworks.queries import framework_for_user, frameworks_for_user, is_curator

router = Router(tags=["frameworks"])


class FrameworkOut(Schema):
    id: int
    slug: str
    version: str
    edition: int
    name: str
    locale: str
    norm_count: int
    declared_norm_count: int
    complete: bool


class MaturityLevelOut(Schema):
    level: int
    name: dict[str, str]
    description: str


class NormOut(Schema):
    id: str
    title: str
    title_is_official: bool
    description: str
    criteria: dict[str, str]
    references: list[str]
    confidence: str | None = None
    source_url: str | None = None


class DomainOut(Schema):
    part: str
    number: int
    prefix: str | None
    name: str | None
    description: str
    raci: dict[str, object]
    norms: list[NormOut]


class FrameworkDetailOut(FrameworkOut):
    publisher: str
    source_url: str
    completeness_note: str
    declared_counts: dict[str, int]
    target_level: int
    maturity_levels: list[MaturityLevelOut]
    domains: list[DomainOut]


def _out(framework: Framework) -> FrameworkOut:
    return FrameworkOut(
        id=framework.pk,
        slug=framework.slug,
        version=framework.version,
        edition=framework.edition,
        name=framework.name,
        locale=framework.locale,
        norm_count=framework.norm_count,  # type: ignore[attr-defined]
        declared_norm_count=framework.declared_norm_count,
        complete=framework.is_complete,
    )


def _norm(norm: Norm, curator: bool) -> NormOut:
    return NormOut(
        id=norm.norm_id,
        title=norm.title,
        title_is_official=norm.title_is_official,
        description=norm.description,
        criteria=norm.criteria,
        references=norm.references,
        # How certain a norm is and where it was found is curator information.
        confidence=norm.confidence if curator else None,
        source_url=(norm.source_url or None) if curator else None,
    )


@router.get("/frameworks", response=list[FrameworkOut], summary="Normenkaders")
@paginate(LimitOffsetPagination)
def list_frameworks(request: HttpRequest) -> list[FrameworkOut]:
    return [
        _out(f) for f in frameworks_for_user(request.user).order_by("slug", "version", "edition")
    ]


@router.get(
    "/frameworks/{framework_id}",
    response=FrameworkDetailOut,
    summary="Eén normenkader met domeinen en normen",
)
def get_framework(request: HttpRequest, framework_id: int) -> FrameworkDetailOut:
    framework = framework_for_user(request.user, framework_id)
    curator = is_curator(request.user)
    return FrameworkDetailOut(
        **_out(framework).dict(),
        publisher=framework.publisher,
        source_url=framework.source_url,
        completeness_note=framework.completeness_note,
        declared_counts=framework.declared_counts,
        target_level=framework.target_level,
        maturity_levels=[MaturityLevelOut(**level) for level in framework.maturity_levels],
        domains=[
            DomainOut(
                part=domain.part,
                number=domain.number,
                prefix=domain.prefix or None,
                name=domain.name or None,
                description=domain.description,
                raci=domain.raci,
                norms=[_norm(norm, curator) for norm in domain.norms.all()],
            )
            for domain in framework.domains.all()
        ],
    )


class ExportQuery(Schema):
    format: Literal["yaml", "xlsx", "oscal"]


@router.get(
    "/frameworks/{framework_id}/export",
    summary="Een normenkader exporteren (YAML, XLSX of OSCAL-catalogus)",
    response={200: None},
)
def export(request: HttpRequest, framework_id: int, query: Query[ExportQuery]) -> HttpResponse:
    """The edition as a file: ``yaml`` (catalogue file schema), ``xlsx`` (norms and domains,
    importable) or ``oscal`` (OSCAL catalog JSON). Another format answers 422."""
    framework = framework_for_user(request.user, framework_id)
    result = export_framework(framework, query.format)
    response = HttpResponse(result.content, content_type=result.content_type)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response
