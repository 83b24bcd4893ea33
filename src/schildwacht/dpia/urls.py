"""Pages of the dpia app."""

from django.urls import path  # noqa: F401

app_name = "dpia"
urlpatterns: list = []
