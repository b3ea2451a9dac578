"""Staff work through the queue on the review page: find, correct, resolve, approve or reject; renewals."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta, timezone

import pypdfium2 as pdfium
import pytest
from PIL import Image
from sqlalchemy import update

from records.models import Client, Prescription
from tests.review_seed import csrf_of, review_env, staff  # noqa: F401 - fixtures
from tests.servers import db_url  # noqa: F401 - fixture

pytestmark = pytest.mark.service


def _rx(env, rx_id: int) -> Prescription:  # noqa: ANN001
    with env.factory() as s:
        rx = s.get(Prescription, rx_id)
        rx.alerts, rx.audit  # load them before the session closes  # noqa: B018
        return rx


def _post(client, path: str, **data):  # noqa: ANN001, ANN202
    page = client.get("/queue")  # the token belongs to the session, any page carries it
    return client.post(path, data={"csrf_token": csrf_of(page.text), **data}, follow_redirects=False)


def test_queue_lists_oldest_first_with_alerts_in_plain_words_and_filters(review_env, staff):  # noqa: F811
    doc = f"Dr {uuid.uuid4().hex[:8]}"
    old = review_env.seed(codes=("M54.5",), prescriber=doc)
    new = review_env.seed(codes=("M25.511",), npi="1234567890", prescriber=doc)
    with review_env.factory.begin() as s:  # received ten days apart
        s.execute(update(Prescription).where(Prescription.id == old)
                  .values(created_at=datetime.now(timezone.utc) - timedelta(days=10)))
    page = staff.get("/queue", params={"prescriber": doc})
    assert page.status_code == 200
    html = page.text
    assert html.index(f'href="/rx/{old}"') < html.index(f'href="/rx/{new}"')  # oldest first
    assert "M54.5 is not billable since Oct 2021: use M54.50, M54.51 or M54.59" in html
    assert "fails the NPI check digit" in html
    assert "2 match the filters" in html
    assert 'id="waiting-count"' in html and "ICD-10 code not billable" in html  # counts at the top
    by_kind = staff.get("/queue", params={"prescriber": doc, "alert": "invalid_npi"}).text
    assert f'href="/rx/{new}"' in by_kind and f'href="/rx/{old}"' not in by_kind
    recent = staff.get("/queue", params={"prescriber": doc, "since": (date.today() - timedelta(days=2)).isoformat()}).text
    assert f'href="/rx/{new}"' in recent and f'href="/rx/{old}"' not in recent
    older = staff.get("/queue", params={"prescriber": doc, "until": (date.today() - timedelta(days=5)).isoformat()}).text
    assert f'href="/rx/{old}"' in older and f'href="/rx/{new}"' not in older
    assert "Nothing matches" in staff.get("/queue", params={"prescriber": "no such doctor"}).text
    assert staff.get("/queue", params={"prescriber": "\x00", "alert": "\x00"}).status_code == 200
    assert "Not a date" in staff.get("/queue", params={"since": "yesterday"}).text
    bad = staff.get("/queue", params={"page": "two"})
    assert bad.status_code == 400 and "not right (page)" in bad.text


def test_detail_shows_the_original_beside_the_fields(review_env, staff):  # noqa: F811
    rx_id = review_env.seed(codes=("M54.5",))
    html = staff.get(f"/rx/{rx_id}").text
    rx = _rx(review_env, rx_id)
    with review_env.factory() as s:
        doc = s.get(Prescription, rx_id).message.documents[0]
    src = f"/rx/{rx_id}/documents/{doc.id}/pages/1.png"
    assert src in html and 'alt="Page 1 of rx.pdf"' in html
    png = staff.get(src)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size[0] > 600
    assert staff.get(f"/rx/{rx_id}/documents/{doc.id}/pages/2.png").status_code == 404
    assert staff.get(f"/rx/{rx_id}/documents/{doc.id + 10_000}/pages/1.png").status_code == 404
    original = staff.get(f"/rx/{rx_id}/documents/{doc.id}/original")
    assert original.content.startswith(b"%PDF") and "attachment" in original.headers["content-disposition"]
    assert "Please find the prescription attached." in html  # the mail's own text
    raw = staff.get(f"/rx/{rx_id}/message.eml")
    assert raw.headers["content-type"].startswith("message/rfc822") and b"Message-ID: <" in raw.content
    assert f'value="{rx.patient_name}"' in html and 'type="date"' in html
    for field in ("f-patient_dob", "f-start_date", "f-end_date", "dx-1", "f-prescriber_npi", "reject-reason"):
        assert f'for="{field}"' in html and f'id="{field}"' in html
    assert staff.get("/rx/999999").status_code == 404
    later = review_env.seed(codes=("M54.5",))
    assert f'href="/rx/{later}" rel="next"' in staff.get(f"/rx/{rx_id}").text


def test_fix_a_code_resolve_the_alert_and_approve(review_env, staff):  # noqa: F811
    rx_id = review_env.seed(codes=("M54.5",))
    alert = next(a for a in _rx(review_env, rx_id).alerts if a.code == "nonbillable_diagnosis")
    # approving with an open error is refused, with the reason
    recheck = staff.get(f"/rx/{rx_id}").text.split('id="recheck"')[1].split("</section>")[0]
    assert "M54.5 is not billable" in recheck  # the rules, run on the fields as they are now
    resp = _post(staff, f"/rx/{rx_id}/approve")
    assert resp.status_code == 303
    assert "Resolve the open errors first: M54.5 is not billable" in staff.get(resp.headers["location"]).text
    assert _rx(review_env, rx_id).status == "needs_review"
    # a code outside the code set is refused on save, the record stays as it was
    resp = _post(staff, f"/rx/{rx_id}/fields", diagnoses=["M54.5X"])
    assert resp.status_code == 422 and "M54.5X" in resp.text
    assert _rx(review_env, rx_id).diagnoses[0]["code"] == "M54.5"
    # the right code is saved with its description
    resp = _post(staff, f"/rx/{rx_id}/fields", diagnoses=["m54.50", ""], visits="10", start_date="2026-11-02")
    assert resp.status_code == 303
    rx = _rx(review_env, rx_id)
    assert rx.diagnoses == [{"code": "M54.50", "description": "Low back pain, unspecified"}]
    assert rx.visits == 10 and rx.start_date == date(2026, 11, 2)
    recheck = staff.get(f"/rx/{rx_id}").text.split('id="recheck"')[1].split("</section>")[0]
    assert "The rules find no problem" in recheck and "not billable" not in recheck
    # resolving needs a note
    assert "Say in a note" in staff.get(_post(staff, f"/rx/{rx_id}/alerts/{alert.id}/resolve", note=" ")
                                        .headers["location"]).text
    _post(staff, f"/rx/{rx_id}/alerts/{alert.id}/resolve", note="Corrected to M54.50 per the office")
    resp = _post(staff, f"/rx/{rx_id}/approve")
    assert resp.headers["location"] == "/queue"
    rx = _rx(review_env, rx_id)
    assert rx.status == "filed" and rx.reviewed_by == "maria" and rx.reviewed_at is not None
    assert all(a.status == "resolved" for a in rx.alerts)
    trail = {(e.action, e.field, e.before, e.after) for e in rx.audit}
    assert ("edit", "diagnoses", "M54.5", "M54.50") in trail
    assert ("edit", "visits", "8", "10") in trail
    assert ("resolve_alert", "nonbillable_diagnosis", "open", "resolved") in trail
    assert ("approve", "status", "needs_review", "filed") in trail
    assert all(e.user == "maria" and e.at is not None for e in rx.audit)
    html = staff.get(f"/rx/{rx_id}").text
    assert "Corrected to M54.50 per the office" in html and "Audit trail" in html
    assert f'href="/rx/{rx_id}"' not in staff.get("/queue").text  # left the queue


def test_reject_needs_a_reason_and_closes_the_alerts(review_env, staff):  # noqa: F811
    rx_id = review_env.seed(codes=("M54.5",))
    assert "Give a reason" in staff.get(_post(staff, f"/rx/{rx_id}/reject", reason="").headers["location"]).text
    _post(staff, f"/rx/{rx_id}/reject", reason="Sent to the wrong clinic\x00")  # a stray NUL is dropped
    rx = _rx(review_env, rx_id)
    assert rx.status == "rejected" and rx.reject_reason == "Sent to the wrong clinic"
    assert all(a.status == "resolved" and "Sent to the wrong clinic" in a.note for a in rx.alerts)
    resp = _post(staff, f"/rx/{rx_id}/fields", visits="3")
    assert resp.status_code == 422 and "rejected" in resp.text


def test_attach_to_an_existing_client_or_confirm_the_new_one(review_env, staff):  # noqa: F811
    first = review_env.seed(codes=("M54.2",))
    with review_env.factory() as s:
        existing = s.get(Prescription, first).client
    other = review_env.seed(codes=("M54.2",))
    with review_env.factory() as s:
        made_for_it = s.get(Prescription, other).client_id
    assert staff.get(f"/rx/{other}", params={"client_q": "\x00%_"}).status_code == 200
    hits = staff.get(f"/rx/{other}", params={"client_q": existing.name}).text
    assert f'name="client_id" value="{existing.id}"' in hits
    _post(staff, f"/rx/{other}/client/attach", client_id=str(existing.id))
    rx = _rx(review_env, other)
    assert rx.client_id == existing.id
    assert any(e.action == "attach_client" for e in rx.audit)
    assert next(a for a in rx.alerts if a.code == "unknown_client").status == "resolved"
    with review_env.factory() as s:
        assert s.get(Client, made_for_it) is None  # the client made only for this script is gone
    assert f'href="/rx/{first}"' in staff.get("/queue", params={"scope": "warnings"}).text  # filed, new client
    assert f'href="/rx/{first}"' not in staff.get("/queue").text
    _post(staff, f"/rx/{first}/client/confirm")
    assert f'href="/rx/{first}"' not in staff.get("/queue", params={"scope": "warnings"}).text
    with review_env.factory() as s:
        assert s.get(Client, existing.id).needs_review is False
    assert any(e.action == "confirm_client" for e in _rx(review_env, first).audit)


def test_renewals_list_and_letter(review_env, staff):  # noqa: F811
    today = date.today()
    ending = review_env.seed(codes=("M54.2",), start=today - timedelta(days=20), end=today + timedelta(days=5))
    far = review_env.seed(codes=("M54.2",), start=today - timedelta(days=2), end=today + timedelta(days=60))
    used = review_env.seed(codes=("M25.511",), start=today - timedelta(days=2), end=today + timedelta(days=60),
                           visits=8)
    for rx_id in (ending, far, used):
        assert _rx(review_env, rx_id).status == "filed"
    token = csrf_of(staff.get(f"/rx/{used}").text)
    staff.post(f"/rx/{used}/fields", data={"csrf_token": token, "visits_used": "7"})
    html = staff.get("/renewals").text
    assert f'href="/renewals/{ending}/letter.pdf"' in html and "(in 5 days)" in html
    assert f'href="/renewals/{used}/letter.pdf"' in html and "7 of 8 visits used" in html
    assert f'href="/renewals/{far}/letter.pdf"' not in html
    pdf = staff.get(f"/renewals/{used}/letter.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdfium.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
    assert "M25.511" in text and "7 of 8" in text and "new start and end dates" in text


def test_code_lookup_while_typing(review_env, staff):  # noqa: F811
    ok = staff.get("/api/codes", params={"q": "m54.50"}).json()
    assert ok["valid"] and ok["code"] == "M54.50" and ok["description"] == "Low back pain, unspecified"
    header = staff.get("/api/codes", params={"q": "M54.5"}).json()
    assert not header["valid"] and "not billable" in header["problem"]
    assert [s["code"] for s in header["suggestions"]] == ["M54.50", "M54.51", "M54.59"]
    assert not staff.get("/api/codes", params={"q": "Q99.99"}).json()["valid"]
    assert staff.get("/api/codes", params={"q": "hello"}).json()["code"] is None
