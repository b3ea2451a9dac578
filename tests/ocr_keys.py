"""Share of the truth files' `ocr_keys` (strings as printed on the page) found verbatim in the text read.

Run: `python -m tests.ocr_keys [CASE...]`. Prints one line per OCR'd case and the share per render,
so each change to the image clean-up or OCR settings can be measured against the last.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict

from tests.conftest import DEV

OCR_RENDERS = {"scan_pdf", "fax_tiff", "photo_jpg", "png"}


def _norm(s: str) -> str:
    return " ".join(s.split())


def keys_found(text: str, ocr_keys: dict[str, list[str]], fold_case: bool = False) -> tuple[int, int, list[str]]:
    """Keys found verbatim (spaces normalized); with `fold_case`, "NELSON" counts for "Nelson"."""
    flat = _norm(text).casefold() if fold_case else _norm(text)
    found, total, missed = 0, 0, []
    for values in ocr_keys.values():
        for key in values:
            total += 1
            if (_norm(key).casefold() if fold_case else _norm(key)) in flat:
                found += 1
            else:
                missed.append(key)
    return found, total, missed


def main(cases: list[str]) -> None:
    from parsers.mail import parse_message
    from rxintake.pipeline import read_document
    from rxintake.settings import Settings

    settings = Settings()
    manifest = json.loads((DEV / "manifest.json").read_text())["cases"]
    per_render: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for entry in manifest:
        if entry["render"] not in OCR_RENDERS or (cases and entry["case"] not in cases):
            continue
        truth = json.loads((DEV / f"{entry['case']}.truth.json").read_text())
        message = parse_message((DEV / f"{entry['case']}.eml").read_bytes(), path=entry["case"])
        start = time.perf_counter()
        for doc in message.documents:
            read_document(doc, settings)
        elapsed = time.perf_counter() - start
        text = "\n".join(d.text for d in message.documents)
        found, total, missed = keys_found(text, truth["meta"].get("ocr_keys", {}))
        per_render[entry["render"]][0] += found
        per_render[entry["render"]][1] += total
        per_render[entry["render"]][2] += keys_found(text, truth["meta"].get("ocr_keys", {}), fold_case=True)[0]
        print(f"{entry['case']} {entry['render']:9} {found:2}/{total:2} {elapsed:5.1f}s missed={missed}", flush=True)
    per_render["all"] = [sum(v[i] for v in per_render.values()) for i in range(3)]
    for render, (f, t, folded) in per_render.items():
        if t:
            print(f"{render:9} verbatim {f}/{t} = {f / t:.0%}   ignoring case {folded}/{t} = {folded / t:.0%}")


if __name__ == "__main__":
    main(sys.argv[1:])
