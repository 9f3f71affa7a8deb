"""Thailand's extent, written once. Python asks `in_thailand`; the database's check constraints
(places.models.InThailand) build their envelope from `EXTENT`; the pages' scripts read it from the
Leaflet map's options, which the settings fill from it (LEAFLET_CONFIG's SPATIAL_EXTENT)."""

EXTENT = (97.3, 5.6, 105.7, 20.5)  # longitude/latitude: west, south, east, north


def in_thailand(lat: float, lon: float) -> bool:
    west, south, east, north = EXTENT
    return south <= lat <= north and west <= lon <= east


def looks_swapped(lat: float, lon: float) -> bool:
    """Outside Thailand as given, inside with latitude and longitude exchanged (the ranges do not
    overlap, so a point is never both)."""
    return not in_thailand(lat, lon) and in_thailand(lon, lat)


def near_thailand(west: float, south: float, east: float, north: float, margin: float) -> bool:
    """Does the box touch Thailand's extent widened by `margin` degrees?"""
    x0, y0, x1, y1 = EXTENT
    return west < x1 + margin and east > x0 - margin and south < y1 + margin and north > y0 - margin
