# The Celery application is loaded with Django, so that @shared_task binds to it.
from mapsite.celery import app as celery_app

__all__ = ["celery_app"]
