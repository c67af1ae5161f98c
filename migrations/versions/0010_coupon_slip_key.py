"""coupons: the slip form's one-time key (a form sent twice is one coupon)

Revision ID: 0010_coupon_slip_key
Revises: 0009_coupons
Create Date: 2026-11-30 16:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_coupon_slip_key'
down_revision = '0009_coupons'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('coupon', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slip_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_coupon_player_id_slip_key'), ['player_id', 'slip_key'])


def downgrade():
    with op.batch_alter_table('coupon', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_coupon_player_id_slip_key'), type_='unique')
        batch_op.drop_column('slip_key')
