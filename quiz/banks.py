"""The banks this process serves, loaded once at start (the data flows one way from here)."""
from __future__ import annotations

from flask import Flask, current_app

from quiz.bank import Bank, BankRegistry


def init_app(app: Flask) -> None:
    if "QUIZ_BANK_REGISTRY" in app.config:  # tests may hand in a ready registry
        registry = app.config.pop("QUIZ_BANK_REGISTRY")
    else:
        # An invalid bank stops the start with every problem printed: better than serving half.
        registry = BankRegistry.from_spec(app.config["QUIZ_BANKS"])
    app.extensions["quiz_banks"] = registry


def registry() -> BankRegistry:
    return current_app.extensions["quiz_banks"]


def get(bank_id: str) -> Bank | None:
    return registry().get(bank_id)
