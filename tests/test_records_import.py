"""`rxintake clients import FILE.csv`: loads the client list once, however often it is run."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from records.clients_import import parse_dob
from records.db import get_engine, session_factory
from records.filing import file_extraction
from records.models import Client
from tests.servers import db_url  # noqa: F401 - fixture
from tests.test_records_filing import rx

pytestmark = pytest.mark.service

CSV = """name,dob,external_id,phone
"Doe, Jane A",1980-04-12,C-1001,555-0101
Robert Fitzwilliam,07/04/1955,C-1002,555-0102
Zoë Ångström,1992-12-31,,555-0103
"""
SPLIT = """first,last,dob
Amaru,Quispe-Mamani,1971-06-15
Lucia,Ferreira,1988-02-29
"""
BAD = """name,dob
Nobody Atall,04/12/80
,1980-01-01
Valid Person,1999-01-01
"""


def cli(*args: str, url: str):  # noqa: ANN201
    """The real `rxintake` command, run in-process (a new interpreter per call costs seconds)."""
    from typer.testing import CliRunner

    from rxintake.cli import app
    from rxintake.settings import get_settings

    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args), env={"RXINTAKE_DATABASE_URL": url}, catch_exceptions=False)
    finally:
        get_settings.cache_clear()


def clients(url: str) -> list[Client]:
    with session_factory(get_engine(url))() as s:
        return list(s.scalars(select(Client).order_by(Client.id)))


def test_import_twice_adds_each_client_once(db_url, tmp_path):  # noqa: F811
    f, g = tmp_path / "clients.csv", tmp_path / "split.csv"
    f.write_text(CSV, encoding="utf-8")
    g.write_text(SPLIT, encoding="utf-8")
    first = cli("clients", "import", str(f), url=db_url)
    assert first.exit_code == 0, first.stderr[-2000:]
    assert "3 added" in first.stderr
    again = cli("clients", "import", str(f), url=db_url)
    assert again.exit_code == 0 and "0 added" in again.stderr and "3 unchanged" in again.stderr
    assert cli("clients", "import", str(g), "--no-progress", url=db_url).exit_code == 0
    rows = clients(db_url)
    assert len(rows) == 5
    jane = next(c for c in rows if c.external_id == "C-1001")
    assert (jane.first_norm, jane.last_norm, jane.dob) == ("jane", "doe", date(1980, 4, 12))
    assert next(c for c in rows if c.external_id == "C-1002").dob == date(1955, 7, 4)  # US month/day
    zoe = next(c for c in rows if c.name == "Zoë Ångström")
    assert (zoe.first_norm, zoe.last_norm, zoe.source, zoe.needs_review) == ("zoe", "angstrom", "import", False)
    # a changed phone updates the client instead of adding one
    f.write_text(CSV.replace("555-0102", "555-0199"), encoding="utf-8")
    third = cli("clients", "import", str(f), url=db_url)
    assert "1 updated" in third.stderr and len(clients(db_url)) == 5


def test_imported_clients_are_matched_at_filing(db_url):  # noqa: F811
    with session_factory(get_engine(db_url))() as s:
        known = s.scalar(select(Client).where(Client.last_norm == "quispe mamani"))
        raw = hashlib.sha256(b"amaru").hexdigest()
        r = file_extraction(s, rx("QUISPE MAMANI, AMARU", "1971-06-15"), raw_sha256=raw, source_ref="inbox:q.pdf")
        assert r.client_id == known.id
        assert s.scalar(select(func.count()).select_from(Client)) == 5


def test_bad_rows_are_reported_and_the_rest_imported(db_url, tmp_path):  # noqa: F811
    f = tmp_path / "bad.csv"
    f.write_text(BAD, encoding="utf-8")
    out = cli("clients", "import", str(f), "--no-progress", url=db_url)
    assert out.exit_code == 65
    assert "line 2" in out.stderr and "line 3" in out.stderr and "1 added" in out.stderr
    assert any(c.name == "Valid Person" for c in clients(db_url))
    missing = tmp_path / "nocols.csv"
    missing.write_text("patient,birthday\nA B,1990-01-01\n")
    out = cli("clients", "import", str(missing), url=db_url)
    assert out.exit_code == 65 and "'name' column" in out.stderr


def test_dates_of_birth_are_read_without_guessing():
    assert parse_dob("1980-04-12") == date(1980, 4, 12)
    assert parse_dob("4/12/1980") == date(1980, 4, 12)
    for bad in ("4/12/80", "1980-13-01", "2999-01-01", "April 12"):
        with pytest.raises(ValueError):
            parse_dob(bad)


def test_two_ids_for_one_person_are_reported_not_flipped(db_url, tmp_path):  # noqa: F811
    """The same name and DOB under two external ids: the second row is refused, every time alike."""
    f = tmp_path / "twice.csv"
    f.write_text("name,dob,external_id\nTamsin Everhart,1966-10-10,T-1\n\"EVERHART, TAMSIN\",1966-10-10,T-2\n")
    for _ in range(2):
        out = cli("clients", "import", str(f), "--no-progress", url=db_url)
        assert out.exit_code == 65 and "line 3" in out.stderr and "T-1" in out.stderr
    tamsin = [c for c in clients(db_url) if c.last_norm == "everhart"]
    assert [c.external_id for c in tamsin] == ["T-1"]
