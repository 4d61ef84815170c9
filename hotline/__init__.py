"""hotline — a 12345 government service hotline platform (政务服务便民热线)."""

__version__ = "0.1.0"

# The Celery application is loaded with Django so that `@shared_task` tasks bind to it
# (`celery -A hotline worker`); see hotline/celery.py.
from hotline.celery import app as celery_app  # noqa: E402

__all__ = ["__version__", "celery_app"]
