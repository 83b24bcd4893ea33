"""OpenID Connect, the protocol part: discovery, the authorization request, the code exchange
and the checks on the ID token.

This module knows the protocol and nothing of users, sessions or the audit trail (those live in
``identity_providers.py`` and the views). Every failure raises ``OIDCError`` carrying a short
reason for the log and the audit trail, and a Dutch message for the person signing in.

The authorization code flow is used with every protection OpenID Connect offers a confidential
client: ``state`` against forged callbacks, ``nonce`` against replayed ID tokens and PKCE
(S256) against intercepted codes. The ID token's signature is checked against the provider's
published keys (JWKS), never trusted because it came over TLS.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import logging
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

logger = logging.getLogger(__name__)

SCOPE = "openid email profile"
# Connect and read timeouts (seconds): a slow provider must not hold a web worker for long.
HTTP_TIMEOUT = (5, 10)
DISCOVERY_CACHE_SECONDS = 300
# Clock skew allowed between us and the provider when checking exp and iat.
LEEWAY_SECONDS = 120
# Asymmetric algorithms only: "none" and HS* (keyed with the client secret) are refused.
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256"]
# Methods by which a token can say the user gave a second factor (RFC 8176).
MFA_AMR_VALUES = {"mfa"}
# A login started longer ago than this is refused at the callback: start again.
PENDING_MAX_AGE_SECONDS = 600


class OIDCError(Exception):
    """A sign-in through an identity provider failed.

    ``reason`` is a short English code for logs and the audit trail; ``message`` is what the
    person sees; ``status`` is the HTTP status of the error page (400 for a broken or failed
    exchange, 403 for an identity that is refused).
    """

    def __init__(self, reason: str, message: str | Promise, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status
        # The address the provider vouched for, once known (for the audit trail).
        self.email = ""


GENERIC_FAILURE = _(
    "De aanmelding bij uw identiteitsprovider kon niet worden gecontroleerd. Probeer het "
    "opnieuw; lukt het niet, neem dan contact op met de IBP-coördinator van uw bestuur."
)
LOGIN_EXPIRED = _("Deze aanmelding is verlopen of al gebruikt. Begin opnieuw met inloggen.")
PROVIDER_UNAVAILABLE = _(
    "De identiteitsprovider van uw bestuur is nu niet bereikbaar. Probeer het later opnieuw."
)


# Error codes a provider may send back to the redirect URI (RFC 6749 §4.1.2.1 and OpenID
# Connect Core §3.1.2.6). Anything else is recorded as "onbekend": the value comes from the
# query string, so whoever calls the callback chooses it.
PROVIDER_ERROR_CODES = frozenset(
    {
        "invalid_request",
        "unauthorized_client",
        "access_denied",
        "unsupported_response_type",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "interaction_required",
        "login_required",
        "account_selection_required",
        "consent_required",
        "invalid_request_uri",
        "invalid_request_object",
        "request_not_supported",
        "request_uri_not_supported",
        "registration_not_supported",
    }
)
UNKNOWN_PROVIDER_ERROR = "onbekend"


def provider_error_code(value: str) -> str:
    """``value`` when it is a registered OAuth 2.0/OIDC error code, else "onbekend"."""
    return value if value in PROVIDER_ERROR_CODES else UNKNOWN_PROVIDER_ERROR


def _development() -> bool:
    return bool(settings.DEBUG or getattr(settings, "TESTING", False))


def _is_internal_address(address: str) -> bool:
    """True for an address that must never be the target of a request to a provider."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def insecure_url_reason(url: str) -> str | None:
    """Why ``url`` may not be used to talk to a provider, or None when it may.

    Outside development and tests (DEBUG or TESTING) the URL must be https and its host may
    not be, or resolve to, a loopback, private, link-local or reserved address: the issuer is
    typed in by a board's coordinator, and the server must not be made to call its own
    network (SSRF). In development and tests http and local providers are allowed.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "no host"
    if not host:
        return "no host"
    if _development():
        return None if parts.scheme in ("http", "https") else "not https"
    if parts.scheme != "https":
        return "not https"
    if host == "localhost" or host.endswith(".localhost"):
        return "internal address"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return "internal address" if _is_internal_address(host) else None
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return "host does not resolve"
    addresses = {str(info[4][0]) for info in infos}
    if not addresses:
        return "host does not resolve"
    # Every address the name resolves to must be public, or one lookup could pick an internal one.
    if any(_is_internal_address(address) for address in addresses):
        return "internal address"
    return None


def _require_secure(url: Any, what: str) -> str:
    """``url`` when a request to it is allowed (checked anew before every outgoing request)."""
    reason = insecure_url_reason(url) if isinstance(url, str) else "missing"
    if reason is not None:
        logger.warning("OIDC %s refused: %s", what, reason)
        raise OIDCError(f"insecure or missing {what} ({reason})", GENERIC_FAILURE)
    return str(url)


def _get_json(url: str, what: str) -> dict[str, Any]:
    _require_secure(url, what)
    try:
        # No redirects: a redirect could lead to an address that was never checked.
        response = requests.get(
            url,
            timeout=HTTP_TIMEOUT,
            headers={"Accept": "application/json"},
            allow_redirects=False,
        )
        response.raise_for_status()
        if response.status_code != 200:
            raise requests.HTTPError(f"{response.status_code} instead of 200")
        data = response.json()
    except requests.RequestException as exc:
        logger.warning("OIDC %s at %s failed: %s", what, url, exc)
        raise OIDCError(f"{what} unreachable", PROVIDER_UNAVAILABLE) from exc
    except ValueError as exc:
        raise OIDCError(f"{what} is not JSON", GENERIC_FAILURE) from exc
    if not isinstance(data, dict):
        raise OIDCError(f"{what} is not a JSON object", GENERIC_FAILURE)
    return data


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of a provider's discovery document that the code flow needs."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_auth_methods: tuple[str, ...]


def discover(issuer: str) -> ProviderMetadata:
    """Fetch ``<issuer>/.well-known/openid-configuration`` (cached for a few minutes).

    The document must name the same issuer (OpenID Connect Discovery §4.3), so a provider
    cannot be made to speak for another.
    """
    _require_secure(issuer, "issuer")
    key = "oidc-discovery:" + hashlib.sha256(issuer.encode()).hexdigest()
    cached = cache.get(key)
    if isinstance(cached, ProviderMetadata):
        return cached
    data = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration", "discovery")
    if str(data.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise OIDCError("discovery names another issuer", GENERIC_FAILURE)
    methods = data.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    metadata = ProviderMetadata(
        issuer=str(data["issuer"]),
        authorization_endpoint=_require_secure(
            data.get("authorization_endpoint"), "authorization_endpoint"
        ),
        token_endpoint=_require_secure(data.get("token_endpoint"), "token_endpoint"),
        jwks_uri=_require_secure(data.get("jwks_uri"), "jwks_uri"),
        token_auth_methods=tuple(str(m) for m in methods if isinstance(m, str)),
    )
    cache.set(key, metadata, DISCOVERY_CACHE_SECONDS)
    return metadata


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of a PKCE verifier (RFC 7636 §4.2)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True)
class PendingLogin:
    """What the callback needs to check the provider's answer; kept in the session."""

    provider_id: int
    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    created_at: int

    def as_session(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "state": self.state,
            "nonce": self.nonce,
            "verifier": self.verifier,
            "redirect_uri": self.redirect_uri,
            "created_at": self.created_at,
        }

    @classmethod
    def from_session(cls, data: Any) -> PendingLogin | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                provider_id=int(data["provider_id"]),
                state=str(data["state"]),
                nonce=str(data["nonce"]),
                verifier=str(data["verifier"]),
                redirect_uri=str(data["redirect_uri"]),
                created_at=int(data["created_at"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def authorization_request(
    metadata: ProviderMetadata,
    *,
    provider_id: int,
    client_id: str,
    redirect_uri: str,
    login_hint: str = "",
) -> tuple[str, PendingLogin]:
    """The URL to send the browser to, and the fresh state, nonce and PKCE verifier."""
    pending = PendingLogin(
        provider_id=provider_id,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),
        redirect_uri=redirect_uri,
        created_at=int(time.time()),
    )
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
        "state": pending.state,
        "nonce": pending.nonce,
        "code_challenge": pkce_challenge(pending.verifier),
        "code_challenge_method": "S256",
    }
    if login_hint:
        params["login_hint"] = login_hint
    separator = "&" if "?" in metadata.authorization_endpoint else "?"
    return metadata.authorization_endpoint + separator + urlencode(params), pending


def check_state(pending: PendingLogin | None, state: str) -> PendingLogin:
    """The pending login the callback's ``state`` belongs to; refuses a forged or stale one."""
    if pending is None or time.time() - pending.created_at > PENDING_MAX_AGE_SECONDS:
        raise OIDCError("no pending login", LOGIN_EXPIRED)
    if not state or not secrets.compare_digest(pending.state.encode(), state.encode()):
        raise OIDCError(
            "state mismatch",
            _("Deze aanmelding hoort niet bij deze browsersessie. Begin opnieuw met inloggen."),
        )
    return pending


def exchange_code(
    metadata: ProviderMetadata,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    pending: PendingLogin,
) -> dict[str, Any]:
    """Trade the authorization code for tokens at the token endpoint.

    The client authenticates with ``client_secret_post`` when the provider offers it, else
    with HTTP Basic (the default of OpenID Connect).
    """
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": pending.redirect_uri,
        "code_verifier": pending.verifier,
        "client_id": client_id,
    }
    auth: tuple[str, str] | None = None
    token_endpoint = _require_secure(metadata.token_endpoint, "token_endpoint")
    if "client_secret_post" in metadata.token_auth_methods:
        form["client_secret"] = client_secret
    else:
        auth = (client_id, client_secret)
    try:
        response = requests.post(
            token_endpoint,
            data=form,
            auth=auth,
            timeout=HTTP_TIMEOUT,
            headers={"Accept": "application/json"},
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        logger.warning("OIDC token endpoint %s failed: %s", metadata.token_endpoint, exc)
        raise OIDCError("token endpoint unreachable", PROVIDER_UNAVAILABLE) from exc
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code != 200 or not isinstance(data, dict):
        error = data.get("error", "") if isinstance(data, dict) else ""
        raise OIDCError(
            f"token endpoint answered {response.status_code} {error}".strip(), GENERIC_FAILURE
        )
    if not isinstance(data.get("id_token"), str):
        raise OIDCError("no id_token in token response", GENERIC_FAILURE)
    return data


def validate_id_token(
    metadata: ProviderMetadata,
    *,
    id_token: str,
    client_id: str,
    nonce: str,
) -> dict[str, Any]:
    """The claims of ``id_token`` once its signature, issuer, audience, times and nonce hold.

    The keys come from the provider's ``jwks_uri``; a token signed with any other key fails.
    """
    jwks = _get_json(metadata.jwks_uri, "jwks")
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise OIDCError(f"unusable jwks ({type(exc).__name__})", GENERIC_FAILURE) from exc
    try:
        token = jwt.decode(id_token, keys, algorithms=SIGNING_ALGORITHMS)
    except (JoseError, ValueError, TypeError) as exc:
        raise OIDCError(f"bad id_token signature ({type(exc).__name__})", GENERIC_FAILURE) from exc
    claims = dict(token.claims)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": metadata.issuer},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise OIDCError("id_token expired", GENERIC_FAILURE) from exc
    except JoseError as exc:
        raise OIDCError(f"id_token claim refused ({exc})", GENERIC_FAILURE) from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # With several audiences the token must be meant for us in particular (OIDC Core §3.1.3.7).
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise OIDCError("id_token azp is not our client", GENERIC_FAILURE)
    claimed_nonce = claims.get("nonce")
    if not isinstance(claimed_nonce, str) or not secrets.compare_digest(
        claimed_nonce.encode(), nonce.encode()
    ):
        raise OIDCError("nonce mismatch", GENERIC_FAILURE)
    return claims


def claimed_email(claims: dict[str, Any], *, entra: bool) -> str:
    """The e-mail address the ID token vouches for, lower-cased.

    Entra ID often sends the sign-in name in ``preferred_username`` or ``upn`` instead of
    ``email``. An address the provider marks as unverified is refused.
    """
    names = ("email", "preferred_username", "upn") if entra else ("email",)
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and "@" in value:
            if name == "email" and claims.get("email_verified") is False:
                raise OIDCError(
                    "email not verified",
                    _("Uw identiteitsprovider meldt dat uw e-mailadres niet is geverifieerd."),
                    403,
                )
            return value.strip().lower()
    raise OIDCError(
        "no email in id_token",
        _(
            "Uw identiteitsprovider gaf geen e-mailadres door. Vraag de beheerder van uw "
            "organisatie om de claim 'email' mee te geven."
        ),
        403,
    )


def authentication_methods(claims: dict[str, Any]) -> list[str]:
    """The ``amr`` values of the token (how the user authenticated), as strings."""
    amr = claims.get("amr")
    if isinstance(amr, str):
        return [amr]
    if isinstance(amr, list):
        return [str(item) for item in amr]
    return []


def require_mfa(claims: dict[str, Any]) -> None:
    """Refuse a token whose ``amr`` does not report a second factor."""
    if not MFA_AMR_VALUES & set(authentication_methods(claims)):
        raise OIDCError(
            "no mfa in amr",
            _(
                "Uw bestuur vereist dat u bij de identiteitsprovider inlogt met meervoudige "
                "authenticatie (MFA), maar deze aanmelding meldt geen MFA. Log opnieuw in met uw "
                "tweede factor of neem contact op met uw beheerder."
            ),
            403,
        )
