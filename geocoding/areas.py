"""The areas the geocoder knows, asked of whoever keeps them. The geocoder sits below the places
app (which geocodes organizations' addresses), so it never imports it: the places app supplies an
`AreaSource` at start-up (places.apps) and the geocoder asks through `source()`."""

from typing import NamedTuple, Protocol

from django.contrib.gis.geos import Point

from common.supplied import Supplied


class AreaRow(NamedTuple):
    code: str
    level: str
    name_th: str
    name_en: str
    postcodes: list[str]
    point: Point | None
    point_level: str


class AreaAt(NamedTuple):
    code: str
    method: str  # "boundary" (inside its official boundary) or "nearest" (nearest own point)
    distance_km: float | None


class AreaSource(Protocol):
    def version(self) -> tuple:
        """Changes whenever the areas do (the in-memory gazetteer reloads then)."""

    def rows(self) -> list[AreaRow]:
        """Every area, for the in-memory gazetteer."""

    def area_at(self, point: Point) -> AreaAt | None:
        """The smallest area whose boundary holds the point, else the tambon or amphoe with the
        nearest point of its own; None when there are no areas at all."""

    def names(self, codes: list[str]) -> dict:
        """{level: {"th": name, "en": name}} of the areas with these codes."""


# source() is the AreaSource that the places app supplied; supply(…) is how it does.
source = Supplied("area source", "the places app")
supply = source.supply
