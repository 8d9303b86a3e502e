"""`quiz backup PATH`: a consistent copy of the SQLite database while the server runs.

sqlite3's online backup API copies the database in one step inside one read transaction: in WAL
mode (quiz.store.db sets it) that is a snapshot of every transaction committed before the copy
began, and writers are never blocked (submissions go on meanwhile). The copy is written under a
temporary name, checked (`PRAGMA quick_check`), switched to a single-file journal and then renamed,
so PATH is either a whole backup or absent. PostgreSQL has its own tools (pg_dump; docs/deploy.md).
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass

from quiz.extensions import db

BUSY_TIMEOUT_S = 30  # waiting for a checkpoint or a schema change to finish


class BackupError(Exception):
    """A backup that could not be made; the message says why, in one line."""


class NotSQLite(BackupError):
    """The database is not SQLite (PostgreSQL is backed up with pg_dump)."""


@dataclass(frozen=True)
class Backup:
    source: str
    path: str
    size: int      # bytes
    results: int   # results in the copy


def sqlite_file() -> str:
    """The path of the app's SQLite file; NotSQLite for any other database."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise NotSQLite(f"quiz backup copies SQLite databases; this one is {url.get_backend_name()}")
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is in memory: there is no file to back up")
    return os.path.abspath(url.database)


def backup_sqlite(path: str) -> Backup:
    """Copy the app's SQLite database to `path` (which must not exist) and return what was copied."""
    source = sqlite_file()
    target = os.path.abspath(path)
    if not os.path.exists(source):
        raise BackupError(f"there is no database at {source}")
    if os.path.exists(target):
        raise BackupError(f"{path} exists; quiz backup never overwrites a file (choose a new name)")
    if target == source:
        raise BackupError("the backup cannot be the database itself")
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise BackupError(f"there is no folder {folder} to write {os.path.basename(target)} in")
    partial = f"{target}.partial-{os.getpid()}"
    try:
        # A connection of its own: the app's pool and its transaction hooks are not involved.
        # It only reads (a WAL reader still needs the -shm file, so it is not opened read-only).
        src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)  # every page in one step: one consistent snapshot
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
                check = dst.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise BackupError(f"the copy does not check out: {check}")
                try:
                    results = dst.execute("SELECT count(*) FROM result").fetchone()[0]
                except sqlite3.OperationalError:  # not migrated yet: an empty backup is still a backup
                    results = 0
            finally:
                dst.close()
        finally:
            src.close()
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup failed: {exc}") from None
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return Backup(source, target, os.path.getsize(target), int(results))
