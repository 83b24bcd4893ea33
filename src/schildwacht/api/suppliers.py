"""``/api/v1``: the suppliers resources (see CONTRACT.md)."""

from ninja import Router

router = Router(tags=["suppliers"])
