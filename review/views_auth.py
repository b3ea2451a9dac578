"""Log in and out. The login form carries a CSRF token too (login CSRF), and failed logins are throttled."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from records.models import User
from review.fields import clean_text
from review.security import check_password
from review.sessions import end_session, require_csrf, start_session
from review.web import redirect, render, safe_next
from rxintake.logs import log_event

log = logging.getLogger("rxintake.review")
router = APIRouter()


@router.get("/login")
def login_page(request: Request, next: str = "/queue", out: int = 0):  # noqa: A002 - the parameter's name
    if request.state.session.get("u"):
        return redirect(safe_next(next))
    return render(request, "login.html", next=safe_next(next), username="",
                  notice="You are logged out." if out else None)


@router.post("/login", dependencies=[Depends(require_csrf)])
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/queue")):  # noqa: A002
    settings = request.app.state.settings
    throttle = request.app.state.throttle
    username = clean_text(username, 100)
    if throttle.locked(username):
        log_event(log, "login.locked", level=logging.WARNING)
        return render(request, "login.html", status_code=429, next=safe_next(next), username=username,
                      error=f"Too many failed attempts. Try again in {settings.review_login_lock_minutes} minutes "
                            "or ask an administrator.")
    with request.app.state.factory.begin() as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        ok, new_hash = check_password(user.password_hash if user else None, password)
        if ok and new_hash:
            user.password_hash = new_hash
    if not ok:
        throttle.failed(username)
        log_event(log, "login.failed", level=logging.WARNING)
        return render(request, "login.html", status_code=401, next=safe_next(next), username=username,
                      error="The user name or password is not right.")
    throttle.succeeded(username)
    start_session(request, user.username)
    log_event(log, "login.ok", user=user.username)
    return redirect(safe_next(next))


@router.post("/logout", dependencies=[Depends(require_csrf)])
def logout(request: Request):
    end_session(request)
    return redirect("/login?out=1")
