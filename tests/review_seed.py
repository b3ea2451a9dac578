"""Invented prescriptions filed the way the service files them, for the review page's tests.

Each one is a real email (body + a text PDF made with reportlab) kept in the RawStore, an
extraction checked by the real rules engine, and `records.filing.file_extraction`.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date, timedelta
from email.message import EmailMessage

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas

from records.filing import file_extraction
from rules.engine import load_rules, evaluate
from rxintake.models import DocumentInfo, Extraction, Prescription, Source
from worker.store import RawStore


def pdf_bytes(lines: list[str]) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=LETTER)
    y = 720
    for line in lines:
        c.drawString(72, y, line)
        y -= 20
    c.showPage()
    c.save()
    return buf.getvalue()


def unique_person(tag: str = "") -> tuple[str, date]:
    u = uuid.uuid4().int
    last = "".join(chr(ord("a") + (u >> (5 * i)) % 26) for i in range(7)).capitalize()
    return f"Jane{tag} {last}", date(1950 + u % 50, 1 + (u >> 8) % 12, 1 + (u >> 16) % 28)


def seed(factory, data_dir, *, name: str | None = None, dob: date | None = None,  # noqa: ANN001
         codes=("M54.2",), npi: str | None = "1234567893", prescriber: str | None = "Alan Smith, MD",
         start: date | None = None, end: date | None = None, visits: int | None = 8,
         received: date | None = None) -> int:
    """File one prescription; returns its record id. Alerts come from the default rules."""
    if name is None:
        name, dob = unique_person()
    start = start or date.today() - timedelta(days=3)
    end = end if end is not None else start + timedelta(days=28)
    received = received or start
    store = RawStore(data_dir)
    pdf = pdf_bytes(["Physical therapy prescription", f"Patient: {name}  DOB: {dob}",
                     f"Diagnosis: {', '.join(codes)}", f"Visits: {visits}  Start: {start}  End: {end}",
                     f"Prescriber: {prescriber}  NPI: {npi}"])
    pdf_sha = store.put(pdf)
    mail = EmailMessage()
    mail["From"] = "frontdesk@physician.example"
    mail["To"] = "intake@clinic.example"
    mail["Subject"] = "Prescription"
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@physician.example>"
    mail.set_content("Please find the prescription attached.\nPhone 555-0100")
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename="rx.pdf")
    raw = bytes(mail)
    raw_sha = store.put(raw)
    p = Prescription.model_validate({
        "patient": {"name": name, "dob": dob}, "diagnoses": [{"code": c} for c in codes],
        "procedures": ["97124"], "visits": visits, "frequency": None,
        "written_date": start, "start_date": start, "end_date": end,
        "prescriber": {"name": prescriber, "npi": npi}})
    alerts = evaluate(p, load_rules(), message_date=received)
    ex = Extraction(source=Source(path="rx.eml", message_id=mail["Message-ID"], from_="frontdesk@physician.example",
                                  subject="Prescription", date=f"{received.isoformat()}T09:00:00-05:00",
                                  documents=[DocumentInfo(filename="rx.pdf", content_type="application/pdf",
                                                          sha256=pdf_sha, pages=1, text_source="text_layer")]),
                    prescription=p, alerts=alerts,
                    status="needs_review" if any(a.severity == "error" for a in alerts) else "filed")
    with factory() as s:
        return file_extraction(s, ex, raw_sha256=raw_sha, source_ref=f"test:{hashlib.sha1(raw).hexdigest()}").record_id


# ---- fixtures shared by the review tests ---------------------------------------------------

import re  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

PASSWORD = "correct horse battery"


@dataclass
class ReviewEnv:
    settings: object
    factory: object
    data_dir: Path
    app: object

    def seed(self, **kw) -> int:
        return seed(self.factory, self.data_dir, **kw)

    def add_user(self, name: str, password: str = PASSWORD, active: bool = True) -> None:
        from records.models import User
        from review.security import hash_password

        with self.factory.begin() as s:
            s.add(User(username=name, password_hash=hash_password(password), display_name=name.title(),
                       active=active))


def make_env(db_url: str, data_dir: Path, **overrides) -> ReviewEnv:
    from records.db import ensure_schema, get_engine, session_factory
    from review.app import create_app
    from rxintake.settings import Settings

    settings = Settings(data_dir=data_dir, database_url=db_url, **overrides)
    engine = get_engine(db_url)
    ensure_schema(engine)
    return ReviewEnv(settings, session_factory(engine), data_dir, create_app(settings))


@pytest.fixture(scope="module")
def review_env(db_url, tmp_path_factory) -> ReviewEnv:  # noqa: ANN001
    env = make_env(db_url, tmp_path_factory.mktemp("review-data"))
    env.add_user("maria")
    return env


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username: str = "maria", password: str = PASSWORD):  # noqa: ANN001, ANN201
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text),
                                       "next": "/queue"}, follow_redirects=False)


@pytest.fixture()
def staff(review_env):  # noqa: ANN001, ANN201
    """A TestClient logged in as maria."""
    from fastapi.testclient import TestClient

    with TestClient(review_env.app, base_url="http://testserver") as client:
        assert login(client).status_code == 303
        yield client
