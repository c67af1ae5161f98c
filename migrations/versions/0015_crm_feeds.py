"""CRM feeds: the database's clock (portal_now), indexes the feeds select by, auto-logins

Revision ID: 0015_crm_feeds
Revises: 0014_responsible_gambling
Create Date: 2026-12-01 06:00:00

"""
from alembic import op
import sqlalchemy as sa

from portal.dbclock import POSTGRES_FUNCTION
from portal.wallet.models import CRM_KINDS_SQL


revision = '0015_crm_feeds'
down_revision = '0014_responsible_gambling'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_FUNCTION)
    op.create_index('ix_casino_payment_created_at', 'casino_payment', ['created_at'])
    op.create_index(
        'ix_wallet_transaction_crm',
        'wallet_transaction',
        ['created_at'],
        postgresql_where=sa.text(CRM_KINDS_SQL),
        sqlite_where=sa.text(CRM_KINDS_SQL),
    )
    op.create_table(
        'auto_login',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('player_id', sa.Integer(), nullable=False),
        sa.Column('salt', sa.String(length=32), nullable=False),
        sa.Column('campaign', sa.String(length=100), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('modified_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['player_id'], ['player.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_auto_login_player_id', 'auto_login', ['player_id'])
    op.create_index('ix_auto_login_modified_at', 'auto_login', ['modified_at'])


def downgrade():
    op.drop_index('ix_auto_login_modified_at', table_name='auto_login')
    op.drop_index('ix_auto_login_player_id', table_name='auto_login')
    op.drop_table('auto_login')
    op.drop_index('ix_wallet_transaction_crm', table_name='wallet_transaction')
    op.drop_index('ix_casino_payment_created_at', table_name='casino_payment')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS portal_now()')
