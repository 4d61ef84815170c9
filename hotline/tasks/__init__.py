"""Background work of the production profile: Celery tasks around the existing services (see tasks.py)."""
