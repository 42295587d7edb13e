"""staff roles and units, the audit log, the chat inbox (handlings, notes, tags)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 06:31:08
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


ROLES_BEFORE = "role IN ('finance', 'admin')"
ROLES = "role IN ('admin', 'finance', 'water', 'counter', 'cases', 'pr', 'executive')"
STATUSES_BEFORE = "status IN ('new', 'in_progress', 'done')"
STATUSES = "status IN ('new', 'in_progress', 'paused', 'resolved', 'done')"

# Nothing in the application changes or removes an audit row; the database makes
# sure of it, for any client that connects.
PG_APPEND_ONLY = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"""
SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]


def _check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.create_check_constraint(name, condition)


def upgrade() -> None:
    _check("staff_users", "role", ROLES)
    _check("conversations", "status", STATUSES)
    op.create_table('resident_tags',
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('line_user_id', 'tag', name=op.f('pk_resident_tags'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('record_type', sa.String(length=32), nullable=True),
    sa.Column('record_id', sa.String(length=64), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('client', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_audit_log_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_log_record', ['record_type', 'record_id'], unique=False)
        batch_op.create_index('ix_audit_log_staff_at', ['staff_id', 'at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
    else:
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)

    op.create_table('chat_handlings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('taken_by', sa.Integer(), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.CheckConstraint("reason IN ('asked', 'not_understood', 'staff')", name=op.f('ck_chat_handlings_reason')),
    sa.ForeignKeyConstraint(['closed_by'], ['staff_users.id'], name=op.f('fk_chat_handlings_closed_by_staff_users')),
    sa.ForeignKeyConstraint(['first_response_by'], ['staff_users.id'], name=op.f('fk_chat_handlings_first_response_by_staff_users')),
    sa.ForeignKeyConstraint(['taken_by'], ['staff_users.id'], name=op.f('fk_chat_handlings_taken_by_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_handlings'))
    )
    with op.batch_alter_table('chat_handlings', schema=None) as batch_op:
        batch_op.create_index('ix_chat_handlings_opened_at', ['opened_at'], unique=False)
        batch_op.create_index('ix_chat_handlings_user', ['line_user_id'], unique=False)

    op.create_table('staff_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('note', 'remark', 'order', 'forward')", name=op.f('ck_staff_notes_kind')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_staff_notes_staff_id_staff_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notes'))
    )
    with op.batch_alter_table('staff_notes', schema=None) as batch_op:
        batch_op.create_index('ix_staff_notes_user', ['line_user_id', 'created_at'], unique=False)

    op.create_table('staff_units',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_staff_units_staff_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', 'unit', name=op.f('pk_staff_units'))
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('assigned_staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('handling_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('last_staff_message_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_conversations_last_message_at', ['last_message_at'], unique=False)
        batch_op.create_index('ix_conversations_status_unit', ['status', 'unit'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_conversations_handling_id_chat_handlings'), 'chat_handlings', ['handling_id'], ['id'], use_alter=True)
        batch_op.create_foreign_key(batch_op.f('fk_conversations_assigned_staff_id_staff_users'), 'staff_users', ['assigned_staff_id'], ['id'])

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_staff_id_staff_users'), 'staff_users', ['staff_id'], ['id'])



def downgrade() -> None:
    # Rows the older code cannot read go back to what it knew.
    op.execute("UPDATE staff_users SET active = false, role = 'finance' WHERE role NOT IN ('finance', 'admin')")
    op.execute("UPDATE conversations SET status = 'in_progress' WHERE status IN ('paused', 'resolved')")
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_staff_id_staff_users'), type_='foreignkey')
        batch_op.drop_column('staff_id')

    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conversations_assigned_staff_id_staff_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_conversations_handling_id_chat_handlings'), type_='foreignkey')
        batch_op.drop_index('ix_conversations_status_unit')
        batch_op.drop_index('ix_conversations_last_message_at')
        batch_op.drop_column('last_staff_message_at')
        batch_op.drop_column('handling_id')
        batch_op.drop_column('assigned_staff_id')
        batch_op.drop_column('channel')

    op.drop_table('staff_units')
    with op.batch_alter_table('staff_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_notes_user')

    op.drop_table('staff_notes')
    with op.batch_alter_table('chat_handlings', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_handlings_user')
        batch_op.drop_index('ix_chat_handlings_opened_at')

    op.drop_table('chat_handlings')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_staff_at')
        batch_op.drop_index('ix_audit_log_record')
        batch_op.drop_index('ix_audit_log_at')

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log; DROP FUNCTION audit_log_append_only()")
    op.drop_table('audit_log')
    op.drop_table('resident_tags')
    _check("conversations", "status", STATUSES_BEFORE)
    _check("staff_users", "role", ROLES_BEFORE)
