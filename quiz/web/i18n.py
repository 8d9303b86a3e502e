"""Language of a page: ?lang=, then the session's choice, then Accept-Language, then English."""
from __future__ import annotations

import os

from flask import Flask, g, request, session
from flask_babel import get_locale, get_translations

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


def translations():
    """The current language's catalogue, looked up once per request and language.

    Flask-Babel finds it anew for every string (its request context three times, the locale, its
    name, a dict lookup): with ~50 strings on a results page that was a fifth of the render.
    Kept in Flask-Babel's own per-request namespace beside the locale it belongs to, so
    `force_locale` (which swaps that locale for a block) gets the other language's catalogue.
    """
    ctx = g.get("_flask_babel") if g else None
    if ctx is None:
        return get_translations()
    locale = getattr(ctx, "babel_locale", None)
    kept = getattr(ctx, "quiz_translations", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    found = get_translations()  # also settles the locale when this is the request's first string
    ctx.quiz_translations = (get_locale(), found)
    return found


def gettext(string: str, **variables: object) -> str:
    """flask_babel.gettext through the per-request catalogue (`translations`)."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: object) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(ROOT, "quiz", "translations"))
    # Templates translate through the per-request catalogue too (the same calls Flask-Babel
    # installs, minus its per-string lookups).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )

    @app.context_processor
    def inject_lang() -> dict:
        return {"lang": select_locale(), "languages": LANGUAGES}
