"""Prescription + rules -> alerts. Pure: no I/O apart from reading the rules file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rxintake.models import Alert, Prescription


def load_rules(path: Path | None = None) -> dict:
    return {}


def evaluate(p: Prescription, rules: dict, message_date: date | None = None,
             has_prescription: bool = True) -> list[Alert]:
    if not has_prescription:
        return []
    alerts: list[Alert] = []
    if not p.patient.name:
        alerts.append(Alert(code="missing_patient_name", severity="error", field="patient.name",
                            message="No patient name found"))
    return alerts
