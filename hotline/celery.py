"""The Celery application of the production profile: `celery -A hotline worker` / `celery -A hotline beat`.

Configuration comes from Django's settings (the `CELERY_*` names in hotline/settings.py): Redis as the
broker, late acknowledgement, one message prefetched at a time. Without HOTLINE_REDIS_URL every task runs
inline (eagerly) in the process that sends it, so the embedded profile needs no worker and no Redis.
The tasks themselves live in `hotline.tasks.tasks`.
"""

from __future__ import annotations

import os

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

app = Celery("hotline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["hotline.tasks"])

# Database connections in the worker. Celery's Django fix-up closes every connection before and after each
# task unless `db_reuse_max` is set; for the many small follow-up tasks (one per committed step) opening a
# PostgreSQL connection costs more than the task itself. Connections are kept (the fix-up still recycles them
# every 2 × db_reuse_max tasks) and, like Django does around each request, one that saw an error or outlived
# CONN_MAX_AGE is retired before and after each task; CONN_HEALTH_CHECKS pings a kept one before reuse, so
# a restarted PostgreSQL costs one failed attempt (retried) rather than a stuck worker.
app.conf.update(CELERY_DB_REUSE_MAX=500)  # the name the fix-up reads


@task_prerun.connect
@task_postrun.connect
def _retire_unusable_connections(task: Task | None = None, **kwargs: object) -> None:
    """Close connections that errored or are too old (not for eager tasks: they run inside the caller's work)."""
    if task is None or getattr(task.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
