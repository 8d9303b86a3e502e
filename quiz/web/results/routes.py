"""The results pages: the shareable result, its PNG preview, deleting it, and comparing results.

Every page renders from the result's pinned bank snapshot (`service.snapshot_bank`), never from
the live bank, so a result reads the same after its bank file changed or was removed. A result
never changes, so its page is rendered once per (token, language) and kept in a small in-process
cache; the cache is consulted only after the result's row was found, so it never outlives a
delete on any process.
"""
from __future__ import annotations

import hashlib
import os
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale

from quiz import service
from quiz.web import banks, markdown
from quiz.web import card as preview
from quiz.web.i18n import LANGUAGES, gettext, select_locale
from quiz.web.links import base_url, delete_key_for, forget_delete_key
from quiz.web.results.cache import PageCache
from quiz.web.results.feedback import cache_bucket, give_fit, page_context, retake
from quiz.web.results.feedback import result_and_takers as takers_now
from quiz.web.results.naming import archetype_line, bar_width, colour, headline, path_name, short_label
from quiz.web.results.view import build_view
from quiz.web.take.pages import minutes

bp = Blueprint("results", __name__)

MAX_COMPARE = 5


@bp.record_once
def _setup(state: Any) -> None:
    state.app.extensions["result_pages"] = PageCache(state.app.config["QUIZ_RESULT_PAGE_CACHE_BYTES"])


def page_cache() -> PageCache:
    return current_app.extensions["result_pages"]


def preview_dir() -> str:
    return current_app.config.get("QUIZ_PREVIEW_DIR") or os.path.join(current_app.instance_path, "previews")


def _forget_everywhere(token: str) -> None:
    """Called by service.delete_result: drop this process's copies (other processes check the row)."""
    try:
        page_cache().forget(token)
        preview.forget(preview_dir(), token)
    except RuntimeError:  # no app context: nothing here to forget
        pass


service.on_delete(_forget_everywhere)


# -- headers ----------------------------------------------------------------------------------

@bp.after_request
def _not_indexed(response: Response) -> Response:
    # A result is shared by its link, never found by a search engine.
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _public(response: Response, etag: str) -> Response:
    """Shareable, but revalidated on every use (cheap with the ETag): a delete must win at once."""
    response.headers["Cache-Control"] = "public, no-cache"
    response.set_etag(etag)
    return response.make_conditional(request)


# -- routes -----------------------------------------------------------------------------------

def _result_lang(result: Any) -> str:
    return result.lang if result.lang in LANGUAGES else "en"


@bp.get("/r/<token>")
def show(token: str):
    # The page speaks the visitor's language (CONTRACT §4: ?lang=, then Accept-Language, then
    # English). The link the taker shares carries ?lang= of the result, so a friend opening it,
    # and the bot that unfurls it, see what the taker saw.
    lang = select_locale()
    owner_key = delete_key_for(token)  # held by this browser's session since it submitted
    base = base_url()
    # Only plain addresses are cached: the language links repeat any other query arguments.
    cacheable = owner_key is None and set(request.args) <= {"lang"}
    if cacheable:
        # The row is looked up (by its unique token) before a cached page is served: a result
        # deleted by any process is gone here too. The same statement reads its version's count
        # of results, part of the key: percentiles change as results come and go.
        found, takers = takers_now(token)
        cached = page_cache().get((token, lang, base, cache_bucket(takers))) if found else None
        if cached is not None:
            html, etag = cached
            return _shared_page(html, etag)
    result = service.read_result(token)
    if result is None:
        abort(404, description=gettext("There is no result at this address. It may have been deleted."))
    if owner_key is not None and not service.key_matches(result, owner_key):
        owner_key = None
    view = build_view(result, lang)
    # The share card speaks the result's language, whoever opens the page.
    image_path = url_for("results.preview_png", token=token, lang=_result_lang(result))
    parts = page_context(result, owner_key, lang)  # percentiles; the owner's fit and retake
    html = render_template(
        "results/show.html", v=view, owner_key=owner_key, share_base=base,
        share_url=f"{base}{url_for('results.show', token=token, lang=_result_lang(result))}",
        image_url=f"{base}{image_path}", image_path=image_path,
        delete_url=url_for("results.confirm_delete", token=token, key=owner_key) if owner_key else None,
        compare_url=url_for("results.compare", r=token),
        **parts,
        # Everything the owner alone sees depends on owner_key; a page without it is the one
        # every visitor gets (and the only kind the page cache keeps), with the invitation.
        invite=None if owner_key else _invitation(result, token),
    )
    if owner_key is not None:
        return _private(Response(html, mimetype="text/html"))
    body = html.encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if cacheable:
        page_cache().put((token, lang, base, cache_bucket(parts["takers"])), body, etag)
    return _shared_page(body, etag)


def _invitation(result: Any, token: str) -> dict[str, Any] | None:
    """For a visitor who is not the taker: take the quiz this result came from, or take it and
    land on /compare with this result (quiz/web/take/invited.py). None when the bank is gone."""
    bank = banks.get(result.bank_id)
    if bank is None:
        return None
    return {"start": url_for("take.start", bank_id=bank.id),
            "compare": url_for("take.start", bank_id=bank.id, compare=token),
            "minutes": minutes(bank)}


def _shared_page(html: bytes, etag: str) -> Response:
    response = _public(Response(html, mimetype="text/html"), etag)
    # The language follows Accept-Language and the session's choice: a shared cache must not
    # hand one visitor's Korean page to another who reads English.
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _image_lang(result: Any) -> str:
    """?lang=, else the result's own language. Not Accept-Language: the card is fetched by the
    unfurling bot of whoever posted the link, and should say what the taker saw."""
    asked = request.args.get("lang")
    return asked if asked in LANGUAGES else _result_lang(result)


def preview_card(result: Any, lang: str) -> preview.Card:
    bank = service.snapshot_bank(result)
    out = result.outcome or {}
    scores = out.get("scores") or {}
    balanced = bool(out.get("balanced"))
    with force_locale(lang):
        primary = bank.path_by_id.get(out.get("primary"))
        if balanced:  # the page's sentence is too long for one line of the card
            subline = gettext("All path scores lie within %(limit)s points of each other.",
                              limit=int(round(bank.hybrid_margin)))
        else:
            subline = markdown.plain(bank.text(primary.summary, lang)) if primary else ""
        return preview.Card(
            brand=gettext("Know Yourself"),
            headline=headline(bank, out, lang),
            subline=subline,
            bars=[preview.Bar(path_name(bank, p, lang), float(scores.get(p.id, 0.0)),
                              p.id == out.get("primary") and not balanced)
                  for p in bank.paths],
            archetype=archetype_line(bank, out, lang),
            footer=gettext("A result is a mirror, not a verdict."),
        )


@bp.get("/r/<token>.png")
def preview_png(token: str):
    result = service.read_result(token)  # checked first, every time: no cached file outlives a delete
    if result is None:
        abort(404)
    lang = _image_lang(result)
    png = preview.read_cached(preview_dir(), token, lang)
    if png is None:
        png = preview.render(preview_card(result, lang))
        preview.store(preview_dir(), token, lang, png)
        if not service.result_exists(token):  # deleted while we drew: leave no file behind
            preview.forget(preview_dir(), token)
    response = Response(png, mimetype="image/png")
    return _public(response, hashlib.sha256(png).hexdigest()[:32])


bp.add_url_rule("/r/<token>/fit", view_func=give_fit, methods=["POST"])
bp.add_url_rule("/r/<token>/retake", view_func=retake, methods=["POST"])


@bp.get("/r/<token>/delete")
def confirm_delete(token: str):
    result = service.get_result(token)
    if result is None:
        abort(404, description=gettext("There is no result at this address. It may have been deleted."))
    key = request.args.get("key")
    if key and not service.key_matches(result, key):
        abort(403, description=gettext("This delete link does not match the result. Check that you copied "
                                       "the whole link."))
    view = build_view(result, select_locale())
    response = _private(Response(render_template("results/delete.html", v=view, key=key or ""),
                                 mimetype="text/html"))
    # The key travels in this page's address: never send it onward in a Referer header.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/r/<token>/delete")
def delete(token: str):
    key = request.form.get("key", "")
    try:
        deleted = service.delete_result(token, key)
    except LookupError:
        abort(404, description=gettext("There is no result at this address. It may have been deleted."))
    if not deleted:
        abort(403, description=gettext("That delete key does not match this result, so it was not deleted."))
    forget_delete_key(token)
    return redirect(url_for("results.deleted"), code=303)


@bp.get("/r/deleted")
def deleted():
    return _private(Response(render_template("results/deleted.html"), mimetype="text/html"))


def _token_from(value: str) -> str:
    """A token from what people paste: the token itself or a whole result link."""
    value = value.strip()
    if "/" in value:
        path = urlsplit(value).path.rstrip("/")
        if "/r/" in path:
            value = path.rsplit("/r/", 1)[1].split("/")[0]
    if value.endswith(".png"):
        value = value[:-4]
    return value[:100]  # a token is 32 characters: anything longer is not one, and is not echoed whole


MAX_NAME = 40  # characters of a name given to a compared result


def _compared() -> list[tuple[str, str]]:
    """(token, name) pairs from ?r=…&name=…: the n-th name= belongs to the n-th r= (the form
    sends both for every row, empty or not). Blank and repeated tokens are dropped."""
    names = request.args.getlist("name")
    pairs: dict[str, str] = {}
    for i, value in enumerate(request.args.getlist("r")):
        token = _token_from(value)
        if token and token not in pairs:
            pairs[token] = " ".join(names[i].split())[:MAX_NAME] if i < len(names) else ""
    return list(pairs.items())


def _compare_url(pairs: list[tuple[str, str]]) -> str:
    return url_for("results.compare", r=[t for t, _ in pairs], name=[n for _, n in pairs])


@bp.get("/compare")
def compare():
    lang = select_locale()
    pairs = _compared()
    tokens = [t for t, _ in pairs]
    names = [n for _, n in pairs]
    if len(pairs) > MAX_COMPARE:
        html = render_template("results/compare.html", too_many=len(pairs), people=[], missing=[],
                               rows=[], tokens=tokens[:MAX_COMPARE], names=names[:MAX_COMPARE],
                               max_compare=MAX_COMPARE, first_five=_compare_url(pairs[:MAX_COMPARE]))
        return Response(html, status=400, mimetype="text/html")
    people, missing = [], []
    for token, name in pairs:
        result = service.get_result(token)
        if result is None:
            missing.append(token)
            continue
        bank = service.snapshot_bank(result)
        out = result.outcome or {}
        people.append({"token": token, "name": name, "bank": bank, "archetype": archetype_line(bank, out, lang),
                       "label": name or short_label(bank, out, lang),
                       "headline": headline(bank, out, lang), "scores": out.get("scores") or {},
                       "url": url_for("results.show", token=token)})
    # Two people with the same label (two unnamed researchers) are told apart by their token.
    labels = [p["label"] for p in people]
    for person in people:
        if labels.count(person["label"]) > 1:
            person["label"] = f"{person['label']} · {person['token'][:6]}"
    # One row per path, in the order of the first bank that names it; a person whose bank lacks
    # the path shows no bar for it.
    rows: dict[str, dict[str, Any]] = {}
    for person in people:
        for p in person["bank"].paths:
            rows.setdefault(p.id, {"id": p.id, "title": person["bank"].text(p.title, lang),
                                   "colour": colour(len(rows)), "cells": []})
    for row in rows.values():
        for person in people:
            score = person["scores"].get(row["id"])
            row["cells"].append({"person": person, "score": score,
                                 "text": preview.score_text(score) if score is not None else None,
                                 "width": bar_width(score) if score is not None else None})
    html = render_template("results/compare.html", too_many=0, people=people, missing=missing,
                           rows=list(rows.values()), tokens=tokens, names=names, max_compare=MAX_COMPARE,
                           first_five=None)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response
