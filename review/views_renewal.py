"""Renewal watch: filed prescriptions about to end or almost used up, and the letter to the prescriber."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from review import actions, documents, queries
from review.letters import Clinic, RenewalRequest, renewal_letter
from review.web import current_user, db, render

router = APIRouter(dependencies=[Depends(current_user)])


def renewal_list(s: Session, settings, today: date | None = None) -> list[queries.Renewal]:  # noqa: ANN001
    return queries.renewals(s, today or date.today(), settings.renewal_days, settings.renewal_visits_left,
                            settings.renewal_lookback_days)


def letter_for(rx, settings, today: date | None = None) -> bytes:  # noqa: ANN001
    today = today or date.today()
    req = RenewalRequest(
        patient_name=rx.patient_name or (rx.client.name if rx.client else None),
        patient_dob=rx.patient_dob or (rx.client.dob if rx.client else None),
        prescriber_name=rx.prescriber_name, prescriber_npi=rx.prescriber_npi,
        codes=[(d.get("code"), d.get("description")) for d in rx.diagnoses or []],
        procedures=list(rx.procedures or []), visits=rx.visits, visits_used=rx.visits_used,
        start_date=rx.start_date, end_date=rx.end_date,
        reasons=queries.renewal_reasons(rx, today, settings.renewal_days, settings.renewal_visits_left))
    clinic = Clinic(settings.clinic_name, settings.clinic_address, settings.clinic_phone, settings.clinic_fax)
    return renewal_letter(req, clinic, today)


@router.get("/renewals")
def renewals_page(request: Request, s: Session = Depends(db)):
    settings = request.app.state.settings
    return render(request, "renewals.html", items=renewal_list(s, settings), days=settings.renewal_days,
                  visits_left=settings.renewal_visits_left)


@router.get("/renewals/{rx_id}/letter.pdf")
def letter(request: Request, rx_id: int, s: Session = Depends(db)):
    rx = actions.get_rx(s, rx_id)
    pdf = letter_for(rx, request.app.state.settings)
    return documents.download(pdf, "application/pdf", f"renewal-request-{rx_id}.pdf")
