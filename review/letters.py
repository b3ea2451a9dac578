"""The renewal request letter to a prescriber, as a one-page PDF (reportlab).

It names what the clinic needs to keep treating: new start and end dates, the number of visits,
and the diagnosis code(s) to confirm or update.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


@dataclass
class Clinic:
    name: str
    address: str = ""
    phone: str = ""
    fax: str = ""


@dataclass
class RenewalRequest:
    patient_name: str | None
    patient_dob: date | None
    prescriber_name: str | None
    prescriber_npi: str | None
    codes: list[tuple[str, str | None]] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)
    visits: int | None = None
    visits_used: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    reasons: list[str] = field(default_factory=list)


def _d(value: date | None) -> str:
    return value.strftime("%B %-d, %Y") if value else "not stated"


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def renewal_letter(req: RenewalRequest, clinic: Clinic, today: date | None = None) -> bytes:
    today = today or date.today()
    styles = getSampleStyleSheet()
    body, head = styles["BodyText"], styles["Heading2"]
    buf = io.BytesIO()
    pdf = SimpleDocTemplate(buf, pagesize=LETTER, leftMargin=inch, rightMargin=inch, topMargin=inch,
                            bottomMargin=inch, title="Prescription renewal request", author=clinic.name)
    contact = " · ".join(x for x in (clinic.address, clinic.phone and f"Phone {clinic.phone}",
                                     clinic.fax and f"Fax {clinic.fax}") if x)
    story = [_p(clinic.name, head)]
    if contact:
        story.append(_p(contact, body))
    story += [Spacer(1, 12), _p(_d(today), body), Spacer(1, 12),
              _p(f"To: {req.prescriber_name or 'the prescribing physician'}"
                 + (f" (NPI {req.prescriber_npi})" if req.prescriber_npi else ""), body),
              Spacer(1, 8),
              _p(f"Re: renewal of the therapy prescription for {req.patient_name or 'our patient'}"
                 + (f", born {_d(req.patient_dob)}" if req.patient_dob else ""), styles["Heading4"]),
              _p("Your patient is under treatment at our clinic on your prescription. To continue "
                 "treatment without a gap in coverage we need a renewed prescription.", body)]
    if req.reasons:
        story.append(_p("Why now: " + "; ".join(req.reasons) + ".", body))
    codes = ", ".join(f"{c} ({d})" if d else c for c, d in req.codes) or "none on file"
    used = (f"{req.visits_used} of {req.visits}" if req.visits is not None and req.visits_used is not None
            else (str(req.visits) if req.visits is not None else "not stated"))
    rows = [["Current prescription", ""],
            ["Diagnosis (ICD-10-CM)", _p(codes, body)],
            ["Procedures (CPT)", ", ".join(req.procedures) or "not stated"],
            ["Visits authorized / used", used],
            ["Valid", f"{_d(req.start_date)} to {_d(req.end_date)}"]]
    table = Table(rows, colWidths=[2.1 * inch, 4.4 * inch])
    table.setStyle(TableStyle([("SPAN", (0, 0), (1, 0)), ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                               ("GRID", (0, 1), (-1, -1), 0.5, "#888888"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 10), table, Spacer(1, 12), _p("Please send a renewed prescription stating:", body)]
    for item in ("new start and end dates",
                 "the number of visits (or visits per week and number of weeks)",
                 f"the diagnosis code(s), confirmed or updated (currently {codes})",
                 "your signature, the date signed and your NPI"):
        story.append(_p(f"•  {item}", body))
    story += [Spacer(1, 12), _p("Thank you. You can reply by fax or email to the contact above.", body),
              Spacer(1, 18), _p(clinic.name, body)]
    pdf.build(story)
    return buf.getvalue()
