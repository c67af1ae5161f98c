"""wallet: a transaction's playable_after (real and bonus money its answer said)

Revision ID: 0013_playable_after
Revises: 0012_bonuses
Create Date: 2026-12-01 00:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_playable_after'
down_revision = '0012_bonuses'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('wallet_transaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('playable_after', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('wallet_transaction', schema=None) as batch_op:
        batch_op.drop_column('playable_after')
