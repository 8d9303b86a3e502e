"""Cross-cutting web concerns: proxies, security headers, CSRF, rate limits, error pages."""
from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from quiz.extensions import csrf, limiter
from quiz.store import db as store_db
from quiz.web.links import same_site_path

# Requests that must not change anything (RFC 9110 "safe" methods).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Nothing is allowed unless named, and what is named comes from our own origin: our CSS (no
# inline style attributes or blocks: templates carry none), our script (no inline script), our
# images (SVG favicon, PNG previews; data: for small inline images), and forms posting back to us.
# No script fetches anything (connect-src stays 'none'). No plugins, no <base> (it would
# redirect every relative link), no framing.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "form-action 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
))


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api" or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json")


def json_error(status: int, code: str, message: str, **extra):
    body = {"error": {"code": code, "message": message}}
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    hops = app.config.get("QUIZ_PROXY_HOPS") or 0
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    csrf.init_app(app)
    limiter.init_app(app)
    # Templates build same-site links to the current page with this (base.html's language links),
    # never from request.path as it came: "/\evil.example/x" must not become an off-site link.
    app.add_template_global(same_site_path)
    production = app.config.get("QUIZ_ENV") == "production"

    # The store never reads the request: tell it what kind of work this request does. Safe
    # requests (RFC 9110) only read; the rest may write and take the write lock up front.
    @app.before_request
    def declare_transaction_mode() -> None:
        g.quiz_read_only = store_db.reading_only(request.method in SAFE_METHODS)

    @app.teardown_request
    def end_transaction_mode(_exc: BaseException | None) -> None:
        token = g.pop("quiz_read_only", None)
        if token is not None:
            store_db.done_reading(token)

    @app.after_request
    def schedule_purge(response):
        # Expired drafts and results go in small batches after a write's response is sent: no
        # cron needed. This process's copies of the results that went go with them.
        if request.method not in SAFE_METHODS:
            from quiz import service
            response.call_on_close(lambda: store_db.purge_when_due(app, after_delete=service.forget_deleted))
        return response

    @app.after_request
    def security_headers(response):
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("X-Frame-Options", "DENY")
        # Everything is served from our own origin: no CDN, web font or analytics may load.
        h.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if production:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if wants_json():
            code = {404: "not_found", 405: "method_not_allowed", 403: "forbidden", 400: "bad_request",
                    410: "gone", 413: "too_large", 415: "unsupported_media_type", 429: "rate_limited",
                    422: "invalid"}.get(status, "http_error")
            response = json_error(status, code, exc.description or exc.name)
        else:
            response = app.make_response((render_template("errors/error.html", status=status, error=exc), status))
        # A 405 names the methods that would work (RFC 9110 requires the Allow header).
        if getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(RecursionError)
    def too_deep(exc: RecursionError):
        # json.loads recurses: a body nested a thousand levels deep is bad input, not our bug.
        if wants_json():
            return json_error(400, "bad_request", "the request body is nested too deeply")
        return render_template("errors/error.html", status=400, error=None), 400

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    @app.errorhandler(sa_exc.ProgrammingError)
    def database_unavailable(exc: Exception):
        # The database is down, restarting, or not migrated yet: a temporary condition a client
        # may retry, not an error in the request. Nothing the user gave is stored half-way: the
        # transaction is rolled back.
        from quiz.extensions import db
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001
            pass
        if isinstance(exc, sa_exc.ProgrammingError) and not _missing_schema(exc):
            return unexpected(exc)  # a bug in a statement, logged there as one
        app.logger.error("database unavailable on %s %s: %s", request.method, request.path,
                         str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        if wants_json():
            response = json_error(503, "database_unavailable",
                                  "the database is unavailable; nothing was stored, please retry shortly")
        else:
            response = app.make_response((render_template("errors/error.html", status=503, error=None), 503))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, "internal", "an unexpected error happened; it has been logged")
        return render_template("errors/error.html", status=500, error=None), 500


def _missing_schema(exc: Exception) -> bool:
    text = str(exc).lower()
    return "does not exist" in text or "no such table" in text or "undefinedtable" in text
