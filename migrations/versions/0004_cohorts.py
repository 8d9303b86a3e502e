"""cohorts: a group's start link records it with each result (result.cohort_id, carried by
draft.cohort_id); its instructor page is found by a token of which only the hash is kept

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cohort",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cohort_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_result_cohort_id"), ["cohort_id"], unique=False)
        batch_op.create_foreign_key("fk_result_cohort_id_cohort", "cohort", ["cohort_id"], ["id"])
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cohort_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_draft_cohort_id_cohort", "cohort", ["cohort_id"], ["id"])


def downgrade():
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_constraint("fk_draft_cohort_id_cohort", type_="foreignkey")
        batch_op.drop_column("cohort_id")
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.drop_constraint("fk_result_cohort_id_cohort", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_result_cohort_id"))
        batch_op.drop_column("cohort_id")
    op.drop_table("cohort")
