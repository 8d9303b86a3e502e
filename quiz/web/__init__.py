"""The web: HTTP in, plain arguments to the service and the engine, HTML or JSON out.

`hooks` (proxies, security headers, CSRF, error pages), `i18n` (languages), `banks` (the banks this
app serves), `forms`, `markdown`, `card` (the share image) and `openapi`, and one package or
module per part of the site: `main`, `take`, `results`, `api`, `author`.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from quiz.web import api, author, banks, cohorts, hooks, i18n, main, results, take
    banks.init_app(app)
    i18n.init_app(app)
    hooks.init_app(app)
    app.register_blueprint(main.bp)
    app.register_blueprint(take.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(api.bp, url_prefix="/api")
    app.register_blueprint(author.bp)
    app.register_blueprint(cohorts.bp)
