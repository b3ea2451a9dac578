"""intake ledger: what the service took from a source and has not filed yet

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A data dir from before this revision may hold the table already (the worker created it).
    if sa.inspect(op.get_bind()).has_table('intake_jobs'):
        return
    op.create_table('intake_jobs',
    sa.Column('source_ref', sa.String(length=400), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=True),
    sa.Column('sends', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source_ref')
    )
    op.create_index(op.f('ix_intake_jobs_sha256'), 'intake_jobs', ['sha256'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_intake_jobs_sha256'), table_name='intake_jobs')
    op.drop_table('intake_jobs')
