"""Read-only questions the review page and the CLI ask: the queue, its counts, renewals, clients.

The queue query filters on prescriptions.status and sorts on created_at (one index covers both),
then loads the open alerts of that page only, so a page costs the same with 10 or 10,000 waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from records.models import AlertRecord, Client, Prescription


@dataclass
class QueueFilter:
    alert: str | None = None       # an alert code
    prescriber: str | None = None  # part of the prescriber's name or the NPI
    since: date | None = None      # received on or after
    until: date | None = None      # received on or before
    scope: str = "review"          # review: waiting for review | warnings: filed with open warnings

    def conditions(self) -> list:
        conds = [Prescription.status == "needs_review"] if self.scope != "warnings" else _filed_with_open_alerts()
        if self.alert:
            conds.append(exists().where(AlertRecord.prescription_id == Prescription.id,
                                        AlertRecord.status == "open", AlertRecord.code == self.alert))
        if self.prescriber:
            like = f"%{self.prescriber.strip().lower()}%"
            conds.append(or_(func.lower(Prescription.prescriber_name).like(like),
                             Prescription.prescriber_npi == self.prescriber.strip()))
        if self.since:
            conds.append(Prescription.created_at >= _start(self.since))
        if self.until:
            conds.append(Prescription.created_at < _start(self.until + timedelta(days=1)))
        return conds


def _filed_with_open_alerts() -> list:
    """Filed prescriptions that still carry an open alert (a new client to confirm, a duplicate, ...)."""
    return [Prescription.status == "filed",
            exists().where(AlertRecord.prescription_id == Prescription.id, AlertRecord.status == "open")]


def _start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=timezone.utc)


@dataclass
class QueueRow:
    rx: Prescription
    alerts: list[AlertRecord] = field(default_factory=list)


def queue(s: Session, flt: QueueFilter, page: int = 1, page_size: int = 50) -> tuple[list[QueueRow], int]:
    """One page of prescriptions waiting for review, oldest first, with their open alerts; and the total."""
    conds = flt.conditions()
    total = s.scalar(select(func.count()).select_from(Prescription).where(*conds)) or 0
    rxs = s.scalars(select(Prescription).where(*conds)
                    .order_by(Prescription.created_at, Prescription.id)
                    .offset(max(page - 1, 0) * page_size).limit(page_size)).all()
    rows = {rx.id: QueueRow(rx) for rx in rxs}
    if rows:
        for alert in s.scalars(select(AlertRecord).where(AlertRecord.prescription_id.in_(rows),
                                                         AlertRecord.status == "open")
                               .order_by(AlertRecord.id)):
            rows[alert.prescription_id].alerts.append(alert)
    return list(rows.values()), total


def next_waiting(s: Session, rx: Prescription) -> int | None:
    """The prescription waiting after this one (oldest first), else the oldest other one waiting."""
    waiting = select(Prescription.id).where(Prescription.status == "needs_review", Prescription.id != rx.id)
    after = s.scalar(waiting.where(or_(Prescription.created_at > rx.created_at,
                                       and_(Prescription.created_at == rx.created_at, Prescription.id > rx.id)))
                     .order_by(Prescription.created_at, Prescription.id).limit(1))
    return after or s.scalar(waiting.order_by(Prescription.created_at, Prescription.id).limit(1))


@dataclass
class Counts:
    waiting: int
    oldest: datetime | None
    by_alert: list[tuple[str, int]]  # (code, prescriptions with that open alert), most first
    filed_with_warnings: int = 0


def counts(s: Session) -> Counts:
    waiting, oldest = s.execute(select(func.count(), func.min(Prescription.created_at))
                                .where(Prescription.status == "needs_review")).one()
    by_alert = s.execute(
        select(AlertRecord.code, func.count(func.distinct(AlertRecord.prescription_id)))
        .join(Prescription, Prescription.id == AlertRecord.prescription_id)
        .where(Prescription.status == "needs_review", AlertRecord.status == "open")
        .group_by(AlertRecord.code).order_by(func.count(func.distinct(AlertRecord.prescription_id)).desc(),
                                             AlertRecord.code)).all()
    warned = s.scalar(select(func.count()).select_from(Prescription).where(*_filed_with_open_alerts())) or 0
    return Counts(waiting or 0, oldest, [(c, n) for c, n in by_alert], warned)


def prescribers(s: Session, limit: int = 300) -> list[str]:
    """Prescriber names in the queue, for the filter's suggestions."""
    return list(s.scalars(select(Prescription.prescriber_name)
                          .where(Prescription.status == "needs_review", Prescription.prescriber_name.is_not(None))
                          .group_by(Prescription.prescriber_name).order_by(Prescription.prescriber_name)
                          .limit(limit)))


@dataclass
class Renewal:
    rx: Prescription
    reasons: list[str]


def renewals(s: Session, today: date, days: int = 14, visits_left: int = 2,
             lookback_days: int = 60) -> list[Renewal]:
    """Filed prescriptions ending within `days` (or ended within `lookback_days`) or with at most
    `visits_left` visits remaining, unless the client already has a later filed prescription."""
    later = aliased(Prescription)
    newer = exists().where(later.client_id == Prescription.client_id, later.id != Prescription.id,
                           later.status == "filed", later.duplicate_of.is_(None),
                           later.created_at > Prescription.created_at,
                           or_(later.end_date.is_(None), Prescription.end_date.is_(None),
                               later.end_date > Prescription.end_date))
    ending = and_(Prescription.end_date.is_not(None),
                  Prescription.end_date <= today + timedelta(days=days),
                  Prescription.end_date >= today - timedelta(days=lookback_days))
    used_up = and_(Prescription.visits.is_not(None),
                   Prescription.visits - func.coalesce(Prescription.visits_used, 0) <= visits_left)
    stmt = (select(Prescription)
            .where(Prescription.status == "filed", Prescription.has_prescription.is_(True),
                   Prescription.duplicate_of.is_(None), or_(ending, used_up),
                   or_(Prescription.client_id.is_(None), ~newer))
            .order_by(func.coalesce(Prescription.end_date, today), Prescription.id))
    out = []
    for rx in s.scalars(stmt):
        out.append(Renewal(rx, renewal_reasons(rx, today, days, visits_left)))
    return out


def renewal_reasons(rx: Prescription, today: date, days: int, visits_left: int) -> list[str]:
    reasons = []
    if rx.end_date is not None and rx.end_date <= today + timedelta(days=days):
        n = (rx.end_date - today).days
        reasons.append(f"ended on {rx.end_date.isoformat()}" if n < 0 else
                       "ends today" if n == 0 else f"ends on {rx.end_date.isoformat()} (in {n} day{'s' * (n != 1)})")
    if rx.visits is not None and rx.visits - (rx.visits_used or 0) <= visits_left:
        reasons.append(f"{rx.visits_used or 0} of {rx.visits} visits used")
    return reasons


def find_clients(s: Session, q: str, limit: int = 20) -> list[Client]:
    """Clients whose name contains every word typed (or whose DOB is the date typed)."""
    q = (q or "").strip()
    if not q:
        return []
    stmt = select(Client)
    try:
        stmt = stmt.where(Client.dob == date.fromisoformat(q))
    except ValueError:
        for word in q.lower().split()[:4]:
            stmt = stmt.where(func.lower(Client.name).like(f"%{word}%"))
    return list(s.scalars(stmt.order_by(Client.name, Client.id).limit(limit)))


def alerts(s: Session, status: str | None = "open", code: str | None = None,
           rx_id: int | None = None, limit: int = 500) -> list[AlertRecord]:
    stmt = select(AlertRecord)
    if status:
        stmt = stmt.where(AlertRecord.status == status)
    if code:
        stmt = stmt.where(AlertRecord.code == code)
    if rx_id is not None:
        stmt = stmt.where(AlertRecord.prescription_id == rx_id)
    return list(s.scalars(stmt.order_by(AlertRecord.created_at, AlertRecord.id).limit(limit)))
