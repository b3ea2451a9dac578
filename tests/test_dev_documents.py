"""The dev corpus's source side: every output valid, documents and text sources as the truth's render says."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.conftest import DEV, truth

CASES = [c["case"] for c in json.loads((DEV / "manifest.json").read_text())["cases"]]
RENDER_SOURCE = {"text_pdf": "text_layer", "scan_pdf": "ocr", "fax_tiff": "ocr", "photo_jpg": "ocr", "png": "ocr"}


def test_every_case_has_one_schema_valid_result(dev_predictions, schema):
    assert sorted(dev_predictions) == sorted(CASES)
    for case, result in dev_predictions.items():
        jsonschema.validate(result, schema)
        assert result["source"]["path"].endswith(f"{case}.eml")


@pytest.mark.parametrize("case", CASES)
def test_documents_match_the_attachments_and_render(dev_predictions, case):
    t = truth(case)
    result = dev_predictions[case]
    docs = result["source"]["documents"]
    expected = [(a["filename"], a["sha256"]) for a in t["meta"]["attachments"]]
    # Logos and signature images are not documents: exactly the truth's attachments are listed.
    assert [(d["filename"], d["sha256"]) for d in docs] == expected
    for doc, att in zip(docs, t["meta"]["attachments"]):
        assert doc["content_type"] == ("application/pdf" if att["filename"].lower().endswith(".pdf")
                                       else att["content_type"])
    render = t["render"]
    unreadable = [a for a in result["alerts"] if a["code"] == "unreadable_document"]
    if render == "body_only":
        assert docs == []
        assert not unreadable
    elif render == "corrupt_pdf":
        assert [d["text_source"] for d in docs] == ["none"]
        assert len(unreadable) == 1 and docs[0]["filename"] in unreadable[0]["message"]
        assert result["status"] == "needs_review"
    else:
        assert [d["text_source"] for d in docs] == [RENDER_SOURCE[render]]
        assert docs[0]["pages"] == t["meta"].get("pages", 1)
        assert not unreadable


def test_source_headers(dev_predictions):
    for case, result in dev_predictions.items():
        t = truth(case)
        src = result["source"]
        assert src["from"] and "@" in src["from"]
        assert src["message_id"]
        assert src["date"][:19] == t["meta"]["message_date"][:19], case
