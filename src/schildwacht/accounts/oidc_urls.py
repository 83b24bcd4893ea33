"""URLs of sign-in through a board's own identity provider (OpenID Connect)."""

from django.urls import URLPattern, path

from schildwacht.accounts import oidc_views

urlpatterns: list[URLPattern] = [
    path("start/", oidc_views.oidc_start, name="oidc_start"),
    path("callback/", oidc_views.oidc_callback, name="oidc_callback"),
    path(
        "boards/<int:org_id>/providers/",
        oidc_views.identity_provider_list,
        name="identity_provider_list",
    ),
    path(
        "boards/<int:org_id>/providers/new/",
        oidc_views.identity_provider_create,
        name="identity_provider_create",
    ),
    path(
        "boards/<int:org_id>/providers/<int:pk>/",
        oidc_views.identity_provider_edit,
        name="identity_provider_edit",
    ),
    path(
        "boards/<int:org_id>/providers/<int:pk>/delete/",
        oidc_views.identity_provider_delete,
        name="identity_provider_delete",
    ),
]
