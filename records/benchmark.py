"""Filing throughput: `python -m records.benchmark [--url URL] [-n N] [--clients N]`.

Files N invented prescriptions (a tenth of them resent copies, so duplicate detection runs too)
into a database that already holds a client list, and prints messages filed per minute. With no
--url it uses a throwaway SQLite file.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from records.db import ensure_schema, make_engine, session_factory
from records.filing import file_extraction
from records.matching import name_key
from records.models import Client
from rxintake.models import Extraction

FIRST = ["Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan", "Kendall", "Morgan"]
LAST = ["Ashdown", "Brightwater", "Coldbrook", "Dunmore", "Eastwick", "Fairholm", "Greystone", "Hollins"]


def invented(i: int) -> tuple[str, date]:
    return f"{FIRST[i % 10]} {LAST[(i // 10) % 8]}{i // 80}", date(1950, 1, 1) + timedelta(days=i * 37 % 20000)


def extraction(i: int, patient: int) -> Extraction:
    name, dob = invented(patient)
    return Extraction.model_validate({
        "source": {"path": f"{i}.eml", "message_id": f"<bench-{i}@clinic.example>", "documents": []},
        "prescription": {"patient": {"name": name, "dob": dob.isoformat()},
                         "diagnoses": [{"code": "M54.2"}], "procedures": ["97124"], "visits": 8,
                         "frequency": {"per_week": 2, "weeks": 4}, "start_date": "2026-11-02",
                         "written_date": "2026-11-02", "end_date": "2026-11-30",
                         "prescriber": {"name": "Alan Smith, MD", "npi": "1234567893"}},
        "alerts": [], "status": "filed"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="database URL (default: a new SQLite file)")
    ap.add_argument("-n", type=int, default=500, help="messages to file")
    ap.add_argument("--clients", type=int, default=2000, help="clients in the list beforehand")
    args = ap.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    engine = make_engine(url)
    ensure_schema(engine)
    Session = session_factory(engine)  # noqa: N806
    with Session() as s:
        have = {(c.first_norm, c.last_norm, c.dob) for c in s.query(Client)}
        for p in range(args.clients):
            name, dob = invented(p)
            key = name_key(name)
            if (key.first, key.last, dob) not in have:
                s.add(Client(name=name, first_norm=key.first, last_norm=key.last, dob=dob, source="import"))
        s.commit()
    run = hashlib.sha256(str(time.time()).encode()).hexdigest()[:8]
    created = duplicates = 0
    started = time.perf_counter()
    with Session() as s:
        for i in range(args.n):
            patient = i - 1 if i % 10 == 9 else i  # every tenth message resends the one before
            ex = extraction(i, patient % (args.clients * 2))
            ex.source.message_id = f"<bench-{run}-{i}@clinic.example>"
            raw = hashlib.sha256(f"{run}-{i}".encode()).hexdigest()
            r = file_extraction(s, ex, raw_sha256=raw, source_ref=f"inbox:{i}.eml")
            created += r.created
            duplicates += r.duplicate_of is not None
    seconds = time.perf_counter() - started
    print(f"backend {engine.dialect.name}: filed {created} messages ({duplicates} duplicates) in {seconds:.2f} s"
          f" = {created / seconds * 60:.0f} messages/minute, {seconds / max(created, 1) * 1000:.1f} ms each")


if __name__ == "__main__":
    main()
