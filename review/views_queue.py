"""The queue: prescriptions waiting for review, oldest first, with their alerts in plain words."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from review import queries
from review.fields import clean_text
from review.web import current_user, db, redirect, render

router = APIRouter(dependencies=[Depends(current_user)])


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@router.get("/")
def home():
    return redirect("/queue")


@router.get("/queue")
def queue_page(request: Request, alert: str = "", prescriber: str = "", since: str = "", until: str = "",
               scope: str = "review", page: int = 1, s: Session = Depends(db)):
    scope = "warnings" if scope == "warnings" else "review"
    prescriber = clean_text(prescriber, 200)
    flt = queries.QueueFilter(alert=clean_text(alert, 64) or None, prescriber=prescriber or None,
                              since=_date(since), until=_date(until), scope=scope)
    size = request.app.state.settings.review_page_size
    page = max(page, 1)
    rows, total = queries.queue(s, flt, page, size)
    counts = queries.counts(s)
    params = {k: v for k, v in {"alert": alert, "prescriber": prescriber, "since": since, "until": until}.items() if v}
    pages = max((total + size - 1) // size, 1)
    scoped = {**params, **({"scope": scope} if scope == "warnings" else {})}
    link = lambda p: "/queue?" + urlencode({**scoped, "page": p})  # noqa: E731
    bad_dates = [v for v in (since, until) if v and _date(v) is None]
    return render(request, "queue.html", rows=rows, total=total, counts=counts, flt=flt, params=params,
                  page=page, pages=pages, prev_url=link(page - 1) if page > 1 else None,
                  next_url=link(page + 1) if page < pages else None,
                  prescribers=queries.prescribers(s), bad_dates=bad_dates,
                  filtered=bool(params), scope=scope)
