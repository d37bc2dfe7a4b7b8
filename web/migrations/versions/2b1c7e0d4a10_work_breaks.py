"""work breaks

Revision ID: 2b1c7e0d4a10
Revises: 8d9f8d3f18ba
Create Date: 2026-11-28 13:00:00

"""
from alembic import op
import sqlalchemy as sa

import engine.models


revision = '2b1c7e0d4a10'
down_revision = '8d9f8d3f18ba'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('work_break',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('permit_id', sa.Integer(), nullable=False),
    sa.Column('started_at', engine.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('ended_at', engine.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['ended_by'], ['person.id'], name=op.f('fk_work_break_ended_by_person')),
    sa.ForeignKeyConstraint(['permit_id'], ['permit.id'], name=op.f('fk_work_break_permit_id_permit')),
    sa.ForeignKeyConstraint(['started_by'], ['person.id'], name=op.f('fk_work_break_started_by_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_break'))
    )
    with op.batch_alter_table('work_break', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_break_permit_id'), ['permit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('work_break', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_break_permit_id'))
    op.drop_table('work_break')
