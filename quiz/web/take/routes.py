"""The browser quiz: a start page, one page per section, a review page, then the submit.

    GET  /quiz/<bank>                    start page: title, description, how long, Start
    POST /quiz/<bank>                    Start: make a draft, 303 to its page 1
    GET  /quiz/<bank>/<draft>/<n>        page n (1-based) of the draft's quiz
    POST /quiz/<bank>/<draft>/<n>        store page n's answers, then Next / Back / Save (303)
    GET  /quiz/<bank>/<draft>/review     every answer, with links to change it
    POST /quiz/<bank>/<draft>/review     submit: store the result, 303 to /r/<result token>
    GET  /quiz/<bank>/<draft>/saved      the "continue later" link
    GET  /resume/<draft>                 continue later (7 days): back to the first open page

The draft token in the path is the attempt's secret (random, 192 bits): whoever has the link has
the attempt, as with the "continue later" link it also is. That is what lets a POST store its
answers *before* the CSRF check: a forged cross-site POST cannot name a draft it does not know,
and an honest POST whose form token expired (a phone left on a page overnight) keeps every
answer; the page then asks the taker to press the button again.
"""
from __future__ import annotations

import hashlib
import json
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
    send_from_directory,
    session,
    url_for,
)
from flask_babel import format_date, gettext
from flask_limiter.errors import RateLimitExceeded

from quiz.bank import Bank
from quiz.extensions import csrf
from quiz.store import drafts
from quiz.web import banks, i18n
from quiz.web.forms import CsrfOnlyForm, clean_answers, missing_required, page_form, required_message
from quiz.web.limits import submission_limit
from quiz.web.links import base_url, remember_delete_key
from quiz.web.results.feedback import retake_of
from quiz.web.take import cohort, invited, remember
from quiz.web.take.pages import _cached_page, _render_page, minutes, page_of, question_numbers

bp = Blueprint("take", __name__)
# CSRF is checked inside the views, after the posted answers are stored (see the module doc).
csrf.exempt(bp)



# Every quiz response may carry a draft token (in its links, its form, its redirect, or the start
# page's "continue" link) and the answers given so far: no cache, shared or the browser's own
# disk, may keep one. Only the site icon is the same for everyone.
NO_STORE = "no-store"
_CACHEABLE = frozenset({"take.favicon"})


@bp.after_request
def _never_stored(response: Response) -> Response:
    if request.endpoint not in _CACHEABLE:
        response.headers["Cache-Control"] = NO_STORE
    return response


@bp.app_context_processor
def start_helpers() -> dict[str, Any]:
    # The home page shows a one-bank start page with the same partial as /quiz/<bank>.
    return {"quiz_minutes": minutes, "open_draft": remember.remembered}


# -- the site icon ------------------------------------------------------------------------------

ICON_MAX_AGE = 365 * 24 * 3600  # a changed design shows late where the old one is cached: rare


@bp.get("/favicon.ico")
def favicon():
    """Pages link /static/favicon.svg (templates/base.html); browsers still ask for /favicon.ico
    where no page says otherwise (the PNG preview, JSON, old browsers). A 404 there is an error
    in every console, so it gets the same icon as a 16 and 32 px .ico, cached for a year."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/x-icon",
                               max_age=ICON_MAX_AGE)


# -- lookups that end the request kindly --------------------------------------------------------

def _page(template: str, status: int, **context: Any) -> Response:
    return Response(render_template(template, **context), status=status, mimetype="text/html")


def _bank(bank_id: str) -> Bank:
    bank = banks.get(bank_id)
    if bank is None:
        abort(404, description=gettext("There is no quiz called “%(name)s”.", name=bank_id))
    return bank


def _draft(bank: Bank, token: str, *, for_update: bool = False, allow_expired: bool = False) -> Any:
    """The draft behind a quiz URL. Unknown: a friendly 404; expired: 410 with a way to start
    again; already submitted: straight to its result. Pages that only show it get a read-only
    row (drafts.peek); `for_update` gives the locked ORM object a POST changes."""
    draft = drafts.load(token, for_update=True) if for_update else drafts.peek(token)
    if draft is None or draft.bank_id != bank.id:
        abort(_page("take/gone.html", 404, bank=bank, expired=False))
    if draft.result_token:
        abort(redirect(_result_url(draft.result_token), 303))
    if not allow_expired and drafts.is_expired(draft):
        abort(_page("take/gone.html", 410, bank=bank, expired=True))
    return draft


def _result_url(token: str) -> str:
    return url_for("results.show", token=token)


def _number(bank: Bank, number: int) -> int:
    if not 1 <= number <= len(bank.pages):
        abort(404, description=gettext("This quiz has no page %(number)d.", number=number))
    return number


# -- start ----------------------------------------------------------------------------------------

@bp.get("/quiz/<bank_id>")
def start(bank_id: str):
    bank = _bank(bank_id)
    # Opened from someone's shared result ("Take it and compare"): say where the quiz will end.
    compared = invited.note(bank.id, request.args.get("compare"))
    notice = gettext("When you finish, your result will be shown next to the one that was shared "
                     "with you.") if compared else None
    group, problem = cohort.lookup(request.args.get("cohort"))
    return render_template("take/start.html", bank=bank, notice=notice, cohort=group,
                           cohort_problem=problem), 404 if problem else 200


@bp.post("/quiz/<bank_id>")
def begin(bank_id: str):
    bank = _bank(bank_id)
    form = CsrfOnlyForm()
    group, problem = cohort.lookup(request.form.get("cohort"))
    if problem:
        return render_template("take/start.html", bank=bank, cohort_problem=problem), 404
    if not form.validate():
        notice = gettext("Your session had expired. Please press Start again.")
        return render_template("take/start.html", bank=bank, notice=notice, cohort=group)
    draft = drafts.create(bank.id, i18n.select_locale(), cohort_id=group.id if group is not None else None)
    remember.remember(draft)
    invited.attach(bank.id, draft.token)
    return redirect(url_for("take.page", bank_id=bank.id, token=draft.token, number=1), 303)


@bp.get("/resume/<token>")
def resume(token: str):
    draft = drafts.peek(token)
    bank = banks.get(draft.bank_id) if draft is not None else None
    if draft is None or bank is None:
        return _page("take/gone.html", 404, bank=bank, expired=False)
    if draft.result_token:
        return redirect(_result_url(draft.result_token), 303)
    if drafts.is_expired(draft):
        return _page("take/gone.html", 410, bank=bank, expired=True)
    remember.remember(draft)
    answers = clean_answers(bank, draft.answers)
    missing = missing_required(bank, answers)
    args: dict[str, Any] = {}
    if "lang" not in request.args and "lang" not in session:
        args["lang"] = draft.lang  # a new device continues in the language the quiz was begun in
    elif request.args.get("lang") in i18n.LANGUAGES:
        args["lang"] = request.args["lang"]
    if missing:
        number = page_of(bank)[missing[0].id]
        return redirect(url_for("take.page", bank_id=bank.id, token=draft.token, number=number, **args))
    return redirect(url_for("take.review", bank_id=bank.id, token=draft.token, **args))


@bp.get("/quiz/<bank_id>/<token>/<int:number>")
def page(bank_id: str, token: str, number: int):
    bank = _bank(bank_id)
    draft = _draft(bank, token)
    number = _number(bank, number)
    remember.remember(draft)
    # No form object on a GET: WTForms only parses posts; the page is written from the bank.
    return _cached_page(bank, draft, number, returning=request.args.get("return") == "review")


ACTIONS = ("next", "back", "save")
LANG_ACTION = "lang:"  # the header's language buttons on pages with a form: `_action=lang:ko`


def _language_asked() -> str | None:
    """The language a header language button asks for, or None for any other button. The
    choice is taken at once (the session and this request), so everything this request says
    is in the new language."""
    action = request.form.get("_action") or ""
    code = action[len(LANG_ACTION):] if action.startswith(LANG_ACTION) else None
    if code not in i18n.LANGUAGES:
        return None
    session["lang"] = g.lang = code
    return code


def _same_page(bank: Bank, draft: Any, number: int | str, lang: str, returning: bool = False) -> Response:
    args: dict[str, Any] = {"return": "review"} if returning else {}
    endpoint, kwargs = ("take.review", {}) if number == "review" else ("take.page", {"number": number})
    return redirect(url_for(endpoint, bank_id=bank.id, token=draft.token, lang=lang, **kwargs, **args), 303)


@bp.post("/quiz/<bank_id>/<token>/<int:number>")
def save_page(bank_id: str, token: str, number: int):
    bank = _bank(bank_id)
    # An expired draft still takes a POST: its taker is plainly back, and refusing would drop
    # the answers they just gave. Saving renews it.
    draft = _draft(bank, token, for_update=True, allow_expired=True)
    number = _number(bank, number)
    switching = _language_asked()
    lang = i18n.select_locale()
    form = page_form(bank, number, formdata=request.form)
    form.validate()
    given, cleared = form.answers()
    drafts.save_answers(draft, given, cleared, lang=lang)  # first, before anything can fail

    action = request.form.get("_action")
    action = action if action in ACTIONS else "next"  # Enter in a text-less form means Next
    returning = request.form.get("_return") == "review"
    # What the page shows again: the stored answers, with what was just ticked on top (even
    # too many boxes: the taker sees their ticks and the message, not a silent revert).
    shown = dict(draft.answers or {})
    for q in form.questions:
        field = form[q.id]
        if field.data is not None and not getattr(field, "invalid", False):
            shown[q.id] = list(field.data) if q.type == "multi" else field.data

    if switching:
        # The same page in the new language, answers saved. Questions still open are no error
        # here (the taker has not asked to go on), and no CSRF check is needed: a GET with
        # ?lang= does as much. Only ticks that could not be stored (too many boxes, a value
        # that is no option) bring the page back with their message rather than lose them.
        unstored = {qid: problem for qid, problem in form.question_errors().items()
                    if form[qid].invalid or form[qid].data not in (None, [])}
        if unstored:
            return _render_page(bank, draft, number, answers=shown, errors=unstored, returning=returning)
        return _same_page(bank, draft, number, switching, returning)

    if form.csrf_failed():
        button = {"next": gettext("Next"), "back": gettext("Back"),
                  "save": gettext("Save and continue later")}[action]
        if returning and action == "next":
            button = gettext("Save and go back to your answers")
        notice = gettext("Your session had expired, but your answers are kept. "
                         "Please press “%(button)s” again.", button=button)
        return _render_page(bank, draft, number, answers=shown, notice=notice, returning=returning)

    if action == "back":
        if returning:
            return redirect(url_for("take.review", bank_id=bank.id, token=draft.token), 303)
        if number == 1:
            return redirect(url_for("take.start", bank_id=bank.id), 303)
        return redirect(url_for("take.page", bank_id=bank.id, token=draft.token, number=number - 1), 303)
    if action == "save":
        return redirect(url_for("take.saved", bank_id=bank.id, token=draft.token, page=number), 303)

    # A required question counts as answered when the draft holds an answer, even if this post
    # lacks it (a form rendered before that answer was given, in another tab).
    stored = draft.answers or {}
    errors = {qid: problem for qid, problem in form.question_errors().items()
              if not (qid in stored and form[qid].data in (None, []) and not form[qid].invalid)}
    if errors:
        return _render_page(bank, draft, number, answers=shown, errors=errors, returning=returning)
    if returning or number == len(bank.pages):
        return redirect(url_for("take.review", bank_id=bank.id, token=draft.token), 303)
    return redirect(url_for("take.page", bank_id=bank.id, token=draft.token, number=number + 1), 303)


@bp.get("/quiz/<bank_id>/<token>/saved")
def saved(bank_id: str, token: str):
    bank = _bank(bank_id)
    draft = _draft(bank, token)
    number = request.args.get("page", type=int) or 1
    number = number if 1 <= number <= len(bank.pages) else 1
    link = base_url() + url_for("take.resume", token=draft.token)
    until = format_date(drafts.expires_at(draft), format="long")
    return render_template("take/saved.html", bank=bank, draft=draft, link=link, until=until,
                           number=number)


# -- review and submit -------------------------------------------------------------------------

# The review form names the answers it shows (a short hash, `SEEN_FIELD`), so a submit from a
# review page left open in one tab, while the answers were changed in another, stores nothing the
# taker did not see: it brings the review page back with the answers as they now are.
SEEN_FIELD = "answers_seen"


def answers_fingerprint(bank: Bank, answers: dict[str, Any]) -> str:
    """A short hash of the answers a review page shows (and of the bank they are shown with)."""
    canonical = json.dumps([bank.content_hash, answers], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def _render_review(bank: Bank, draft: Any, *, errors: dict[str, str] | None = None,
                   notice: str | None = None, status: int = 200) -> Response:
    answers = clean_answers(bank, draft.answers)
    return _page("take/review.html", status, bank=bank, draft=draft, answers=answers,
                 numbers=question_numbers(bank), page_numbers=page_of(bank), total=len(bank.pages),
                 errors=errors or {}, seen_field=SEEN_FIELD, seen=answers_fingerprint(bank, answers),
                 notice=notice, form=CsrfOnlyForm())


def _missing_errors(bank: Bank, answers: dict[str, Any]) -> dict[str, str]:
    return {q.id: required_message(q.type) for q in missing_required(bank, answers)}


@bp.get("/quiz/<bank_id>/<token>/review")
def review(bank_id: str, token: str):
    bank = _bank(bank_id)
    draft = _draft(bank, token)
    remember.remember(draft)
    return _render_review(bank, draft)


def _too_many_submissions(_limit: Any) -> Response | None:
    """Over QUIZ_RATE_LIMIT: the review page again, answers intact, saying when to retry; a
    draft already submitted still goes to its result. This must return, never raise: Flask-Limiter
    takes an exception here for a storage failure and falls back to an empty in-memory count."""
    bank = banks.get((request.view_args or {}).get("bank_id", ""))
    draft = drafts.peek((request.view_args or {}).get("token", ""))
    if bank is None or draft is None or draft.bank_id != bank.id:
        return None  # the generic 429 page
    if draft.result_token:
        return redirect(_result_url(draft.result_token), 303)
    notice = gettext("Too many quizzes were submitted from your network just now. Your answers "
                     "are kept: please wait a minute, then press “Submit my answers” again.")
    return _render_review(bank, draft, notice=notice, status=429)


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(exc: RateLimitExceeded):
    # The response built by _too_many_submissions, ahead of the app's generic error page.
    if exc.response is not None:
        return exc.response
    return render_template("errors/error.html", status=429, error=None), 429


def _created_a_result(_response: Response) -> bool:
    return bool(g.get("quiz_result_created"))


# Only a submission that stores a result counts against the limit, so a double click, or a page
# re-shown for a missing answer, costs the taker nothing.
def _is_language_button() -> bool:
    return (request.form.get("_action") or "").startswith(LANG_ACTION)


@bp.post("/quiz/<bank_id>/<token>/review")
@submission_limit(on_breach=_too_many_submissions, deduct_when=_created_a_result, exempt_when=_is_language_button)
def submit(bank_id: str, token: str):
    from quiz import service

    bank = _bank(bank_id)
    # Locked for the rest of the transaction (PostgreSQL): a double click waits here, then finds
    # the draft submitted and follows the first click to the same result.
    draft = _draft(bank, token, for_update=True, allow_expired=True)
    switching = _language_asked()
    if switching:  # a header language button: the review page again, nothing submitted
        drafts.save_answers(draft, {}, lang=switching)  # "continue later" resumes in it
        return _same_page(bank, draft, "review", switching)
    if not CsrfOnlyForm().validate():
        notice = gettext("Your session had expired, but your answers are kept. "
                         "Please press “%(button)s” again.", button=gettext("Submit my answers"))
        return _render_review(bank, draft, notice=notice)
    answers = clean_answers(bank, draft.answers)
    seen = request.form.get(SEEN_FIELD)
    if seen is not None and seen != answers_fingerprint(bank, answers):
        # A stale tab: these are not the answers its page showed. Show them; store nothing.
        notice = gettext("Your answers changed in another tab. Check them and submit again.")
        return _render_review(bank, draft, notice=notice, status=409)
    errors = _missing_errors(bank, answers)
    if errors:
        return _render_review(bank, draft, errors=errors)
    lang = i18n.select_locale()
    try:
        # The draft token is the submission id: a resubmitted POST stores nothing new.
        # A retake when this browser holds the key to an earlier result of this bank: the two are
        # linked, and the owner's page says what changed.
        submission = service.submit(bank, answers, lang=lang, submission_id=draft.token, draft=draft,
                                    retake_of=retake_of(bank.id))
    except service.InvalidAnswers as exc:
        by_id = bank.question_by_id
        errors = {e.question: (required_message(by_id[e.question].type) if e.code in ("missing", "empty_choice")
                               else gettext("That answer is not one of the options. Please choose again."))
                  for e in exc.errors if e.question in by_id}
        return _render_review(bank, draft, errors=errors)
    except service.SubmissionConflict:
        # This draft was submitted before (a crash between storing its result and marking the
        # draft), and its answers changed since. One draft is one attempt: show the result it
        # already has rather than fail; a new attempt starts from the start page.
        stored = service.result_for_submission(draft.token)
        if stored is None:
            raise
        drafts.mark_submitted(draft, stored.token)
        return redirect(_result_url(stored.token), 303)
    result_token = submission.result.token
    g.quiz_result_created = submission.created
    if draft.result_token != result_token:  # a draft from before submissions marked it themselves
        drafts.mark_submitted(draft, result_token)
    if submission.delete_key:
        # Only the request that created the result touches the session: a second, racing
        # click gets no Set-Cookie, so it cannot overwrite the cookie that holds the key.
        remember_delete_key(result_token, submission.delete_key)
        remember.forget(bank.id)
    compare = invited.compare_url(draft.token, result_token, gettext("You"))
    return redirect(compare or _result_url(result_token), 303)
