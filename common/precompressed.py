"""Answers compressed once, when they are built and cached, and then sent as they are: gzipped
to a client that accepts it, plain to one that does not (GZipMiddleware leaves an answer that
says its encoding alone), 304 when the client's copy is current."""

import gzip

from django.http import HttpResponse, HttpResponseNotModified

GZIP_FROM = 200  # bytes: a smaller answer (an empty tile) gains nothing from gzip


def compress(body: bytes) -> bytes | None:
    """The body gzipped, or None when it is too small to gain."""
    return gzip.compress(body, mtime=0) if len(body) >= GZIP_FROM else None


def response(request, etag, *, body=None, gzipped=None, content_type, cache_control):
    """body or gzipped, or both (body None: decompressed for a client without gzip). The two
    encodings are representations of their own, each with an ETag of its own."""
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"}
    compressed = gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", "")
    if compressed:
        headers["ETag"] = etag[:-1] + '-gzip"'
    if headers["ETag"] in request.headers.get("If-None-Match", ""):
        return HttpResponseNotModified(headers=headers)
    if compressed:
        body, headers["Content-Encoding"] = gzipped, "gzip"
    elif body is None:
        body = gzip.decompress(gzipped)
    return HttpResponse(body, content_type=content_type, headers=headers)
