"""engine drafts: a designer's saved, undeployed edit of a process

Revision ID: 5c2e9a7d41b3
Revises: 22a4270acee0
Create Date: 2026-11-28 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import engine.models
from engine.db import JsonType


# revision identifiers, used by Alembic.
revision = '5c2e9a7d41b3'
down_revision = '22a4270acee0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('engine_draft',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('process_key', sa.String(length=120), nullable=False),
    sa.Column('author', sa.String(length=120), nullable=False),
    sa.Column('based_on_version', sa.Integer(), nullable=True),
    sa.Column('files', JsonType, nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('saved_at', engine.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engine_draft')),
    sa.UniqueConstraint('process_key', 'author', name='uq_draft_key_author')
    )


def downgrade():
    op.drop_table('engine_draft')
