"""Filing an extraction result into the client records, exactly once.

Idempotence rests on UNIQUE constraints, not on looking first: the message's dedup key is unique,
so when two workers file the same message at once one insert fails, its transaction is rolled back
and the second call answers with the record the first one committed. The same goes for a new
client (unique name keys + DOB) and for an active prescription (unique content fingerprint).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import exc, select
from sqlalchemy.orm import Session

from records.db import db_errors, ensure_schema
from records.matching import find_client, name_key
from records.models import AlertRecord, Client, DocumentRecord, MessageRecord, Prescription, utcnow
from rxintake.errors import FilingError
from rxintake.logs import log_event
from rxintake.models import Extraction
from rxintake.settings import Settings, get_settings

log = logging.getLogger("rxintake.records")
ATTEMPTS = 4


@dataclass(frozen=True)
class FiledResult:
    record_id: int
    client_id: int | None
    created: bool
    duplicate_of: int | None
    status: str = "needs_review"


def message_key(message_id: str | None, raw_sha256: str) -> str:
    """The dedup key of a message: Message-ID and content hash together, the hash alone without an id."""
    basis = f"{message_id.strip()}\n{raw_sha256}" if message_id and message_id.strip() else raw_sha256
    return hashlib.sha256(basis.encode()).hexdigest()


def fingerprint(extraction: Extraction, client_id: int | None) -> str | None:
    """What makes two arrivals the same prescription: client, diagnosis codes, start date, prescriber.

    None when there is too little to tell (no client, or neither codes nor a start date), so that
    two unreadable scripts are never taken for one another.
    """
    rx = extraction.prescription
    codes = sorted({d.code.upper() for d in rx.diagnoses})
    if client_id is None or (not codes and rx.start_date is None):
        return None
    prescriber = rx.prescriber.npi
    if not prescriber:
        key = name_key(rx.prescriber.name)
        prescriber = key.last if key else ""
    basis = json.dumps([client_id, codes, str(rx.start_date), prescriber])
    return hashlib.sha256(basis.encode()).hexdigest()


def file_extraction(session: Session, extraction: Extraction, *, raw_sha256: str, source_ref: str,
                    received_at: datetime | None = None, settings: Settings | None = None,
                    on_filed: Callable[[Session, FiledResult], None] | None = None) -> FiledResult:
    """File one message's extraction and commit. Safe to call again for the same message (created=False).

    `source_ref` says where the message came from ('imap:INBOX:<uidvalidity>:<uid>', 'inbox:<file>'),
    `extraction.source.path` is kept as the name export shows, `received_at` is when it arrived.
    `on_filed(session, result)` runs inside the filing transaction, also when the message was filed
    before (e.g. to mark an intake ledger row in the same commit); if it raises, nothing is filed.
    Raises DatabaseUnavailable/DatabaseBusy (transient: retry the job) or FilingError (permanent).
    """
    settings = settings or get_settings()
    bind = session.get_bind()
    ensure_schema(getattr(bind, "engine", bind))
    key = message_key(extraction.source.message_id, raw_sha256)
    for _ in range(ATTEMPTS):
        try:
            with db_errors():
                try:
                    done = _existing(session, key)
                    if done is not None:
                        if on_filed is not None:
                            on_filed(session, done)
                        session.commit()
                        log_event(log, "record.exists", record_id=done.record_id, sha256=raw_sha256)
                        return done
                    result = _file_once(session, extraction, key, raw_sha256, source_ref, received_at, settings)
                    if on_filed is not None:
                        on_filed(session, result)
                    session.commit()
                except exc.IntegrityError:
                    session.rollback()  # another worker won a race; look again
                    continue
        except BaseException:
            _rollback_quietly(session)
            raise
        log_event(log, "record.filed", record_id=result.record_id, client_id=result.client_id,
                  duplicate_of=result.duplicate_of, status=result.status, sha256=raw_sha256)
        return result
    raise FilingError(f"message {raw_sha256[:12]} kept conflicting with concurrent filings")


def _rollback_quietly(session: Session) -> None:
    try:
        session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is reset either way
        pass


def _existing(session: Session, key: str) -> FiledResult | None:
    row = session.execute(
        select(Prescription.id, Prescription.client_id, Prescription.duplicate_of, Prescription.status)
        .join(MessageRecord, Prescription.message_pk == MessageRecord.id)
        .where(MessageRecord.dedup_key == key)).first()
    if row is None:
        return None
    return FiledResult(row.id, row.client_id, False, row.duplicate_of, row.status)


def _file_once(session: Session, extraction: Extraction, key: str, raw_sha256: str, source_ref: str,
               received_at: datetime | None, settings: Settings) -> FiledResult:
    src, rx = extraction.source, extraction.prescription
    has_rx = not any(a.code == "no_prescription" for a in extraction.alerts)
    status = extraction.status
    message = MessageRecord(
        dedup_key=key, message_id=src.message_id, raw_sha256=raw_sha256, source_ref=source_ref,
        source_path=src.path, from_addr=src.from_, subject=src.subject, date=src.date,
        received_at=received_at or utcnow(), filed_at=utcnow(), outcome=status if has_rx else "no_prescription",
        documents=[DocumentRecord(position=i, filename=d.filename, content_type=d.content_type, sha256=d.sha256,
                                  pages=d.pages, text_source=d.text_source)
                   for i, d in enumerate(src.documents)])
    session.add(message)
    session.flush()  # the unique dedup key is claimed here, before any other work

    filing_alerts: list[AlertRecord] = []
    client = _client_for(session, extraction, settings, filing_alerts) if has_rx else None
    client_id = client.id if client else None
    fp = fingerprint(extraction, client_id) if has_rx else None
    original = None
    if fp:
        original = session.scalar(select(Prescription.id).where(
            Prescription.fingerprint == fp, Prescription.duplicate_of.is_(None)).limit(1))
        if original is not None:
            filing_alerts.append(AlertRecord(
                code="duplicate", severity="warning", field=None,
                message=f"The same prescription was already filed as record #{original} "
                        "(same client, diagnosis codes, start date and prescriber)"))

    freq = rx.frequency
    record = Prescription(
        message=message, client_id=client_id, has_prescription=has_rx,
        patient_name=rx.patient.name, patient_dob=rx.patient.dob,
        diagnoses=[d.model_dump(mode="json") for d in rx.diagnoses], procedures=list(rx.procedures),
        visits=rx.visits, per_week=freq.per_week if freq else None, weeks=freq.weeks if freq else None,
        written_date=rx.written_date, start_date=rx.start_date, end_date=rx.end_date,
        prescriber_name=rx.prescriber.name, prescriber_npi=rx.prescriber.npi,
        status=status, fingerprint=fp, duplicate_of=original, extraction=extraction.to_json_dict(),
        alerts=[AlertRecord(code=a.code, severity=a.severity, field=a.field, message=a.message)
                for a in extraction.alerts] + filing_alerts)
    session.add(record)
    session.flush()
    return FiledResult(record.id, client_id, True, original, status)


def _client_for(session: Session, extraction: Extraction, settings: Settings,
                alerts: list[AlertRecord]) -> Client | None:
    """The matching client, or a new one flagged for review with an `unknown_client` warning."""
    patient = extraction.prescription.patient
    match = find_client(session, patient.name, patient.dob, max_edits=settings.client_match_max_edits,
                        min_length=settings.client_match_min_length)
    if match.client is not None:
        return match.client
    key = name_key(patient.name)
    if key is None:  # nothing to match or create: the extraction's own alerts send it to review
        return None
    client = Client(name=patient.name.strip(), first_norm=key.first, last_norm=key.last, dob=patient.dob,
                    source="intake", needs_review=True)
    session.add(client)
    session.flush()
    why = "matches several clients" if match.reason == "ambiguous" else "matched no client record"
    alerts.append(AlertRecord(
        code="unknown_client", severity="warning", field="patient",
        message=f"The patient's name and date of birth {why}; new client #{client.id} was created for review"))
    return client
