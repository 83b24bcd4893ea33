"""``schildwacht worker``: runs background tasks and the periodic-job scheduler."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from schildwacht.operations.scheduler import SchedulerThread, run_due_jobs


class Command(DbWorkerCommand):
    """django-tasks-db's ``db_worker`` (its ``Worker`` loop, reused) plus the scheduler thread."""

    help = _(
        "Voer achtergrondtaken uit (django-tasks-db) en start periodieke taken "
        "(sessies opruimen, bewaartermijnen)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help=_("Start geen periodieke taken (bijv. voor een tweede worker)."),
        )
        parser.add_argument(
            "--scheduler-interval",
            type=float,
            default=60.0,
            help=_("Seconden tussen twee controles op periodieke taken (standaard 60)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        no_scheduler: bool = options.pop("no_scheduler")
        scheduler_interval: float = options.pop("scheduler_interval")
        if scheduler_interval <= 0:
            raise CommandError(_("--scheduler-interval moet groter dan 0 zijn."))
        if options["batch"] or options["max_tasks"]:
            # A bounded run (cron, tests): check the schedule once, then work the queue.
            if not no_scheduler:
                started = run_due_jobs()
                if started and options["verbosity"]:
                    self.stdout.write(
                        _("Periodieke taken gestart: %(names)s") % {"names": ", ".join(started)}
                    )
            super().handle(*args, **options)
            return
        scheduler = None if no_scheduler else SchedulerThread(scheduler_interval)
        if scheduler is not None:
            scheduler.start()
        try:
            super().handle(*args, **options)
        finally:
            if scheduler is not None:
                scheduler.stop()
