"""The prescription fields staff may correct: labels, input kinds, and parsing of what was typed.

Pure functions: a typed value either becomes the stored value or a sentence saying what is wrong
("M54.5 is a category, not a billable code: use M54.50, M54.51 or M54.59").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rxintake.errors import ActionRefused


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text | date | int | float | codes | cpt | npi


FIELDS = [
    Field("patient_name", "Patient name", "text"),
    Field("patient_dob", "Date of birth", "date"),
    Field("diagnoses", "Diagnosis codes (ICD-10-CM)", "codes"),
    Field("procedures", "Procedures (CPT)", "cpt"),
    Field("visits", "Visits authorized", "int"),
    Field("visits_used", "Visits used", "int"),
    Field("per_week", "Visits per week", "float"),
    Field("weeks", "Weeks", "float"),
    Field("written_date", "Written on", "date"),
    Field("start_date", "Start date", "date"),
    Field("end_date", "End date", "date"),
    Field("prescriber_name", "Prescriber", "text"),
    Field("prescriber_npi", "Prescriber NPI", "npi"),
]
BY_NAME = {f.name: f for f in FIELDS}
_CPT = re.compile(r"\d{4}[0-9A-Z]")


def _rules():
    from rules.engine import load_rules
    from rxintake.settings import get_settings

    return load_rules(get_settings().rules_file)


def code_check(code: str) -> tuple[str | None, str | None, dict | None]:
    """(problem, note, {"code", "description"}) for one typed ICD-10-CM code, in the rules' words.

    A problem (not in the code set, not billable) blocks saving; a note (outside the clinic's
    covered ranges) is shown but the code may be kept: staff decide.
    """
    from parsers import icd10
    from rules.diagnoses import check_code

    rules = _rules()
    alert = check_code(code, rules.policy_for(None).covered_codes or [], rules.header_since)
    if alert is not None and alert.code != "uncovered_diagnosis":
        return alert.message, None, None
    info = icd10.lookup(icd10.normalize(code))
    return None, alert.message if alert else None, {"code": info.code, "description": info.description}


def clean_text(text: str | None, limit: int = 500) -> str:
    """Free text (notes, reasons) without control characters (PostgreSQL refuses NUL), trimmed, bounded."""
    return "".join(c if c >= " " or c in "\n\t" else " " for c in (text or "")).strip()[:limit]


def split_list(raw: str | list[str]) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    return [t for item in items for t in re.split(r"[\s,;]+", item or "") if t]


def parse(field: Field, raw) -> object:  # noqa: ANN001 - str, or a list of str for codes
    """The stored value for what was typed; raises ActionRefused naming the field and the problem."""
    text = raw.strip() if isinstance(raw, str) else raw
    if field.kind == "codes":
        out, seen = [], set()
        for code in split_list(raw):
            problem, _note, entry = code_check(code)
            if problem:
                raise ActionRefused(f"{field.label}: {problem}.")
            if entry["code"] not in seen:
                seen.add(entry["code"])
                out.append(entry)
        return out
    if field.kind == "cpt":
        codes = [c.upper() for c in split_list(raw)]
        bad = [c for c in codes if not _CPT.fullmatch(c)]
        if bad:
            raise ActionRefused(f"{field.label}: {', '.join(bad)} is not a five-character CPT code.")
        return list(dict.fromkeys(codes))
    if not text:
        return 0 if field.name == "visits_used" else None
    if field.kind == "text":
        if any(c < " " for c in text):
            raise ActionRefused(f"{field.label}: contains control characters; type it again.")
        if len(text) > 200:
            raise ActionRefused(f"{field.label}: at most 200 characters.")
        return text
    if field.kind == "date":
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise ActionRefused(f"{field.label}: “{text}” is not a date (YYYY-MM-DD).") from None
        if not 1900 <= value.year <= 2100:
            raise ActionRefused(f"{field.label}: {value.isoformat()} is out of range.")
        return value
    if field.kind in ("int", "float"):
        try:
            value = int(text) if field.kind == "int" else float(text)
        except ValueError:
            raise ActionRefused(f"{field.label}: “{text}” is not a number.") from None
        if not 0 <= value <= 999:
            raise ActionRefused(f"{field.label}: must be between 0 and 999.")
        return value
    if field.kind == "npi":
        from rules.npi import npi_is_valid

        if not npi_is_valid(text):
            raise ActionRefused(f"{field.label}: {text} is not a valid NPI (10 digits with a correct check digit).")
        return text
    raise ValueError(field.kind)


def show(value) -> str:  # noqa: ANN001
    """A stored value as a person reads it (audit trail, CLI)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(v["code"] if isinstance(v, dict) else str(v) for v in value)
    return str(value)
