"""what the slip's printed text says, read by OCR at submission

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

COLUMNS = ('text_amount', 'text_paid_at', 'text_sender', 'text_receiver', 'text_account', 'text_bank')


def upgrade() -> None:
    with op.batch_alter_table('slips', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_amount', sa.Numeric(12, 2), nullable=True))
        batch_op.add_column(sa.Column('text_paid_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('text_sender', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('text_receiver', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('text_account', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('text_bank', sa.String(length=3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('slips', schema=None) as batch_op:
        for column in reversed(COLUMNS):
            batch_op.drop_column(column)
