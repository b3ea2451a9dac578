"""The review page keeps everything behind a login, and every form behind a CSRF token."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from records.models import User
from tests.review_seed import PASSWORD, csrf_of, login, review_env, staff  # noqa: F401 - fixtures


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):  # noqa: ANN201
    """Login and CSRF live above the database: one backend is enough here (the workflow runs on both)."""
    return f"sqlite:///{tmp_path_factory.mktemp('security') / 'rx.sqlite3'}"


def _routes(app, skip=("/login", "/logout")):  # noqa: ANN001, ANN202
    """Every route of the app, with placeholders filled by ids that exist."""
    from review.app import routers

    for route in [r for router in routers() for r in router.routes]:
        path = getattr(route, "path", "")
        if path.startswith("/static") or path in skip:
            continue
        for method in sorted(getattr(route, "methods", None) or []):
            if method == "HEAD":
                continue
            yield method, re.sub(r"\{[a-z_]+\}", "1", path)


def test_every_route_needs_a_login(review_env):  # noqa: F811
    review_env.seed(codes=("M54.5",))
    client = TestClient(review_env.app, base_url="http://testserver")
    seen = 0
    for method, path in _routes(review_env.app):
        resp = client.request(method, path, follow_redirects=False)
        seen += 1
        if not path.startswith("/api/") and not path.endswith((".png", ".pdf", ".eml", "original")):
            assert resp.status_code == 303, (method, path, resp.status_code)  # pages and forms: log in first
            assert resp.headers["location"].startswith("/login?next="), path
        else:  # data and files
            assert resp.status_code == 401, (method, path, resp.status_code)
    assert seen >= 15
    # a form sent after the session ended leads back to its page once logged in again
    resp = client.post("/rx/1/approve", headers={"Referer": "http://testserver/rx/1"}, follow_redirects=False)
    assert resp.headers["location"] == "/login?next=%2Frx%2F1"
    resp = client.post("/rx/1/approve", headers={"Referer": "http://evil.example/x"}, follow_redirects=False)
    assert resp.headers["location"] == "/login?next=%2Fqueue"
    assert client.get("/login").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_login_sets_a_safe_cookie_and_logout_ends_it(review_env):  # noqa: F811
    client = TestClient(review_env.app, base_url="http://testserver")
    resp = login(client)
    assert resp.status_code == 303 and resp.headers["location"] == "/queue"
    cookie = resp.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    page = client.get("/queue")
    assert page.status_code == 200 and "Maria" in page.text
    for header in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert header in page.headers
    assert page.headers["cache-control"] == "no-store"
    resp = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert resp.status_code == 303
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_wrong_password_is_refused_and_repeated_failures_lock_the_name(review_env):  # noqa: F811
    review_env.add_user("tom")
    client = TestClient(review_env.app, base_url="http://testserver")
    resp = login(client, "tom", "not the password")
    assert resp.status_code == 401 and "not right" in resp.text
    assert login(client, "nobody", PASSWORD).status_code == 401
    assert login(client, "to\x00m", PASSWORD).status_code == 401
    for _ in range(review_env.settings.review_login_max_failures - 1):
        login(client, "tom", "still wrong")
    resp = login(client, "tom", PASSWORD)  # even the right password, while locked
    assert resp.status_code == 429 and "Too many failed attempts" in resp.text
    review_env.app.state.throttle.succeeded("tom")
    assert login(client, "tom", PASSWORD).status_code == 303


def test_open_redirect_after_login_is_refused(review_env):  # noqa: F811
    client = TestClient(review_env.app, base_url="http://testserver")
    page = client.get("/login?next=//evil.example/x")
    resp = client.post("/login", data={"username": "maria", "password": PASSWORD, "csrf_token": csrf_of(page.text),
                                       "next": "https://evil.example/"}, follow_redirects=False)
    assert resp.headers["location"] == "/queue"


def test_every_post_needs_the_session_csrf_token(review_env, staff):  # noqa: F811
    rx_id = review_env.seed(codes=("M54.5",))
    posts = [p.replace("/rx/1", f"/rx/{rx_id}") for m, p in _routes(review_env.app, skip=()) if m == "POST"]
    assert len(posts) >= 8
    token = csrf_of(staff.get("/queue").text)
    for path in posts:
        for data in ({}, {"csrf_token": "forged"}, {"csrf_token": token[:-1]}):
            resp = staff.post(path, data={**data, "note": "x", "reason": "x", "client_id": "1"},
                              follow_redirects=False)
            assert resp.status_code == 403, (path, data, resp.status_code)
    # the right token, but posted from another site
    resp = staff.post(f"/rx/{rx_id}/reject", data={"csrf_token": token, "reason": "x"},
                      headers={"Origin": "http://evil.example"}, follow_redirects=False)
    assert resp.status_code == 403
    with review_env.factory() as s:
        from records.models import Prescription
        assert s.get(Prescription, rx_id).status == "needs_review"  # nothing happened
    # a login form's token is worthless after login (the session gets a new one)
    fresh = TestClient(review_env.app, base_url="http://testserver")
    before = csrf_of(fresh.get("/login").text)
    login(fresh)
    assert fresh.post("/logout", data={"csrf_token": before}, follow_redirects=False).status_code == 403


def test_a_disabled_account_loses_its_session(review_env):  # noqa: F811
    review_env.add_user("leaver")
    client = TestClient(review_env.app, base_url="http://testserver")
    assert login(client, "leaver").status_code == 303
    assert client.get("/queue").status_code == 200
    with review_env.factory.begin() as s:
        s.scalar(select(User).where(User.username == "leaver")).active = False
    assert client.get("/queue", follow_redirects=False).status_code == 303
    assert login(client, "leaver").status_code == 401


@pytest.mark.service
def test_a_lost_database_gives_a_clear_answer_not_a_crash(tmp_path):
    from tests.review_seed import make_env
    from tests.servers import create_database, drop_database

    url = create_database("reviewlost")
    env = make_env(url, tmp_path)
    env.add_user("maria")
    client = TestClient(env.app, base_url="http://testserver", raise_server_exceptions=False)
    assert login(client).status_code == 303
    from records import db as records_db
    records_db._engines.pop(url).dispose()
    drop_database(url)
    page = client.get("/queue")
    assert page.status_code == 503 and "cannot be reached" in page.text
    assert client.get("/api/codes?q=M54.2").status_code == 503


def test_cookie_is_secure_only_when_served_over_tls(db_url, tmp_path):  # noqa: F811
    from tests.review_seed import make_env

    env = make_env(db_url, tmp_path, review_cookie_secure=True, review_secret_key="s" * 48)
    client = TestClient(env.app, base_url="https://testserver")
    assert "Secure" in client.get("/login").headers["set-cookie"]
    assert not (tmp_path / "review-secret.key").exists()  # the configured key is used, none generated
