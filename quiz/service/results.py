"""Submitting, reading and deleting results: the one place a result is created or destroyed.

The quiz flow and the JSON API both call `submit`; the results pages and the API read through
`get_result`, `snapshot_bank` and `result_json`. Views stay thin; the rules live here.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from quiz.bank import Bank
from quiz.extensions import db
from quiz.lru import LRU
from quiz.store import drafts, models, norms, retention
from quiz.store import feedback as store_feedback
from quiz.store import results as store_results
from quiz.store.tokens import new_token, plausible

# A submission id also fetches the stored result when sent again, so it must be as hard to guess
# as a token: 16 to 64 URL-safe characters (a UUID, a draft token). "x" or "1" would let anyone
# read back whoever used it first.
SUBMISSION_ID_MIN = 16
SUBMISSION_ID_MAX = 64  # the column's width
SUBMISSION_ID_PATTERN = f"^[A-Za-z0-9_-]{{{SUBMISSION_ID_MIN},{SUBMISSION_ID_MAX}}}$"
_SUBMISSION_ID_RE = re.compile(SUBMISSION_ID_PATTERN)


class InvalidAnswers(Exception):
    """The answers did not pass validation; `errors` says which question and why."""

    def __init__(self, errors: list) -> None:  # list[quiz.engine.answers.AnswerError]
        self.errors = list(errors)
        super().__init__("; ".join(f"{getattr(e, 'question', '?')}: {getattr(e, 'message', e)}"
                                   for e in self.errors) or "invalid answers")


class InvalidSubmissionId(ValueError):
    """A submission id that is not a string of 16–64 characters from [A-Za-z0-9_-]."""


class SubmissionConflict(Exception):
    """The submission id was used before for other answers or another bank.

    Answering with the first result would hand one person's result to another (or silently
    drop the second set of answers): the caller says so instead.
    """

    def __init__(self, submission_id: str, reason: str) -> None:
        self.submission_id = submission_id
        self.reason = reason
        super().__init__(reason)


def check_submission_id(submission_id: Any) -> str:
    """The submission id if it is acceptable; InvalidSubmissionId saying why otherwise."""
    if not isinstance(submission_id, str):
        raise InvalidSubmissionId(
            f"submission_id must be a string of {SUBMISSION_ID_MIN} to {SUBMISSION_ID_MAX} characters "
            "from A-Z, a-z, 0-9, '-' and '_' (a UUID is a good choice)")
    # fullmatch: re.match with "$" would let a trailing newline through (65 characters stored).
    if not _SUBMISSION_ID_RE.fullmatch(submission_id):
        what = (f"is {len(submission_id)} characters long" if not
                SUBMISSION_ID_MIN <= len(submission_id) <= SUBMISSION_ID_MAX else
                "has characters other than A-Z, a-z, 0-9, '-' and '_'")
        raise InvalidSubmissionId(
            f"submission_id {what}; it must be {SUBMISSION_ID_MIN} to {SUBMISSION_ID_MAX} characters "
            "from A-Z, a-z, 0-9, '-' and '_', hard to guess (a UUID is a good choice)")
    return submission_id


@dataclass
class Submission:
    result: models.Result
    created: bool
    delete_key: str | None  # given only when this call created the result



def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


# -- creating ----------------------------------------------------------------------------------

def submit(bank: Bank, raw_answers: Mapping, *, lang: str = "en",
           submission_id: str | None = None, draft: Any = None, retake_of: str | None = None) -> Submission:
    """Validate, score and store one submission, atomically.

    With a `draft` (the quiz's own submission, loaded in this session and locked), the draft is
    marked submitted in the same transaction as the result is stored: both or neither.

    With a `submission_id` the call is idempotent: the same id with the same bank and answers
    returns the stored result (created=False), even when two requests race each other. The same
    id with other answers or another bank raises SubmissionConflict; an id that is too short,
    too long or has odd characters raises InvalidSubmissionId.

    The new result is counted in its version's percentiles (quiz.store.norms) in the same
    transaction; with `retake_of` (the token of the taker's earlier result, whose key the caller
    checked) the two are linked as a retake.
    """
    if submission_id is not None:
        check_submission_id(submission_id)

    from quiz.engine import analyse, score, validate_answers

    clean, errors = validate_answers(bank, raw_answers)
    existing = result_for_submission(submission_id) if submission_id is not None else None
    if existing is not None:
        # A retry: answer with what is stored, but only if it is the same submission.
        return Submission(_same_submission(existing, bank, clean, errors), False, None)
    if errors:
        raise InvalidAnswers(errors)
    answers = _jsonable(clean)
    outcome = score(bank, clean).to_dict()
    # How firm the result is and what would change it: computed once, here, and stored with it.
    try:
        outcome.update(analyse(bank, clean, outcome))
    except Exception:
        current_app.logger.exception("what_would_change / stability failed for bank %s", bank.content_hash)

    delete_key = new_token()
    row = dict(
        token=new_token(), delete_key_hash=hash_key(delete_key), submission_id=submission_id,
        bank_id=bank.id, bank_version=bank.version, bank_hash=bank.content_hash,
        lang=lang if isinstance(lang, str) and lang in bank.languages else bank.languages[0],
        answers=answers, outcome=outcome, primary_path=outcome["primary"],
        cohort_id=getattr(draft, "cohort_id", None),  # started from a cohort's link
        created_at=models.utcnow())
    snapshot = (db.engine.url.render_as_string(hide_password=True), bank.content_hash)
    skipped_snapshot = False
    for _attempt in range(2):
        try:
            # The snapshot (54 KB of JSON for the shipped bank) is sent once per database and
            # process, not with every submission; see _stored_snapshots.
            skipped_snapshot = _stored_snapshots.get(snapshot, False)
            if not skipped_snapshot:
                _ensure_snapshot(bank)
            # One Core INSERT rather than the ORM's unit of work (a third of a submission's CPU);
            # the caller gets the same values as an unattached Result.
            db.session.execute(_INSERT_RESULT, row)
            norms.record(bank.id, bank.version, outcome)
            if retake_of is not None and retake_of != row["token"]:
                store_feedback.link_retake(retake_of, row["token"])
            if draft is not None:
                drafts.mark_submitted(draft, row["token"], commit=False)
            db.session.commit()
            result = models.Result(**row)
            _stored_snapshots[snapshot] = True
            break
        except IntegrityError:
            db.session.rollback()
            if submission_id is not None:
                existing = result_for_submission(submission_id)
                if existing is not None:  # a concurrent request with the same id won the race
                    return Submission(_same_submission(existing, bank, clean, errors), False, None)
            if not skipped_snapshot:
                raise
            # The snapshot we remembered is not there (the database was replaced or restored):
            # forget it and store the result again, snapshot first.
            _stored_snapshots.discard_where(lambda key: key == snapshot)
        except Exception:
            db.session.rollback()
            raise
    return Submission(result, True, delete_key)


_INSERT_RESULT = sa.insert(models.Result.__table__)

# (database URL, bank content hash) of snapshots this process has seen committed. Snapshots are
# never deleted (results point at them), so a submission need not resend one that is known to be
# there; if it is gone after all, the result's foreign key fails and submit stores it again.
# Forgetting one only costs sending it again.
_stored_snapshots = LRU("snapshots known stored", max_entries=256)


def _same_submission(existing: models.Result, bank: Bank, clean: Mapping, errors: list) -> models.Result:
    """`existing` when this call repeats its submission; SubmissionConflict otherwise."""
    sid = existing.submission_id or ""
    if existing.bank_id != bank.id:
        raise SubmissionConflict(sid, f"this submission_id was used for the bank '{existing.bank_id}', "
                                      f"not '{bank.id}'; use a new id for a new submission")
    # Answers compare as stored: validated, multi answers in the bank's option order, so a retry
    # that lists the same options in another order is still the same submission.
    if errors or _jsonable(clean) != (existing.answers or {}):
        raise SubmissionConflict(sid, "this submission_id was used for different answers; "
                                      "use a new id for a new submission")
    return existing


def _jsonable(clean: Mapping) -> dict[str, Any]:
    """Answers as JSON can hold them (multi answers may come back as tuples or sets)."""
    out: dict[str, Any] = {}
    for qid, value in clean.items():
        if isinstance(value, (set, frozenset)):
            value = sorted(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[qid] = value
    return out


def result_for_submission(submission_id: str) -> models.Result | None:
    """The result stored under a submission id, if any."""
    return db.session.execute(
        sa.select(models.Result).where(models.Result.submission_id == submission_id)).scalar_one_or_none()


def _ensure_snapshot(bank: Bank) -> None:
    """Insert the bank's snapshot unless it is there, inside the caller's transaction.

    INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL, so two processes storing the
    first result of a new bank version at once do not fail each other.
    """
    values = {"hash": bank.content_hash, "bank_id": bank.id, "version": bank.version,
              "content": bank.canonical_json, "created_at": models.utcnow()}
    table = models.BankSnapshot.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
        db.session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=["hash"]))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
        db.session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=["hash"]))
    else:  # another database: check, then insert inside a savepoint
        if db.session.get(models.BankSnapshot, bank.content_hash) is None:
            try:
                with db.session.begin_nested():
                    db.session.execute(sa.insert(table).values(**values))
            except IntegrityError:
                pass


# -- reading -----------------------------------------------------------------------------------

def get_result(token: str) -> models.Result | None:
    if not plausible(token):
        return None
    return db.session.execute(
        sa.select(models.Result).where(models.Result.token == token)).scalar_one_or_none()


_READ_RESULT = sa.select(*models.Result.__table__.c).where(models.Result.token == sa.bindparam("token"))


def read_result(token: str) -> Any:
    """The result as a read-only row (the same attribute names as models.Result), or None: one
    Core statement on a pooled connection, for pages that only show it (a fresh results page),
    at half the cost of loading it through the ORM session."""
    if not plausible(token):
        return None
    with db.engine.connect() as conn:
        return conn.execute(_READ_RESULT, {"token": token}).first()


def result_exists(token: str) -> bool:
    """A primary-key-cheap check that caches make before serving, so no cache outlives a delete."""
    if not plausible(token):
        return False
    # One Core statement on a pooled connection: the ORM session's unit of work costs more than
    # the lookup itself, and this runs before every page served from a cache.
    with db.engine.connect() as conn:
        return conn.execute(_RESULT_EXISTS, {"token": token}).first() is not None


_RESULT_EXISTS = sa.select(models.Result.id).where(models.Result.token == sa.bindparam("token")).limit(1)


# Parsed snapshots by content hash: a result pins one, and few versions of a bank are ever live.
_SNAPSHOTS = LRU("bank snapshots", max_entries=64)


def snapshot_bank(result: models.Result) -> Bank:
    """The bank the result was scored with (its pinned snapshot), parsed once per hash."""
    bank = _SNAPSHOTS.get(result.bank_hash)
    if bank is not None:
        return bank
    snap = db.session.get(models.BankSnapshot, result.bank_hash)
    if snap is None:  # cannot happen with the foreign key; say so plainly if it does
        raise LookupError(f"bank snapshot {result.bank_hash} is missing")
    bank = Bank.from_snapshot(snap.content)
    _SNAPSHOTS[result.bank_hash] = bank
    return bank


# -- deleting ----------------------------------------------------------------------------------

# Modules that keep derived copies of a result (rendered pages, PNG previews) register a
# callback here; `delete_result` calls each with the token after the row is gone.
_on_delete: list[Callable[[str], None]] = []


def on_delete(callback: Callable[[str], None]) -> Callable[[str], None]:
    if callback not in _on_delete:
        _on_delete.append(callback)
    return callback


def key_matches(result: models.Result, key: str | None) -> bool:
    if not isinstance(key, str) or not key:
        return False
    return hmac.compare_digest(result.delete_key_hash, hash_key(key))


def delete_result(token: str, key: str | None) -> bool:
    """Hard-delete the result if `key` is its delete key, with the draft it was submitted from.
    False for a wrong key.

    Raises LookupError when there is no such result (the caller answers 404).
    """
    result = get_result(token)
    if result is None:
        raise LookupError(token)
    if not key_matches(result, key):
        return False
    try:
        # The result and its draft (which holds the same answers and the result's token) go
        # together, in one transaction: nothing of the taker's answers is left behind. The
        # retention purge deletes through the same store function.
        store_results.delete_results([result.id])
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    forget_deleted([token])
    return True


def forget_deleted(tokens: list[str]) -> None:
    """Tell every `on_delete` callback of this process that these results are gone."""
    for token in tokens:
        for callback in list(_on_delete):
            try:
                callback(token)
            except Exception:  # noqa: BLE001  a stale cache entry is checked against the row anyway
                pass


def purge_expired(*, dry_run: bool = False) -> retention.Purged:
    """`quiz purge`: delete drafts and results past QUIZ_DRAFT_DAYS and QUIZ_RESULT_DAYS (or, with
    `dry_run`, count them), and drop this host's copies of the results that went."""
    purged = retention.purge(dry_run=dry_run)
    forget_deleted(purged.tokens)
    return purged


# -- presenting --------------------------------------------------------------------------------

NORMS_MIN_DEFAULT = 200


def norms_min() -> int:
    """QUIZ_NORMS_MIN: the results a bank version needs before percentiles are shown."""
    value = current_app.config.get("QUIZ_NORMS_MIN")
    return NORMS_MIN_DEFAULT if value is None else int(value)


def iso_utc(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def result_url(token: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/r/{token}"


def archetype_ranking(outcome: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The stored daily lives, most similar first. Results stored before the ranking was kept
    have only their closest one."""
    return outcome.get("archetype_ranking") or ([outcome["archetype"]] if outcome.get("archetype") else [])


def result_json(result: models.Result, *, lang: str, base_url: str,
                delete_key: str | None = None) -> dict[str, Any]:
    """The result as CONTRACT §4 shows it. `delete_key` only for the answer that created it."""
    bank = snapshot_bank(result)
    out = result.outcome or {}

    def titled(entry: Mapping[str, Any]) -> dict[str, Any]:
        arch = bank.archetype_by_id.get(entry.get("id"))
        return {"id": entry.get("id"), "title": bank.text(arch.title, lang) if arch else entry.get("id"),
                "similarity": entry.get("similarity")}

    # Every archetype, most similar first; `archetype` is the first of them.
    archetypes = [titled(entry) for entry in archetype_ranking(out)]
    archetype = dict(archetypes[0]) if archetypes else None
    body: dict[str, Any] = {"token": result.token, "url": result_url(result.token, base_url)}
    if delete_key is not None:
        body["delete_key"] = delete_key
    body.update({
        "bank": {"id": result.bank_id, "version": result.bank_version, "hash": result.bank_hash},
        "scores": out.get("scores", {}),
        "primary": out.get("primary"),
        "secondary": out.get("secondary"),
        "hybrid": bool(out.get("hybrid")),
        "balanced": bool(out.get("balanced")),
        "margin": out.get("margin"),
        "archetype": archetype,
        "archetypes": archetypes,
        # Results stored before these were computed have neither: null and [] say so.
        "stability": out.get("stability"),
        "what_would_change": list(out.get("what_would_change") or []),
        # Per path, the share of the version's takers scoring below; null below QUIZ_NORMS_MIN.
        "percentiles": norms.percentiles(result.bank_id, result.bank_version, out, norms_min())[1],
        "flags": list(out.get("flags", [])),
        "quality": list(out.get("quality", [])),
        "rules_fired": list(out.get("rules_fired", [])),
        "contributions": list(out.get("contributions", [])),
        "created_at": iso_utc(result.created_at),
    })
    return body
