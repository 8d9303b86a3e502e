"""Authoring preview: check a bank as you write it, and see it as scoring sees it.

Open in development; elsewhere only with QUIZ_AUTHOR_KEY (at least 16 characters), given in the
X-Author-Key header or the `key` field of a POST, never in the URL (URLs land in access logs).
Once given, the session keeps a flag, not the key. Guesses are rate-limited per address. Without
the key the routes answer 404: an operator who did not ask for the authoring tools does not expose
them.

Work budgets: a pasted bank is checked within the bank format's limits (quiz.bank), at most
MAX_SHOWN problems are listed (then "and N more"), and each excerpt is clipped to EXCERPT_WIDTH
characters around the column, so a hostile megabyte on one line gives a small page.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from limits import parse

from quiz.bank import check_bytes
from quiz.config import MIN_AUTHOR_KEY
from quiz.engine import bounds, bounds_exact, describe
from quiz.extensions import limiter
from quiz.web import banks

bp = Blueprint("author", __name__, url_prefix="/author")
MAX_PASTE = 1024 * 1024
MAX_SHOWN = 100          # problems listed on the page; the rest are counted
EXCERPT_WIDTH = 200      # characters of a source line shown around the problem's column
MESSAGE_WIDTH = 400      # characters of a problem's message (it may quote a pasted key or id)
ECHO_LIMIT = 128 * 1024  # bytes of a paste shown again in the form (more: the page says so)
MIN_KEY_LENGTH = MIN_AUTHOR_KEY  # quiz.config refuses a shorter QUIZ_AUTHOR_KEY at start-up
GUESS_LIMIT = "20/minute"  # requests that present a key (right or wrong), per client address
CHECK_LIMIT = "30/minute"  # pastes checked, per client address (each costs up to a few hundred ms)
_GUESSES = parse(GUESS_LIMIT)
SESSION_FLAG = "author"


class KeyInURL(Exception):
    """The author key was given as ?key=: refused, since URLs are logged."""


def _key() -> str | None:
    key = current_app.config.get("QUIZ_AUTHOR_KEY")
    return key if isinstance(key, str) and len(key) >= MIN_KEY_LENGTH else None


def _allowed() -> bool:
    if current_app.config.get("QUIZ_ENV", "development") == "development":
        return True
    key = _key()
    if not key:
        return False
    given = request.headers.get("X-Author-Key")
    if given is None and request.method == "POST":
        given = request.form.get("key")
    if given is None:
        return session.get(SESSION_FLAG) is True
    if not _guess_allowed():
        abort(429)
    if hmac.compare_digest(given.encode(), key.encode()):
        session[SESSION_FLAG] = True
        return True
    session.pop(SESSION_FLAG, None)
    return False


def _guess_allowed() -> bool:
    """Count a request that presents a key, right or wrong, per client address, in Flask-Limiter's
    storage (shared by every process when REDIS_URL is set). Checked here rather than with a route
    decorator because guesses come by GET too, which the app's limiter filter lets through."""
    if not limiter.enabled:
        return True
    try:
        return limiter.limiter.hit(_GUESSES, "author-key", get_remote_address())
    except Exception:  # noqa: BLE001  the store is unreachable: fail open, as submissions do
        current_app.logger.warning("author key guesses not counted: the rate-limit store is unreachable")
        return True


@bp.before_request
def guard():
    if "key" in request.args:
        raise KeyInURL()
    if not _allowed():
        abort(404)


@bp.errorhandler(KeyInURL)
def key_in_url(_exc: KeyInURL):
    return ("The author key is not accepted in the URL (URLs are written to access logs): send it in the "
            "X-Author-Key header or the 'key' field of a POST.\n", 400, {"Content-Type": "text/plain; charset=utf-8"})


def _clip(text: str, col: int) -> tuple[str, int]:
    """`text` clipped to EXCERPT_WIDTH screen columns around character column `col` (1-based),
    with '…' where cut, and the caret's screen column within what is shown: a Korean syllable
    takes two columns, so both the cut and the caret count columns, not characters."""
    from quiz.bank import display_width
    # Only characters within EXCERPT_WIDTH of the column can be shown (each takes a column or
    # more), so only they are measured: a megabyte line with a hundred problems costs a hundred
    # small windows, not a hundred walks over the whole line (issue 12, finding 1).
    at = min(max(col - 1, 0), len(text))
    lo, hi = max(0, at - EXCERPT_WIDTH), min(len(text), at + EXCERPT_WIDTH + 1)
    cut_before, cut_after = lo > 0, hi < len(text)
    text, at = text[lo:hi], at - lo
    if not (cut_before or cut_after) and display_width(text) <= EXCERPT_WIDTH:
        return text, display_width(text[:at]) + 1
    start, room = at, EXCERPT_WIDTH // 2
    while start > 0 and display_width(text[start - 1]) <= room:  # half the room before the column
        start -= 1
        room -= display_width(text[start])
    end, room = start, EXCERPT_WIDTH
    while end < len(text) and display_width(text[end]) <= room:
        room -= display_width(text[end])
        end += 1
    while start > 0 and display_width(text[start - 1]) <= room:  # the line ends early: show more before
        start -= 1
        room -= display_width(text[start])
    shown = text[start:end]
    caret = display_width(text[start:at]) + 1
    if start > 0 or cut_before:
        shown, caret = "…" + shown, caret + 1
    if end < len(text) or cut_after:
        shown += "…"
    return shown, caret


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _excerpt(lines: list[str], line: int, col: int) -> dict:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    text, caret = _clip(text, col)
    return {"line": line, "text": text, "caret": " " * min(max(caret - 1, 0), EXCERPT_WIDTH + 1) + "^"}


@bp.get("/", strict_slashes=False)
def index():
    return render_template("author/index.html", banks=list(banks.registry()), problems=None, source="")


@bp.post("/", strict_slashes=False)
@limiter.limit(CHECK_LIMIT, methods=["POST"])
def check():
    """Check pasted YAML: every problem with its line shown and a caret under the column."""
    source = request.form.get("source", "")
    upload = request.files.get("file")
    if upload and upload.filename:
        raw = upload.stream.read(MAX_PASTE + 1)
        name = _shorten(upload.filename, 100)
    else:
        raw = source.encode("utf-8")
        name = "pasted.yaml"
    bank, problems = check_bytes(raw, name)
    text = raw.decode("utf-8", "replace")
    lines = text.splitlines()
    shown = [{"problem": p, "message": _shorten(p.render(), MESSAGE_WIDTH), "excerpt": _excerpt(lines, p.line, p.col)}
             for p in problems[:MAX_SHOWN]]
    preview = _preview(bank) if bank is not None else None
    echoed = len(raw) <= ECHO_LIMIT
    return render_template("author/index.html", banks=list(banks.registry()), problems=shown,
                           problem_count=len(problems), more=max(0, len(problems) - MAX_SHOWN),
                           source=text if echoed else "", not_echoed=len(raw) if not echoed else 0,
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
