"""GeoJSON map tiles of opportunities and organizations, built in PostgreSQL.

Zoom 0–13 answer with clusters from a precomputed pyramid (MapCell): count, position and counts
per cause in each of 8 × 8 cells per tile, so a tile never reads more than 64 rows whatever the
data holds. A tile filtered by one cause still uses the pyramid (its per-cause counts); other
filters cluster the matching points live. Zoom 14 and closer answer with the points themselves,
at most MAX_POINTS per tile (past that, live clusters). Tiles are cached server-side under a data
version that every change to published data bumps; responses carry an ETag and Cache-Control.
"""

import hashlib
import math
import time

from django.contrib.gis.geos import Polygon
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL

from common import precompressed
from common.replicas import read_connection
from opportunities import sql
from opportunities.filters import PLAIN_FILTERS, filter_opportunities
from opportunities.models import Opportunity
from opportunities.taxonomy import Cause
from places.models import Organization

LAYERS = ("opportunities", "organizations")
PYRAMID_TOP = 13  # zoom 0–13 from the pyramid
POINT_ZOOM = PYRAMID_TOP + 1
MAX_ZOOM = 20
MAX_POINTS = 1000
CAUSES = list(Cause.values)
CACHE_SECONDS = 3600
# A process reads the data's version at most this often (per database): reading it cost a cached
# tile 0.38 of its 0.89 ms. Another process's change shows on tiles this much later at most.
VERSION_SECONDS = 1.0
# Filters a tile may carry; anything else is ignored (and not part of the cache key).
TILE_FILTERS = ("q", *sorted(PLAIN_FILTERS), "organization")

# The properties of a point feature: {property: column or annotation}.
POINT_PROPERTIES = {
    "opportunities": {
        "id": "id",
        "title": "title",
        "title_en": "title_en",
        "organization": "org_th",
        "organization_en": "org_en",
        "causes": "causes",
        "mode": "mode",
        "starts_on": "starts_on",
        "ends_on": "ends_on",
        "precision": "precision",
        "family_friendly": "family_friendly",
    },
    "organizations": {
        "id": "id",
        "name_th": "name_th",
        "name_en": "name_en",
        "kind": "kind",
        "precision": "precision",
        "verified": "verified",
        "partner": "partner",
    },
}


class TileError(ValueError):
    """A tile that does not exist, or a filter that makes no sense."""


def points(layer, params=None):
    """The published points of a layer, filtered as the API filters."""
    if layer == "organizations":
        return Organization.objects.published().exclude(location=None)
    queryset = Opportunity.objects.published().exclude(location=None)
    if params:
        queryset, _ = filter_opportunities(queryset, params)
    return queryset


def _inner(queryset, columns, **annotations):
    """The SQL of the points, unordered: an ORDER BY would keep PostgreSQL from merging it into
    the query around it (the per-cell refresh needs the location index reached through it)."""
    queryset = queryset.order_by().annotate(**annotations)
    return queryset.values(*columns, *annotations).query.sql_with_params()


# --- the pyramid ---------------------------------------------------------------------------


FULL_REBUILD_CELLS = 20_000  # more changed cells than this (a bulk import): rebuild the layer


def _points_sql(layer):
    if layer == "opportunities":
        return _inner(points(layer), ["location", "causes"])
    # organizations have no causes
    return _inner(points(layer), ["location"], causes=RawSQL("'{}'::varchar[]", []))


def _cause_sql():
    counts = ", ".join(f"count(*) FILTER (WHERE '{c}' = ANY(causes))" for c in CAUSES)
    sums = ", ".join(f"sum(causes[{i}])" for i in range(1, len(CAUSES) + 1))
    return counts, sums


@transaction.atomic
def rebuild_pyramid(layer):
    """Rebuild a layer's cluster pyramid from its published points, the finest level first and
    each coarser one from it. Whole-layer: 13–17 s at a million points (bench/tiles.py); what
    refresh() does when a change touches too many cells to redo them one by one."""
    with connection.cursor() as cursor:
        cursor.execute(sql.CLEAR_CHANGES, [layer])
        _rebuild(cursor, layer)
    transaction.on_commit(data_changed)


def _rebuild(cursor, layer):
    inner, params = _points_sql(layer)
    counts, sums = _cause_sql()
    cells = 2 ** (PYRAMID_TOP + sql.CELL_BITS)
    cursor.execute(sql.CLEAR_PYRAMID, [layer])
    cursor.execute(
        sql.PYRAMID_BASE.format(cause_counts=counts, points=inner),
        [layer, PYRAMID_TOP, cells, cells, *params],
    )
    for z in range(PYRAMID_TOP - 1, -1, -1):
        cursor.execute(sql.PYRAMID_UP.format(cause_sums=sums), [z, layer, z])


@transaction.atomic
def refresh(layer) -> str:
    """Bring a layer's pyramid up to date with the changes the triggers logged since the last
    refresh (opportunities.models.MapChange): the finest cells that hold a changed point are
    counted again from their points, then each coarser cell above them from its four children.
    Nothing logged, nothing done. Returns what was done, in words."""
    cells = 2 ** (PYRAMID_TOP + sql.CELL_BITS)
    with connection.cursor() as cursor:
        cursor.execute(sql.TAKE_CHANGES, [layer, cells, cells])
        changes, whole, xs, ys = cursor.fetchone()
        if not changes:
            return f"{layer}: current"
        if whole or len(xs) > FULL_REBUILD_CELLS:
            _rebuild(cursor, layer)
            transaction.on_commit(data_changed)
            return f"{layer}: {changes} changed points, pyramid rebuilt"
        inner, params = _points_sql(layer)
        counts, sums = _cause_sql()
        finest = len(xs)
        cursor.execute(sql.DELETE_CELLS, [xs, ys, layer, PYRAMID_TOP])
        cursor.execute(
            sql.PYRAMID_CELLS.format(cause_counts=counts, points=inner),
            [layer, PYRAMID_TOP, xs, ys, *params, *[cells] * 6],
        )
        for z in range(PYRAMID_TOP - 1, -1, -1):
            parents = sorted({(x >> 1, y >> 1) for x, y in zip(xs, ys, strict=True)})
            xs, ys = [x for x, _ in parents], [y for _, y in parents]
            cursor.execute(sql.DELETE_CELLS, [xs, ys, layer, z])
            cursor.execute(sql.PYRAMID_UP_CELLS.format(cause_sums=sums), [z, xs, ys, layer, z])
    transaction.on_commit(data_changed)
    return f"{layer}: {changes} changed points in {finest} cells, pyramid updated"


def data_changed():
    """Published data changed: every cached tile is stale from now on. The version is a
    PostgreSQL sequence, which every process reads (no shared cache needed) and which moves on
    without waiting for any transaction; call it once the change is committed."""
    with connection.cursor() as cursor:
        cursor.execute(sql.BUMP_VERSION)
    _versions.clear()  # this process sees its own change at once


_versions: dict[str, tuple[float, int]] = {}  # database alias: (when read, version)


def data_version() -> int:
    """The version of the database the tile is read from, as read at most VERSION_SECONDS ago."""
    database = read_connection()
    now = time.monotonic()
    read_at, version = _versions.get(database.alias, (-VERSION_SECONDS, 0))
    if now - read_at < VERSION_SECONDS:
        return version
    with database.cursor() as cursor:
        cursor.execute(sql.READ_VERSION)
        version = cursor.fetchone()[0]
    _versions[database.alias] = (now, version)
    return version


# --- tiles -------------------------------------------------------------------------------


def tile_polygon(z, x, y) -> Polygon:
    """The tile's extent in lon/lat degrees (EPSG:4326), for the bounding-box filter."""
    n = 2**z
    west, east = x / n * 360 - 180, (x + 1) / n * 360 - 180
    north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
    south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))
    return Polygon.from_bbox((west, south, east, north))


def _check(layer, z, x, y):
    if layer not in LAYERS:
        raise TileError(f"no layer {layer!r}")
    if not 0 <= z <= MAX_ZOOM:
        raise TileError(f"zoom {z} is not between 0 and {MAX_ZOOM}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise TileError(f"tile {x}/{y} does not exist at zoom {z}")


def tile_filters(params) -> dict:
    """The filters that apply to tiles, in a canonical order (they are part of the cache key)."""
    return {name: params[name] for name in TILE_FILTERS if params.get(name)}


def build_tile(layer, z, x, y, filters) -> bytes:
    """The tile's GeoJSON, straight from the database."""
    _check(layer, z, x, y)
    causes = [c for c in filters.get("cause", "").split(",") if c]
    pyramid = z <= PYRAMID_TOP and set(filters) <= {"cause"} and len(causes) <= 1
    span = 2**sql.CELL_BITS  # the tile's first and last finest cells, across and down
    tile_cells = [x * span, x * span + span - 1, y * span, y * span + span - 1]
    with read_connection().cursor() as cursor:
        if pyramid:
            count = f"causes[{CAUSES.index(causes[0]) + 1}]" if causes else "n"
            cursor.execute(sql.CLUSTER_TILE.format(count=count), [layer, z, *tile_cells])
            return cursor.fetchone()[0].encode()
        queryset = points(layer, filters).filter(location__bboverlaps=tile_polygon(z, x, y))
        if z >= POINT_ZOOM:
            wanted = POINT_PROPERTIES[layer]
            if layer == "opportunities":
                queryset = queryset.annotate(
                    org_th=F("organization__name_th"), org_en=F("organization__name_en")
                )
            inner, params = queryset.values("location", *wanted.values()).query.sql_with_params()
            properties = ", ".join(f"'{name}', {column}" for name, column in wanted.items())
            cursor.execute(
                sql.POINT_TILE.format(properties=properties, points=inner),
                [MAX_POINTS, *params, MAX_POINTS],
            )
            body, truncated = cursor.fetchone()
            if not truncated:
                return body.encode()
        inner, params = queryset.values("location").query.sql_with_params()
        cells = 2 ** (z + sql.CELL_BITS)
        cursor.execute(
            sql.LIVE_CLUSTER_TILE.format(points=inner), [cells, cells, *params, *tile_cells]
        )
        return cursor.fetchone()[0].encode()


def cached_tile(layer, z, x, y, params) -> tuple[bytes | None, bytes | None, str]:
    """(GeoJSON bytes, the same gzipped, ETag) from the server-side caches, built on a miss:
    compressed once, not on every request. One of the two is kept, the gzipped one unless it is
    too small to gain (then it is None): a hit reads a sixth of the bytes, and the rare client
    without gzip has it decompressed."""
    filters = tile_filters(params)
    _check(layer, z, x, y)
    filter_opportunities(Opportunity.objects.none(), filters)  # bad values: ValidationError, 400
    version = data_version()
    key_text = f"{layer}/{z}/{x}/{y}?{sorted(filters.items())}#{version}"
    key = "tile:" + hashlib.sha1(key_text.encode()).hexdigest()  # noqa: S324 (a cache key)
    cached = caches["tiles"].get(key)  # this process's own, then the shared cache
    if cached is None:
        cached = cache.get(key)
        if cached is None:
            body = build_tile(layer, z, x, y, filters)
            gzipped = precompressed.compress(body)
            cached = (None, gzipped) if gzipped else (body, None)
            cache.set(key, cached, CACHE_SECONDS)
        caches["tiles"].set(key, cached, CACHE_SECONDS)
    return *cached, f'"{key[5:21]}"'
