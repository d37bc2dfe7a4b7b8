"""login sessions, API token revocation, the temporary lock after wrong passwords

Revision ID: b7c1e2a40011
Revises: 5c2e9a7d41b3
Create Date: 2026-12-08 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = 'b7c1e2a40011'
down_revision = '5c2e9a7d41b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_session',
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', engine.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', engine.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                            name=op.f('fk_login_session_person_id_person')),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_login_session'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_person_id'), ['person_id'],
                              unique=False)

    op.create_table('login_lock',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', engine.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', engine.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                            name=op.f('fk_login_lock_person_id_person')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_login_lock'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', engine.models.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('revoked_reason', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('revoked_reason')
        batch_op.drop_column('revoked_at')
    op.drop_table('login_lock')
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_person_id'))
    op.drop_table('login_session')
