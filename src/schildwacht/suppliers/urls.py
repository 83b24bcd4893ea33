"""Pages of the suppliers app."""

from django.urls import path  # noqa: F401

app_name = "suppliers"
urlpatterns: list = []
