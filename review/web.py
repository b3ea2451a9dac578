"""What every view needs: the database session, the logged-in user, flash messages, rendering."""

from __future__ import annotations

from typing import Iterator
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from records.models import User


class LoginRequired(Exception):
    """Raised by `current_user`; the app turns it into a redirect (pages) or a 401 (data, images)."""


def db(request: Request) -> Iterator[Session]:
    with request.app.state.factory() as s:
        yield s


def current_user(request: Request) -> User:
    name = request.state.session.get("u")
    if not name:
        raise LoginRequired()
    with request.app.state.factory() as s:
        user = s.scalar(select(User).where(User.username == name, User.active.is_(True)))
    if user is None:  # disabled or removed since login
        request.state.session = {}
        raise LoginRequired()
    request.state.user = user
    return user


def flash(request: Request, text: str, kind: str = "ok") -> None:
    request.state.session.setdefault("f", []).append([kind, text])


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> RedirectResponse:
    """To the login page, then back: to the page asked for, or for a form sent after the session
    ended, to the page the form was on (what was typed must be typed again)."""
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        ref = urlsplit(request.headers.get("referer", ""))
        same = ref.netloc == request.headers.get("host") and ref.path.startswith("/")
        target = ref.path if same else "/queue"
    return redirect(f"/login?next={quote(safe_next(target), safe='')}")


def render(request: Request, name: str, status_code: int = 200, **context) -> object:
    context.setdefault("user", getattr(request.state, "user", None))
    context["messages"] = request.state.session.pop("f", [])
    context["settings"] = request.app.state.settings
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status_code)


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//other.example` or `https://...` (open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"
