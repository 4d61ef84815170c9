"""WSGI entry point for gunicorn (`hotline serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
application = get_wsgi_application()

# The embedded profile has no Celery beat: its periodic jobs run in a thread here (hotline/ops/scheduler.py).
from hotline.ops.scheduler import start_if_enabled  # noqa: E402

start_if_enabled()
