"""Authoring preview: check a bank as you write it, and see it as scoring sees it.

Open in development; elsewhere only with QUIZ_AUTHOR_KEY (given once as ?key=…, then kept in
the session). Without either, the routes answer 404: an operator who did not ask for the
authoring tools does not expose them.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for

from quiz.bank import check_bytes
from quiz.engine import bounds, bounds_exact, describe
from quiz.web import banks

bp = Blueprint("author", __name__, url_prefix="/author")
MAX_PASTE = 1024 * 1024


def _allowed() -> bool:
    if current_app.config.get("QUIZ_ENV", "development") == "development":
        return True
    key = current_app.config.get("QUIZ_AUTHOR_KEY")
    if not key:
        return False
    given = request.args.get("key") or request.headers.get("X-Author-Key") or session.get("author_key") or ""
    if hmac.compare_digest(given.encode(), key.encode()):
        session["author_key"] = given
        return True
    return False


@bp.before_request
def guard():
    if not _allowed():
        abort(404)


def _excerpt(lines: list[str], line: int, col: int) -> dict:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return {"line": line, "text": text, "caret": " " * max(col - 1, 0) + "^"}


@bp.get("/", strict_slashes=False)
def index():
    return render_template("author/index.html", banks=list(banks.registry()), problems=None, source="")


@bp.post("/", strict_slashes=False)
def check():
    """Check pasted YAML: every problem with its line shown and a caret under the column."""
    source = request.form.get("source", "")
    upload = request.files.get("file")
    if upload and upload.filename:
        raw = upload.stream.read(MAX_PASTE + 1)
        name = upload.filename
    else:
        raw = source.encode("utf-8")
        name = "pasted.yaml"
    bank, problems = check_bytes(raw, name)
    lines = raw.decode("utf-8", "replace").splitlines()
    shown = [{"problem": p, "excerpt": _excerpt(lines, p.line, p.col)} for p in problems]
    preview = _preview(bank) if bank is not None else None
    return render_template("author/index.html", banks=list(banks.registry()), problems=shown,
                           source=source if not (upload and upload.filename) else raw.decode("utf-8", "replace"),
                           checked=True, preview=preview, bank=bank)


def _preview(bank):
    bnds = bounds(bank)
    return {
        "bounds": bnds, "exact": bounds_exact(bank),
        "rules": [{"rule": r, "condition": describe(r.when)} for r in bank.rules],
        "contradictions": [{"c": c, "condition": describe(c.when)} for c in bank.contradictions],
    }


@bp.get("/<bank_id>")
def preview(bank_id: str):
    bank = banks.get(bank_id)
    if bank is None:
        abort(404)
    return render_template("author/bank.html", bank=bank, preview=_preview(bank))


@bp.get("/<bank_id>/")
def preview_slash(bank_id: str):
    return redirect(url_for("author.preview", bank_id=bank_id))
