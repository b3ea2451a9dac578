"""What is wrong with a written ICD-10-CM code, in words the front desk can act on.

Each code gets at most one alert: invalid (not in the code set), non-billable (a header, or a
code that needs its 7th character), or uncovered (billable, but outside the covered ranges).
"""

from __future__ import annotations

from datetime import date

from parsers import icd10
from rxintake.models import Alert
from rules.schema import CodeRange

MAX_LISTED = 6  # list the billable codes under a header when there are at most this many


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _alert(code: str, kind: str, message: str) -> Alert:
    return Alert(code=kind, severity="error", field="diagnoses", message=message)


def _seventh_character(code: str, billable: list[icd10.CodeInfo]) -> str | None:
    """When every billable code under `code` only adds a 7th character, say which to add."""
    if not billable or any(len(c.code) != 8 for c in billable):
        return None
    stems = {c.code[:7] for c in billable}
    if len(stems) != 1:
        return None
    stem = stems.pop()
    options = [f"{c.code} ({c.description.rsplit(', ', 1)[-1]})" for c in billable]
    letters = "/".join(c.code[7] for c in billable)
    return (f"{code} needs a 7th character ({letters}) to be billable: "
            f"use {_or_list(options)}" if len(options) <= MAX_LISTED else
            f"{code} needs a 7th character ({letters}) to be billable, e.g. {stem}A")


def _nonbillable_message(code: str, info: icd10.CodeInfo | None, since: date | None) -> str:
    billable = icd10.billable_children(code)
    seventh = _seventh_character(code, billable)
    if seventh:
        return seventh
    what = f"{code} ({info.description})" if info and info.description else code
    if since and billable and len(billable) <= MAX_LISTED:
        return f"{code} is not billable since {since.strftime('%b %Y')}: use {_or_list([c.code for c in billable])}"
    head = f"{what} is a category header, not a billable code"
    if since:
        head += f" (since {since.strftime('%b %Y')})"
    if not billable:
        return f"{head}: a more specific code is needed"
    if len(billable) <= MAX_LISTED:
        return f"{head}: use {_or_list([c.code for c in billable])}"
    return (f"{head}: a more specific code is needed "
            f"({billable[0].code}\u2013{billable[-1].code}, {len(billable)} codes)")


def _closest(code: str) -> str:
    """A hint naming the longest real code the written one starts with (M54.21 -> M54.2)."""
    flat = code.replace(".", "")
    for k in range(len(flat) - 1, 2, -1):
        head = icd10.normalize(flat[:k])
        info = icd10.lookup(head) if head else None
        if info:
            return f" (the closest real code is {info.code}, {info.description})"
    return ""


def check_code(code: str, covered: list[CodeRange], header_since: dict[str, date]) -> Alert | None:
    """The one alert a written code deserves, or None when it is billable and covered."""
    norm = icd10.normalize(code)
    if norm is None:
        return _alert(code, "invalid_diagnosis", f"{code!r} is not an ICD-10-CM code")
    info = icd10.lookup(norm)
    since = header_since.get(norm)
    if info is None:
        # S13.4XX: a real family of codes, missing its 7th character
        if icd10.billable_children(norm):
            return _alert(norm, "nonbillable_diagnosis", _nonbillable_message(norm, None, since))
        return _alert(norm, "invalid_diagnosis",
                      f"{norm} is not a code in {icd10.release()}: check it with the prescriber"
                      f"{_closest(norm)}")
    if not info.billable:
        return _alert(norm, "nonbillable_diagnosis", _nonbillable_message(norm, info, since))
    if not any(r.covers(norm) for r in covered):
        ranges = ", ".join(str(r) for r in covered) or "none"
        return _alert(norm, "uncovered_diagnosis",
                      f"{norm} ({info.description}) is outside the diagnoses the clinic's rules cover "
                      f"({ranges})")
    return None
