"""Remote geocoders through geopy, off by default. Each answer is cached in the database; requests
are spaced at least a second apart across every process sharing the cache (Nominatim's policy);
any failure raises RemoteGeocoderError, which the API turns into a 503."""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

from geocoding.models import RemoteAnswer

# Nominatim classes and types that locate more than a tambon does.
_STREET_LEVEL_PLACES = {
    "house",
    "village",
    "hamlet",
    "neighbourhood",
    "isolated_dwelling",
    "quarter",
}


class RemoteGeocoderError(Exception):
    """The remote geocoder could not answer (timeout, refusal, rate limit, bad answer)."""


@dataclass
class RemoteLocation:
    lat: float
    lon: float
    street_level: bool


class NominatimGeocoder:
    name = "nominatim"
    min_interval = 1.0  # seconds between requests, for the whole application

    def __init__(self, *, domain, user_agent, timeout, adapter_factory=None):
        kwargs = {"adapter_factory": adapter_factory} if adapter_factory else {}
        self.client = Nominatim(domain=domain, user_agent=user_agent, timeout=timeout, **kwargs)
        self.provider = f"{self.name}:{domain}"

    def locate(self, query: str) -> RemoteLocation | None:
        answer = self._cached(query)
        if answer is None:
            answer = self._ask(query)
        return self._location(answer.response)

    def _cached(self, query):
        since = timezone.now() - timedelta(days=settings.GEOCODING_CACHE_DAYS)
        return RemoteAnswer.objects.filter(
            provider=self.provider, query=query, created_at__gte=since
        ).first()

    def _ask(self, query):
        self._wait_for_turn()
        try:
            location = self.client.geocode(
                query, exactly_one=True, addressdetails=True, country_codes="th"
            )
        except GeopyError as exc:
            raise RemoteGeocoderError(
                f"{self.provider} failed: {type(exc).__name__}: {exc}"
            ) from exc
        answer, _ = RemoteAnswer.objects.update_or_create(
            provider=self.provider,
            query=query,
            defaults={"response": location.raw if location else None, "created_at": timezone.now()},
        )
        return answer

    def _wait_for_turn(self):
        deadline = time.monotonic() + settings.GEOCODING_TIMEOUT
        while not cache.add(f"geocoding:turn:{self.provider}", 1, timeout=self.min_interval):
            if time.monotonic() > deadline:
                raise RemoteGeocoderError(f"{self.provider}: too many requests, try again shortly")
            time.sleep(0.05)

    @staticmethod
    def _location(raw) -> RemoteLocation | None:
        if not raw:
            return None
        try:
            lat, lon = float(raw["lat"]), float(raw["lon"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RemoteGeocoderError(f"unexpected answer: {raw!r:.200}") from exc
        address = raw.get("address") or {}
        street_level = bool(address.get("house_number") or address.get("road")) or (
            raw.get("class") not in ("boundary", "place") or raw.get("type") in _STREET_LEVEL_PLACES
        )
        return RemoteLocation(lat, lon, street_level)


def configured_geocoder() -> NominatimGeocoder | None:
    """The remote geocoder the settings ask for, or None (the default: offline only)."""
    name = settings.GEOCODING_REMOTE
    if not name:
        return None
    if name != NominatimGeocoder.name:
        raise ImproperlyConfigured(
            f"GEOCODING_REMOTE={name!r}: the only remote geocoder is 'nominatim'"
        )
    adapter = settings.GEOCODING_ADAPTER
    return NominatimGeocoder(
        domain=settings.GEOCODING_NOMINATIM_DOMAIN,
        user_agent=settings.GEOCODING_USER_AGENT,
        timeout=settings.GEOCODING_TIMEOUT,
        adapter_factory=import_string(adapter) if adapter else None,
    )
