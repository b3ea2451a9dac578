"""Filed records in the CONTRACT's extraction shape, for `rxintake export`.

Every record is exported: filed, needs_review, rejected and mail without a prescription, so every
message processed appears once. The prescription fields come from the record's columns (staff
corrections show), the source from the message as it arrived. Alerts are the extraction's followed
by the filing alerts (`unknown_client`, `duplicate`), open and resolved alike, in the schema's shape.
`status` is the record's status; filing warnings never change it, and a rejected record is exported
as `needs_review` with `record_status: "rejected"` (the schema knows only filed/needs_review).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from records.models import MessageRecord, Prescription

BATCH = 500


def record_to_dict(rx: Prescription) -> dict[str, Any]:
    stored = rx.extraction or {}
    msg = rx.message
    source = dict(stored.get("source") or {})
    source.update({"path": msg.source_path, "message_id": msg.message_id, "from": msg.from_addr,
                   "subject": msg.subject, "date": msg.date,
                   "documents": [{"filename": d.filename, "content_type": d.content_type, "sha256": d.sha256,
                                  "pages": d.pages, "text_source": d.text_source} for d in msg.documents]})
    if rx.per_week is None and rx.weeks is None:
        frequency = (stored.get("prescription") or {}).get("frequency")
    else:
        frequency = {"per_week": rx.per_week, "weeks": rx.weeks}
    prescription = {
        "patient": {"name": rx.patient_name, "dob": _iso(rx.patient_dob)},
        "diagnoses": list(rx.diagnoses or []),
        "procedures": list(rx.procedures or []),
        "visits": rx.visits,
        "frequency": frequency,
        "written_date": _iso(rx.written_date),
        "start_date": _iso(rx.start_date),
        "end_date": _iso(rx.end_date),
        "prescriber": {"name": rx.prescriber_name, "npi": rx.prescriber_npi},
    }
    return {
        "source": source,
        "prescription": prescription,
        "alerts": [{"code": a.code, "severity": a.severity, "field": a.field, "message": a.message}
                   for a in rx.alerts],
        "status": rx.status if rx.status in ("filed", "needs_review") else "needs_review",
        "code_set": stored.get("code_set"),
        "payer": stored.get("payer"),
        "record_id": rx.id,
        "client_id": rx.client_id,
        "message_uid": msg.source_ref,
        "record_status": rx.status,
        "duplicate_of": rx.duplicate_of,
        "filed_at": _utc(msg.filed_at),
    }


def _utc(t: datetime | None) -> str | None:
    """SQLite hands back naive datetimes; they were stored in UTC."""
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=timezone.utc)).isoformat()


def _iso(d) -> str | None:  # noqa: ANN001
    return d.isoformat() if d else None


def iter_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every record in filing order, loaded in batches so memory stays flat on a big database."""
    last = 0
    while True:
        rows = session.scalars(
            select(Prescription).where(Prescription.id > last).order_by(Prescription.id).limit(BATCH)
            .options(selectinload(Prescription.alerts),
                     selectinload(Prescription.message).selectinload(MessageRecord.documents))).all()
        if not rows:
            return
        for rx in rows:
            yield record_to_dict(rx)
        last = rows[-1].id
        session.expunge_all()
