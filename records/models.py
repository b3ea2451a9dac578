"""The client records as tables: clients, messages, documents, prescriptions, alerts, staff users
and the audit trail.

A prescription row is the "record" of one message: mail without any prescription gets one too
(with no client), so the message is never fetched again and staff see why it was set aside.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy import (JSON, Column, Table, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

PRESCRIPTION_STATUSES = ("filed", "needs_review", "rejected")
ALERT_STATUSES = ("open", "resolved")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


class Client(Base):
    """A person the clinic treats. `first_norm`/`last_norm` are the matching keys (see matching.py)."""

    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("last_norm", "first_norm", "dob", name="uq_clients_identity"),
        Index("ix_clients_dob", "dob"),
        Index("ix_clients_last_norm", "last_norm"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    first_norm: Mapped[str] = mapped_column(String(200), default="")
    last_norm: Mapped[str] = mapped_column(String(200), default="")
    dob: Mapped[Optional[date]] = mapped_column(Date)
    external_id: Mapped[Optional[str]] = mapped_column(String(100), unique=True)
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(16), default="intake")  # 'import' | 'intake'
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    prescriptions: Mapped[list[Prescription]] = relationship(back_populates="client")


class MessageRecord(Base):
    """One message as it arrived (email, or a file dropped in the inbox folder).

    `dedup_key` is sha256 of Message-ID + raw sha256 (raw sha256 alone without a Message-ID); its
    UNIQUE constraint is what makes filing idempotent even when two workers race.
    """

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[Optional[str]] = mapped_column(Text)
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    source_ref: Mapped[str] = mapped_column(Text)
    source_path: Mapped[str] = mapped_column(Text)
    from_addr: Mapped[Optional[str]] = mapped_column(Text)
    subject: Mapped[Optional[str]] = mapped_column(Text)
    date: Mapped[Optional[str]] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    filed_at: Mapped[Optional[datetime]] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(32), default="filed")  # filed | needs_review | no_prescription

    documents: Mapped[list[DocumentRecord]] = relationship(
        back_populates="message", order_by="DocumentRecord.position", cascade="all, delete-orphan")
    prescription: Mapped[Optional[Prescription]] = relationship(back_populates="message")


class DocumentRecord(Base):
    """An attachment or body part; its bytes live in the RawStore under the data dir, by sha256."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[Optional[str]] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    pages: Mapped[Optional[int]] = mapped_column(Integer)
    text_source: Mapped[str] = mapped_column(String(16), default="none")

    message: Mapped[MessageRecord] = relationship(back_populates="documents")


class Prescription(Base):
    """The record filed for one message: every CONTRACT prescription field as a column, plus state.

    `fingerprint` identifies the prescription by content (client, codes, start date, prescriber);
    a partial UNIQUE index keeps one active original per fingerprint, later copies point at it
    through `duplicate_of`. `extraction` keeps the full extraction JSON for export fidelity.
    """

    __tablename__ = "prescriptions"
    __table_args__ = (
        Index("uq_prescriptions_active_fingerprint", "fingerprint", unique=True,
              sqlite_where=text("duplicate_of IS NULL AND fingerprint IS NOT NULL"),
              postgresql_where=text("duplicate_of IS NULL AND fingerprint IS NOT NULL")),
        Index("ix_prescriptions_status", "status"),
        Index("ix_prescriptions_client", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column("message_id", ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    client_id: Mapped[Optional[int]] = mapped_column(ForeignKey("clients.id"))
    has_prescription: Mapped[bool] = mapped_column(Boolean, default=True)

    patient_name: Mapped[Optional[str]] = mapped_column(String(200))
    patient_dob: Mapped[Optional[date]] = mapped_column(Date)
    diagnoses: Mapped[list[Any]] = mapped_column(default=list)   # [{"code": ..., "description": ...}]
    procedures: Mapped[list[Any]] = mapped_column(default=list)  # ["97124", ...]
    visits: Mapped[Optional[int]] = mapped_column(Integer)
    per_week: Mapped[Optional[float]] = mapped_column(Float)
    weeks: Mapped[Optional[float]] = mapped_column(Float)
    written_date: Mapped[Optional[date]] = mapped_column(Date)
    start_date: Mapped[Optional[date]] = mapped_column(Date)
    end_date: Mapped[Optional[date]] = mapped_column(Date)
    prescriber_name: Mapped[Optional[str]] = mapped_column(String(200))
    prescriber_npi: Mapped[Optional[str]] = mapped_column(String(10))

    status: Mapped[str] = mapped_column(String(16), default="needs_review")  # filed | needs_review | rejected
    reviewed_by: Mapped[Optional[str]] = mapped_column(String(100))
    reviewed_at: Mapped[Optional[datetime]] = mapped_column()
    reject_reason: Mapped[Optional[str]] = mapped_column(Text)
    visits_used: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    fingerprint: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    duplicate_of: Mapped[Optional[int]] = mapped_column(ForeignKey("prescriptions.id"))
    extraction: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    message: Mapped[MessageRecord] = relationship(back_populates="prescription")
    client: Mapped[Optional[Client]] = relationship(back_populates="prescriptions")
    alerts: Mapped[list[AlertRecord]] = relationship(
        back_populates="prescription", order_by="AlertRecord.id", cascade="all, delete-orphan")
    audit: Mapped[list[AuditEntry]] = relationship(back_populates="prescription", order_by="AuditEntry.id")


class AlertRecord(Base):
    """A finding for staff: open until someone resolves it (who, when, why)."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))  # error | warning
    field: Mapped[Optional[str]] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved
    resolved_by: Mapped[Optional[str]] = mapped_column(String(100))
    resolved_at: Mapped[Optional[datetime]] = mapped_column()
    note: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    prescription: Mapped[Prescription] = relationship(back_populates="alerts")


class User(Base):
    """A staff member who reviews records. Passwords are stored as argon2 hashes only."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    display_name: Mapped[Optional[str]] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who changed what on a record, when, from which value to which."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    prescription_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("prescriptions.id", ondelete="CASCADE"), index=True)
    user: Mapped[str] = mapped_column("username", String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(64))
    field: Mapped[Optional[str]] = mapped_column(String(64))
    before: Mapped[Optional[str]] = mapped_column(Text)
    after: Mapped[Optional[str]] = mapped_column(Text)
    note: Mapped[Optional[str]] = mapped_column(Text)

    prescription: Mapped[Optional[Prescription]] = relationship(back_populates="audit")


# The intake ledger: one row per message taken from a source, until its record is committed.
# Written by the worker (worker/ledger.py explains the protocol); kept here so that one set of
# migrations owns every table.
intake_jobs = Table(
    "intake_jobs", Base.metadata,
    Column("source_ref", String(400), primary_key=True),
    Column("sha256", String(64), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("state", String(16), nullable=False, default="queued"),
    Column("record_id", String(64)),
    Column("sends", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


# Short names for callers that do not mix these with the extraction models.
Message = MessageRecord
Document = DocumentRecord
Alert = AlertRecord
