"""The web app: ``create_app()`` builds it; ``emovoice serve`` runs it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from emovoice import __version__
from emovoice.analysis.analyzer import Analyzer
from emovoice.jobs.queue import Jobs
from emovoice.settings import Settings, get_settings
from emovoice.storage.comparison import backfill
from emovoice.storage.db import Database
from emovoice.storage.questions import load_bank
from emovoice.web.api import api_router
from emovoice.web.deps import CSRF_COOKIE
from emovoice.web.errors import add_exception_handlers
from emovoice.web.pages import router as pages_router
from emovoice.web.state import AppState

STATIC = Path(__file__).parent / "static"
CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
       "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
UPLOAD_SLACK_BYTES = 1_000_000  # multipart framing and form fields around the file
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>emovoice API</title><link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
<link rel="stylesheet" href="/static/docs.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script><script src="/static/docs.js"></script>
</body></html>"""


def too_large(size_bytes: float, max_body: int) -> JSONResponse:
    # while streaming, the size is what had come when it was refused: at least that
    return JSONResponse({"detail": f"the file is at least {size_bytes / 1e6:.1f} MB, over the "
                                   f"{(max_body - UPLOAD_SLACK_BYTES) / 1e6:.0f} MB limit: send a shorter answer, or "
                                   "a compressed one (MP3, Opus or M4A; two minutes take about 2 MB)"}, status_code=413)


class _BodyTooLargeError(Exception):
    pass


class BodyLimit:
    """Stops reading a request body once it passes ``max_body`` bytes and answers 413: also a
    chunked upload that declares no Content-Length is never read whole (pure ASGI, so that it
    sees the body as it streams)."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0
        started = exceeded = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    exceeded = True
                    raise _BodyTooLargeError
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's answer to a body cut short ("error parsing the body") gives way to the 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        with suppress(_BodyTooLargeError):
            await self.app(scope, counted, tracked)
        if exceeded and not started:
            await too_large(seen, self.max_body)(scope, receive, send)


class Guard(BaseHTTPMiddleware):
    """Refuses bodies over the upload limit before reading them; sets security headers and the CSRF cookie."""

    def __init__(self, app: object, max_body: int, secure: bool) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.max_body = max_body
        self.secure = secure

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > self.max_body:
            return too_large(int(length), self.max_body)
        response = await call_next(request)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Cache-Control", "private, no-store")  # pages hold personal data
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        new_csrf = getattr(request.state, "new_csrf", None)
        if new_csrf and CSRF_COOKIE not in request.cookies:
            response.set_cookie(CSRF_COOKIE, new_csrf, httponly=False, samesite="strict", secure=self.secure,
                                path="/")
        return response


def create_app(settings: Settings | None = None, *, analyzer: Analyzer | None = None,
               workers: int | None = None) -> FastAPI:
    """The app on ``settings`` (default: from the environment).

    Parameters
    ----------
    analyzer : Analyzer or None
        The analyzer of the in-process workers (default: the shipped models).
    workers : int or None
        In-process analysis workers (default ``settings.workers``; 0 when separate
        ``emovoice worker`` processes do the analyses).
    """
    settings = settings or get_settings()
    database = Database(settings.resolved_database_url())
    jobs = Jobs(settings, database, analyzer)
    state = AppState(settings=settings, database=database, jobs=jobs)
    n_workers = settings.workers if workers is None else workers

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database.migrate()
        with database.session() as session:
            load_bank(session)
            backfill(session)  # answers analysed before the comparison aggregates existed
        jobs.start(n_workers)
        try:
            yield
        finally:
            jobs.stop()
            database.dispose()

    app = FastAPI(title="emovoice", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Practise interview answers out loud and see how you sound. "
                              "Log in with POST /api/login and send the token as 'Authorization: Bearer'.")
    app.state.emovoice = state
    max_body = int(settings.max_upload_mb * 1e6) + UPLOAD_SLACK_BYTES
    app.add_middleware(Guard, max_body=max_body, secure=settings.secure_cookies)
    app.add_middleware(BodyLimit, max_body=max_body)  # outermost: it sees the body first
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api_router)
    app.include_router(pages_router)
    add_exception_handlers(app)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:  # Swagger UI from the vendored copy: no CDN, no inline script
        return HTMLResponse(DOCS_PAGE)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:  # browsers ask for it on every page, whatever the page links
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml",
                            headers={"Cache-Control": "public, max-age=86400"})

    return app
