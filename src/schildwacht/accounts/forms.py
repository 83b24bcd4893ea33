"""Forms of the account pages: sign-in, second factor, passwords and API tokens.

Every field has a length bound, so oversized or malformed input ends as a form error, never as a
database error or a slow password hash.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.db import transaction
from django.http import HttpRequest
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schildwacht.accounts import services
from schildwacht.accounts.models import User
from schildwacht.audit.services import Actor
from schildwacht.operations.tasks import send_notification
from schildwacht.organisations.models import Organisation
from schildwacht.organisations.scoping import visible_organisation_ids

# Long enough for any passphrase a person types or a password manager makes.
MAX_PASSWORD_LENGTH = 1024
# TOTP codes are 6 digits; recovery codes 10 hex characters with a dash. Spaces are allowed.
MAX_OTP_TOKEN_LENGTH = 32
# How far ahead an API token may expire: long-lived secrets should be renewed now and then.
MAX_TOKEN_LIFETIME = dt.timedelta(days=2 * 365)


class LoginForm(forms.Form):
    """E-mail address and password. The field is called ``username`` because django-axes reads it."""

    username = forms.EmailField(
        label=_("E-mailadres"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
        error_messages={
            "required": _("Vul uw e-mailadres in."),
            "invalid": _("Vul een geldig e-mailadres in."),
        },
    )
    password = forms.CharField(
        label=_("Wachtwoord"),
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Vul uw wachtwoord in.")},
    )

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip().lower()


class ProviderLoginForm(forms.Form):
    """The e-mail address that tells which board's identity provider to sign in with."""

    email = forms.EmailField(
        label=_("E-mailadres bij uw schoolbestuur"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class OTPTokenForm(forms.Form):
    """A code from the authenticator app (or, on the verify page, a recovery code)."""

    otp_token = forms.CharField(
        label=_("Code"),
        max_length=MAX_OTP_TOKEN_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        error_messages={"required": _("Vul de code in.")},
    )

    def clean_otp_token(self) -> str:
        return str(self.cleaned_data["otp_token"]).replace(" ", "").strip()


class TOTPSetupForm(OTPTokenForm):
    """The first code from a newly added authenticator app."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["otp_token"].label = _("Code uit de authenticator-app (6 cijfers)")
        self.fields["otp_token"].widget.attrs["inputmode"] = "numeric"


def _password_fields() -> tuple[forms.CharField, forms.CharField]:
    first, second = auth_forms.SetPasswordMixin.create_password_fields(
        label1=_("Nieuw wachtwoord"), label2=_("Nieuw wachtwoord (herhaling)")
    )
    first.max_length = second.max_length = MAX_PASSWORD_LENGTH
    second.help_text = _("Typ hetzelfde wachtwoord nog eens, ter controle.")
    return first, second


class _SaveThroughServiceMixin:
    """Saves the new password through ``services.set_password`` instead of ``user.save()``.

    The service records the change and raises the session generation, so every other session
    of the account ends.
    """

    user: User
    cleaned_data: dict[str, Any]

    def save(self, commit: bool = True) -> Any:
        services.set_password(
            Actor.for_user(self.user), self.user, self.cleaned_data["new_password1"]
        )
        return self.user


class ServiceSetPasswordForm(_SaveThroughServiceMixin, auth_forms.SetPasswordForm):
    """Django's password-reset form, saving through the service."""

    new_password1, new_password2 = _password_fields()


class ServicePasswordChangeForm(_SaveThroughServiceMixin, auth_forms.PasswordChangeForm):
    """Change one's own password (current password required), through the service."""

    old_password = forms.CharField(
        label=_("Huidig wachtwoord"),
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1, new_password2 = _password_fields()
    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_incorrect": _("Het huidige wachtwoord is niet juist."),
    }


class CurrentPasswordForm(forms.Form):
    """The current password once more, before the second factor changes (re-authentication).

    A hijacked session must not be able to swap the authenticator or take new recovery codes.
    The check goes through ``authenticate``, so django-axes counts wrong passwords here too and
    locks the account after as many failures as on the sign-in page.
    """

    current_password = forms.CharField(
        label=_("Huidig wachtwoord"),
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Ter bevestiging dat u het zelf bent."),
        error_messages={"required": _("Vul uw huidige wachtwoord in.")},
    )

    def __init__(self, request: HttpRequest, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = user

    def clean_current_password(self) -> str:
        password = str(self.cleaned_data["current_password"])
        # axes reads the account from the "username" credential.
        confirmed = authenticate(self.request, username=self.user.email, password=password)
        if confirmed is None or confirmed.pk != self.user.pk:
            raise forms.ValidationError(_("Het wachtwoord is niet juist."))
        return password


class PasswordResetRequestForm(auth_forms.PasswordResetForm):
    """Ask for a reset link by e-mail; the answer is the same whether the account exists."""

    email = forms.EmailField(
        label=_("E-mailadres"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": _("Vul uw e-mailadres in."),
            "invalid": _("Vul een geldig e-mailadres in."),
        },
    )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Queue the reset mail for the worker instead of sending it here.

        Sending by SMTP inside the request would make the answer slower exactly when the
        account exists, which tells an outsider which addresses have an account.
        """
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        transaction.on_commit(lambda: send_notification.enqueue([to_email], subject, body))


class ApiTokenForm(forms.Form):
    """A new API token: a name, read-only or not, optionally narrowed and with an expiry date."""

    name = forms.CharField(
        label=_("Naam"),
        max_length=100,
        help_text=_("Waarvoor gebruikt u dit token? Bijvoorbeeld: koppeling met het SIEM."),
    )
    read_only = forms.BooleanField(label=_("Alleen lezen"), required=False)
    organisations = forms.ModelMultipleChoiceField(
        label=_("Beperken tot organisaties"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Laat leeg om het token te laten werken voor al uw organisaties."),
    )
    expires_on = forms.DateField(
        label=_("Verloopt op"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optioneel. Het token werkt tot en met deze dag."),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only organisations the user may see can narrow a token; a token never widens reach.
        field = self.fields["organisations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Organisation.objects.filter(
            pk__in=visible_organisation_ids(user)
        ).order_by("path")

    def clean_expires_on(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("expires_on")
        if value is None:
            return None
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError(_("Kies een datum vandaag of later."))
        if value > today + MAX_TOKEN_LIFETIME:
            raise forms.ValidationError(_("Kies een datum binnen twee jaar vanaf vandaag."))
        return value

    def expires_at(self) -> dt.datetime | None:
        """The end of the chosen day (Dutch time), when the token stops working."""
        day: dt.date | None = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        next_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
        return timezone.make_aware(next_day, timezone.get_current_timezone())
