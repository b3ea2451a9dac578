"""`rxintake demo`: the whole service on samples/ with embedded defaults, then what staff would see.

Stub broker (in-process workers), SQLite and a watched folder under the demo dir: no server.
The data is synthetic, so the tables show names and dates as the review page would.
"""

from __future__ import annotations

import os
import shutil
import time
from email.message import EmailMessage
from pathlib import Path

SUPPORTED = {".eml", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}
MARKER = ".rxintake-demo"


def _fallback_samples(inbox: Path) -> None:
    """Two small messages when samples/ is empty (a prescription in the body, a newsletter)."""
    rx = EmailMessage()
    rx["From"], rx["To"], rx["Subject"] = "dr.lee@clinic.example", "intake@massage.example", "Rx for Jane Sample"
    rx["Date"], rx["Message-ID"] = "Mon, 02 Nov 2026 09:14:00 -0800", "<demo-rx-1@clinic.example>"
    rx.set_content("Patient: Jane Sample  DOB: 04/12/1980\nDx: M54.2 Cervicalgia\n"
                   "Massage therapy 97124, 2x/week for 4 weeks.\nDate: 11/02/2026\n"
                   "Alan Lee, MD  NPI 1234567893\n")
    news = EmailMessage()
    news["From"], news["To"], news["Subject"] = "news@vendor.example", "intake@massage.example", "Spring offers"
    news["Date"], news["Message-ID"] = "Mon, 02 Nov 2026 10:00:00 -0800", "<demo-news-1@vendor.example>"
    news.set_content("Our spring catalogue is out. Call 555-0100.")
    (inbox / "demo-rx.eml").write_bytes(bytes(rx))
    (inbox / "demo-newsletter.eml").write_bytes(bytes(news))


def _prepare(data_dir: Path, samples: Path) -> Path:
    if data_dir.exists():
        if not (data_dir / MARKER).exists():
            raise SystemExit(f"rxintake demo: {data_dir} exists and is not a demo dir; choose --data-dir")
        shutil.rmtree(data_dir)
    inbox = data_dir / "inbox"
    inbox.mkdir(parents=True)
    (data_dir / MARKER).write_text("made by rxintake demo; emptied on the next run\n")
    files = sorted(p for p in samples.iterdir() if p.suffix.lower() in SUPPORTED) if samples.is_dir() else []
    for f in files:
        shutil.copy2(f, inbox / f.name)
    if not files:
        _fallback_samples(inbox)
    return inbox


def _configure(data_dir: Path, inbox: Path) -> None:
    for key in [k for k in os.environ if k.startswith("RXINTAKE_IMAP_")]:
        del os.environ[key]
    os.environ.update({
        "RXINTAKE_BROKER_URL": "stub",
        "RXINTAKE_DATA_DIR": str(data_dir.resolve()),
        "RXINTAKE_DATABASE_URL": f"sqlite:///{(data_dir / 'rxintake.sqlite3').resolve()}",
        "RXINTAKE_INBOX_DIR": str(inbox.resolve()),
        "RXINTAKE_INBOX_SETTLE_SECONDS": "0",
    })
    from rxintake.settings import get_settings

    get_settings.cache_clear()


def run_demo(data_dir: Path, samples: Path) -> int:
    from rich.console import Console

    from rxintake.logs import setup_logging

    console = Console()
    inbox = _prepare(data_dir, samples)
    _configure(data_dir, inbox)
    setup_logging("WARNING")
    from rxintake.settings import get_settings
    from worker.service import Service

    t0 = time.monotonic()
    with console.status(f"Filing {len(_files(inbox))} files from {inbox} ..."):
        code = Service(get_settings(), until_idle=True, threads=2).run()
    elapsed = time.monotonic() - t0
    if code:
        return code
    _report(console, elapsed)
    return 0


def _files(inbox: Path) -> list[Path]:
    return [p for p in inbox.iterdir() if p.is_file()]


def _report(console, elapsed: float) -> None:
    from rich.table import Table

    from records.db import get_engine, session_factory
    from records.export import iter_records

    with session_factory(get_engine())() as session:
        rows = list(iter_records(session))
    rx_table = Table(title=f"Filed prescriptions ({len(rows)} messages in {elapsed:.1f} s)", show_lines=False)
    for col in ("#", "patient", "DOB", "ICD-10-CM", "CPT", "visits", "start", "end", "prescriber", "status"):
        rx_table.add_column(col, overflow="fold")
    alerts = Table(title="Open alerts for staff")
    for col in ("#", "severity", "code", "message"):
        alerts.add_column(col, overflow="fold")
    for r in rows:
        p = r["prescription"]
        no_rx = any(a["code"] == "no_prescription" for a in r["alerts"])
        status = "[green]filed[/]" if r["status"] == "filed" else "[yellow]needs review[/]"
        rx_table.add_row(str(r["record_id"]), p["patient"]["name"] or ("(no prescription)" if no_rx else "?"),
                         p["patient"]["dob"] or "", " ".join(d["code"] for d in p["diagnoses"]),
                         " ".join(p["procedures"]), "" if p["visits"] is None else str(p["visits"]),
                         p["start_date"] or "", p["end_date"] or "",
                         " ".join(x for x in (p["prescriber"]["name"], p["prescriber"]["npi"]) if x), status)
        for a in r["alerts"]:
            colour = "red" if a["severity"] == "error" else "yellow"
            alerts.add_row(str(r["record_id"]), f"[{colour}]{a['severity']}[/]", a["code"], a["message"])
    console.print(rx_table)
    console.print(alerts)
    filed = sum(r["status"] == "filed" for r in rows)
    console.print(f"{filed} filed, {len(rows) - filed} need review. Records: "
                  f"RXINTAKE_DATABASE_URL={os.environ['RXINTAKE_DATABASE_URL']} rxintake export")
