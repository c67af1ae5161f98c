"""bonuses: definitions, assignments; a real account's bonus_active flag, a transaction's bonus_amount

Revision ID: 0012_bonuses
Revises: 0011_cashier
Create Date: 2026-11-30 17:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_bonuses'
down_revision = '0011_cashier'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bonus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('amount', sa.String(length=20), nullable=True),
    sa.Column('percent', sa.String(length=10), nullable=True),
    sa.Column('max_amount', sa.String(length=20), nullable=True),
    sa.Column('wagering', sa.String(length=10), nullable=False),
    sa.Column('max_conversion', sa.String(length=20), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bonus')),
    sa.UniqueConstraint('code', name=op.f('uq_bonus_code'))
    )
    with op.batch_alter_table('bonus', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bonus_modified_at'), ['modified_at'], unique=False)

    op.create_table('bonus_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('bonus_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=5), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('wagering_required', sa.BigInteger(), nullable=False),
    sa.Column('wagered', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('converted', sa.BigInteger(), nullable=False),
    sa.Column('forfeited', sa.BigInteger(), nullable=False),
    sa.Column('ref', sa.String(length=36), nullable=False),
    sa.Column('deposit_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bonus_id'], ['bonus.id'], name=op.f('fk_bonus_assignment_bonus_id_bonus')),
    sa.ForeignKeyConstraint(['deposit_id'], ['deposit.id'], name=op.f('fk_bonus_assignment_deposit_id_deposit')),
    sa.ForeignKeyConstraint(['player_id'], ['player.id'], name=op.f('fk_bonus_assignment_player_id_player')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bonus_assignment')),
    sa.UniqueConstraint('ref', name=op.f('uq_bonus_assignment_ref'))
    )
    with op.batch_alter_table('bonus_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bonus_assignment_modified_at'), ['modified_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_bonus_assignment_player_id'), ['player_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bonus_assignment_status'), ['status'], unique=False)

    with op.batch_alter_table('wallet_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bonus_active', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('wallet_transaction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bonus_amount', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('wallet_transaction', schema=None) as batch_op:
        batch_op.drop_column('bonus_amount')
    with op.batch_alter_table('wallet_account', schema=None) as batch_op:
        batch_op.drop_column('bonus_active')
    with op.batch_alter_table('bonus_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bonus_assignment_status'))
        batch_op.drop_index(batch_op.f('ix_bonus_assignment_player_id'))
        batch_op.drop_index(batch_op.f('ix_bonus_assignment_modified_at'))
    op.drop_table('bonus_assignment')
    with op.batch_alter_table('bonus', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bonus_modified_at'))
    op.drop_table('bonus')
