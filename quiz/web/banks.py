"""The banks this process serves, loaded once at start (the data flows one way from here).

In development an author edits a bank file and reloads the page: `ReloadingRegistry` notices the
file changed (at most one stat per file a second) and serves the new bank; a broken edit keeps
the last good version serving, and its problems are logged and shown on /author.
"""
from __future__ import annotations

import logging
import os
import threading
import time

import click
from flask import Flask, current_app

from quiz.bank import Bank, BankError, BankRegistry, check_file

log = logging.getLogger(__name__)


class BrokenRegistry(BankRegistry):
    """Stands in for banks that failed to load when the app is made for a CLI command, so that
    `quiz check`, `quiz schema` and `db upgrade` still work on a tree with a broken bank."""

    def __init__(self, error: BankError):
        super().__init__()
        self.error = error

    def _fail(self):
        raise self.error

    def __iter__(self):
        self._fail()

    def get(self, bank_id: str) -> Bank | None:
        self._fail()

    def resolve(self, ref: str) -> Bank | None:
        self._fail()


class ReloadingRegistry(BankRegistry):
    """A registry that reloads a bank file when it changes on disk (development only)."""

    CHECK_EVERY_S = 1.0

    def __init__(self, loaded: BankRegistry):
        super().__init__(list(loaded), loaded.files)
        self._mtimes = {path: self._mtime(path) for path in self.files.values()}
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self.problems: dict[str, list] = {}  # file → the errors of its broken last edit

    @staticmethod
    def _mtime(path: str) -> float | None:
        try:
            return os.stat(path).st_mtime_ns
        except OSError:
            return None

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.CHECK_EVERY_S:
            return
        with self._lock:
            self._checked = now
            for bank_id, path in list(self.files.items()):
                mtime = self._mtime(path)
                if mtime is None or mtime == self._mtimes.get(path):
                    continue
                self._mtimes[path] = mtime
                bank, problems = check_file(path)
                errors = [p for p in problems if p.severity == "error"]
                if bank is None or errors or bank.id != bank_id:
                    self.problems[path] = errors or problems
                    log.warning("%s changed but does not load; still serving the last good version:\n%s",
                                path, "\n".join(p.render() for p in errors[:20]))
                    continue
                from quiz.engine import prepare
                prepare(bank)
                self._banks[bank_id] = bank
                self.problems.pop(path, None)
                log.info("%s changed: now serving %s version %s", path, bank.id, bank.version)

    def __iter__(self):
        self._refresh()
        return super().__iter__()

    def get(self, bank_id: str) -> Bank | None:
        self._refresh()
        return super().get(bank_id)

    def resolve(self, ref: str) -> Bank | None:
        self._refresh()
        return super().resolve(ref)


def init_app(app: Flask) -> None:
    if "QUIZ_BANK_REGISTRY" in app.config:  # tests may hand in a ready registry
        registry = app.config.pop("QUIZ_BANK_REGISTRY")
    else:
        try:
            registry = BankRegistry.from_spec(app.config["QUIZ_BANKS"])
        except BankError as exc:
            # Serving: an invalid bank stops the start with every problem printed, better than
            # serving half. A CLI command (click context present) gets to run, so an author can
            # check the very bank that is broken.
            if click.get_current_context(silent=True) is None:
                raise
            registry = BrokenRegistry(exc)
    if not isinstance(registry, BrokenRegistry):
        from quiz.engine import prepare
        for bank in registry:  # exact bounds and the analyses' tables: once here, not per request
            prepare(bank)
        if app.config.get("QUIZ_ENV") == "development" and not app.testing and registry.files:
            registry = ReloadingRegistry(registry)
    app.extensions["quiz_banks"] = registry


def registry() -> BankRegistry:
    return current_app.extensions["quiz_banks"]


def get(bank_id: str) -> Bank | None:
    return registry().get(bank_id)
