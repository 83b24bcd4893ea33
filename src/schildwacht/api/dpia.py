"""``/api/v1``: the dpia resources (see CONTRACT.md)."""

from ninja import Router

router = Router(tags=["dpia"])
