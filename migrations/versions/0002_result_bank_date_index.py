"""result: one index on (bank_id, created_at) for stats and export by bank and date

Replaces the single-column bank_id index, which the new index's first column covers.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.create_index("ix_result_bank_id_created_at", ["bank_id", "created_at"], unique=False)
        batch_op.drop_index("ix_result_bank_id")


def downgrade():
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.create_index("ix_result_bank_id", ["bank_id"], unique=False)
        batch_op.drop_index("ix_result_bank_id_created_at")
