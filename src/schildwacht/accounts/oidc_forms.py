"""Forms for signing in through an identity provider and for configuring a board's providers."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from schildwacht.accounts.identity_providers import (
    domains_with_members_elsewhere,
    is_public_mail_domain,
    normalise_domains,
    providers_claiming,
)
from schildwacht.accounts.models import IdentityProvider, ProviderKind
from schildwacht.accounts.oidc import insecure_url_reason
from schildwacht.organisations.models import Organisation

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class ProviderStartForm(forms.Form):
    """The e-mail address that decides which board's provider to use."""

    email = forms.EmailField(label=_("E-mailadres"), max_length=254)


class IdentityProviderForm(forms.Form):
    """Settings of one identity provider. The client secret is write-only: it is never shown,
    and left blank when editing it keeps the stored one."""

    kind = forms.ChoiceField(label=_("Soort"), choices=ProviderKind.choices)
    name = forms.CharField(label=_("Naam"), max_length=100)
    issuer = forms.URLField(
        label=_("Issuer (uitgever)"),
        max_length=200,
        assume_scheme="https",
        help_text=_(
            "Bijvoorbeeld https://login.microsoftonline.com/<tenant-id>/v2.0 of "
            "https://accounts.google.com"
        ),
    )
    client_id = forms.CharField(label=_("Client-id"), max_length=255)
    client_secret = forms.CharField(
        label=_("Clientgeheim"),
        required=False,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    email_domains = forms.CharField(
        label=_("E-maildomeinen"),
        max_length=500,
        help_text=_("Komma-gescheiden, bijv. regenboog.nl, leerling.regenboog.nl"),
    )
    require_mfa_claim = forms.BooleanField(
        label=_("MFA-bewijs van de provider vereisen"),
        required=False,
        initial=True,
        help_text=_(
            "Weiger aanmelding als het ID-token geen MFA meldt (claim 'amr'). Google "
            "Workspace meldt dit niet: dwing daar 2-stapsverificatie af in de "
            "beheerconsole."
        ),
    )
    enabled = forms.BooleanField(label=_("Actief"), required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        board: Organisation,
        instance: IdentityProvider | None = None,
        **kwargs: Any,
    ) -> None:
        self.board = board
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(instance, name)
                for name in (
                    "kind",
                    "name",
                    "issuer",
                    "client_id",
                    "email_domains",
                    "require_mfa_claim",
                    "enabled",
                )
            }
        super().__init__(*args, **kwargs)
        if instance is None:
            self.fields["client_secret"].required = True
        else:
            self.fields["client_secret"].help_text = _(
                "Laat leeg om het opgeslagen geheim te houden."
            )

    def clean_issuer(self) -> str:
        issuer: str = self.cleaned_data["issuer"].strip()
        reason = insecure_url_reason(issuer)
        if reason == "internal address":
            raise forms.ValidationError(
                _("De issuer mag niet naar een lokaal of intern netwerkadres wijzen.")
            )
        if reason == "host does not resolve":
            raise forms.ValidationError(_("De server van deze issuer is niet te vinden."))
        if reason is not None:
            raise forms.ValidationError(_("De issuer moet een https-adres zijn."))
        return issuer

    def clean_email_domains(self) -> str:
        value = normalise_domains(self.cleaned_data["email_domains"])
        domains = [d.strip() for d in value.split(",") if d.strip()]
        if not domains:
            raise forms.ValidationError(_("Vul minstens één e-maildomein in."))
        bad = [d for d in domains if not _DOMAIN.match(d)]
        if bad:
            raise forms.ValidationError(
                _("Geen geldig domein: %(domains)s"), params={"domains": ", ".join(bad)}
            )
        public = [d for d in domains if is_public_mail_domain(d)]
        if public:
            raise forms.ValidationError(
                _(
                    "Dit is een openbaar e-maildomein waar iedereen een adres kan krijgen; dat kan "
                    "niet via de identiteitsprovider van een bestuur inloggen: %(domains)s"
                ),
                params={"domains": ", ".join(public)},
            )
        elsewhere = domains_with_members_elsewhere(domains, self.board)
        if elsewhere:
            # The reason without the person: the coordinator must not learn who it is.
            raise forms.ValidationError(
                _(
                    "Er zijn actieve accounts met een adres in dit domein die ook rollen buiten "
                    "dit bestuur hebben; dit domein kan daarom niet via de identiteitsprovider "
                    "van dit bestuur inloggen: %(domains)s"
                ),
                params={"domains": ", ".join(elsewhere)},
            )
        exclude = self.instance.pk if self.instance is not None else None
        # One provider per domain, across all boards: otherwise sign-in cannot know where to go.
        taken = [d for d in domains if providers_claiming(d, exclude_pk=exclude)]
        if taken:
            raise forms.ValidationError(
                _("Dit domein is al in gebruik bij een andere identiteitsprovider: %(domains)s"),
                params={"domains": ", ".join(taken)},
            )
        return value

    def provider_fields(self) -> dict[str, Any]:
        """The cleaned values in the shape the services take."""
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "kind",
                "name",
                "issuer",
                "client_id",
                "email_domains",
                "require_mfa_claim",
                "enabled",
            )
        }
