"""A coverage figure: how many of a set of items meet a condition.

Basismaatregelen are fed by such figures from the modules (for example the share of applications
with a complete register entry); one shape lets the overview show them all the same way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Coverage:
    """``covered`` of ``total`` items meet the condition the figure is about."""

    covered: int
    total: int

    @property
    def share(self) -> float | None:
        """Between 0 and 1; None when there is nothing to count."""
        return self.covered / self.total if self.total else None

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)
