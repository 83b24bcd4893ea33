"""``/api/v1``: the risks resources (see CONTRACT.md)."""

from ninja import Router

router = Router(tags=["risks"])
