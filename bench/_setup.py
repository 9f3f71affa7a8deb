"""Shared start-up of the benchmark scripts: Django on the configured database, and the paths of
the official data (OPEN_DATA_DIR)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapsite.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

DATA = settings.OPEN_DATA_DIR
GAZETTEER_CSV = DATA / "gazetteer" / "th_subdistricts_datagoth.csv"
ADM3 = DATA / "boundaries" / "th_adm3.geojson"


def require(*paths):
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        sys.exit(f"missing official data (set OPEN_DATA_DIR): {', '.join(missing)}")
