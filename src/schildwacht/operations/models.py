"""Bookkeeping of the worker's periodic jobs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledJobRun(models.Model):
    """The last period in which a periodic job was started, one row per job.

    ``period_key`` names the period ("2025-06-01" for a daily job, "2025-W23" for a weekly one).
    The scheduler moves it forward with one conditional UPDATE, so however many workers or
    restarts there are, exactly one of them starts the job in a period.
    """

    name = models.CharField(_("taak"), max_length=100, unique=True)
    period_key = models.CharField(_("periode"), max_length=20, blank=True, default="")
    last_run_at = models.DateTimeField(_("laatst gestart"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodieke taak")
        verbose_name_plural = _("periodieke taken")

    def __str__(self) -> str:
        return f"{self.name} ({self.period_key or '-'})"
