"""The banks this process serves, loaded once at start (the data flows one way from here)."""
from __future__ import annotations

import click
from flask import Flask, current_app

from quiz.bank import Bank, BankRegistry
from quiz.bank.errors import BankError


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
    app.extensions["quiz_banks"] = registry


def registry() -> BankRegistry:
    return current_app.extensions["quiz_banks"]


def get(bank_id: str) -> Bank | None:
    return registry().get(bank_id)
