"""Percentiles from real takers: per bank version and path, a histogram of the stored scores.

Scores are stored with one decimal, so a bin is a score in tenths (0 to 1000): "the share of this
version's takers whose score is below this one" is a sum of whole bins, exactly what counting the
stored results would give, never an approximation. Each score is counted twice: in its tenth
(bin 0 to 1000) and in its whole point (a negative bin, -1 - point, for tenths 10 × point to
10 × point + 9), so the sum below a score reads at most 100 whole points and 9 tenths per path,
109 small rows whether the version has a hundred results or a million.

The histogram (`norm_bin`) and the count of results per version (`norm_total`) change in the
transaction that stores a result (`record`, from quiz.service.submit) and in the one that
deletes results (`remove`, from quiz.store.results.delete_results, which every delete goes
through); a page view never reads the results.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from quiz.extensions import db
from quiz.store import models

SCALE = 10  # bins per score point: scores are stored with one decimal

_BIN = models.NormBin.__table__
_TOTAL = models.NormTotal.__table__
_RESULT = models.Result.__table__


def score_bin(value: float) -> int:
    """The bin of a stored score (71.4 → 714). round(), not int(): 71.4 × 10 is 713.9999…"""
    return int(round(float(value) * SCALE))


def _scores(outcome: Mapping[str, Any] | None) -> dict[str, int]:
    scores = (outcome or {}).get("scores") or {}
    return {path: score_bin(v) for path, v in scores.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool)}


def point_bin(b: int) -> int:
    """The whole-point bin that also counts tenth `b` (714 → -72: point 71)."""
    return -1 - b // SCALE


def _bins(outcome: Mapping[str, Any] | None) -> list[tuple[str, int]]:
    """Every (path, bin) a result counts in: its tenth and its whole point, per path."""
    return [(path, k) for path, b in _scores(outcome).items() for k in (b, point_bin(b))]


def _add(table: sa.Table, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Add each row's `takers` to the row with the same key, creating it when missing: INSERT …
    ON CONFLICT DO UPDATE (SQLite and PostgreSQL), so two submissions at once both count."""
    if rows:
        db.session.execute(_upsert(db.session.get_bind().dialect.name, table.name, keys), rows)


@lru_cache(maxsize=8)
def _upsert(dialect: str, table_name: str, keys: tuple[str, ...]) -> sa.Insert:
    """The upsert `_add` runs, built once per table (bound parameters only) and run once per row:
    SQLAlchemy reuses its compiled form, where a multi-row VALUES built per submission was compiled
    again every time (half of POST /api/results' CPU)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"percentiles need SQLite or PostgreSQL, not {dialect}")
    table = {t.name: t for t in (_BIN, _TOTAL)}[table_name]
    stmt = insert(table).values({c.name: sa.bindparam(c.name) for c in table.columns if c.name in (*keys, "takers")})
    return stmt.on_conflict_do_update(index_elements=list(keys), set_={"takers": table.c.takers + stmt.excluded.takers})


def record(bank_id: str, version: int, outcome: Mapping[str, Any]) -> None:
    """Count one new result, inside the caller's transaction (the submission's)."""
    _add(_TOTAL, ("bank_id", "bank_version"), [{"bank_id": bank_id, "bank_version": version, "takers": 1}])
    _add(_BIN, ("bank_id", "bank_version", "path", "bin"),
         [{"bank_id": bank_id, "bank_version": version, "path": p, "bin": b, "takers": 1}
          for p, b in sorted(_bins(outcome))])


_TAKE_BIN = (sa.update(_BIN).values(takers=_BIN.c.takers - sa.bindparam("n"))
             .where(_BIN.c.bank_id == sa.bindparam("b_bank"), _BIN.c.bank_version == sa.bindparam("b_version"),
                    _BIN.c.path == sa.bindparam("b_path"), _BIN.c.bin == sa.bindparam("b_bin")))
_TAKE_TOTAL = (sa.update(_TOTAL).values(takers=_TOTAL.c.takers - sa.bindparam("n"))
               .where(_TOTAL.c.bank_id == sa.bindparam("b_bank"), _TOTAL.c.bank_version == sa.bindparam("b_version")))


def remove(deleted: Iterable[Any]) -> None:
    """Take deleted results out of the histogram, inside the deleting transaction. `deleted` are
    the rows the DELETE itself returned (bank_id, bank_version, outcome), so a result two
    requests delete at once is taken out once."""
    bins: Counter[tuple[str, int, str, int]] = Counter()
    totals: Counter[tuple[str, int]] = Counter()
    for row in deleted:
        totals[(row.bank_id, row.bank_version)] += 1
        for path, b in _bins(row.outcome):
            bins[(row.bank_id, row.bank_version, path, b)] += 1
    # In key order, the count first as `record` does: two deletes lock rows in the same order
    # (PostgreSQL), so they wait for each other instead of deadlocking.
    if totals:
        db.session.execute(_TAKE_TOTAL, [{"b_bank": b, "b_version": v, "n": n} for (b, v), n in sorted(totals.items())])
    if bins:
        db.session.execute(_TAKE_BIN, [{"b_bank": b, "b_version": v, "b_path": p, "b_bin": k, "n": n}
                                       for (b, v, p, k), n in sorted(bins.items())])


def _first(stmt: sa.Executable, params: dict[str, Any] | None = None) -> Any:
    """The statement's first row. On the request's session when it is in a transaction (a POST
    that has written holds SQLite's write lock there: another connection would wait for it);
    otherwise on a pooled connection of its own, cheaper than the session's bookkeeping."""
    if db.session().in_transaction():
        return db.session.execute(stmt, params).first()
    with db.engine.connect() as conn:
        return conn.execute(stmt, params).first()


def _takers_of(bank_id: Any, version: Any) -> sa.ScalarSelect:
    return (sa.select(_TOTAL.c.takers)
            .where(_TOTAL.c.bank_id == bank_id, _TOTAL.c.bank_version == version).scalar_subquery())


_EXISTS_WITH_TAKERS = (
    sa.select(_RESULT.c.id, _takers_of(_RESULT.c.bank_id, _RESULT.c.bank_version).label("takers"))
    .where(_RESULT.c.token == sa.bindparam("token")).limit(1))


def result_and_takers(token: str) -> tuple[bool, int]:
    """Whether the result exists, and how many results its bank version has: one statement, the
    same lookup by token that a cached page makes anyway before it is served."""
    row = _first(_EXISTS_WITH_TAKERS, {"token": token})
    return (False, 0) if row is None else (True, int(row.takers or 0))


def takers(bank_id: str, version: int) -> int:
    """How many stored results the bank version has."""
    row = _first(sa.select(_takers_of(bank_id, version)))
    return int(row[0] or 0) if row is not None else 0


@lru_cache(maxsize=16)
def _below_statement(paths: int) -> sa.Select:
    """The statement `below` runs for a bank with this many paths, built once (bound parameters
    only), so SQLAlchemy reuses its compiled form on every page view."""
    bank_id, version = sa.bindparam("bank_id"), sa.bindparam("version")
    total = _takers_of(bank_id, version)
    columns = [total.label("takers")]
    for i in range(paths):
        path = sa.bindparam(f"path{i}")

        def below_in(low: sa.BindParameter, high: sa.BindParameter) -> sa.ScalarSelect:
            return (sa.select(sa.func.coalesce(sa.func.sum(_BIN.c.takers), 0))
                    .where(_BIN.c.bank_id == bank_id, _BIN.c.bank_version == version, _BIN.c.path == path,
                           _BIN.c.bin >= low, _BIN.c.bin < high).scalar_subquery())
        # The whole points below this score's, then the tenths of its own point below it.
        count = (below_in(sa.bindparam(f"points_from{i}"), sa.bindparam("points_to"))
                 + below_in(sa.bindparam(f"tenths_from{i}"), sa.bindparam(f"bin{i}")))
        # Below the minimum the sums are not made: the page shows no percentiles then.
        columns.append(sa.case((total >= sa.bindparam("minimum"), count), else_=None).label(f"p{i}"))
    return sa.select(*columns)


def below(bank_id: str, version: int, outcome: Mapping[str, Any], minimum: int = 0) -> tuple[int, dict[str, int] | None]:
    """(the version's takers, per path how many of them scored below this outcome's score): one
    statement, a sum over one index range per path, made only when there are at least `minimum`
    takers (None otherwise)."""
    bins = _scores(outcome)
    params: dict[str, Any] = {"bank_id": bank_id, "version": version, "minimum": max(minimum, 1),
                              "points_to": 0}
    for i, (path, b) in enumerate(bins.items()):
        # Points p < b // 10 are bins -1 - p, from point_bin(b) + 1 up to -1; then tenths from
        # the start of b's own point up to b.
        params[f"path{i}"], params[f"bin{i}"] = path, b
        params[f"points_from{i}"], params[f"tenths_from{i}"] = point_bin(b) + 1, b - b % SCALE
    row = _first(_below_statement(len(bins)), params)
    n = int(row[0] or 0)
    if n < max(minimum, 1):
        return n, None
    return n, {path: int(row[i + 1] or 0) for i, path in enumerate(bins)}


def percentiles(bank_id: str, version: int, outcome: Mapping[str, Any],
                minimum: int) -> tuple[int, dict[str, int] | None]:
    """(the version's takers, per path the share 0–100 of them whose score is below this one),
    the share rounded down (68.9% is "more than 68%"); None below `minimum` takers."""
    n, counts = below(bank_id, version, outcome, minimum)
    if counts is None:
        return n, None
    return n, {path: 100 * c // n for path, c in counts.items()}
