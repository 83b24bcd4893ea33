"""``/api/v1``: the registers resources (see CONTRACT.md)."""

from ninja import Router

router = Router(tags=["registers"])
