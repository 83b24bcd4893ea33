"""``/api/v1``: the incidents resources (see CONTRACT.md)."""

from ninja import Router

router = Router(tags=["incidents"])
