"""The review web app: `create_app(settings)` builds it; `rxintake review` serves it with uvicorn.

Server-rendered pages (Jinja2), one small script for code lookups, no front-end build. Every
route but /login and /static needs a logged-in staff member; every POST needs the CSRF token.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import exc as sa_exc
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from review import labels, security
from review.sessions import SessionCodec, SessionMiddleware, csrf_token
from review.web import LoginRequired, login_redirect, render
from rxintake.errors import ActionRefused, NotFound, TransientError
from rxintake.logs import log_event
from rxintake.settings import Settings, get_settings

HERE = Path(__file__).resolve().parent
log = logging.getLogger("rxintake.review")
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _local(dt: datetime | None) -> str:
    """A stored time in the server's time zone (SQLite hands back naive UTC)."""
    if dt is None:
        return ""
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone().strftime("%Y-%m-%d %H:%M")


def _wants_json(request: Request) -> bool:
    """Data and files get a status code a script understands; pages and forms get a page for a person."""
    path = request.url.path
    return path.startswith("/api/") or path.endswith((".png", ".pdf", ".eml", "/original"))


def routers() -> list:
    """Every router of the app (the tests walk them to check login and CSRF on each route)."""
    from review import views_api, views_auth, views_detail, views_queue, views_renewal

    return [m.router for m in (views_auth, views_queue, views_detail, views_renewal, views_api)]


def create_app(settings: Settings | None = None) -> FastAPI:
    from records.db import ensure_schema, get_engine, session_factory
    from worker.store import RawStore

    settings = settings or get_settings()
    engine = get_engine(settings.database_url_resolved)
    ensure_schema(engine)

    app = FastAPI(title="rxintake review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.factory = session_factory(engine)
    app.state.store = RawStore(settings.data_dir)
    app.state.throttle = security.LoginThrottle(settings.review_login_max_failures,
                                                settings.review_login_lock_minutes * 60)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(csrf_token=csrf_token, alert_kind=labels.alert_kind,
                                 alert_kinds=labels.ALERT_KINDS, local=_local)
    app.state.templates = templates

    secret = security.secret_key(settings.review_secret_key.get_secret_value() if settings.review_secret_key
                                 else None, settings.data_dir)
    codec = SessionCodec(secret, settings.review_session_idle_minutes * 60, settings.review_session_max_hours * 3600)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for k, v in HEADERS.items():
            response.headers.setdefault(k, v)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Cache-Control"] = "no-store"
        return response

    app.add_middleware(SessionMiddleware, codec=codec, secure=settings.review_cookie_secure)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired):
        if _wants_json(request):
            return JSONResponse({"error": "Log in first."}, status_code=401)
        return login_redirect(request)

    @app.exception_handler(NotFound)
    async def _missing(request: Request, exc: NotFound):
        if _wants_json(request):
            return JSONResponse({"error": exc.message}, status_code=404)
        return render(request, "error.html", status_code=404, title="Not found", text=exc.message)

    @app.exception_handler(ActionRefused)
    async def _refused(request: Request, exc: ActionRefused):
        return render(request, "error.html", status_code=409, title="Not possible", text=exc.message)

    @app.exception_handler(TransientError)
    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.InterfaceError)
    async def _unavailable(request: Request, exc: Exception):
        log_event(log, "review.database_unavailable", level=logging.WARNING, error=type(exc).__name__)
        if _wants_json(request):
            return JSONResponse({"error": "The records database cannot be reached just now."}, status_code=503)
        return render(request, "error.html", status_code=503, title="Try again in a minute",
                      text="The records database cannot be reached just now; nothing was changed. "
                           "Try again in a minute, or tell the person who looks after the server.")

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError):
        where = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        if _wants_json(request):
            return JSONResponse({"error": f"Not understood: {where}"}, status_code=400)
        return render(request, "error.html", status_code=400, title="Not understood",
                      text=f"Something in the address or the form is not right ({where}).")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException):
        if _wants_json(request):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        return render(request, "error.html", status_code=exc.status_code, title="Not possible",
                      text=str(exc.detail))

    for router in routers():
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    return app
