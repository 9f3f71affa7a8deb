import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapsite.settings")
application = get_wsgi_application()

# The objects made at start-up (Django, the apps, the URL resolver) live as long as the worker:
# out of the collector's sight, its full collections scan only what requests allocate, which
# keeps their pauses out of the slowest responses (bench/matching.py measures it).
gc.freeze()
