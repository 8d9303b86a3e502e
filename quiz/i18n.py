"""Language of a page: ?lang=, then the session's choice, then Accept-Language, then English."""
from __future__ import annotations

import os

from flask import Flask, g, request, session

from quiz.config import ROOT
from quiz.extensions import babel

LANGUAGES = ("en", "ko")


def select_locale() -> str:
    if "lang" in g:
        return g.lang
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        if request.blueprint not in ("api",):
            session["lang"] = lang
    elif request.blueprint != "api" and session.get("lang") in LANGUAGES:
        lang = session["lang"]
    else:
        lang = request.accept_languages.best_match(LANGUAGES) or "en"
    g.lang = lang
    return lang


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(ROOT, "quiz", "translations"))

    @app.context_processor
    def inject_lang() -> dict:
        return {"lang": select_locale(), "languages": LANGUAGES}
