"""Authoring preview: check a bank as you write it, and see it as scoring sees it.

Open in development; elsewhere only with QUIZ_AUTHOR_KEY (at least 16 characters), given in the
X-Author-Key header or the `key` field of a POST, never in the URL (URLs land in access logs).
Once given, the session keeps a flag, not the key. Guesses are rate-limited per address. Without
the key the routes answer 404: an operator who did not ask for the authoring tools does not expose
them.

What it offers: the banks served and every bank file under QUIZ_BANKS with its problems (a file
that fails to load, or broke since it was loaded, included); a paste or upload checked as `quiz
check` does; a preview you can take (a pasted, uploaded or QUIZ_BANKS bank through the real quiz
pages, review and results page, in each of its languages, nothing stored: see "the preview you
can take" below); and per served bank, how scoring sees it and `quiz stats`' figures on its
stored results.

Work budgets: a pasted bank is checked within the bank format's limits (quiz.bank), at most
MAX_SHOWN problems are listed (then "and N more"), and each excerpt is clipped to EXCERPT_WIDTH
characters around the column, so a hostile megabyte on one line gives a small page. At most
MAX_FILES bank files are checked (each kept until it changes); a preview step re-checks at most
MAX_PASTE bytes; statistics read at most STATS_LATEST results, kept until the version's results
change. Every response is no-store and noindex.
"""
from __future__ import annotations

import base64
import hmac
import json
import os
import zlib
from types import SimpleNamespace
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from limits import parse

from quiz import service
from quiz.bank import bank_files, check_bytes, check_file
from quiz.config import MIN_AUTHOR_KEY
from quiz.engine import bounds, bounds_exact, describe
from quiz.extensions import csrf, limiter
from quiz.lru import LRU
from quiz.store import reports
from quiz.web import banks
from quiz.web.forms import CsrfOnlyForm, clean_answers, missing_required, page_form, required_message
from quiz.web.i18n import LANGUAGES, gettext, select_locale
from quiz.web.results.view import build_view
from quiz.web.take.pages import _render_page
from quiz.web.take.routes import _render_review

bp = Blueprint("author", __name__, url_prefix="/author")
MAX_PASTE = 1024 * 1024
MAX_SHOWN = 100          # problems listed on the page; the rest are counted
EXCERPT_WIDTH = 200      # characters of a source line shown around the problem's column
MESSAGE_WIDTH = 400      # characters of a problem's message (it may quote a pasted key or id)
ECHO_LIMIT = 128 * 1024  # bytes of a paste shown again in the form (more: the page says so)
MIN_KEY_LENGTH = MIN_AUTHOR_KEY  # quiz.config refuses a shorter QUIZ_AUTHOR_KEY at start-up
GUESS_LIMIT = "20/minute"  # requests that present a key (right or wrong), per client address
CHECK_LIMIT = "30/minute"  # pastes checked, per client address (each costs up to a few hundred ms)
PREVIEW_LIMIT = "120/minute"  # preview steps, per client address (each checks the bank again)
MAX_FILES = 20           # bank files under QUIZ_BANKS listed and checked (each check is kept until it changes)
FILE_PROBLEMS_SHOWN = 20  # problems listed per bank file
MAX_PACKED = 1_500_000   # characters of the preview's hidden copy of a bank (1 MiB compressed, base64)
MAX_ANSWERS_STATE = 64 * 1024  # characters of the preview's answers so far (JSON)
STATS_LATEST = 2000      # results the statistics on /author/<bank> are computed over (the newest)
LANG_ACTION = "lang:"    # the header's language buttons: `_action=lang:ko`, as on the quiz
PAGE_ACTION = "page:"    # the review's Change buttons in a preview: `_action=page:2`
PREVIEW_FORM = "preview-state"  # the banner's form on a preview's results page
PREVIEW_TOKEN = service.PREVIEW_TOKEN
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
    if request.endpoint == "author.login" and _key():
        return  # the sign-in form checks the key itself (and counts the guesses)
    if not _allowed():
        abort(404)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """A form for the author key, for a browser that cannot send the X-Author-Key header. It exists
    only when QUIZ_AUTHOR_KEY is set (404 otherwise); the key goes in the POST body, never the URL."""
    if _allowed():
        return redirect(url_for("author.index"), 303)
    if not _key():
        abort(404)
    wrong = request.method == "POST"
    return render_template("author/login.html", wrong=wrong), 403 if wrong else 200


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


@bp.after_request
def _private(response: Response) -> Response:
    # Author pages hold bank sources and answers given in a preview: no cache may keep them,
    # and no search engine lists them.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# -- the index: banks served, bank files and their problems, the paste form ----------------------

# A bank file's check, kept while the file is unchanged: (real path, mtime, size) → (bank, problems).
_FILE_CHECKS = LRU("author file checks", max_entries=64)


def _check_file(path: str) -> tuple[Any, list]:
    try:
        st = os.stat(path)
        key = (os.path.realpath(path), st.st_mtime_ns, st.st_size)
    except OSError:
        key = None
    found = _FILE_CHECKS.get(key) if key else None
    if found is None:
        found = check_file(path, os.path.basename(path))  # the page names files, not the server's folders
        if key:
            _FILE_CHECKS[key] = found
    return found


def _configured_files() -> list[str]:
    return bank_files(current_app.config.get("QUIZ_BANKS") or "")


def _bank_files() -> dict[str, Any]:
    """Every bank file under QUIZ_BANKS (at most MAX_FILES), checked: a file that fails to load
    shows its problems, and a served bank whose file broke since says the last good version
    still serves."""
    registry = banks.registry()
    served = {os.path.realpath(p): bank_id for bank_id, p in getattr(registry, "files", {}).items()}
    paths = _configured_files()
    rows = []
    for path in paths[:MAX_FILES]:
        bank, problems = _check_file(path)
        bank_id = served.get(os.path.realpath(path))
        live = registry.get(bank_id) if bank_id else None
        errors = sum(p.severity == "error" for p in problems)
        rows.append({
            "path": path, "name": os.path.basename(path), "bank": bank, "served": live,
            "stale": live is not None and (bank is None or bank.content_hash != live.content_hash),
            "errors": errors, "warnings": len(problems) - errors,
            "problems": [{"severity": p.severity, "where": f"{p.line}:{p.col}",
                          "message": _shorten(p.render(), MESSAGE_WIDTH)} for p in problems[:FILE_PROBLEMS_SHOWN]],
            "more": max(0, len(problems) - FILE_PROBLEMS_SHOWN),
            "languages": [code for code in bank.languages if code in LANGUAGES] if bank else [],
        })
    return {"rows": rows, "more": max(0, len(paths) - MAX_FILES),
            "reloading": isinstance(registry, banks.ReloadingRegistry)}


def _index(status: int = 200, **context: Any) -> Response:
    context.setdefault("problems", None)
    context.setdefault("source", "")
    html = render_template("author/index.html", banks=list(banks.registry()), files=_bank_files(),
                           ui_languages=LANGUAGES, **context)
    return Response(html, status=status, mimetype="text/html")


@bp.get("/", strict_slashes=False)
def index():
    return _index()


def _checked(raw: bytes, name: str, status: int = 200) -> Response:
    """The index with every problem of `raw` listed, its line shown and a caret under the column;
    a bank without errors also shows how scoring sees it and buttons to take it."""
    bank, problems = check_bytes(raw, name)
    text = raw.decode("utf-8", "replace")
    lines = text.splitlines()
    shown = [{"problem": p, "message": _shorten(p.render(), MESSAGE_WIDTH), "excerpt": _excerpt(lines, p.line, p.col)}
             for p in problems[:MAX_SHOWN]]
    echoed = len(raw) <= ECHO_LIMIT
    return _index(status, problems=shown, problem_count=len(problems), more=max(0, len(problems) - MAX_SHOWN),
                  source=text if echoed else "", not_echoed=len(raw) if not echoed else 0,
                  checked=True, preview=_preview(bank) if bank is not None else None, bank=bank,
                  packed=pack(raw) if bank is not None else "",
                  take_languages=[c for c in bank.languages if c in LANGUAGES] if bank is not None else [])


def _posted_source() -> tuple[bytes, str] | None:
    """The bank a form sends: an uploaded file, else the pasted text (None when neither)."""
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.stream.read(MAX_PASTE + 1), _shorten(upload.filename, 100)
    source = request.form.get("source")
    if source is None:
        return None
    return source.encode("utf-8"), "pasted.yaml"


@bp.post("/", strict_slashes=False)
@limiter.limit(CHECK_LIMIT, methods=["POST"])
def check():
    """Check pasted YAML: every problem with its line shown and a caret under the column."""
    raw, name = _posted_source() or (b"", "pasted.yaml")
    return _checked(raw, name)


def _preview(bank):
    bnds = bounds(bank)
    return {
        "bounds": bnds, "exact": bounds_exact(bank),
        "rules": [{"rule": r, "condition": describe(r.when)} for r in bank.rules],
        "contradictions": [{"c": c, "condition": describe(c.when)} for c in bank.contradictions],
    }


# -- a bank's page: how scoring sees it, and what its stored results say -------------------------

# Reports on stored results, kept until the bank version's results change:
# (content hash, result count, newest result id) → the report.
_STATS = LRU("author result statistics", max_entries=32)


def _stats(bank: Any) -> dict[str, Any] | None:
    """`quiz stats`' figures for the bank's current version, over at most STATS_LATEST of its
    newest results; None when it has none."""
    count, newest = reports.version_state(bank.id, bank.version)
    if not count:
        return None
    # Per database (two apps in one process, as in the tests, or two instances) and per sample size.
    key = (current_app.config.get("SQLALCHEMY_DATABASE_URI"), bank.content_hash, count, newest, STATS_LATEST)
    report = _STATS.get(key)
    if report is None:
        report = reports.compute_stats(bank, latest=STATS_LATEST)
        report["stored"] = count
        _STATS[key] = report
    return report


@bp.get("/<bank_id>")
def preview(bank_id: str):
    bank = banks.get(bank_id)
    if bank is None:
        abort(404)
    return render_template("author/bank.html", bank=bank, preview=_preview(bank), stats=_stats(bank),
                           stats_latest=STATS_LATEST, ui_languages=LANGUAGES,
                           take_languages=[c for c in bank.languages if c in LANGUAGES],
                           file_name=_served_file_name(bank.id))


@bp.get("/<bank_id>/")
def preview_slash(bank_id: str):
    return redirect(url_for("author.preview", bank_id=bank_id))


# -- the preview you can take ---------------------------------------------------------------------
#
# The bank travels with every step as a compressed copy in a hidden form field (`bank`), and the
# answers given so far as JSON (`answers`): nothing is kept on the server between requests, so a
# preview works across processes and hosts, and nothing is stored. Every step checks the copy
# again, exactly as a paste (at most MAX_PASTE bytes once decompressed), so an edited field is
# only another paste. Steps are POSTs to /author/preview/<step>: start, 1…n (a quiz page),
# review, result.

def pack(raw: bytes) -> str:
    """A bank's source as the hidden field carries it: zlib, then URL-safe base64."""
    return base64.urlsafe_b64encode(zlib.compress(raw, 6)).decode("ascii")


def unpack(text: str) -> bytes | None:
    """The source a hidden field carries, or None when it is damaged or too large. Decompresses
    at most MAX_PASTE + 1 bytes, so a small field cannot unfold into a large bank."""
    if not text or len(text) > MAX_PACKED:
        return None
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(base64.urlsafe_b64decode(text.encode("ascii")), MAX_PASTE + 1)
    except (ValueError, zlib.error):  # binascii.Error and UnicodeEncodeError are ValueErrors
        return None
    return raw if len(raw) <= MAX_PASTE else None


def _preview_source() -> tuple[bytes, str] | None:
    """The bank a preview step works on: the hidden copy, else an upload, a paste, or a file
    under QUIZ_BANKS named by `bank_file` (only those files: nothing else on disk is read)."""
    if "bank" in request.form:
        raw = unpack(request.form["bank"])
        return (raw, "preview.yaml") if raw is not None else None
    name = request.form.get("bank_file")
    if name is not None:
        path = _bank_file_named(name)
        if path is None:
            return None
        try:
            with open(path, "rb") as fh:
                return fh.read(MAX_PASTE + 1), name
        except OSError:
            return None
    return _posted_source()


def _served_file_name(bank_id: str) -> str | None:
    """The name a preview form gives the file a served bank was loaded from (None if that name
    would lead to another file)."""
    path = getattr(banks.registry(), "files", {}).get(bank_id)
    if path is None:
        return None
    name = os.path.basename(path)
    found = _bank_file_named(name)
    return name if found and os.path.realpath(found) == os.path.realpath(path) else None


def _bank_file_named(name: str) -> str | None:
    """The file under QUIZ_BANKS with this name. Pages name a file by its name, not its path, so
    the server's folders don't travel in a form (the first file of a name wins)."""
    for path in _configured_files()[:MAX_FILES]:
        if os.path.basename(path) == name:
            return path
    return None


def _answers_state(bank: Any) -> dict[str, Any]:
    """The answers the previous steps carried (`answers`, JSON), those that fit the bank."""
    text = request.form.get("answers") or ""
    if len(text) > MAX_ANSWERS_STATE:
        return {}
    try:
        data = json.loads(text) if text else {}
    except (ValueError, RecursionError):
        return {}
    return clean_answers(bank, data) if isinstance(data, dict) else {}


def _language_asked() -> str | None:
    """The header's language buttons post `_action=lang:<code>`: taken at once, as on the quiz."""
    action = request.form.get("_action") or ""
    code = action[len(LANG_ACTION):] if action.startswith(LANG_ACTION) else None
    if code not in LANGUAGES:
        return None
    session["lang"] = g.lang = code
    return code


@bp.context_processor
def _preview_context() -> dict[str, Any]:
    """What a preview step adds to the quiz and results templates (templates/take/*, results/
    show.html, the banner in base.html): the form action, the bank's copy, the answers so far.
    Only for this blueprint's requests, so the live quiz never sees it."""
    return g.get("author_preview_context") or {}


class _Step:
    """One preview step's bank and answers, rendered with the live quiz's own page and review
    functions and the results page's own view."""

    def __init__(self, bank: Any, packed: str, answers: dict[str, Any]):
        self.bank, self.packed, self.answers = bank, packed, answers
        self.draft = SimpleNamespace(token=PREVIEW_TOKEN, answers=answers)  # what the take templates read

    def _set(self, step: str, answers: dict[str, Any] | None = None) -> None:
        carried = self.answers if answers is None else answers
        g.author_preview_context = {
            "form_action": url_for("author.take", step=step),
            "author_preview": {"bank": self.packed, "answers": json.dumps(carried, separators=(",", ":")),
                               "step": step, "action": url_for("author.take", step=step)}}

    def page(self, number: int, *, answers: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
             notice: str | None = None, returning: bool = False) -> Response:
        shown = self.answers if answers is None else answers
        self._set(str(number), shown)
        html = _render_page(self.bank, self.draft, number, answers=shown, errors=errors, notice=notice,
                            returning=returning)
        return Response(html, mimetype="text/html")

    def review(self, *, errors: dict[str, str] | None = None, notice: str | None = None) -> Response:
        self.draft.answers = self.answers
        self._set("review")
        return _render_review(self.bank, self.draft, errors=errors, notice=notice)

    def result(self) -> Response:
        lang = select_locale()
        try:
            result = service.preview_result(self.bank, self.answers, lang=lang)
        except service.InvalidAnswers as exc:
            by_id = self.bank.question_by_id
            return self.review(errors={
                e.question: (required_message(by_id[e.question].type) if e.code in ("missing", "empty_choice")
                             else gettext("That answer is not one of the options. Please choose again."))
                for e in exc.errors if e.question in by_id})
        view = build_view(result, lang, bank=self.bank)
        self._set("result")
        html = render_template("results/show.html", v=view, owner_key=None, share_base="", share_url="",
                               image_url="", delete_url=None, compare_url="", lang_form=PREVIEW_FORM)
        return Response(html, mimetype="text/html")


@bp.post("/preview/<step>")
@limiter.limit(PREVIEW_LIMIT, methods=["POST"])
def take(step: str):
    """One step of a preview: the quiz pages, the review and the results page takers see, for a
    bank that is pasted, uploaded or under QUIZ_BANKS, with nothing stored."""
    source = _preview_source()
    if source is None and "bank_file" in request.form:
        return _index(400, notice=gettext("There is no bank file called “%(name)s” under QUIZ_BANKS any "
                                          "more. Pick one from the list below.",
                                          name=_shorten(request.form["bank_file"], 100)))
    if source is None:
        return _index(400, notice=gettext("The preview lost its copy of the bank (it was damaged or too "
                                          "large). Paste the bank again."))
    raw, name = source
    bank, _problems = check_bytes(raw, name)
    if bank is None:  # the problems, as Check shows them
        return _checked(raw, name, 400 if step != "start" else 200)
    switching = _language_asked()
    action = request.form.get("_action") or ""
    state = _Step(bank, request.form.get("bank") or pack(raw), {} if step == "start" else _answers_state(bank))
    if step == "start" or action == "again":
        state.answers = state.draft.answers = {}
        return state.page(1)
    if step == "result":
        return state.review() if action == "review" else state.result()
    if step == "review":
        return _review_step(state, switching, action)
    if not step.isdigit() or not 1 <= int(step) <= len(bank.pages):
        abort(404)
    return _page_step(state, int(step), switching, action)


# As on the quiz, the form token is checked inside the steps, after the answers posted are taken
# up, so an expired token costs no answer (the page asks to press the button again).
csrf.exempt(take)


def _page_step(state: _Step, number: int, switching: str | None, action: str) -> Response:
    """A quiz page posted: the same form and validation as the live quiz (forms.page_form)."""
    bank = state.bank
    form = page_form(bank, number, formdata=request.form)
    form.validate()
    given, cleared = form.answers()
    before = dict(state.answers)
    state.answers.update(given)
    for qid in cleared:
        state.answers.pop(qid, None)
    # What the page shows again: the answers with what was just ticked on top (even too many boxes).
    shown = dict(state.answers)
    for q in form.questions:
        field = form[q.id]
        if field.data is not None and not getattr(field, "invalid", False):
            shown[q.id] = list(field.data) if q.type == "multi" else field.data
    returning = request.form.get("_return") == "review"
    if switching:
        return state.page(number, answers=shown, returning=returning)
    if form.csrf_failed():
        notice = gettext("Your session had expired, but your answers are kept. Please press “%(button)s” again.",
                         button=gettext("Next"))
        return state.page(number, answers=shown, notice=notice, returning=returning)
    if action == "back":
        if returning:
            return state.review()
        if number == 1:
            raw = unpack(state.packed) or b""
            return _checked(raw, "preview.yaml")
        return state.page(number - 1)
    if action == "save":
        notice = gettext("A preview keeps nothing, so it cannot be continued later: that button works "
                         "on the live quiz. Your answers stay on this page while you go on.")
        return state.page(number, answers=shown, notice=notice, returning=returning)
    errors = {qid: problem for qid, problem in form.question_errors().items()
              if not (qid in before and form[qid].data in (None, []) and not form[qid].invalid)}
    if errors:
        return state.page(number, answers=shown, errors=errors, returning=returning)
    if returning or number == len(bank.pages):
        return state.review()
    return state.page(number + 1)


def _review_step(state: _Step, switching: str | None, action: str) -> Response:
    """The review page posted: a Change button (`page:<n>`), a language button, or the submit,
    which scores the answers and shows the results page, storing nothing."""
    if action.startswith(PAGE_ACTION):
        number = action[len(PAGE_ACTION):]
        if number.isdigit() and 1 <= int(number) <= len(state.bank.pages):
            return state.page(int(number), returning=True)
    if switching:
        return state.review()
    if not CsrfOnlyForm().validate():
        notice = gettext("Your session had expired, but your answers are kept. Please press “%(button)s” again.",
                         button=gettext("Submit my answers"))
        return state.review(notice=notice)
    missing = {q.id: required_message(q.type) for q in missing_required(state.bank, state.answers)}
    if missing:
        return state.review(errors=missing)
    return state.result()
