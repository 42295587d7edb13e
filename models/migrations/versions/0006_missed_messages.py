"""messages the bot did not understand or residents corrected, for staff to label

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 14:00:43
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('missed_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('guess', sa.String(length=64), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('resident_choice', sa.String(length=64), nullable=True),
    sa.Column('label', sa.String(length=64), nullable=True),
    sa.Column('labelled_by', sa.Integer(), nullable=True),
    sa.Column('labelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('not_understood', 'not_sure', 'clarify', 'corrected', 'asked_for_staff')", name=op.f('ck_missed_messages_reason')),
    sa.ForeignKeyConstraint(['labelled_by'], ['staff_users.id'], name=op.f('fk_missed_messages_labelled_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_missed_messages')),
    sa.UniqueConstraint('event_id', name=op.f('uq_missed_messages_event_id'))
    )
    with op.batch_alter_table('missed_messages', schema=None) as batch_op:
        batch_op.create_index('ix_missed_messages_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_missed_messages_label_created', ['label', 'created_at'], unique=False)
        batch_op.create_index('ix_missed_messages_user', ['line_user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('missed_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_missed_messages_user')
        batch_op.drop_index('ix_missed_messages_label_created')
        batch_op.drop_index('ix_missed_messages_created_at')

    op.drop_table('missed_messages')
