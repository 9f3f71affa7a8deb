"""Giving a located thing (organization, opportunity) its point: from a pin a person placed
(precision exact) or by geocoding its address."""

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _

from geocoding.service import GeocodeResult, explain, geocode, reverse_geocode
from places.models import Located, Precision


def place_pin(item: Located, point: Point) -> None:
    """A point a person placed (a dragged pin, typed coordinates): exact, whatever the address."""
    item.location, item.precision = Point(point.x, point.y, srid=4326), Precision.EXACT
    area = reverse_geocode(point.y, point.x)
    item.area_id = area.tambon or area.amphoe or area.province


def geocode_address(item: Located, *, use_remote: bool = True) -> GeocodeResult:
    """Locate the item from its address; with no usable answer it has no point (never a guess)."""
    result = geocode(item.address, use_remote=use_remote)
    apply_result(item, result)
    return result


def apply_result(item: Located, result: GeocodeResult) -> None:
    if result.lat is None:
        item.location, item.precision, item.area_id = None, "", None
        return
    item.location = Point(result.lon, result.lat, srid=4326)
    item.precision = result.precision
    item.area_id = result.tambon or result.amphoe or result.province


def locate(
    item: Located, *, pin: Point | None = None, geocode_address_too: bool = True
) -> str | None:
    """Locate from a pin, else from the address. Returns why it could not, or None."""
    if pin is not None:
        place_pin(item, pin)
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
    apply_result(item, result)
    return None
