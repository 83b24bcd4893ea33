"""``/api/v1``: the people resources (see CONTRACT.md)."""

from ninja import Router

router = Router(tags=["people"])
