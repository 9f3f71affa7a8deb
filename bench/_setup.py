"""Shared start-up of the benchmark scripts.

`import _setup` uses the configured database (the geocoding benchmarks read its gazetteer).
`_setup.bench_database()` before it switches to a database of its own, `<name>_bench` beside the
configured one (or BENCH_DATABASE_URL), created and migrated when missing, so that millions of
synthetic rows never land in the real one. `_setup.bench_database("digests")` names another,
`<name>_bench_digests`, for a benchmark whose rows must not disturb the others.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapsite.settings")


def bench_database(suffix=""):
    import dj_database_url
    import psycopg

    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = os.environ["DATABASE_URL"].rstrip("/")
        base, _, name = url.rpartition("/")
        url = f"{base}/{name}_bench"
    if suffix:
        url = f"{url.rstrip('/')}_{suffix}"
    config = dj_database_url.parse(url)
    with psycopg.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')
    os.environ["DATABASE_URL"] = url
    os.environ["BENCH_DATABASE_URL"] = url  # for servers the script starts
    _django()
    from django.core.management import call_command

    from places.models import Area

    call_command("migrate", verbosity=0)
    if not Area.objects.exists():
        call_command("load_gazetteer", verbosity=0)


def _django():
    import django

    django.setup()


if "BENCH_DATABASE_URL" in os.environ:
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]


def data_paths():
    from django.conf import settings

    return settings.OPEN_DATA_DIR


def require(*paths):
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        sys.exit(f"missing official data (set OPEN_DATA_DIR): {', '.join(missing)}")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# The columns of auth_user a benchmark's users are copied in with (copy_rows).
USER_COLUMNS = (
    "password",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
)


def copy_rows(cursor, table, columns, rows):
    """COPY rows (lists in `columns` order) into a table through a Django cursor."""
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
