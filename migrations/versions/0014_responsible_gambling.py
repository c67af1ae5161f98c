"""responsible gambling: limits, exclusions, their history; the limited flags

Revision ID: 0014_responsible_gambling
Revises: 0013_playable_after
Create Date: 2026-12-01 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_responsible_gambling'
down_revision = '0013_playable_after'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'player_limit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('currency', sa.String(length=5), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=True),
        sa.Column('pending_value', sa.BigInteger(), nullable=True),
        sa.Column('pending_at', sa.DateTime(), nullable=True),
        sa.Column('modified_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['player_id'], ['player.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('player_id', 'kind', 'period', 'currency'),
    )
    op.create_index('ix_player_limit_player_id', 'player_limit', ['player_id'])
    op.create_table(
        'exclusion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('duration', sa.String(length=20), nullable=True),
        sa.Column('starts_at', sa.DateTime(), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('reopen_asked_at', sa.DateTime(), nullable=True),
        sa.Column('reopen_at', sa.DateTime(), nullable=True),
        sa.Column('lifted_at', sa.DateTime(), nullable=True),
        sa.Column('lifted_by', sa.String(length=100), nullable=True),
        sa.Column('lift_reason', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['player_id'], ['player.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_exclusion_player_id', 'exclusion', ['player_id'])
    op.create_table(
        'limit_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=60), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('old_value', sa.String(length=100), nullable=True),
        sa.Column('new_value', sa.String(length=100), nullable=True),
        sa.Column('effective_at', sa.DateTime(), nullable=True),
        sa.Column('actor', sa.String(length=100), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['player_id'], ['player.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_limit_change_player_id', 'limit_change', ['player_id'])
    with op.batch_alter_table('player', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excluded_until', sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column('limited', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table('wallet_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('limited', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # players excluded before this revision: their stakes are checked from now on
    op.execute("UPDATE player SET limited = true WHERE status = 'self_excluded'")
    op.execute(
        "UPDATE wallet_account SET limited = true WHERE kind = 'real' AND player_id IN "
        "(SELECT id FROM player WHERE status = 'self_excluded')"
    )


def downgrade():
    with op.batch_alter_table('wallet_account', schema=None) as batch_op:
        batch_op.drop_column('limited')
    with op.batch_alter_table('player', schema=None) as batch_op:
        batch_op.drop_column('limited')
        batch_op.drop_column('excluded_until')
    op.drop_index('ix_limit_change_player_id', table_name='limit_change')
    op.drop_table('limit_change')
    op.drop_index('ix_exclusion_player_id', table_name='exclusion')
    op.drop_table('exclusion')
    op.drop_index('ix_player_limit_player_id', table_name='player_limit')
    op.drop_table('player_limit')
