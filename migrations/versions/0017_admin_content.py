"""Admin content: operators' texts for message codes (overrides of portal.messages)

Revision ID: 0017_admin_content
Revises: 0016_back_office
Create Date: 2026-12-01 10:42:40.847021

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_admin_content"
down_revision = "0016_back_office"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "message_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_text")),
        sa.UniqueConstraint("code", "language", name=op.f("uq_message_text_code_language")),
    )
    with op.batch_alter_table("message_text", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_text_modified_at"), ["modified_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("message_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_text_modified_at"))
    op.drop_table("message_text")
