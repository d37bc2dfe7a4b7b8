"""outbox acknowledgements: a job row stays open until its actor has finished

Revision ID: e6f4b5d70044
Revises: d5e3a4c60033
Create Date: 2026-12-08 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import engine.models


# revision identifiers, used by Alembic.
revision = 'e6f4b5d70044'
down_revision = 'd5e3a4c60033'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('engine_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('acked_at', engine.models.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('dead_at', engine.models.UtcDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('send_failures', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.create_index('ix_outbox_unacked', ['acked_at', 'dead_at', 'available_at'],
                              unique=False)
    # rows handed over before this revision count as done: their jobs ran under the old
    # rule, and re-sending them all at once after the upgrade would only flood the workers
    op.execute("UPDATE engine_outbox SET acked_at = sent_at WHERE sent_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table('engine_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unacked')
        batch_op.drop_column('send_failures')
        batch_op.drop_column('dead_at')
        batch_op.drop_column('acked_at')
