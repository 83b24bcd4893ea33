"""WSGI entry point used by ``schildwacht serve``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "schildwacht.settings")
application = get_wsgi_application()
