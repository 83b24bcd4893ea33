"""Views: sign-in through a board's identity provider, and the pages that configure providers.

Sign-in: ``oidc_start`` sends the browser to the provider of the e-mail domain; the provider
sends it back to ``oidc_callback``, which checks everything (``identity_providers``) and signs
the user in with the second factor marked as done at the provider. Every failure ends on a
Dutch error page (400 or 403), is logged and, once a provider is involved, audited.

Configuration: only those who may change a board's data (its IBP-coördinator) reach the
provider pages of that board; everyone else gets 404.
"""

from __future__ import annotations

import logging

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from schildwacht.accounts.identity_providers import (
    create_identity_provider,
    delete_identity_provider,
    provider_for_email,
    record_failed_provider_login,
    record_provider_login,
    update_identity_provider,
    verify_provider_login,
)
from schildwacht.accounts.middleware import SESSION_GENERATION_KEY
from schildwacht.accounts.models import IdentityProvider
from schildwacht.accounts.oidc import (
    LOGIN_EXPIRED,
    OIDCError,
    PendingLogin,
    authorization_request,
    check_state,
    discover,
    provider_error_code,
)
from schildwacht.accounts.oidc_forms import IdentityProviderForm, ProviderStartForm
from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_for_user

logger = logging.getLogger(__name__)

PENDING_SESSION_KEY = "oidc_pending"
NEXT_SESSION_KEY = "oidc_next"


def _session_backend() -> str:
    """The configured backend that loads users for the session (a ``ModelBackend``).

    Looked up in settings rather than named here: a session whose backend is not configured
    is treated as signed out, so a hard-coded name breaks as soon as the list changes.
    """
    for path in settings.AUTHENTICATION_BACKENDS:
        backend = import_string(path)
        if isinstance(backend, type) and issubclass(backend, ModelBackend):
            return str(path)
    raise ImproperlyConfigured("OIDC sign-in needs a ModelBackend in AUTHENTICATION_BACKENDS")


def callback_url() -> str:
    """The redirect URI registered at every provider, built from SITE_URL.

    Not from the request: behind a TLS-terminating proxy the request looks like http, and the
    provider compares the URI character for character.
    """
    return str(settings.SITE_URL).rstrip("/") + reverse("accounts:oidc_callback")


def _error_page(request: HttpRequest, exc: OIDCError) -> HttpResponse:
    return render(request, "accounts/oidc_error.html", {"message": exc.message}, status=exc.status)


@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    """Send the browser to the identity provider of the e-mail address's domain."""
    if "email" not in request.GET:
        return render(request, "accounts/oidc_start.html", {"form": ProviderStartForm()})
    form = ProviderStartForm(request.GET)
    if not form.is_valid():
        return render(request, "accounts/oidc_start.html", {"form": form}, status=400)
    email: str = form.cleaned_data["email"].lower()
    provider = provider_for_email(email)
    if provider is None:
        logger.info("OIDC start for a domain without a provider")
        messages.error(
            request,
            _(
                "Voor dit e-mailadres is geen inlog via de eigen identiteitsprovider van een bestuur "
                "ingesteld. Log in met uw wachtwoord en authenticator-app."
            ),
        )
        return redirect("accounts:login")
    try:
        metadata = discover(provider.issuer)
    except OIDCError as exc:
        record_failed_provider_login(provider, reason=exc.reason, email=email)
        return _error_page(request, exc)
    url, pending = authorization_request(
        metadata,
        provider_id=provider.pk,
        client_id=provider.client_id,
        redirect_uri=callback_url(),
        login_hint=email,
    )
    request.session[PENDING_SESSION_KEY] = pending.as_session()
    next_url = request.GET.get("next", "")
    # Only a page of this site: never an open redirect through the sign-in.
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.session[NEXT_SESSION_KEY] = next_url
    else:
        request.session.pop(NEXT_SESSION_KEY, None)
    return redirect(url)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """Check the provider's answer and sign the user in, second factor included."""
    # Popped at once: a pending login is good for one callback only.
    pending = PendingLogin.from_session(request.session.pop(PENDING_SESSION_KEY, None))
    provider = (
        IdentityProvider.objects.select_related("organisation")
        .filter(pk=pending.provider_id, enabled=True)
        .first()
        if pending is not None
        else None
    )
    if pending is None or provider is None:
        # No provider to attribute this to: logged, not audited (anyone can call this URL).
        logger.warning("OIDC callback without a pending login")
        return _error_page(request, OIDCError("no pending login", LOGIN_EXPIRED))
    try:
        check_state(pending, request.GET.get("state", ""))
        if request.GET.get("error"):
            raise OIDCError(
                f"provider error {provider_error_code(request.GET['error'])}",
                _(
                    "De identiteitsprovider heeft de aanmelding niet voltooid. Begin opnieuw met "
                    "inloggen."
                ),
            )
        code = request.GET.get("code", "")
        if not code:
            raise OIDCError("no code", _("De identiteitsprovider gaf geen aanmeldcode terug."))
        user, amr = verify_provider_login(provider, pending, code)
    except OIDCError as exc:
        record_failed_provider_login(provider, reason=exc.reason, email=exc.email)
        return _error_page(request, exc)
    next_url = request.session.pop(NEXT_SESSION_KEY, "")
    device = record_provider_login(user, provider, amr)
    login(request, user, backend=_session_backend())
    request.session[SESSION_GENERATION_KEY] = user.session_generation
    django_otp.login(request, device)
    return redirect(next_url or "home:start")


def _board_for(request: HttpRequest, org_id: int) -> Organisation:
    """The board ``org_id`` if the user may change its data; schools and others are 404."""
    organisation = organisation_for_user(request.user, org_id, "change")
    if organisation.kind != OrganisationKind.BOARD:
        raise Http404
    return organisation


def _provider_for(request: HttpRequest, board: Organisation, pk: int) -> IdentityProvider:
    return get_object_or_404(
        IdentityProvider.objects.for_user(request.user, "change").select_related("organisation"),
        pk=pk,
        organisation=board,
    )


@login_required
@require_GET
def identity_provider_list(request: HttpRequest, org_id: int) -> HttpResponse:
    """The identity providers of a board, with the redirect URI to register at each."""
    board = _board_for(request, org_id)
    providers = (
        IdentityProvider.objects.for_user(request.user, "change")
        .filter(organisation=board)
        .order_by("name")
    )
    return render(
        request,
        "accounts/identity_provider_list.html",
        {
            "board": board,
            "providers": providers,
            "callback_url": callback_url(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity_provider_create(request: HttpRequest, org_id: int) -> HttpResponse:
    board = _board_for(request, org_id)
    form = IdentityProviderForm(request.POST or None, board=board)
    if request.method == "POST" and form.is_valid():
        provider = create_identity_provider(
            Actor.for_user(request.user),
            organisation=board,
            client_secret=form.cleaned_data["client_secret"],
            **form.provider_fields(),
        )
        messages.success(
            request, _("Identiteitsprovider %(name)s is toegevoegd.") % {"name": provider.name}
        )
        return redirect("accounts:identity_provider_list", org_id=board.pk)
    return render(
        request,
        "accounts/identity_provider_form.html",
        {"board": board, "form": form, "provider": None},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity_provider_edit(request: HttpRequest, org_id: int, pk: int) -> HttpResponse:
    board = _board_for(request, org_id)
    provider = _provider_for(request, board, pk)
    form = IdentityProviderForm(request.POST or None, board=board, instance=provider)
    if request.method == "POST" and form.is_valid():
        update_identity_provider(
            Actor.for_user(request.user),
            provider,
            client_secret=form.cleaned_data["client_secret"],
            **form.provider_fields(),
        )
        messages.success(
            request, _("Identiteitsprovider %(name)s is opgeslagen.") % {"name": provider.name}
        )
        return redirect("accounts:identity_provider_list", org_id=board.pk)
    return render(
        request,
        "accounts/identity_provider_form.html",
        {"board": board, "form": form, "provider": provider},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity_provider_delete(request: HttpRequest, org_id: int, pk: int) -> HttpResponse:
    board = _board_for(request, org_id)
    provider = _provider_for(request, board, pk)
    if request.method == "POST":
        name = provider.name
        delete_identity_provider(Actor.for_user(request.user), provider)
        messages.success(request, _("Identiteitsprovider %(name)s is verwijderd.") % {"name": name})
        return redirect("accounts:identity_provider_list", org_id=board.pk)
    return render(
        request,
        "accounts/identity_provider_confirm_delete.html",
        {"board": board, "provider": provider},
    )
