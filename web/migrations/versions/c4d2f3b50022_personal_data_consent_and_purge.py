"""personal data: face/GPS consent records, sign-in purge stamp

Revision ID: c4d2f3b50022
Revises: b7c1e2a40011
Create Date: 2026-12-08 04:00:00

"""
from alembic import op
import sqlalchemy as sa

import engine.models


revision = 'c4d2f3b50022'
down_revision = 'b7c1e2a40011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('personal_data_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=30), nullable=False),
    sa.Column('text_version', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('given_at', engine.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('client_ip', sa.String(length=64), nullable=True),
    sa.Column('client_agent', sa.String(length=255), nullable=True),
    sa.Column('withdrawn_at', engine.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_client_ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_personal_data_consent_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_data_consent'))
    )
    with op.batch_alter_table('personal_data_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_data_consent_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', engine.models.UtcDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
    with op.batch_alter_table('personal_data_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_data_consent_person_id'))
    op.drop_table('personal_data_consent')
