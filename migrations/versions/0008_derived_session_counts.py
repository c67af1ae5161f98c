"""game sessions: counts and sums derived from the payments, not written per payment

Revision ID: 0008_derived_session_counts
Revises: 0007_brand_aggregator
Create Date: 2026-11-30 11:30:00

The fast core (issue 10) stops updating a game session's counters on every payment; they
are computed from the payments of the session's bets when read, so the columns go and
casino_bet.game_session_id gets the index those reads use.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_derived_session_counts'
down_revision = '0007_brand_aggregator'
branch_labels = None
depends_on = None

COUNTERS = ('bet_count', 'win_count', 'bet_amount', 'win_amount', 'first_action_at', 'last_action_at')


def upgrade():
    with op.batch_alter_table('casino_bet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_casino_bet_game_session_id'), ['game_session_id'], unique=False)
    with op.batch_alter_table('game_session', schema=None) as batch_op:
        for name in COUNTERS:
            batch_op.drop_column(name)


def downgrade():
    with op.batch_alter_table('game_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bet_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('win_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('bet_amount', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('win_amount', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('first_action_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_action_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('casino_bet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_casino_bet_game_session_id'))
