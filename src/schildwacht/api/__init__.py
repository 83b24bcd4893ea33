"""The REST API (``/api/v1/``): django-ninja routers over the same querysets and services."""

from schildwacht.api.main import api

__all__ = ["api"]
