"""URLs of sign-in through a board's own identity provider (OpenID Connect)."""

from django.urls import path

urlpatterns: list = []
