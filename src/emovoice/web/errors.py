"""Errors -> HTTP status codes, in one place, and the app's exception handlers.

Routes let domain errors (:class:`~emovoice.errors.EmovoiceError` and its subclasses, and
:class:`~emovoice.web.uploads.UploadError`) propagate; :data:`ERROR_STATUS` says which status each
one gets. The API (``/api/...``) answers every error as ``{"detail": "<message>"}``; a page answers
with the error page, and a 401 (not logged in) with the login page, which comes back afterwards.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from emovoice.errors import EmovoiceError, ParameterError, TooLongError
from emovoice.storage.accounts import (
    AccountError,
    EmailTakenError,
    LoginFailedError,
    TooManyAttemptsError,
    UnusableCredentialsError,
)
from emovoice.web.templating import render_error
from emovoice.web.uploads import UploadError

log = logging.getLogger("emovoice.web")

ERROR_STATUS: dict[type[Exception], int] = {
    EmailTakenError: status.HTTP_409_CONFLICT,
    UnusableCredentialsError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    TooManyAttemptsError: status.HTTP_429_TOO_MANY_REQUESTS,
    LoginFailedError: status.HTTP_401_UNAUTHORIZED,
    AccountError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    TooLongError: status.HTTP_413_CONTENT_TOO_LARGE,
    ParameterError: status.HTTP_422_UNPROCESSABLE_CONTENT,
    EmovoiceError: status.HTTP_422_UNPROCESSABLE_CONTENT,  # any other refusal of the input (audio, speech...)
}
"""The status of each domain error; an error gets its nearest class's (its own, else a base class's)."""

DATABASE_DOWN = "the database cannot be reached just now; try again in a few seconds"

ROUTER_WORDS = {"Not Found": "there is no page at this address", "Method Not Allowed": "this address takes a form's "
                "button, not a visit"}
"""The router's own messages, as a page says them."""


def status_for(exc: Exception) -> int:
    """The HTTP status that answers ``exc`` (:data:`ERROR_STATUS`; an upload refusal carries its own)."""
    if isinstance(exc, UploadError):
        return exc.status
    return next((ERROR_STATUS[kind] for kind in type(exc).__mro__ if kind in ERROR_STATUS),
                status.HTTP_500_INTERNAL_SERVER_ERROR)


def is_api(request: Request) -> bool:
    """Whether the request is the JSON API's (else a page's)."""
    return request.url.path.startswith("/api/")


def error_response(request: Request, status_code: int, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    """The API's JSON error, or the page's error page (a 401: the login page)."""
    if is_api(request):
        return JSONResponse({"detail": message}, status_code=status_code, headers=headers)
    response = render_error(request, status_code, message)
    response.headers.update(headers or {})
    return response


def _plain(error: Any) -> str:
    """A validation error's message in words a user can act on."""
    message = str(error.get("msg", ""))
    if "Expected UploadFile" in message:  # a multipart part without a file name arrives as text
        return "send the recording as a file, with a file name (this part had none)"
    return message


def add_exception_handlers(app: FastAPI) -> None:
    """Answer HTTP errors, domain errors, invalid requests and an unreachable database, on the API and the pages."""

    @app.exception_handler(StarletteHTTPException)  # FastAPI's, and the router's own 404 and 405
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request) or request.url.path.startswith("/docs"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED and request.method == "GET":
            # a form's address (/account/delete, /logout) opened again: the page the form is on
            return RedirectResponse(request.url.path.rsplit("/", 1)[0] or "/", status_code=status.HTTP_303_SEE_OTHER)
        return render_error(request, exc.status_code, ROUTER_WORDS.get(str(exc.detail), str(exc.detail)))

    @app.exception_handler(EmovoiceError)
    @app.exception_handler(UploadError)
    async def domain_error(request: Request, exc: Exception) -> Response:
        return error_response(request, status_for(exc), str(exc))

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> Response:
        # The database cannot be reached (restarting, or the network to it broke): a clear 503,
        # and the pool reconnects by itself (pre-ping) once it is back.
        log.warning("database unreachable: %s", str(exc).splitlines()[0][:200])
        return error_response(request, status.HTTP_503_SERVICE_UNAVAILABLE, DATABASE_DOWN, {"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        paths = [e for e in exc.errors() if tuple(e.get("loc", ()))[:1] == ("path",)]
        if paths and not is_api(request):
            # /answers/abc or /answers/0 on a page: there is no such answer, whatever the type says
            name = str(paths[0]["loc"][-1]).removesuffix("_id").replace("_", " ")
            return render_error(request, status.HTTP_404_NOT_FOUND, f"no such {name}")
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {_plain(e)}"
                             for e in exc.errors())
        return error_response(request, status.HTTP_422_UNPROCESSABLE_CONTENT, problems)
