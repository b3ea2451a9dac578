"""Prescription + the clinic's rules -> alerts. Pure: data in, alerts out.

The only I/O is reading the rules file (load_rules) and, on first use, the ICD-10-CM table.
Alert codes and severities are those of the CONTRACT; rules say when they apply. Codes added
here: stale_prescription (error), expiring_soon (warning), procedure_not_covered (error).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from rxintake.models import Alert, Prescription
from rules.diagnoses import check_code
from rules.npi import npi_is_valid
from rules.schema import Policy, Rules, parse_rules, read_rules_file

DEFAULT_RULES = Path(__file__).resolve().parent / "default.yaml"

# which low_confidence fields stand in for which missing_* alert
_FIELDS = {
    "missing_patient_name": ("patient.name", {"patient.name", "patient"}),
    "missing_patient_dob": ("patient.dob", {"patient.dob", "patient"}),
    "missing_diagnosis": ("diagnoses", {"diagnoses", "diagnosis"}),
    "missing_visit_count": ("visits", {"visits", "frequency", "frequency.per_week", "frequency.weeks"}),
    "missing_start_date": ("start_date", {"start_date", "written_date"}),
    "missing_end_date": ("end_date", {"end_date"}),
    "missing_prescriber": ("prescriber", {"prescriber", "prescriber.name", "prescriber.npi"}),
}
_REQUIRED = {"patient.name": "missing_patient_name", "patient.dob": "missing_patient_dob",
             "diagnoses": "missing_diagnosis", "visits": "missing_visit_count",
             "start_date": "missing_start_date", "end_date": "missing_end_date",
             "prescriber": "missing_prescriber"}
_MISSING_TEXT = {
    "missing_patient_name": "No patient name found",
    "missing_patient_dob": "No patient date of birth found",
    "missing_diagnosis": "No ICD-10-CM diagnosis code found (a diagnosis in words only needs a code)",
    "missing_visit_count": "No number of visits or frequency/duration found",
    "missing_start_date": "No start date and no date the prescription was written",
    "missing_end_date": "No end date, duration or validity found: check how long the prescription is valid",
    "missing_prescriber": "No prescriber name or NPI found",
}


def load_rules(path: Path | None = None) -> Rules:
    """The rules in `path`, or the shipped default when None. Raises RulesError when invalid."""
    if path is None:
        return _default_rules()
    return read_rules_file(Path(path))


@lru_cache(maxsize=1)
def _default_rules() -> Rules:
    return parse_rules(DEFAULT_RULES.read_text(encoding="utf-8"), "rules/default.yaml")


def _nothing_read(p: Prescription) -> bool:
    return not (p.patient.name or p.patient.dob or p.diagnoses or p.procedures or p.visits or p.frequency
                or p.written_date or p.start_date or p.end_date or p.prescriber.name or p.prescriber.npi)


def effective_end(p: Prescription, policy: Policy) -> date | None:
    """The stated end date, else start + 7 x weeks, else start + the rules' default validity."""
    if p.end_date:
        return p.end_date
    start = p.start_date or p.written_date
    if start and p.frequency and p.frequency.weeks:
        return start + timedelta(days=round(7 * p.frequency.weeks))
    if start and policy.default_validity_days:
        return start + timedelta(days=policy.default_validity_days)
    return None


def _missing(p: Prescription, policy: Policy) -> set[str]:
    found = set()
    if not p.patient.name:
        found.add("missing_patient_name")
    if not p.patient.dob:
        found.add("missing_patient_dob")
    if not p.diagnoses:
        found.add("missing_diagnosis")
    if p.visits is None and not (p.frequency and p.frequency.per_week and p.frequency.weeks):
        found.add("missing_visit_count")
    if not (p.start_date or p.written_date):
        found.add("missing_start_date")
    if effective_end(p, policy) is None:
        found.add("missing_end_date")
    if not (p.prescriber.name or p.prescriber.npi):
        found.add("missing_prescriber")
    return found


def evaluate(p: Prescription, rules: Rules, *, message_date: date | None = None,
             prior_alerts: list[Alert] | None = None, payer: str | None = None) -> list[Alert]:
    """The alerts the rules raise on `p`, given the parse-level alerts already raised.

    No missing_* alert when the message holds no prescription, or when an attachment was
    unreadable and nothing prescription-like was read; none for a field that OCR could not
    read with confidence (its low_confidence alert already says so).
    """
    prior = prior_alerts or []
    if any(a.code == "no_prescription" for a in prior):
        return []
    if any(a.code == "unreadable_document" for a in prior) and _nothing_read(p):
        return []
    unsure = {a.field for a in prior if a.code == "low_confidence" and a.field}
    policy = rules.policy_for(payer)
    alerts: list[Alert] = []

    missing = _missing(p, policy)
    for name in rules.required:
        code = _REQUIRED[name]
        field, aliases = _FIELDS[code]
        if code in missing and not (aliases & unsure):
            severity = "warning" if code == "missing_end_date" else "error"
            alerts.append(Alert(code=code, severity=severity, field=field, message=_MISSING_TEXT[code]))

    seen = set()
    for dx in p.diagnoses:
        if dx.code in seen:
            continue
        seen.add(dx.code)
        alert = check_code(dx.code, policy.covered_codes or [], rules.header_since)
        if alert:
            alerts.append(alert)

    if p.prescriber.npi and not npi_is_valid(p.prescriber.npi):
        alerts.append(Alert(code="invalid_npi", severity="error", field="prescriber.npi",
                            message=f"NPI {p.prescriber.npi} fails the NPI check digit: check it with the "
                                    "prescriber's office or the NPI registry"))

    alerts += _dates(p, policy, message_date)
    alerts += _procedures(p, policy, rules, payer)
    return alerts


def _dates(p: Prescription, policy: Policy, message_date: date | None) -> list[Alert]:
    if message_date is None:
        return []
    out = []
    end = effective_end(p, policy)
    if end and end < message_date:
        if p.end_date:
            how = "ended"
        elif p.frequency and p.frequency.weeks:
            how = "ended (start date plus the weeks prescribed)"
        else:
            how = "ended (by the rules' default validity)"
        out.append(Alert(code="expired", severity="error", field="end_date",
                         message=f"The prescription {how} on {end.isoformat()}, before it arrived on "
                                 f"{message_date.isoformat()}: a new prescription is needed"))
    elif end and policy.expiry_warning_days is not None and (end - message_date).days <= policy.expiry_warning_days:
        out.append(Alert(code="expiring_soon", severity="warning", field="end_date",
                         message=f"The prescription ends on {end.isoformat()}, "
                                 f"{(end - message_date).days} day(s) after it arrived"))
    written = p.written_date or p.start_date
    if written and policy.max_age_days and (message_date - written).days > policy.max_age_days:
        out.append(Alert(code="stale_prescription", severity="error", field="written_date",
                         message=f"The prescription was written on {written.isoformat()}, "
                                 f"{(message_date - written).days} days before it arrived; the rules accept "
                                 f"at most {policy.max_age_days} days"))
    return out


def _procedures(p: Prescription, policy: Policy, rules: Rules, payer: str | None) -> list[Alert]:
    if policy.procedures is None:
        return []
    others = [c for c in dict.fromkeys(p.procedures) if c not in policy.procedures]
    if not others:
        return []
    who = rules.payer_named(payer).name if rules.payer_named(payer) else "this payer"
    return [Alert(code="procedure_not_covered", severity="error", field="procedures",
                  message=f"{who} pays only for {', '.join(policy.procedures)}; "
                          f"not covered: {', '.join(others)}")]
