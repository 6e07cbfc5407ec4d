"""Serving a stored recording to the browser's player: the whole file, or the byte range it asks for.

A player seeks by asking for a range of bytes (``Range: bytes=1000-``); a server that answers every
request with the whole file leaves the recording unseekable. One range a request, as players ask;
anything else in the header is ignored (the whole file, as RFC 9110 allows).
"""

from __future__ import annotations

import re

from fastapi import Response, status

_ONE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
PRIVATE = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
"""A recording is personal: never cached, never sniffed into another type."""


def recording_response(data: bytes, *, content_type: str, range_header: str | None) -> Response:
    """The recording ``data`` (200), or the one byte range ``range_header`` asks for (206), or 416
    when that range starts past its end."""
    headers = {**PRIVATE, "Accept-Ranges": "bytes"}
    match = _ONE_RANGE.fullmatch((range_header or "").strip())
    if match is None or match.groups() == ("", ""):
        return Response(data, media_type=content_type, headers=headers)
    first, last = match.groups()
    size = len(data)
    if first == "":  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return Response(status_code=status.HTTP_416_RANGE_NOT_SATISFIABLE,
                        headers={**headers, "Content-Range": f"bytes */{size}"})
    return Response(data[start:end + 1], status_code=status.HTTP_206_PARTIAL_CONTENT, media_type=content_type,
                    headers={**headers, "Content-Range": f"bytes {start}-{end}/{size}"})
