"""One prescription: the original's pages beside the fields, alerts, client, approve or reject, audit."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from records.models import User
from review import actions, documents, queries, recheck
from review.fields import FIELDS, clean_text, show
from review.sessions import require_csrf
from review.web import current_user, db, flash, redirect, render
from rxintake.errors import ActionRefused, NotFound, UnreadableDocument

router = APIRouter(dependencies=[Depends(current_user)])
post = {"dependencies": [Depends(require_csrf)]}


def _values(rx, typed: dict | None = None) -> dict:
    """What each input shows: what was just typed (after a refused save), else the stored value."""
    vals = {f.name: show(getattr(rx, f.name)) for f in FIELDS}
    vals["diagnoses"] = [d.get("code", "") for d in rx.diagnoses or []]
    vals["procedures"] = ", ".join(rx.procedures or [])
    if typed:
        vals.update(typed)
    return vals


def _page(request: Request, s: Session, rx_id: int, typed: dict | None = None, error: str | None = None,
          client_q: str = ""):
    rx = actions.get_rx(s, rx_id)
    store = request.app.state.store
    docs = documents.shown(rx, store)
    clients = queries.find_clients(s, client_q) if client_q else []
    return render(request, "detail.html", status_code=422 if error else 200, rx=rx, docs=docs,
                  body=documents.body_text(rx, store), fields=FIELDS, values=_values(rx, typed), error=error,
                  client_q=client_q, clients=clients,
                  open_errors=actions.open_errors(rx), next_id=queries.next_waiting(s, rx),
                  findings=recheck.findings(rx, request.app.state.settings.rules_file),
                  audit=sorted(rx.audit, key=lambda a: (a.at, a.id), reverse=True))


@router.get("/rx/{rx_id}")
def detail(request: Request, rx_id: int, client_q: str = "", s: Session = Depends(db)):
    return _page(request, s, rx_id, client_q=clean_text(client_q, 100))


def _do(request: Request, rx_id: int, fn, done: str, anchor: str = ""):
    """Run one action in its own transaction; a refusal comes back as a message on the page."""
    try:
        with request.app.state.factory.begin() as s:
            fn(s)
    except ActionRefused as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, done)
    return redirect(f"/rx/{rx_id}{anchor}")


@router.post("/rx/{rx_id}/fields", **post)
async def save_fields(request: Request, rx_id: int, user: User = Depends(current_user)):
    form = await request.form()
    typed = {f.name: (form.getlist(f.name) if f.kind == "codes" else form.get(f.name, ""))
             for f in FIELDS if f.name in form}
    return await run_in_threadpool(_save, request, rx_id, typed, user)


def _save(request: Request, rx_id: int, typed: dict, user: User):
    try:
        with request.app.state.factory.begin() as s:
            changed = actions.update_fields(s, rx_id, typed, user.username)
    except ActionRefused as exc:
        with request.app.state.factory() as s:
            return _page(request, s, rx_id, typed=typed, error=exc.message)
    flash(request, f"Saved: {', '.join(changed)}." if changed else "Nothing was changed.")
    return redirect(f"/rx/{rx_id}#fields")


@router.post("/rx/{rx_id}/alerts/{alert_id}/resolve", **post)
def resolve(request: Request, rx_id: int, alert_id: int, note: str = Form(""), user: User = Depends(current_user)):
    return _do(request, rx_id, lambda s: actions.resolve_alert(s, alert_id, user.username, note, rx_id),
               "Alert resolved.", "#alerts")


@router.post("/rx/{rx_id}/approve", **post)
def approve(request: Request, rx_id: int, user: User = Depends(current_user)):
    try:
        with request.app.state.factory.begin() as s:
            actions.approve(s, rx_id, user.username)
    except ActionRefused as exc:
        flash(request, exc.message, "error")
        return redirect(f"/rx/{rx_id}#decision")
    flash(request, f"Prescription #{rx_id} approved and filed.")
    return redirect("/queue")


@router.post("/rx/{rx_id}/reject", **post)
def reject(request: Request, rx_id: int, reason: str = Form(""), user: User = Depends(current_user)):
    try:
        with request.app.state.factory.begin() as s:
            actions.reject(s, rx_id, user.username, reason)
    except ActionRefused as exc:
        flash(request, exc.message, "error")
        return redirect(f"/rx/{rx_id}#decision")
    flash(request, f"Prescription #{rx_id} rejected.")
    return redirect("/queue")


@router.post("/rx/{rx_id}/client/attach", **post)
def attach(request: Request, rx_id: int, client_id: int = Form(...), user: User = Depends(current_user)):
    return _do(request, rx_id, lambda s: actions.attach_client(s, rx_id, client_id, user.username),
               f"Attached to client #{client_id}.", "#client")


@router.post("/rx/{rx_id}/client/confirm", **post)
def confirm(request: Request, rx_id: int, user: User = Depends(current_user)):
    return _do(request, rx_id, lambda s: actions.confirm_client(s, rx_id, user.username),
               "New client confirmed.", "#client")


@router.get("/rx/{rx_id}/documents/{doc_id}/pages/{page}.png")
def page_image(request: Request, rx_id: int, doc_id: int, page: int, s: Session = Depends(db)):
    doc = documents.find(s, rx_id, doc_id)
    try:
        png = documents.page_png(request.app.state.store, request.app.state.settings, doc, page - 1)
    except (IndexError, FileNotFoundError):
        raise NotFound(f"Page {page} of this document does not exist.") from None
    except UnreadableDocument as exc:
        raise NotFound(f"This page cannot be shown: {exc.reason}. Download the original instead.") from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.get("/rx/{rx_id}/documents/{doc_id}/original")
def original(request: Request, rx_id: int, doc_id: int, s: Session = Depends(db)):
    doc = documents.find(s, rx_id, doc_id)
    data = documents.raw(request.app.state.store, doc.sha256)
    return documents.download(data, doc.content_type, doc.filename or f"document-{doc.id}")


@router.get("/rx/{rx_id}/message.eml")
def message_raw(request: Request, rx_id: int, s: Session = Depends(db)):
    rx = actions.get_rx(s, rx_id)
    msg = rx.message
    data = documents.raw(request.app.state.store, msg.raw_sha256)
    if msg.source_path.lower().endswith(".eml") or msg.message_id:
        return documents.download(data, "message/rfc822", f"message-{msg.id}.eml")
    # a file dropped in the inbox folder: the original file as it came
    return documents.download(data, "application/octet-stream", msg.source_path.rsplit("/", 1)[-1])
