"""Two staff members act on the same prescription at once (PostgreSQL): one wins, the other is told."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from records.db import ensure_schema, get_engine, session_factory
from records.models import AuditEntry
from review import actions
from rxintake.errors import ActionRefused
from tests.review_seed import seed
from tests.servers import pg_database

pytestmark = pytest.mark.service


def test_two_approvals_at_once_file_the_prescription_once(tmp_path):
    with pg_database("reviewrace") as url:
        engine = get_engine(url)
        ensure_schema(engine)
        factory = session_factory(engine)
        rx_id = seed(factory, tmp_path, codes=("M54.2",), npi="1234567890")  # one open error: invalid NPI
        with factory.begin() as s:
            alert = next(a for a in actions.get_rx(s, rx_id).alerts if a.code == "invalid_npi")
            actions.resolve_alert(s, alert.id, "ann", "NPI confirmed by phone")
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def approve(user: str) -> None:
            barrier.wait()
            try:
                with factory.begin() as s:
                    actions.approve(s, rx_id, user)
                outcomes[user] = "approved"
            except ActionRefused as exc:
                outcomes[user] = exc.message

        threads = [threading.Thread(target=approve, args=(u,)) for u in ("ann", "bob")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert list(outcomes.values()).count("approved") == 1, outcomes
        loser = next(v for v in outcomes.values() if v != "approved")
        assert "is filed, not waiting for review" in loser
        with factory() as s:
            approvals = s.scalars(select(AuditEntry).where(AuditEntry.prescription_id == rx_id,
                                                           AuditEntry.action == "approve")).all()
            assert len(approvals) == 1
