"""percentiles from real takers (norm_bin, norm_total), "does this fit you?" (result.fit), retakes
(result_link)

The aggregate tables are filled from the results already stored, so percentiles count every
taker from the start.

Revision ID: 0003
Revises: 0002
"""
from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BATCH = 1000


def upgrade():
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fit", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("fit_at", sa.DateTime(timezone=True), nullable=True))
    norm_bin = op.create_table(
        "norm_bin",
        sa.Column("bank_id", sa.String(length=64), nullable=False),
        sa.Column("bank_version", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=64), nullable=False),
        sa.Column("bin", sa.Integer(), nullable=False),
        sa.Column("takers", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bank_id", "bank_version", "path", "bin"),
    )
    norm_total = op.create_table(
        "norm_total",
        sa.Column("bank_id", sa.String(length=64), nullable=False),
        sa.Column("bank_version", sa.Integer(), nullable=False),
        sa.Column("takers", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("bank_id", "bank_version"),
    )
    op.create_table(
        "result_link",
        sa.Column("earlier_id", ID, nullable=False),
        sa.Column("later_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["earlier_id"], ["result.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["later_id"], ["result.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("earlier_id", "later_id"),
    )
    with op.batch_alter_table("result_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_result_link_later_id"), ["later_id"], unique=False)
    _fill_norms(norm_bin, norm_total)


def _fill_norms(norm_bin, norm_total):
    """The histogram of the results stored so far (the same bins as quiz.store.norms: tenths, and
    whole points as negative bins), read in batches by id so a large table never sits in memory."""
    result = sa.table("result", sa.column("id", ID), sa.column("bank_id", sa.String),
                      sa.column("bank_version", sa.Integer), sa.column("outcome", sa.JSON))
    conn = op.get_bind()
    bins: Counter = Counter()
    totals: Counter = Counter()
    last = None
    while True:
        stmt = sa.select(result.c.id, result.c.bank_id, result.c.bank_version, result.c.outcome)
        if last is not None:
            stmt = stmt.where(result.c.id > last)
        rows = conn.execute(stmt.order_by(result.c.id).limit(BATCH)).all()
        if not rows:
            break
        for row in rows:
            scores = (row.outcome or {}).get("scores") or {}
            totals[(row.bank_id, row.bank_version)] += 1
            for path, value in scores.items():
                if isinstance(value, (int, float)):
                    tenth = int(round(float(value) * 10))
                    bins[(row.bank_id, row.bank_version, path, tenth)] += 1
                    bins[(row.bank_id, row.bank_version, path, -1 - tenth // 10)] += 1  # its whole point
        last = rows[-1].id
    if totals:
        op.bulk_insert(norm_total, [{"bank_id": b, "bank_version": v, "takers": n} for (b, v), n in totals.items()])
    if bins:
        op.bulk_insert(norm_bin, [{"bank_id": b, "bank_version": v, "path": p, "bin": k, "takers": n}
                                  for (b, v, p, k), n in bins.items()])


def downgrade():
    with op.batch_alter_table("result_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_link_later_id"))
    op.drop_table("result_link")
    op.drop_table("norm_total")
    op.drop_table("norm_bin")
    with op.batch_alter_table("result", schema=None) as batch_op:
        batch_op.drop_column("fit_at")
        batch_op.drop_column("fit")
