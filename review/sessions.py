"""Signed session cookies with an idle timeout and an absolute lifetime, and their CSRF token.

The cookie holds only the user name, the login time and the CSRF token, signed with
itsdangerous; it is re-signed on every request, so its timestamp measures idleness. HttpOnly,
SameSite=Lax, Secure when the page is served over TLS (setting).
"""

from __future__ import annotations

import hmac
import secrets
import time
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.middleware.base import BaseHTTPMiddleware

COOKIE = "rxreview"
CSRF_FIELD = "csrf_token"


class SessionCodec:
    def __init__(self, secret: str, idle_seconds: int, max_seconds: int):
        self._ser = URLSafeTimedSerializer(secret, salt="rxintake.review.session")
        self.idle_seconds = idle_seconds
        self.max_seconds = max_seconds

    def dump(self, data: dict) -> str:
        return self._ser.dumps(data)

    def load(self, token: str | None) -> dict:
        """The session in the cookie, or {} when it is missing, forged, idle too long or too old."""
        if not token:
            return {}
        try:
            data = self._ser.loads(token, max_age=self.idle_seconds)
        except BadSignature:  # SignatureExpired is a BadSignature
            return {}
        if not isinstance(data, dict):
            return {}
        if data.get("u") and time.time() - float(data.get("iat", 0)) > self.max_seconds:
            return {}
        return data


class SessionMiddleware(BaseHTTPMiddleware):
    """Loads `request.state.session` from the cookie and writes it back after the response."""

    def __init__(self, app, codec: SessionCodec, secure: bool = False):
        super().__init__(app)
        self.codec = codec
        self.secure = secure

    async def dispatch(self, request: Request, call_next):
        raw = request.cookies.get(COOKIE)
        request.state.session = self.codec.load(raw)
        response = await call_next(request)
        session = request.state.session
        if session:
            response.set_cookie(COOKIE, self.codec.dump(session), httponly=True, samesite="lax",
                                secure=self.secure, path="/")
        elif raw:
            response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure)
        return response


def start_session(request: Request, username: str) -> None:
    """A fresh session (new CSRF token) at login, so a token seen before login is worthless."""
    request.state.session = {"u": username, "iat": int(time.time()), "c": secrets.token_urlsafe(32)}


def end_session(request: Request) -> None:
    request.state.session = {}


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (the login form needs one too)."""
    session = request.state.session
    if not session.get("c"):
        session["c"] = secrets.token_urlsafe(32)
    return session["c"]


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def require_csrf(request: Request) -> None:
    """Dependency on every POST: the form's token must equal the session's, and the origin ours."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    expected = request.state.session.get("c")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, expected)
            and _same_origin(request)):
        raise HTTPException(403, "This form has expired or did not come from this page. "
                                 "Go back, reload the page and try again.")
