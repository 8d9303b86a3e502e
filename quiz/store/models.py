"""What is stored: bank snapshots, results and quiz drafts (SQLAlchemy 2 typed models)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from quiz.extensions import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class BankSnapshot(db.Model):
    """A bank's content, kept by hash, so an old result renders exactly as it did."""

    __tablename__ = "bank_snapshot"
    hash: so.Mapped[str] = so.mapped_column(sa.String(80), primary_key=True)
    bank_id: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    version: so.Mapped[int] = so.mapped_column(sa.Integer)
    content: so.Mapped[str] = so.mapped_column(sa.Text)  # the bank's canonical JSON
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Cohort(db.Model):
    """A group (a class, a bootcamp, a team) whose results its instructor sees together, as
    distributions only (quiz.store.cohorts). Takers join it through its start link (the slug);
    the instructor page is found by a random token, of which only a hash is kept."""

    __tablename__ = "cohort"
    id: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True)
    slug: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Result(db.Model):
    """One submitted quiz: the answers, what was computed from them, and the bank it is pinned to."""

    __tablename__ = "result"
    # Stats and export read one bank's results in date order; the same index serves "by bank".
    __table_args__ = (sa.Index("ix_result_bank_id_created_at", "bank_id", "created_at"),)
    id: so.Mapped[int] = so.mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    token: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    # Only a hash of the delete key is stored: a database leak does not let anyone delete results.
    delete_key_hash: so.Mapped[str] = so.mapped_column(sa.String(128))
    submission_id: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True, nullable=True)
    bank_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    bank_version: so.Mapped[int] = so.mapped_column(sa.Integer)
    bank_hash: so.Mapped[str] = so.mapped_column(sa.ForeignKey("bank_snapshot.hash"), index=True)
    lang: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")
    # Plain JSON, also on PostgreSQL: JSONB would reorder keys (scores come back sorted by key
    # length, not in the bank's path order) and nothing queries inside these documents.
    answers: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    outcome: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)  # the computed result, as the API shows it
    primary_path: so.Mapped[str] = so.mapped_column(sa.String(64))
    # The group it was taken with (its start link), if any; the instructor page counts by it.
    cohort_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cohort.id"), nullable=True, index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    # "Does this fit you?": yes / partly / no, given once by the result's owner (quiz.store.feedback).
    fit: so.Mapped[str | None] = so.mapped_column(sa.String(8), nullable=True)
    fit_at: so.Mapped[datetime | None] = so.mapped_column(sa.DateTime(timezone=True), nullable=True)


class Draft(db.Model):
    """A quiz in progress: the answers so far, kept server-side so Back, reloads and expired
    form tokens never lose them; its token is also the "continue later" link (7 days)."""

    __tablename__ = "draft"
    token: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    bank_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    answers: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    lang: so.Mapped[str] = so.mapped_column(sa.String(8), default="en")
    result_token: so.Mapped[str | None] = so.mapped_column(sa.String(64), nullable=True)
    # Started from a group's link: its result is recorded with that group.
    cohort_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("cohort.id"), nullable=True)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Indexed for the expiry purge (quiz.store.retention).
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)


class NormBin(db.Model):
    """Percentiles from real takers (quiz.store.norms): per bank version and path, how many stored
    results have each score. A bin is a score in tenths (scores are stored with one decimal), so
    "below this score" is exact; a negative bin, -1 - point, counts a whole point's ten tenths, so
    a sum below a score reads at most 109 rows. Kept up to date in the transactions that store and
    delete results."""

    __tablename__ = "norm_bin"
    bank_id: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    bank_version: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True)
    path: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    bin: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True)  # the score × 10
    takers: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)


class NormTotal(db.Model):
    """How many stored results each bank version has (the percentiles' denominator)."""

    __tablename__ = "norm_total"
    bank_id: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    bank_version: so.Mapped[int] = so.mapped_column(sa.Integer, primary_key=True)
    takers: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)


class ResultLink(db.Model):
    """A retake: the same taker's earlier and later result (quiz.store.feedback). Goes with
    either result when it is deleted."""

    __tablename__ = "result_link"
    earlier_id: so.Mapped[int] = so.mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.ForeignKey("result.id", ondelete="CASCADE"),
        primary_key=True)
    later_id: so.Mapped[int] = so.mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), sa.ForeignKey("result.id", ondelete="CASCADE"),
        primary_key=True, index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
