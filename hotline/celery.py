"""The Celery application of the production profile: `celery -A hotline worker` / `celery -A hotline beat`.

Configuration comes from Django's settings (the `CELERY_*` names in hotline/settings.py): Redis as the
broker, late acknowledgement, one message prefetched at a time. Without HOTLINE_REDIS_URL every task runs
inline (eagerly) in the process that sends it, so the embedded profile needs no worker and no Redis.
The tasks themselves live in `hotline.tasks.tasks`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

app = Celery("hotline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["hotline.tasks"])
