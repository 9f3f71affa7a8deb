"""The areas, as the geocoder asks for them (geocoding.areas.AreaSource): supplied when Django
starts (places.apps)."""

from django.db.models import Count, Max

from geocoding.areas import AreaAt, AreaRow
from places.models import Area, Level


class Areas:
    def version(self) -> tuple:
        return tuple(Area.objects.aggregate(n=Count("code"), at=Max("updated_at")).values())

    def rows(self) -> list[AreaRow]:
        return [
            AreaRow(code, level, name_th, name_en, postcodes, point, point_level or level)
            for code, level, name_th, name_en, postcodes, point, point_level in (
                Area.objects.values_list(
                    "code", "level", "name_th", "name_en", "postcodes", "point", "point_level"
                )
            )
        ]

    def area_at(self, point) -> AreaAt | None:
        containing = Area.objects.containing(point).values_list("code", flat=True)
        code = max(containing, key=len, default=None)
        if code is not None:
            return AreaAt(code, "boundary", None)
        nearest = (
            Area.objects.filter(level__in=[Level.TAMBON, Level.AMPHOE])
            .only("code", "point")
            .nearest(point)
            .first()
        )
        if nearest is None:
            return None
        return AreaAt(nearest.code, "nearest", round(nearest.distance.km, 3))

    def names(self, codes: list[str]) -> dict:
        return {
            a.level: {"th": a.name_th, "en": a.name_en}
            for a in Area.objects.filter(code__in=codes).only("level", "name_th", "name_en")
        }
