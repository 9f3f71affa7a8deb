"""The ASGI application, for an ASGI server (bench/mixed_load.py measures one beside the site's
own, mapsite/web.py). Django runs each request's synchronous views in a thread of that request
here, so a connection kept open after it is not used again: they piled up to PostgreSQL's
max_connections under bench/mixed_load.py. Connections are closed after each request
(DATABASE_CONN_MAX_AGE 0), as Django's documentation asks of ASGI."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapsite.settings")
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
application = get_asgi_application()
