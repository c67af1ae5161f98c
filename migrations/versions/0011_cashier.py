"""cashier: payment methods per brand, deposits, withdrawals, providers' callbacks

Revision ID: 0011_cashier
Revises: 0010_coupon_slip_key
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_cashier'
down_revision = '0010_coupon_slip_key'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('payment_method',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=30), nullable=False),
    sa.Column('currency', sa.String(length=5), nullable=False),
    sa.Column('min_deposit', sa.BigInteger(), nullable=False),
    sa.Column('max_deposit', sa.BigInteger(), nullable=False),
    sa.Column('min_withdrawal', sa.BigInteger(), nullable=False),
    sa.Column('max_withdrawal', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['brand.id'], name=op.f('fk_payment_method_brand_id_brand')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_method')),
    sa.UniqueConstraint('brand_id', 'provider', 'currency', name=op.f('uq_payment_method_brand_id_provider_currency'))
    )
    with op.batch_alter_table('payment_method', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_method_brand_id'), ['brand_id'], unique=False)

    op.create_table('deposit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=30), nullable=False),
    sa.Column('currency', sa.String(length=5), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('provider_tx_id', sa.String(length=100), nullable=True),
    sa.Column('requisite', sa.String(length=60), nullable=True),
    sa.Column('payment_system', sa.String(length=30), nullable=True),
    sa.Column('bonus_code', sa.String(length=50), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['player_id'], ['player.id'], name=op.f('fk_deposit_player_id_player')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deposit')),
    sa.UniqueConstraint('provider', 'provider_tx_id', name=op.f('uq_deposit_provider_provider_tx_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_deposit_reference'))
    )
    with op.batch_alter_table('deposit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deposit_modified_at'), ['modified_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deposit_player_id'), ['player_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deposit_status'), ['status'], unique=False)

    op.create_table('withdrawal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('player_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=30), nullable=False),
    sa.Column('currency', sa.String(length=5), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requisite', sa.String(length=60), nullable=False),
    sa.Column('payment_system', sa.String(length=30), nullable=True),
    sa.Column('provider_tx_id', sa.String(length=100), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('operator', sa.String(length=100), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['player_id'], ['player.id'], name=op.f('fk_withdrawal_player_id_player')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_withdrawal'))
    )
    with op.batch_alter_table('withdrawal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_withdrawal_modified_at'), ['modified_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_withdrawal_player_id'), ['player_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_withdrawal_status'), ['status'], unique=False)

    op.create_table('payment_callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=30), nullable=False),
    sa.Column('provider_tx_id', sa.String(length=100), nullable=True),
    sa.Column('reference', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=True),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_callback'))
    )
    with op.batch_alter_table('payment_callback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_callback_provider_tx_id'), ['provider_tx_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_callback_reference'), ['reference'], unique=False)


def downgrade():
    with op.batch_alter_table('payment_callback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_callback_reference'))
        batch_op.drop_index(batch_op.f('ix_payment_callback_provider_tx_id'))
    op.drop_table('payment_callback')
    with op.batch_alter_table('withdrawal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_withdrawal_status'))
        batch_op.drop_index(batch_op.f('ix_withdrawal_player_id'))
        batch_op.drop_index(batch_op.f('ix_withdrawal_modified_at'))
    op.drop_table('withdrawal')
    with op.batch_alter_table('deposit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deposit_status'))
        batch_op.drop_index(batch_op.f('ix_deposit_player_id'))
        batch_op.drop_index(batch_op.f('ix_deposit_modified_at'))
    op.drop_table('deposit')
    with op.batch_alter_table('payment_method', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_method_brand_id'))
    op.drop_table('payment_method')
