"""The clinic's rules run again on a record's fields as staff corrected them.

Shown beside the alerts (read-only, never stored) so staff see whether a correction cleared the
problem before they resolve the alert, and whether it raised a new one.
"""

from __future__ import annotations

import email.utils
from datetime import date, datetime

from records.models import Prescription as Record
from rxintake.models import Alert, Diagnosis, Frequency, Patient, Prescriber, Prescription


def as_prescription(rx: Record) -> Prescription:
    freq = Frequency(per_week=rx.per_week, weeks=rx.weeks) if rx.per_week or rx.weeks else None
    return Prescription(
        patient=Patient(name=rx.patient_name, dob=rx.patient_dob),
        diagnoses=[Diagnosis(code=d["code"], description=d.get("description")) for d in rx.diagnoses or []],
        procedures=list(rx.procedures or []), visits=rx.visits, frequency=freq, written_date=rx.written_date,
        start_date=rx.start_date, end_date=rx.end_date,
        prescriber=Prescriber(name=rx.prescriber_name, npi=rx.prescriber_npi))


def message_date(rx: Record) -> date | None:
    raw = rx.message.date if rx.message else None
    if raw:
        try:
            return datetime.fromisoformat(raw).date()
        except ValueError:
            try:
                return email.utils.parsedate_to_datetime(raw).date()
            except (TypeError, ValueError):
                pass
    return rx.created_at.date() if rx.created_at else None


def findings(rx: Record, rules_file=None) -> list[Alert] | None:  # noqa: ANN001
    """What the rules say about the current fields; None for mail that holds no prescription."""
    from rules.engine import evaluate, load_rules

    if not rx.has_prescription:
        return None
    return evaluate(as_prescription(rx), load_rules(rules_file), message_date=message_date(rx),
                    payer=(rx.extraction or {}).get("payer"))
