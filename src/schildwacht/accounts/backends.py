"""Password sign-in by e-mail address, with equal work for every kind of failure."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from schildwacht.accounts.models import User


class EmailPasswordBackend(ModelBackend):
    """Django's ``ModelBackend``, hardened against telling accounts apart by timing.

    E-mail addresses are stored lower-case, so the given address is normalised first. Unknown
    addresses and accounts without a usable password (invited, or signing in through their
    board's identity provider) cost one run of the password hasher, as a wrong password does,
    so the response time does not reveal which accounts exist or have a password.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        email = str(username).strip().lower()
        user = User.objects.filter(email=email).first()
        if user is None or not user.has_usable_password():
            # The same hashing work as checking a real password (cf. Django ticket #20760).
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        # The same checks as the synchronous path, so neither path can skip the hashing.
        return await sync_to_async(self.authenticate)(request, username, password, **kwargs)
