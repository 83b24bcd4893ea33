"""Account pages: sign-in with password and second factor, sign-out, passwords, API tokens.

Views stay thin: they parse the form, call one function of ``accounts.services`` (which writes
the audit trail) and render. Secrets that are shown once (recovery codes, a new API token) are
rendered straight into the response of the POST that made them, marked not to be cached, and
stored nowhere in plain text.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from schildwacht.accounts import services
from schildwacht.accounts.forms import (
    ApiTokenForm,
    CurrentPasswordForm,
    LoginForm,
    OTPTokenForm,
    PasswordResetRequestForm,
    ProviderLoginForm,
    ServicePasswordChangeForm,
    ServiceSetPasswordForm,
    TOTPSetupForm,
)
from schildwacht.accounts.middleware import SESSION_GENERATION_KEY, is_verified
from schildwacht.accounts.models import ApiToken, RecoveryCode, User
from schildwacht.audit.services import Actor
from schildwacht.organisations.models import Membership

# The TOTP secret offered on the set-up page, kept until the user confirms it with a code.
PENDING_SECRET_SESSION_KEY = "mfa_pending_secret"  # noqa: S105 (a session key name)


def _user(request: HttpRequest) -> User:
    """The signed-in user (views using this are behind ``login_required``)."""
    return cast(User, request.user)


def _is_verified(request: HttpRequest) -> bool:
    """Signed in with both password and second factor."""
    return request.user.is_authenticated and is_verified(request.user)


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` parameter if it points back into this site, else an empty string."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _next_or_start(request: HttpRequest) -> str:
    return _safe_next(request) or resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _never_cache(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


def _provider_handles_mfa(request: HttpRequest) -> HttpResponse:
    """The page for accounts without a local password: their board's provider does MFA."""
    return render(request, "accounts/mfa_provider.html")


def _recovery_codes_page(request: HttpRequest, codes: list[str], continue_url: str) -> HttpResponse:
    """Show new recovery codes once; the response must not be kept by any cache."""
    response = render(
        request, "accounts/mfa_recovery_codes.html", {"codes": codes, "continue_url": continue_url}
    )
    return _never_cache(response)


# --- Sign-in -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Step one: e-mail address and password (throttled by django-axes)."""
    next_url = _safe_next(request)
    if _is_verified(request):
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = LoginForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        email = form.cleaned_data["username"]
        user = authenticate(request=request, username=email, password=form.cleaned_data["password"])
        if isinstance(user, User):
            auth_login(request, user)
            request.session[SESSION_GENERATION_KEY] = user.session_generation
            services.record_login(Actor.for_user(user), user, step="wachtwoord")
            target = "accounts:mfa_verify" if user.has_authenticator else "accounts:mfa_setup"
            return redirect(_with_next(reverse(target), next_url))
        services.record_login_failure(email, ip_address=request.META.get("REMOTE_ADDR"))
        # One message for every failure, so the page never tells whether an account exists.
        form.add_error(None, _("Het e-mailadres of het wachtwoord is niet juist."))
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "provider_form": ProviderLoginForm(),
            "next": next_url,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: mandatory at the first sign-in of a local account.

    In a session that already has its second factor (replacing the app from the account page)
    the current password is asked again, so a hijacked session cannot swap the second factor.
    """
    user = _user(request)
    next_url = _safe_next(request)
    if not user.has_usable_password():
        return _provider_handles_mfa(request)
    verified = _is_verified(request)
    if user.has_authenticator and not verified:
        # A password alone must never be enough to replace the second factor.
        return redirect(_with_next(reverse("accounts:mfa_verify"), next_url))
    secret = request.session.get(PENDING_SECRET_SESSION_KEY)
    if not isinstance(secret, str) or len(secret) != 40:
        secret = services.new_totp_secret()
        request.session[PENDING_SECRET_SESSION_KEY] = secret
    data = request.POST if request.method == "POST" else None
    form = TOTPSetupForm(data)
    # Right after the password step the password was just typed; later it is asked again.
    password_form = CurrentPasswordForm(request, user, data) if verified else None
    # Both forms are validated, so both show their errors.
    password_ok = password_form is None or password_form.is_valid()
    if form.is_valid() and password_ok:
        step = services.match_pending_totp(secret, form.cleaned_data["otp_token"])
        if step is None:
            form.add_error(
                "otp_token",
                _(
                    "Deze code klopt niet. Controleer of de tijd op uw telefoon goed staat en "
                    "typ de code die de app nu toont."
                ),
            )
        else:
            actor = Actor.for_user(user)
            device, codes = services.confirm_authenticator(actor, user, secret, step)
            services.record_login(actor, user, step="tweede factor", method="totp (ingesteld)")
            del request.session[PENDING_SECRET_SESSION_KEY]
            otp_login(request, device)
            # A new session key now that the session holds more rights.
            request.session.cycle_key()
            return _recovery_codes_page(request, codes, _next_or_start(request))
    uri = services.totp_uri(user, secret)
    response = render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_data_uri": segno.make(uri).svg_data_uri(scale=4),
            "secret_base32": services.totp_secret_base32(secret),
            "password_form": password_form,
            "replacing": user.has_authenticator,
            "next": next_url,
        },
    )
    return _never_cache(response)


@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """Step two: a code from the authenticator app, or a recovery code."""
    user = _user(request)
    next_url = _safe_next(request)
    if _is_verified(request):
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    if not user.has_authenticator:
        return redirect(_with_next(reverse("accounts:mfa_setup"), next_url))
    form = OTPTokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            device = services.verify_second_factor(
                Actor.for_user(user), user, form.cleaned_data["otp_token"]
            )
        except services.SecondFactorThrottled:
            form.add_error(
                "otp_token",
                _("Te veel onjuiste codes achter elkaar. Wacht even en probeer het dan opnieuw."),
            )
        else:
            if device is None:
                form.add_error(
                    "otp_token",
                    _(
                        "Deze code is niet juist of is al gebruikt. Typ de code die de app nu "
                        "toont, of een ongebruikte herstelcode."
                    ),
                )
            else:
                otp_login(request, device)
                request.session.cycle_key()
                return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url})


# --- Sign-out ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST signs out of this session."""
    if request.method == "POST":
        if request.user.is_authenticated:
            user = _user(request)
            services.record_logout(Actor.for_user(user), user)
            auth_logout(request)
            messages.success(request, _("U bent uitgelogd."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    return render(request, "accounts/logout.html")


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """End every session of the user, on every device, this one included."""
    user = _user(request)
    services.log_out_everywhere(Actor.for_user(user), user)
    auth_logout(request)
    messages.success(request, _("U bent overal uitgelogd."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- Passwords -----------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link; the page answers the same whether or not the account exists."""

    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    title = gettext_lazy("Wachtwoord vergeten")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
    title = gettext_lazy("Controleer uw e-mail")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password from the e-mailed link; ``ServiceSetPasswordForm`` saves it
    through the service, which ends every session of the account."""

    form_class = ServiceSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    title = gettext_lazy("Nieuw wachtwoord kiezen")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
    title = gettext_lazy("Wachtwoord ingesteld")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password; other sessions end, this one stays signed in."""
    user = _user(request)
    form = ServicePasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        form.save()
        # The service raised the session generation and the password changed the session
        # hash: bring this session up to date so only the other sessions end.
        update_session_auth_hash(request, user)
        request.session[SESSION_GENERATION_KEY] = user.session_generation
        messages.success(request, _("Uw wachtwoord is gewijzigd. Andere sessies zijn beëindigd."))
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})


# --- Account page and recovery codes -------------------------------------------------------


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The user's own details, memberships, second factor and links to tokens and passwords."""
    user = _user(request)
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__path", "role")
    )
    device: Any = getattr(request.user, "otp_device", None)
    return render(
        request,
        "accounts/account.html",
        {
            "account_user": user,
            "memberships": memberships,
            "has_authenticator": user.has_authenticator,
            "has_password": user.has_usable_password(),
            "recovery_codes_left": RecoveryCode.objects.filter(
                device__user=user, device__confirmed=True, used_at__isnull=True
            ).count(),
            "signed_in_via_provider": device is not None
            and device._meta.label_lower == "accounts.providerdevice",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes, after the current password, and show the new ones once."""
    user = _user(request)
    if not user.has_usable_password():
        return _provider_handles_mfa(request)
    form = CurrentPasswordForm(request, user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        codes = services.regenerate_recovery_codes(Actor.for_user(user), user)
        return _recovery_codes_page(request, codes, reverse("accounts:account"))
    return render(request, "accounts/mfa_recovery_codes_confirm.html", {"form": form})


# --- API tokens ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens and a form for a new one, whose secret is shown once."""
    user = _user(request)
    form = ApiTokenForm(user, request.POST if request.method == "POST" else None)
    new_token: tuple[ApiToken, str] | None = None
    if form.is_valid():
        new_token = services.create_api_token(
            Actor.for_user(user),
            user=user,
            name=form.cleaned_data["name"],
            read_only=form.cleaned_data["read_only"],
            organisations=form.cleaned_data["organisations"],
            expires_at=form.expires_at(),
        )
        form = ApiTokenForm(user)
    response = render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=user).prefetch_related("organisations"),
            "new_token": new_token[0] if new_token else None,
            "new_token_secret": new_token[1] if new_token else "",
        },
    )
    return _never_cache(response) if new_token else response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of the user's own tokens; anyone else's token does not exist here (404)."""
    user = _user(request)
    token = get_object_or_404(ApiToken, pk=token_id, user=user)
    services.revoke_api_token(Actor.for_user(user), token)
    messages.success(request, _("Het token ‘%(name)s’ is ingetrokken.") % {"name": token.name})
    return redirect("accounts:tokens")
