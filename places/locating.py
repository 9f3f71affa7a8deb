"""Giving a located thing (organization, opportunity, need) its place, the one way that forms, the
API, the admin and CSV imports all use. A place is a point, how precise it is, and the area it
lies in: `pinned` for a point a person placed (exact, whatever the address), `found` for the
geocoder's answer to an address (nowhere when it has none: never a guess); `give` sets it."""

from dataclasses import asdict, dataclass

from django.apps import apps
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext as _

from common.importing import ImportReport, rows_imported
from geocoding.service import GeocodeResult, explain, geocode, reverse_geocode
from places import sql
from places.models import Located, Precision


@dataclass(frozen=True)
class Place:
    location: Point | None
    precision: str
    area_id: str | None

    def as_values(self) -> dict:
        return asdict(self)


NOWHERE = Place(None, "", None)


def pinned(point: Point) -> Place:
    area = reverse_geocode(point.y, point.x)
    return Place(
        Point(point.x, point.y, srid=4326),
        Precision.EXACT,
        area.tambon or area.amphoe or area.province,
    )


def found(result: GeocodeResult) -> Place:
    if result.lat is None:
        return NOWHERE
    return Place(
        Point(result.lon, result.lat, srid=4326),
        result.precision,
        result.tambon or result.amphoe or result.province,
    )


def give(item: Located, place: Place) -> None:
    item.location, item.precision, item.area_id = place.location, place.precision, place.area_id


def place_of(item: Located) -> Place:
    return Place(item.location, item.precision, item.area_id)


def address_not_found(result: GeocodeResult) -> str:
    """Why an address has no place, for the person who typed it."""
    return _("This address could not be found on the map: %(reason)s") % {"reason": explain(result)}


def locate(
    item: Located, *, pin: Point | None = None, geocode_address_too: bool = True
) -> str | None:
    """Locate from a pin, else from the address. Returns why it could not, or None."""
    if pin is not None:
        give(item, pinned(pin))
        return None
    if not geocode_address_too:
        return None
    if not item.address.strip():
        return _("Give the address, or place the pin on the map.")
    result = geocode(item.address)
    if result.lat is None:
        return _(
            "This address could not be found on the map: %(reason)s Place the pin instead."
        ) % {"reason": explain(result)}
    give(item, found(result))
    return None


def follow_area_points(report: ImportReport) -> None:
    """Everything the geocoder placed at an area's point (organizations, opportunities, needs:
    every Located model, found in the registry) follows that point when it changes, as if its
    address were geocoded again; pins and street-level answers stay. Called after the areas'
    points change (load_gazetteer, official imports), each model moved noted in the report and
    announced with `rows_imported`, as bulk SQL sends no model signals."""
    for model in apps.get_models():
        if issubclass(model, Located):
            count = sql.follow_area_points(model._meta.db_table)
            if count:
                report.notes.append(
                    f"{count} {model._meta.label} placed at an area's point "
                    "moved to its better point"
                )
                # Heard once the import commits (never for a dry run that rolls back).
                transaction.on_commit(lambda model=model: rows_imported.send(model))
