"""Player time zone: the IANA zone the player's pages show times in (UTC by default)

Revision ID: 0019_player_time_zone
Revises: 0018_brand_footer
Create Date: 2026-12-01 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_player_time_zone'
down_revision = '0018_brand_footer'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('player', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('player', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
