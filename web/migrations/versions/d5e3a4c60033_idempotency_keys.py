"""idempotency keys: a retried apply or completion gets the first answer back

Revision ID: d5e3a4c60033
Revises: c4d2f3b50022
Create Date: 2026-12-08 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = 'd5e3a4c60033'
down_revision = 'c4d2f3b50022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('engine_idempotency_key',
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request', sa.String(length=300), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', engine.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('owner', 'key', name=op.f('pk_engine_idempotency_key'))
    )
    with op.batch_alter_table('engine_idempotency_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engine_idempotency_key_created_at'),
                              ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('engine_idempotency_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engine_idempotency_key_created_at'))
    op.drop_table('engine_idempotency_key')
