"""What staff do to a record, for the web page and the CLI alike; every change lands in the audit trail.

Decision: a prescription with an open *error* alert cannot be approved. Staff correct the field
and resolve the alert with a note (the note says why it is fine now); open *warnings* are
resolved automatically on approval with the note "accepted on approval". Callers own the
transaction: `with factory.begin() as s: approve(s, 12, "maria")`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from records.models import AlertRecord, AuditEntry, Client, Prescription
from review import fields as F
from rxintake.errors import ActionRefused, NotFound
from rxintake.logs import log_event

log = logging.getLogger("rxintake.review")


def now() -> datetime:
    return datetime.now(timezone.utc)


def audit(s: Session, rx_id: int | None, user: str, action: str, field: str | None = None,
          before: str | None = None, after: str | None = None, note: str | None = None) -> None:
    s.add(AuditEntry(prescription_id=rx_id, user=user, at=now(), action=action, field=field,
                     before=before, after=after, note=note))


def get_rx(s: Session, rx_id: int, for_update: bool = False) -> Prescription:
    stmt = select(Prescription).where(Prescription.id == rx_id)
    if for_update:
        stmt = stmt.with_for_update()
    rx = s.scalar(stmt)
    if rx is None:
        raise NotFound(f"There is no prescription #{rx_id}.")
    return rx


def get_alert(s: Session, alert_id: int) -> AlertRecord:
    alert = s.get(AlertRecord, alert_id)
    if alert is None:
        raise NotFound(f"There is no alert #{alert_id}.")
    return alert


def update_fields(s: Session, rx_id: int, typed: dict, user: str) -> list[str]:
    """Apply the typed values (field name -> text, or list of codes); returns the fields that changed.

    Every value is checked before any is applied, so a bad code leaves the record untouched.
    """
    rx = get_rx(s, rx_id, for_update=True)
    if rx.status == "rejected":
        raise ActionRefused(f"Prescription #{rx_id} was rejected; it can no longer be changed.")
    unknown = set(typed) - set(F.BY_NAME)
    if unknown:
        raise ActionRefused(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    parsed = {name: F.parse(F.BY_NAME[name], raw) for name, raw in typed.items()}
    changed = []
    for name, value in parsed.items():
        old = getattr(rx, name)
        if F.show(old) == F.show(value):
            continue
        setattr(rx, name, value)
        audit(s, rx.id, user, "edit", name, F.show(old), F.show(value))
        changed.append(name)
    if rx.visits is not None and (rx.visits_used or 0) > rx.visits:
        raise ActionRefused(f"Visits used ({rx.visits_used}) cannot exceed visits authorized ({rx.visits}).")
    if rx.start_date and rx.end_date and rx.end_date < rx.start_date:
        raise ActionRefused("The end date is before the start date.")
    return changed


def resolve_alert(s: Session, alert_id: int, user: str, note: str, rx_id: int | None = None) -> AlertRecord:
    alert = get_alert(s, alert_id)
    if rx_id is not None and alert.prescription_id != rx_id:
        raise NotFound(f"Alert #{alert_id} does not belong to prescription #{rx_id}.")
    note = F.clean_text(note)
    if not note:
        raise ActionRefused("Say in a note why the alert is resolved (what was checked or corrected).")
    if alert.status == "resolved":
        raise ActionRefused(f"Alert #{alert_id} was already resolved by {alert.resolved_by}.")
    _resolve(s, alert, user, note)
    return alert


def _resolve(s: Session, alert: AlertRecord, user: str, note: str) -> None:
    log_event(log, "review.alert_resolved", alert_id=alert.id, record_id=alert.prescription_id, code=alert.code,
              user=user)
    alert.status, alert.resolved_by, alert.resolved_at, alert.note = "resolved", user, now(), note
    audit(s, alert.prescription_id, user, "resolve_alert", alert.code, "open", "resolved", note)


def open_errors(rx: Prescription) -> list[AlertRecord]:
    return [a for a in rx.alerts if a.status == "open" and a.severity == "error"]


def approve(s: Session, rx_id: int, user: str) -> Prescription:
    rx = get_rx(s, rx_id, for_update=True)
    if rx.status != "needs_review":
        raise ActionRefused(f"Prescription #{rx_id} is {rx.status.replace('_', ' ')}, not waiting for review.")
    if not rx.has_prescription:
        raise ActionRefused("This message holds no prescription: reject it with a reason instead.")
    errors = open_errors(rx)
    if errors:
        raise ActionRefused("Resolve the open errors first: " + "; ".join(a.message for a in errors) + ".")
    if rx.client_id is None:
        raise ActionRefused("Attach the prescription to a client first.")
    if rx.client is not None and rx.client.needs_review:  # approving accepts the new client too
        rx.client.needs_review = False
        audit(s, rx.id, user, "confirm_client", "client", _client_label(rx.client) + " (new)",
              _client_label(rx.client))
    for alert in rx.alerts:
        if alert.status == "open":
            _resolve(s, alert, user, "accepted on approval")
    _set_status(s, rx, "filed", user)
    return rx


def reject(s: Session, rx_id: int, user: str, reason: str) -> Prescription:
    rx = get_rx(s, rx_id, for_update=True)
    reason = F.clean_text(reason)
    if not reason:
        raise ActionRefused("Give a reason for rejecting the prescription.")
    if rx.status == "rejected":
        raise ActionRefused(f"Prescription #{rx_id} is already rejected.")
    for alert in rx.alerts:
        if alert.status == "open":
            _resolve(s, alert, user, f"prescription rejected: {reason}")
    rx.reject_reason = reason
    rx.fingerprint = None  # the office's corrected resend of this script is filed afresh, not as its duplicate
    _set_status(s, rx, "rejected", user, note=reason)
    return rx


def _set_status(s: Session, rx: Prescription, status: str, user: str, note: str | None = None) -> None:
    log_event(log, "review.approved" if status == "filed" else "review.rejected", record_id=rx.id, user=user)
    audit(s, rx.id, user, "approve" if status == "filed" else "reject", "status", rx.status, status, note)
    rx.status, rx.reviewed_by, rx.reviewed_at = status, user, now()


def attach_client(s: Session, rx_id: int, client_id: int, user: str) -> Prescription:
    """Move the prescription to an existing client; a client created only for it is removed."""
    rx = get_rx(s, rx_id, for_update=True)
    client = s.get(Client, client_id)
    if client is None:
        raise NotFound(f"There is no client #{client_id}.")
    old = rx.client
    if old is not None and old.id == client.id:
        return rx
    rx.client = client
    audit(s, rx.id, user, "attach_client", "client", _client_label(old), _client_label(client))
    _close_unknown_client(s, rx, user, f"attached to existing client #{client.id}")
    s.flush()
    if old is not None and old.needs_review and old.source == "intake":
        others = s.scalar(select(func.count()).select_from(Prescription).where(Prescription.client_id == old.id))
        if not others:
            s.delete(old)
    return rx


def confirm_client(s: Session, rx_id: int, user: str) -> Client:
    """Confirm the client created for this prescription as a new client (or create it now)."""
    from records.matching import name_key

    rx = get_rx(s, rx_id, for_update=True)
    client = rx.client
    if client is None:
        key = name_key(rx.patient_name)
        if key is None:
            raise ActionRefused("Enter the patient's name first.")
        same = s.scalar(select(Client).where(Client.first_norm == key.first, Client.last_norm == key.last,
                                             Client.dob == rx.patient_dob))
        if same is not None:
            raise ActionRefused(f"Client #{same.id} has this name and date of birth: attach the prescription to it.")
        client = Client(name=rx.patient_name, first_norm=key.first, last_norm=key.last, dob=rx.patient_dob,
                        source="intake", needs_review=False)
        s.add(client)
        rx.client = client
        s.flush()
        audit(s, rx.id, user, "create_client", "client", "", _client_label(client))
    elif client.needs_review:
        client.needs_review = False
        audit(s, rx.id, user, "confirm_client", "client", _client_label(client) + " (new)", _client_label(client))
    _close_unknown_client(s, rx, user, "new client confirmed")
    return client


def _close_unknown_client(s: Session, rx: Prescription, user: str, note: str) -> None:
    for alert in rx.alerts:
        if alert.code == "unknown_client" and alert.status == "open":
            _resolve(s, alert, user, note)


def _client_label(client: Client | None) -> str:
    if client is None:
        return ""
    dob = f", born {client.dob.isoformat()}" if client.dob else ""
    return f"#{client.id} {client.name}{dob}"
