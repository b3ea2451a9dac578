"""Real originals from the shared corpus on the review page: every kind of document a clinic receives
(text and scanned PDFs, fax TIFFs, phone photos, PNGs, mail bodies, a corrupt PDF) is shown to staff.

The messages are parsed by the real MIME parser and filed with their expected fields; no OCR runs
here (the pages are only rendered as images).
"""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from parsers.mail import parse_message
from records.filing import file_extraction
from review.labels import ALERT_KINDS
from rxintake.models import Alert, DocumentInfo, Extraction, Source
from tests.conftest import DEV
from tests.review_seed import login, make_env
from worker.store import RawStore

CASES = {"dev001": "corrupt_pdf", "dev002": "body_only", "dev004": "text_pdf", "dev007": "scan_pdf",
         "dev011": "png", "dev016": "fax_tiff", "dev022": "body_only", "dev030": "photo_jpg"}
WARNINGS = {"missing_end_date", "unknown_client", "duplicate"}


def file_case(env, case: str) -> int:  # noqa: ANN001
    raw = (DEV / f"{case}.eml").read_bytes()
    truth = json.loads((DEV / f"{case}.truth.json").read_text())
    exp, meta = truth["expect"], truth["meta"]
    store = RawStore(env.data_dir)
    msg = parse_message(raw, path=f"{case}.eml")
    for doc in msg.documents:
        store.put(doc.data)
    freq = meta.get("frequency")
    ex = Extraction(
        source=Source(path=f"{case}.eml", message_id=msg.message_id, from_=msg.from_, subject=msg.subject,
                      date=meta["message_date"],
                      documents=[DocumentInfo(filename=d.filename, content_type=d.content_type, sha256=d.sha256)
                                 for d in msg.documents]),
        prescription={"patient": exp.get("patient") or {}, "diagnoses": [{"code": c} for c in exp.get("diagnoses", [])],
                      "procedures": exp.get("procedures", []), "visits": exp.get("visits"),
                      "frequency": freq, "written_date": meta.get("written_date"),
                      "start_date": exp.get("start_date"), "end_date": exp.get("end_date"),
                      "prescriber": {"npi": exp.get("prescriber_npi")}},
        alerts=[Alert(code=c, severity="warning" if c in WARNINGS else "error", message=ALERT_KINDS.get(c, c))
                for c in exp["alerts"]],
        status=exp["status"])
    with env.factory() as s:
        return file_extraction(s, ex, raw_sha256=store.put(raw), source_ref=f"corpus:{case}").record_id


@pytest.fixture(scope="module")
def corpus_site(tmp_path_factory):  # noqa: ANN201
    from fastapi.testclient import TestClient

    data = tmp_path_factory.mktemp("corpus-review")
    env = make_env(f"sqlite:///{data / 'rx.sqlite3'}", data)
    env.add_user("maria")
    ids = {case: file_case(env, case) for case in CASES}
    with TestClient(env.app, base_url="http://testserver") as client:
        assert login(client).status_code == 303
        yield client, ids


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_kind_of_original_is_shown(corpus_site, case):  # noqa: ANN001
    client, ids = corpus_site
    page = client.get(f"/rx/{ids[case]}")
    assert page.status_code == 200, page.text[-500:]
    images = re.findall(r'<img src="([^"]+\.png)"', page.text)
    render = CASES[case]
    if render == "body_only":
        assert images == [] and 'class="body"' in page.text  # the mail's text is shown instead
    elif render == "corrupt_pdf":
        assert "cannot be shown" in page.text and "/original" in page.text  # said plainly, still downloadable
    else:
        assert images, f"{case}: no page image"
        for src in images:
            resp = client.get(src)
            assert resp.status_code == 200 and resp.headers["content-type"] == "image/png", src
            width, height = Image.open(io.BytesIO(resp.content)).size
            assert width >= 300 and height >= 300, (src, width, height)


def test_mail_without_a_prescription_is_rejected_not_approved(corpus_site):  # noqa: ANN001
    from tests.review_seed import csrf_of

    client, ids = corpus_site
    rx_id = ids["dev002"]
    token = csrf_of(client.get(f"/rx/{rx_id}").text)
    resp = client.post(f"/rx/{rx_id}/alerts/0/resolve", data={"csrf_token": token, "note": "x"})
    assert resp.status_code == 404
    page = client.get(f"/rx/{rx_id}").text
    alert_id = re.search(rf'action="/rx/{rx_id}/alerts/(\d+)/resolve"', page).group(1)
    client.post(f"/rx/{rx_id}/alerts/{alert_id}/resolve", data={"csrf_token": token, "note": "appointment reminder"})
    resp = client.post(f"/rx/{rx_id}/approve", data={"csrf_token": token})
    assert "holds no prescription" in resp.text
    resp = client.post(f"/rx/{rx_id}/reject", data={"csrf_token": token, "reason": "not a prescription"})
    assert f"Prescription #{rx_id} rejected" in resp.text
