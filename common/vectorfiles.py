"""Vector files from people and operators, read without letting GDAL guess what they are.

- GeoJSON never reaches GDAL: it is parsed here (orjson, bounded depth) and its geometries built
  with shapely. A `crs` member is refused unless it names WGS 84 itself (RFC 7946 has none).
- A zipped shapefile is checked member by member (names, count, sizes, compression ratio, no
  encryption) and only the shapefile's own parts are written, under names chosen here, into a
  private folder; GDAL then opens that folder's .shp with the shapefile driver and no other.
- A plain .shp named by an operator is opened with the same single driver.

Every read is bounded in bytes, features, vertices and time (`Limits`), and every refusal is a
`VectorFileError` whose message a person can act on, in their language.
"""

import ctypes
import tempfile
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson
import shapely
from django.contrib.gis.gdal import DataSource, Driver, GDALException
from django.contrib.gis.gdal.prototypes import ds as capi
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _
from shapely.geometry import shape

from common.gdal import ALLOWED_DRIVERS

GEOJSON_SUFFIXES = (".geojson", ".json")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# Names a GeoJSON `crs` may give: all of them WGS 84 longitude, latitude.
WGS84_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
}
MAX_ZIP_MEMBERS = 32
MAX_COMPRESSION_RATIO = 100


@dataclass(frozen=True)
class Limits:
    bytes: int  # the file as given (a zip: its own size)
    unpacked_bytes: int  # a zip's shapefile parts together, uncompressed
    features: int
    vertices: int
    seconds: float


# An incident's affected area, uploaded through the web.
UPLOAD_LIMITS = Limits(
    bytes=10 * 2**20, unpacked_bytes=50 * 2**20, features=5_000, vertices=200_000, seconds=10
)
# Official boundary files named by an operator (full-resolution COD-AB is a few hundred MB).
OFFICIAL_LIMITS = Limits(
    bytes=2 * 2**30,
    unpacked_bytes=4 * 2**30,
    features=50_000,
    vertices=100_000_000,
    seconds=3600,
)


class VectorFileError(ValueError):
    """The file as a whole is refused; the message says why."""


@dataclass
class Feature:
    number: int  # 1-based, in file order
    properties: dict
    geometry: GEOSGeometry | None  # WGS 84 (SRID 4326); None when the feature has none


class _Budget:
    def __init__(self, limits: Limits, name: str):
        self.limits, self.name = limits, name
        self.vertices = 0
        self.deadline = time.monotonic() + limits.seconds

    def features(self, count: int) -> None:
        if count > self.limits.features:
            raise VectorFileError(
                _("%(name)s has %(count)s features; at most %(limit)s are accepted.")
                % {
                    "name": self.name,
                    "count": f"{count:,}",
                    "limit": f"{self.limits.features:,}",
                }
            )

    def spend(self, vertices: int) -> None:
        self.vertices += vertices
        if self.vertices > self.limits.vertices:
            raise VectorFileError(
                _("%(name)s has more than %(limit)s vertices: simplify it first.")
                % {"name": self.name, "limit": f"{self.limits.vertices:,}"}
            )
        if time.monotonic() > self.deadline:
            raise VectorFileError(
                _("%(name)s took longer than %(seconds)s seconds to read: simplify it first.")
                % {"name": self.name, "seconds": f"{self.limits.seconds:g}"}
            )


class VectorFile:
    """What was read: the attribute names and the features (a generator: read once)."""

    def __init__(self, fields: list[str], count: int, features):
        self.fields, self.count, self._features = fields, count, features

    def __len__(self):
        return self.count

    def __iter__(self):
        return self._features


# --- GeoJSON, without GDAL ------------------------------------------------------------------


def _vertex_count(coordinates) -> int:
    """Positions in a GeoJSON coordinates array (iteratively: no recursion on hostile nesting)."""
    count, stack = 0, [coordinates]
    while stack:
        item = stack.pop()
        if isinstance(item, list) and item and isinstance(item[0], int | float):
            count += 1
        elif isinstance(item, list):
            stack.extend(item)
    return count


def geometry_from_geojson(data: dict) -> GEOSGeometry:
    """A GeoJSON geometry object → GEOS (SRID 4326) through shapely; only type and coordinates
    (or geometries) are read."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ValueError("not a geometry")
    if data["type"] == "GeometryCollection":
        members = data.get("geometries")
        if not isinstance(members, list):
            raise ValueError("not a geometry")
        plain = {"type": "GeometryCollection", "geometries": members}
    else:
        plain = {"type": data["type"], "coordinates": data.get("coordinates")}
    geometry = shape(plain)
    return GEOSGeometry(memoryview(shapely.to_wkb(geometry)), srid=4326)


def _check_crs(data: dict, name: str) -> None:
    crs = data.get("crs")
    if crs is None:
        return
    named = (
        isinstance(crs, dict)
        and crs.get("type") == "name"
        and isinstance(crs.get("properties"), dict)
        and set(crs) == {"type", "properties"}
        and set(crs["properties"]) == {"name"}
        and crs["properties"]["name"] in WGS84_NAMES
    )
    if not named:
        raise VectorFileError(
            _(
                "%(name)s names a coordinate reference system (“crs”): GeoJSON is always WGS 84 "
                "longitude, latitude; remove the crs member."
            )
            % {"name": name}
        )


def _read_geojson(content: bytes, name: str, limits: Limits) -> VectorFile:
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        raise VectorFileError(
            _("%(name)s is not valid GeoJSON (it is not JSON).") % {"name": name}
        ) from None
    if not isinstance(data, dict):
        raise VectorFileError(_("%(name)s is not a GeoJSON object.") % {"name": name})
    _check_crs(data, name)
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise VectorFileError(_("%(name)s has no list of features.") % {"name": name})
    elif kind == "Feature":
        features = [data]
    elif kind == "GeometryCollection" or (isinstance(kind, str) and "coordinates" in data):
        features = [{"type": "Feature", "properties": {}, "geometry": data}]
    else:
        raise VectorFileError(
            _("%(name)s is not GeoJSON: its type is not FeatureCollection, Feature or a geometry.")
            % {"name": name}
        )
    budget = _Budget(limits, name)
    budget.features(len(features))
    fields = []
    for feature in features:
        if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
            fields += [k for k in feature["properties"] if k not in fields]
        if len(fields) > 1000:
            break

    def generate():
        for number, feature in enumerate(features, 1):
            if not isinstance(feature, dict):
                yield Feature(number, {}, None)
                continue
            _check_crs(feature, name)
            properties = feature.get("properties")
            properties = properties if isinstance(properties, dict) else {}
            raw = feature.get("geometry")
            geometry = None
            if isinstance(raw, dict):
                budget.spend(_vertex_count(raw.get("coordinates", raw.get("geometries"))))
                try:
                    geometry = geometry_from_geojson(raw)
                except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
                    raise VectorFileError(
                        _("%(name)s, feature %(number)s: the coordinates do not make a geometry.")
                        % {"name": name, "number": number}
                    ) from exc
                except shapely.errors.ShapelyError as exc:
                    raise VectorFileError(
                        _("%(name)s, feature %(number)s: the coordinates do not make a geometry.")
                        % {"name": name, "number": number}
                    ) from exc
            else:
                budget.spend(0)
            yield Feature(number, properties, geometry)

    return VectorFile(fields, len(features), generate())


# --- shapefiles, through GDAL's shapefile driver alone -----------------------------------------


def _allowed_drivers():
    names = [name.encode() for name in ALLOWED_DRIVERS]
    return (ctypes.c_char_p * (len(names) + 1))(*names, None)


def _open_shapefile(path: Path, name: str) -> DataSource:
    Driver.ensure_registered()
    try:
        pointer = capi.open_ds(
            str(path).encode(),
            capi.GDAL_OF_READONLY | capi.GDAL_OF_VECTOR,
            _allowed_drivers(),
            None,
            None,
        )
    except GDALException:
        pointer = None
    if not pointer:
        raise VectorFileError(
            _("%(name)s could not be read as an ESRI shapefile.") % {"name": name}
        )
    driver = capi.get_dataset_driver(pointer)
    return DataSource(pointer, ds_driver=driver)


def _read_shapefile(path: Path, name: str, limits: Limits) -> VectorFile:
    source = _open_shapefile(path, name)
    if source.layer_count != 1:
        raise VectorFileError(_("%(name)s must hold one layer.") % {"name": name})
    layer = source[0]
    budget = _Budget(limits, name)
    budget.features(len(layer))
    srs = layer.srs
    if srs is not None and srs.srid is None and not srs.geographic:
        raise VectorFileError(
            _("%(name)s: unknown coordinate reference system %(crs)s.")
            % {"name": name, "crs": repr(srs.name)}
        )
    transform = srs is not None and srs.srid not in (None, 4326)
    fields = list(layer.fields)

    def generate():
        for number, feature in enumerate(layer, 1):
            properties = {field: feature.get(field) for field in fields}
            ogr = feature.geom
            if ogr is None or ogr.empty:
                budget.spend(0)
                yield Feature(number, properties, None)
                continue
            budget.spend(ogr.point_count)
            if transform:
                ogr.transform(4326)
            yield Feature(number, properties, GEOSGeometry(ogr.wkb, srid=4326))

    return VectorFile(fields, len(layer), generate())


def _unpack_shapefile(archive: Path, name: str, folder: Path, limits: Limits) -> Path:
    """The zip's one shapefile, written as folder/layer.* after checking every member."""
    try:
        zipped = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError):
        raise VectorFileError(_("%(name)s is not a zip archive.") % {"name": name}) from None
    with zipped:
        members = zipped.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise VectorFileError(
                _("%(name)s holds %(count)s files; a zipped shapefile has a handful.")
                % {"name": name, "count": len(members)}
            )
        parts: dict[str, zipfile.ZipInfo] = {}
        stems = set()
        for member in members:
            if member.is_dir():
                continue
            base = member.filename.replace("\\", "/").rsplit("/", 1)[-1]
            stem, dot, suffix = base.rpartition(".")
            suffix = f".{suffix.lower()}" if dot else ""
            if suffix not in SHAPEFILE_PARTS or base.startswith("."):
                continue  # metadata (.xml, .sbn…) is not read
            if member.flag_bits & 0x1:
                raise VectorFileError(
                    _("%(name)s is encrypted: upload it without a password.") % {"name": name}
                )
            if suffix in parts:
                raise VectorFileError(
                    _("%(name)s holds more than one shapefile: upload one per file.")
                    % {"name": name}
                )
            parts[suffix] = member
            stems.add(stem)
        missing = [s for s in (".shp", ".shx", ".dbf") if s not in parts]
        if missing:
            raise VectorFileError(
                _("%(name)s has no complete shapefile (missing %(parts)s).")
                % {"name": name, "parts": ", ".join(missing)}
            )
        if len(stems) > 1:
            raise VectorFileError(
                _("%(name)s holds parts of several shapefiles: upload one per file.")
                % {"name": name}
            )
        declared = sum(m.file_size for m in parts.values())
        if declared > limits.unpacked_bytes:
            raise VectorFileError(
                _("%(name)s unpacks to more than %(limit)s MB.")
                % {"name": name, "limit": limits.unpacked_bytes // 2**20}
            )
        for member in parts.values():
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > 2**20 and ratio > MAX_COMPRESSION_RATIO:
                raise VectorFileError(
                    _("%(name)s is compressed suspiciously well; it was not unpacked.")
                    % {"name": name}
                )
        for suffix, member in parts.items():
            written = 0
            with zipped.open(member) as source, (folder / f"layer{suffix}").open("wb") as out:
                # The header's sizes are claims: count what really comes out.
                while chunk := source.read(1 << 16):
                    written += len(chunk)
                    if written > member.file_size or written > limits.unpacked_bytes:
                        raise VectorFileError(
                            _("%(name)s unpacks to more than it declares.") % {"name": name}
                        )
                    out.write(chunk)
    return folder / "layer.shp"


# --- one entry point ------------------------------------------------------------------------------


def _suffix(name: str) -> str:
    return Path(name).suffix.lower()


@contextmanager
def read(source, *, name: str | None = None, limits: Limits = UPLOAD_LIMITS):
    """Open a vector file: `source` is a path (an operator's file) or an uploaded file; `name` is
    what messages call it. Yields a `VectorFile`; geometries come out in WGS 84."""
    uploaded = not isinstance(source, str | Path)
    name = name or (source.name if uploaded else Path(source).name)
    suffix = _suffix(source.name if uploaded else str(source))
    if suffix not in (*GEOJSON_SUFFIXES, ".zip", ".shp"):
        raise VectorFileError(
            _("%(name)s: upload a GeoJSON file (.geojson) or a zipped shapefile (.zip).")
            % {"name": name}
        )
    if suffix == ".shp" and uploaded:
        raise VectorFileError(
            _("%(name)s: zip the shapefile with its .shx, .dbf and .prj files.") % {"name": name}
        )
    size = source.size if uploaded else _size_of(Path(source), name)
    if size > limits.bytes:
        raise VectorFileError(
            _("%(name)s is larger than %(limit)s MB.")
            % {"name": name, "limit": limits.bytes // 2**20}
        )
    if suffix in GEOJSON_SUFFIXES:
        content = b"".join(source.chunks()) if uploaded else Path(source).read_bytes()
        yield _read_geojson(content, name, limits)
        return
    if suffix == ".shp":
        yield _read_shapefile(Path(source), name, limits)
        return
    with tempfile.TemporaryDirectory(prefix="vector-") as folder:
        folder = Path(folder)
        if uploaded:
            archive = folder / "upload.zip"
            with archive.open("wb") as out:
                for chunk in source.chunks():
                    out.write(chunk)
        else:
            archive = Path(source)
        unpacked = folder / "unpacked"
        unpacked.mkdir()
        yield _read_shapefile(_unpack_shapefile(archive, name, unpacked, limits), name, limits)


def _size_of(path: Path, name: str) -> int:
    if not path.is_file():
        raise VectorFileError(_("%(name)s: no such file.") % {"name": name})
    return path.stat().st_size
