"""Filing into the client records on SQLite and PostgreSQL: exactly once, duplicates, clients."""

from __future__ import annotations

import hashlib
import threading
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from records.db import ensure_schema, get_engine, session_factory
from records.filing import file_extraction
from records.models import AlertRecord, Client, MessageRecord, Prescription
from rxintake.models import Extraction
from tests.servers import db_url  # noqa: F401 - fixture

pytestmark = pytest.mark.service


def rx(name: str | None = "Jane Q. Doe", dob: str | None = "1980-04-12", codes=("M54.2",),
       start: str | None = "2026-11-02", npi: str | None = "1234567893", message_id: str | None = "auto",
       path: str = "rx.eml", alerts: list[dict] | None = None) -> Extraction:
    """An extraction result as the pipeline would give it (invented patient)."""
    alerts = alerts or []
    return Extraction.model_validate({
        "source": {"path": path, "message_id": f"<{uuid.uuid4().hex}@clinic.example>" if message_id == "auto"
                   else message_id, "from": "dr@clinic.example", "subject": "Rx",
                   "date": "2026-11-02T09:14:00-08:00",
                   "documents": [{"filename": "rx.pdf", "content_type": "application/pdf",
                                  "sha256": hashlib.sha256(path.encode()).hexdigest(), "pages": 1,
                                  "text_source": "text_layer"}]},
        "prescription": {"patient": {"name": name, "dob": dob},
                         "diagnoses": [{"code": c, "description": None} for c in codes],
                         "procedures": ["97124"], "visits": 8, "frequency": {"per_week": 2, "weeks": 4},
                         "written_date": start, "start_date": start, "end_date": "2026-11-30",
                         "prescriber": {"name": "Alan Smith, MD", "npi": npi}},
        "alerts": alerts,
        "status": "needs_review" if any(a["severity"] == "error" for a in alerts) else "filed",
    })


def sha() -> str:
    return hashlib.sha256(uuid.uuid4().bytes).hexdigest()


def person() -> tuple[str, str]:
    """A unique invented patient (so tests sharing a database do not match each other's clients)."""
    u = uuid.uuid4().hex
    last = "".join(chr(ord("a") + int(c, 16) % 26) for c in u[:8]).capitalize()
    return f"Jane {last}", f"19{int(u[8:10], 16) % 90 + 10}-0{int(u[10], 16) % 9 + 1}-1{int(u[11], 16) % 9}"


@pytest.fixture(scope="module")
def Session(db_url):  # noqa: N802, F811
    engine = get_engine(db_url)
    ensure_schema(engine)
    return session_factory(engine)


def alert_codes(session, record_id: int) -> list[str]:
    return list(session.scalars(select(AlertRecord.code).where(AlertRecord.prescription_id == record_id)
                                .order_by(AlertRecord.id)))


def test_same_message_twice_gives_one_record(Session):  # noqa: N803
    name, dob = person()
    ex, raw = rx(name, dob), sha()
    with Session() as s:
        first = file_extraction(s, ex, raw_sha256=raw, source_ref="inbox:a.eml")
        again = file_extraction(s, ex, raw_sha256=raw, source_ref="inbox:a.eml")
        assert first.created and not again.created
        assert (again.record_id, again.client_id) == (first.record_id, first.client_id)
        assert s.scalar(select(func.count()).select_from(MessageRecord).where(MessageRecord.raw_sha256 == raw)) == 1
        assert alert_codes(s, first.record_id) == ["unknown_client"]  # a new client, flagged


def test_message_without_message_id_is_keyed_by_content(Session):  # noqa: N803
    name, dob = person()
    raw = sha()
    with Session() as s:
        a = file_extraction(s, rx(name, dob, message_id=None), raw_sha256=raw, source_ref="inbox:x.pdf")
        b = file_extraction(s, rx(name, dob, message_id=None), raw_sha256=raw, source_ref="inbox:x.pdf")
        c = file_extraction(s, rx(name, dob, message_id=None, start="2026-12-01"), raw_sha256=sha(),
                            source_ref="inbox:y.pdf")
    assert a.created and not b.created and b.record_id == a.record_id
    assert c.created and c.record_id != a.record_id and c.duplicate_of is None and c.client_id == a.client_id


def test_concurrent_filing_of_one_message_in_threads(Session):  # noqa: N803
    name, dob = person()
    ex, raw = rx(name, dob), sha()
    barrier, results, errors = threading.Barrier(6), [], []

    def work() -> None:
        try:
            with Session() as s:
                barrier.wait()
                results.append(file_extraction(s, ex, raw_sha256=raw, source_ref="imap:INBOX:1:7"))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(r.created for r in results) == 1 and len({r.record_id for r in results}) == 1
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(MessageRecord).where(MessageRecord.raw_sha256 == raw)) == 1
        assert s.scalar(select(func.count()).select_from(Client).where(Client.name == name)) == 1


def test_same_prescription_by_fax_and_email_is_a_duplicate(Session):  # noqa: N803
    name, dob = person()
    with Session() as s:
        email = file_extraction(s, rx(name, dob, path="rx.eml"), raw_sha256=sha(), source_ref="imap:INBOX:1:1")
        # the fax of the same script: other bytes, no Message-ID, name written LAST, FIRST
        last, first = name.split()[1], name.split()[0]
        fax = file_extraction(s, rx(f"{last.upper()}, {first.upper()}", dob, message_id=None, path="fax.tif"),
                              raw_sha256=sha(), source_ref="inbox:fax.tif")
        assert fax.created and fax.client_id == email.client_id and fax.duplicate_of == email.record_id
        assert alert_codes(s, fax.record_id) == ["duplicate"]
        record = s.get(Prescription, fax.record_id)
        assert record.status == "filed"  # a warning does not change the status
        active = s.scalar(select(func.count()).select_from(Prescription).where(
            Prescription.client_id == email.client_id, Prescription.duplicate_of.is_(None)))
        assert active == 1
        # a new script for the same client (other start date) is not a duplicate
        renewal = file_extraction(s, rx(name, dob, start="2027-01-04"), raw_sha256=sha(), source_ref="imap:INBOX:1:2")
        assert renewal.duplicate_of is None and renewal.client_id == email.client_id


def test_a_resent_copy_of_a_rejected_script_is_not_its_duplicate(Session):  # noqa: N803
    from review.actions import reject

    name, dob = person()
    with Session() as s:
        first = file_extraction(s, rx(name, dob, path="rx.eml"), raw_sha256=sha(), source_ref="imap:INBOX:1:21")
        copy = file_extraction(s, rx(name, dob, path="copy.eml"), raw_sha256=sha(), source_ref="imap:INBOX:1:22")
        assert copy.duplicate_of == first.record_id  # while the first stands, a copy is its duplicate
        reject(s, first.record_id, "frontdesk", "signature missing; office asked to resend")
        s.commit()
        resent = file_extraction(s, rx(name, dob, path="resent.eml"), raw_sha256=sha(), source_ref="imap:INBOX:1:23")
        assert resent.created and resent.duplicate_of is None
        assert alert_codes(s, resent.record_id) == []


def test_mail_without_prescription_is_recorded_without_client(Session):  # noqa: N803
    ex = rx(None, None, codes=(), start=None, npi=None, path="newsletter.eml",
            alerts=[{"code": "no_prescription", "severity": "error", "field": None,
                     "message": "The message carries no prescription"}])
    raw = sha()
    with Session() as s:
        clients_before = s.scalar(select(func.count()).select_from(Client))
        r = file_extraction(s, ex, raw_sha256=raw, source_ref="imap:INBOX:1:9")
        assert not file_extraction(s, ex, raw_sha256=raw, source_ref="imap:INBOX:1:9").created
        record = s.get(Prescription, r.record_id)
        assert r.client_id is None and record.client_id is None and not record.has_prescription
        assert record.status == "needs_review" and record.message.outcome == "no_prescription"
        assert alert_codes(s, r.record_id) == ["no_prescription"]
        assert s.scalar(select(func.count()).select_from(Client)) == clients_before


def test_known_client_is_matched_despite_format_and_slips(Session):  # noqa: N803
    with Session() as s:
        known = Client(name="Rosalind Okonkwo-Bellweather", first_norm="rosalind", last_norm="okonkwo bellweather",
                       dob=date(1975, 3, 9), source="import")
        s.add(known)
        s.commit()
        for written in ("OKONKWO-BELLWEATHER, ROSALIND M", "Rosalind M. Okonkwo Bellweather",
                        "Rosalynd Okonkwo-Bellweather", "Ms. Rosalind Okonkwo-Bellweather"):
            r = file_extraction(s, rx(written, "1975-03-09", start=None, codes=()), raw_sha256=sha(),
                                source_ref="inbox:k.pdf")
            assert r.client_id == known.id, written
            assert "unknown_client" not in alert_codes(s, r.record_id)
        other_dob = file_extraction(s, rx("Rosalind Okonkwo-Bellweather", "1975-03-08"), raw_sha256=sha(),
                                    source_ref="inbox:k2.pdf")
        assert other_dob.client_id != known.id
        assert "unknown_client" in alert_codes(s, other_dob.record_id)
        assert s.get(Client, other_dob.client_id).needs_review


def test_no_patient_name_gives_no_client(Session):  # noqa: N803
    ex = rx(None, "1970-01-01", alerts=[{"code": "missing_patient_name", "severity": "error",
                                         "field": "patient.name", "message": "No patient name found"}])
    with Session() as s:
        r = file_extraction(s, ex, raw_sha256=sha(), source_ref="inbox:n.pdf")
        assert r.client_id is None and r.duplicate_of is None
        assert alert_codes(s, r.record_id) == ["missing_patient_name"]
        assert s.get(Prescription, r.record_id).status == "needs_review"


def test_new_patient_in_several_messages_at_once_gives_one_client_one_original(Session):  # noqa: N803
    """Fax and email copies of a new patient's script filed in parallel: one client, one active script."""
    name, dob = person()
    barrier, results, errors = threading.Barrier(4), [], []

    def work(i: int) -> None:
        try:
            with Session() as s:
                barrier.wait()
                results.append(file_extraction(s, rx(name, dob, path=f"copy{i}.eml"), raw_sha256=sha(),
                                               source_ref=f"inbox:copy{i}.eml"))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len({r.client_id for r in results}) == 1 and all(r.created for r in results)
    originals = [r for r in results if r.duplicate_of is None]
    assert len(originals) == 1
    assert {r.duplicate_of for r in results if r.duplicate_of} == {originals[0].record_id}


def test_filing_recovers_after_the_server_drops_connections(Session):  # noqa: N803
    """Connections killed under the pool (a database restart): the next filing reconnects by itself."""
    engine = Session.kw["bind"]
    with Session() as s:
        first = file_extraction(s, rx(*person()), raw_sha256=sha(), source_ref="inbox:r1.pdf")
        if engine.dialect.name == "postgresql":
            from tests.servers import _admin_sql

            killed = _admin_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                f"WHERE datname = '{engine.url.database}'")
            assert killed  # the pooled connection was really cut
        else:
            engine.dispose()  # SQLite has no server; a new pool is the nearest thing
        second = file_extraction(s, rx(*person()), raw_sha256=sha(), source_ref="inbox:r2.pdf")
    assert first.created and second.created and second.record_id > first.record_id


def test_on_filed_runs_in_the_filing_transaction(Session):  # noqa: N803
    """A hook that fails leaves nothing filed; a hook that works commits together with the record."""
    from records.models import AuditEntry

    ex, raw = rx(*person()), sha()

    def broken(session, result):  # noqa: ANN001
        raise RuntimeError("ledger unavailable")

    def note(session, result):  # noqa: ANN001
        session.add(AuditEntry(prescription_id=result.record_id, user="intake", action="filed", note=raw))

    with Session() as s:
        with pytest.raises(RuntimeError):
            file_extraction(s, ex, raw_sha256=raw, source_ref="inbox:h.pdf", on_filed=broken)
        assert s.scalar(select(func.count()).select_from(MessageRecord).where(MessageRecord.raw_sha256 == raw)) == 0
        first = file_extraction(s, ex, raw_sha256=raw, source_ref="inbox:h.pdf", on_filed=note)
        again = file_extraction(s, ex, raw_sha256=raw, source_ref="inbox:h.pdf", on_filed=note)
        assert first.created and not again.created
        notes = s.scalars(select(AuditEntry.prescription_id).where(AuditEntry.note == raw)).all()
        assert notes == [first.record_id, first.record_id]
