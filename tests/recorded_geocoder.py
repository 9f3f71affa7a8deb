"""A geopy adapter that answers from recorded Nominatim responses instead of the network, and
remembers every request so that tests can check what would have been sent."""

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from geopy.adapters import BaseSyncAdapter
from geopy.exc import GeocoderServiceError, GeocoderTimedOut

RECORDINGS = json.loads(
    (Path(__file__).parent / "recordings" / "nominatim.json").read_text("utf-8")
)


class RecordedAdapter(BaseSyncAdapter):
    requests: list[dict] = []
    fail_with: type[Exception] | None = None  # set by a test to make the provider fail

    def get_json(self, url, *, timeout, headers):
        query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        RecordedAdapter.requests.append(
            {
                "url": url,
                "query": query,
                "headers": headers,
                "timeout": timeout,
                "at": time.monotonic(),
            }
        )
        if RecordedAdapter.fail_with is GeocoderTimedOut:
            raise GeocoderTimedOut("Service timed out")
        if RecordedAdapter.fail_with is not None:
            raise GeocoderServiceError("HTTP Error 503: Service Unavailable")
        if query["q"] not in RECORDINGS:
            raise AssertionError(f"no recorded answer for {query['q']!r}")
        return RECORDINGS[query["q"]]

    def get_text(self, url, *, timeout, headers):
        raise NotImplementedError
