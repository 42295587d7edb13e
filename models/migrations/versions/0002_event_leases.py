"""webhook events: leases, recorded answers, attempts cap

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_OLD_STATUS = "status IN ('received', 'processing', 'done', 'failed', 'standby')"
_NEW_STATUS = "status IN ('received', 'processing', 'done', 'failed', 'dead', 'rejected', 'standby')"


def upgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answer', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('retry_key', sa.String(length=36), nullable=True))
        batch_op.drop_constraint(op.f('ck_webhook_events_status'), type_='check')
        batch_op.create_check_constraint('status', _NEW_STATUS)
        batch_op.create_index('ix_webhook_events_status_lease', ['status', 'lease_until'], unique=False)
        batch_op.create_index('ix_webhook_events_user_status', ['line_user_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_user_status')
        batch_op.drop_index('ix_webhook_events_status_lease')
        batch_op.drop_constraint(op.f('ck_webhook_events_status'), type_='check')
        batch_op.create_check_constraint('status', _OLD_STATUS)
        batch_op.drop_column('retry_key')
        batch_op.drop_column('answer')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')
