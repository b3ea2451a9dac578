"""Short names for alert kinds, for filters and counts (the alerts themselves carry full sentences)."""

from __future__ import annotations

ALERT_KINDS = {
    "no_prescription": "No prescription in the message",
    "unreadable_document": "Attachment cannot be read",
    "low_confidence": "Scan too hard to read",
    "missing_patient_name": "Patient name missing",
    "missing_patient_dob": "Date of birth missing",
    "missing_diagnosis": "No ICD-10 code",
    "invalid_diagnosis": "ICD-10 code does not exist",
    "nonbillable_diagnosis": "ICD-10 code not billable",
    "uncovered_diagnosis": "Diagnosis not covered",
    "missing_visit_count": "Number of visits missing",
    "missing_start_date": "Start date missing",
    "missing_end_date": "End date missing",
    "expired": "Expired",
    "missing_prescriber": "Prescriber missing",
    "invalid_npi": "NPI invalid",
    "unknown_client": "New client to confirm",
    "duplicate": "Already filed before",
}


def alert_kind(code: str) -> str:
    return ALERT_KINDS.get(code, code.replace("_", " ").capitalize())
