"""The ``schildwacht`` console script: django-admin with Schildwacht's settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schildwacht.settings")
    command = argv[1] if len(argv) > 1 else ""
    if command == "detect":
        # Offline detection runs without Django, a database or a secret key.
        from schildwacht.detection.engine.cli import main as detect

        sys.exit(detect(argv[2:]))
    if command == "sigma":
        from schildwacht.detection.engine.cli import export_main

        sys.exit(export_main(argv[2:]))
    if command == "demo":
        # Only the demo may run without configured secrets (see settings.DEMO_MODE).
        os.environ.setdefault("SCHILDWACHT_DEMO", "1")
    elif command == "restore":
        # The encryption key comes back from the backup being restored.
        os.environ.setdefault("SCHILDWACHT_RESTORING", "1")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        # A configuration mistake is the operator's to fix: say what, without a traceback.
        sys.stderr.write(f"schildwacht: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
