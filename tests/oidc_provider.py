"""A small, real OpenID Connect provider for tests: HTTP on 127.0.0.1, a random free port.

It serves discovery, JWKS, an authorization endpoint that approves at once (redirecting back
with a code and the state) and a token endpoint that checks the client credentials, the code,
the redirect URI and the PKCE verifier before it issues an RS256-signed ID token.

Each test can change what it issues: the e-mail address and ``amr``, extra or removed claims,
a wrong signing key, another nonce or audience, an expired token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class IssuedCode:
    client_id: str
    redirect_uri: str
    nonce: str
    code_challenge: str
    login_hint: str


@dataclass
class ProviderSettings:
    """What the provider issues; tests change these between requests."""

    email: str = "jan@regenboog.test"
    amr: list[str] | None = field(default_factory=lambda: ["pwd", "mfa"])
    # Claims added to (or, with value None, removed from) the ID token.
    extra_claims: dict[str, Any] = field(default_factory=dict)
    sign_with_wrong_key: bool = False
    nonce_override: str | None = None
    audience_override: str | None = None
    expired: bool = False
    # When set, discovery answers with a redirect to this URL instead of the document.
    discovery_redirect: str | None = None
    auth_methods: list[str] = field(
        default_factory=lambda: ["client_secret_post", "client_secret_basic"]
    )


class LocalOIDCProvider:
    """The provider; use ``running()`` (or the pytest fixture in test_oidc.py)."""

    def __init__(
        self,
        client_id: str = "schildwacht-test",
        client_secret: str = "test-client-secret-123",  # noqa: S107
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig"})
        # Same kid, different key: the token looks right but its signature does not verify.
        self.wrong_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
        self.settings = ProviderSettings()
        self.codes: dict[str, IssuedCode] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        # Every request that reached the provider, as "METHOD /path" (discovery and JWKS too).
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @contextmanager
    def running(self) -> Iterator[LocalOIDCProvider]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    # --- protocol --------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": self.settings.auth_methods,
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Approve at once: redirect back with a fresh code and the state."""
        self.authorize_requests.append(query)
        if (
            query.get("response_type") != "code"
            or query.get("client_id") != self.client_id
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
            or "openid" not in query.get("scope", "").split()
            or not query.get("redirect_uri")
        ):
            return 400, {}, {"error": "invalid_request"}
        code = secrets.token_urlsafe(24)
        self.codes[code] = IssuedCode(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            nonce=query.get("nonce", ""),
            code_challenge=query["code_challenge"],
            login_hint=query.get("login_hint", ""),
        )
        location = (
            query["redirect_uri"] + "?" + urlencode({"code": code, "state": query.get("state", "")})
        )
        return 302, {"Location": location}, {}

    def _client_ok(self, form: dict[str, str], authorization: str) -> bool:
        if authorization.startswith("Basic "):
            raw = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = raw.partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and secrets.compare_digest(
            secret.encode(), self.client_secret.encode()
        )

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]]:
        """Check client, code, redirect URI and PKCE verifier; issue the ID token."""
        self.token_requests.append(form | {"authorization": authorization})
        if not self._client_ok(form, authorization):
            return 401, {"error": "invalid_client"}
        issued = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or issued is None:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if challenge != issued.code_challenge or form.get("redirect_uri") != issued.redirect_uri:
            return 400, {"error": "invalid_grant"}
        return 200, {
            "access_token": secrets.token_urlsafe(24),
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": self.id_token(issued),
        }

    def id_token(self, issued: IssuedCode) -> str:
        s = self.settings
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": hashlib.sha256(s.email.encode()).hexdigest()[:20],
            "aud": s.audience_override or issued.client_id,
            "iat": now - (7200 if s.expired else 0),
            "exp": now + (-3600 if s.expired else 300),
            "nonce": s.nonce_override if s.nonce_override is not None else issued.nonce,
            "email": s.email,
            "email_verified": True,
        }
        if s.amr is not None:
            claims["amr"] = s.amr
        for name, value in s.extra_claims.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self.wrong_key if s.sign_with_wrong_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, key)

    # --- HTTP ------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: test output stays readable."""

            def _send(
                self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                provider.requests.append(f"GET {parts.path}")
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                redirect_to = provider.settings.discovery_redirect
                if parts.path == "/.well-known/openid-configuration" and redirect_to:
                    self._send(302, {}, {"Location": redirect_to})
                elif parts.path == "/.well-known/openid-configuration":
                    self._send(200, provider.discovery())
                elif parts.path == "/jwks":
                    self._send(200, provider.jwks())
                elif parts.path == "/authorize":
                    status, headers, body = provider.authorize(query)
                    self._send(status, body, headers)
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                provider.requests.append(f"POST {urlsplit(self.path).path}")
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                if urlsplit(self.path).path == "/token":
                    status, body = provider.token(form, self.headers.get("Authorization", ""))
                    self._send(status, body)
                else:
                    self._send(404, {"error": "not_found"})

        return Handler
