"""The ``schildwacht`` console script: django-admin with Schildwacht's settings."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schildwacht.settings")
    command = argv[1] if len(argv) > 1 else ""
    if command == "demo":
        # Only the demo may run without configured secrets (see settings.DEMO_MODE).
        os.environ.setdefault("SCHILDWACHT_DEMO", "1")
    elif command == "restore":
        # The encryption key comes back from the backup being restored.
        os.environ.setdefault("SCHILDWACHT_RESTORING", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
