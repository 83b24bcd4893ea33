"""The production web server behind ``schildwacht serve`` and ``schildwacht demo``.

Gunicorn is embedded through its ``BaseApplication`` so the one console script starts it with
Schildwacht's settings; WhiteNoise (middleware) serves static files, so no proxy is required.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from gunicorn.app.base import BaseApplication


def unapplied_migrations(database: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Names ("app.migration") of migrations that exist in the code but not in the database."""
    executor = MigrationExecutor(connections[database])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class SchildwachtServer(BaseApplication):
    """Gunicorn serving ``schildwacht.wsgi:application`` with options set in code."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self) -> Any:
        from schildwacht.wsgi import application

        return application


def serve(*, host: str, port: int, workers: int, threads: int = 4) -> None:
    """Run gunicorn in the foreground until it is stopped (SIGTERM / Ctrl+C)."""
    # Workers are forked: no database connection opened here may be shared with them.
    connections.close_all()
    SchildwachtServer(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            # Logs go to stderr, so stdout carries only the program's own output (e.g. the
            # account list of `schildwacht demo --json`).
            "accesslog": "/dev/stderr",
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
            "proc_name": "schildwacht",
            # Bounds on request lines and headers, so oversized requests are refused early.
            "limit_request_line": 8190,
            "limit_request_field_size": 8190,
        }
    ).run()
