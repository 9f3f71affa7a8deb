"""Accuracy and speed of the offline geocoder on addresses built from the data.go.th subdistrict
table, in the forms people write, sampled across every province; plus garbage and foreign input.

    ./dev python bench/geocode_accuracy.py [--per-province 12] [--seed 7]

Prints tambon-correct % per form and overall, the rejection rate of garbage, how often the point
lies inside the true tambon's official polygon, the distance to that polygon, and addresses/s.
The truth is each row's DOPA code (renumbered codes mapped to their successors).
"""

import argparse
import csv
import random
import statistics
import time
from collections import defaultdict

import _setup

_setup._django()
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from geocoding import service  # noqa: E402
from places.models import Area  # noqa: E402
from places.official import renumbered_codes  # noqa: E402

GAZETTEER_CSV = _setup.data_paths() / "gazetteer" / "th_subdistricts_datagoth.csv"
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


def polygon_checks(results):
    """(inside true polygon, distance in km) per answered point, in one query."""
    codes = [truth for truth, r in results]
    lons = [r.lon for _, r in results]
    lats = [r.lat for _, r in results]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT ST_Covers(a.boundary, p.geom),
                   ST_Distance(a.boundary::geography, p.geom::geography) / 1000
            FROM unnest(%s::text[], %s::float8[], %s::float8[])
                 WITH ORDINALITY AS q(code, lon, lat, n)
            CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(q.lon, q.lat), 4326) AS geom) p
            JOIN places_area a ON a.code = q.code AND a.boundary IS NOT NULL
            ORDER BY q.n
            """,
            [codes, lons, lats],
        )
        return cursor.fetchall()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-province", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    _setup.require(GAZETTEER_CSV)
    rng = random.Random(args.seed)
    rows = load_rows(args.per_province, rng)
    cases = [(form, text, row["truth"]) for row in rows for form, text in forms(row, rng)]
    boundaries = Area.objects.tambons().with_boundary().count()
    sources = dict(
        Area.objects.tambons().values_list("point_source").annotate(n=Count("code")).order_by()
    )
    print(f"gazetteer: {Area.objects.count()} areas; tambons with boundary: {boundaries}")
    print(f"tambon point sources: {sources}")
    provinces = len({r["province_id"] for r in rows})
    print(f"{len(rows)} subdistricts from {provinces} provinces, {len(cases)} addresses\n")

    service.gazetteer()  # load once, outside the timing
    started = time.perf_counter()
    results = [service.geocode(text, use_remote=False) for _, text, _ in cases]
    elapsed = time.perf_counter() - started

    per_form = defaultdict(lambda: [0, 0])
    answered = []
    for (form, _, truth), result in zip(cases, results, strict=True):
        per_form[form][1] += 1
        if result.tambon == truth:
            per_form[form][0] += 1
        if result.lat is not None:
            answered.append((truth, result))
    print(f"{'form':<20}{'tambon-correct':>16}{'n':>7}")
    for form, (good, n) in per_form.items():
        print(f"{form:<20}{100 * good / n:>15.1f}%{n:>7}")
    good = sum(g for g, _ in per_form.values())
    print(f"{'overall':<20}{100 * good / len(cases):>15.1f}%{len(cases):>7}")
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

    if boundaries:
        checks = polygon_checks(answered)
        inside = sum(1 for covered, _ in checks if covered)
        distances = sorted(d for _, d in checks)
        print(
            f"point inside the true tambon polygon: {100 * inside / len(checks):.1f}% "
            f"of {len(checks)} answered points"
        )
        print(
            f"distance to the true tambon polygon: median {statistics.median(distances):.2f} km, "
            f"p95 {distances[int(0.95 * len(distances))]:.2f} km, max {distances[-1]:.1f} km"
        )
    else:
        print("no tambon boundaries loaded: polygon checks skipped (import_boundaries … --commit)")
    print(
        f"\nspeed: {len(cases) / elapsed:,.0f} addresses/s in one process "
        f"({elapsed:.2f} s for {len(cases)})"
    )


if __name__ == "__main__":
    main()
