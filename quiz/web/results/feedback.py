"""The results page's parts that come from other takers or talk back: percentiles from real takers
(everyone sees them), "does this fit you?" and the retake section (the owner alone sees them).

Owner-only parts are rendered only into the owner's page, which is `private, no-store` and never
enters the page cache. Percentiles change as results arrive, so a cached public page is keyed by
its version's count of results once they show (`cache_bucket`): a page rendered for 1,240 takers
is never served when there are 1,241.
"""
from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, session, url_for
from flask_babel import format_date, format_decimal

from quiz import service
from quiz.service import feedback
from quiz.web import banks
from quiz.web.card import score_text
from quiz.web.i18n import gettext
from quiz.web.links import DELETE_KEYS, delete_key_for, remember_delete_key
from quiz.web.results.naming import _lower_first, path_name, short_label

FIT_ANSWERS = feedback.FIT_ANSWERS


def cache_bucket(takers: int) -> int:
    """What the public page depends on besides the token, the language and the base URL."""
    return feedback.takers_bucket(takers)


def result_and_takers(token: str) -> tuple[bool, int]:
    return feedback.result_and_takers(token)


# -- what the page shows ----------------------------------------------------------------------

def percentile_lines(bank: Any, outcome: dict[str, Any], pct: feedback.Percentiles, lang: str) -> list[str]:
    """One sentence per path, in the bank's order; [] below QUIZ_NORMS_MIN."""
    if not pct.shares:
        return []
    takers = format_decimal(pct.takers)
    lines = []
    for path in bank.paths:
        share = pct.shares.get(path.id)
        if share is None:
            continue
        name = _lower_first(path_name(bank, path, lang))
        if share == 0:  # "more … than 0%" says nothing a reader can use
            lines.append(gettext("None of the %(takers)s people who took this version is less "
                                 "%(path)s-leaning.", path=name, takers=takers))
            continue
        lines.append(gettext("More %(path)s-leaning than %(share)s%% of the %(takers)s people who took "
                             "this version.", path=name, share=share, takers=takers))
    return lines


def _fit_part(result: Any) -> dict[str, Any]:
    given = result.fit
    labels = {"yes": gettext("Yes"), "partly": gettext("Partly"), "no": gettext("No")}
    return {"given": given, "given_label": labels.get(given) if given else None,
            "answers": [(a, labels[a]) for a in FIT_ANSWERS],
            "action": url_for("results.give_fit", token=result.token)}


def _retake_part(bank: Any, result: Any, lang: str) -> dict[str, Any]:
    before, after = feedback.retakes(result)
    out = result.outcome or {}
    part: dict[str, Any] = {
        "again": url_for("take.start", bank_id=result.bank_id) if banks.get(result.bank_id) else None,
        "before": None, "after": None}
    if after is not None:
        part["after"] = {"url": url_for("results.show", token=after.token),
                         "date": format_date(after.created_at, "long"),
                         "headline": short_label(bank, after.outcome, lang)}
    if before is not None:
        then = before.outcome.get("scores") or {}
        now = out.get("scores") or {}
        rows = []
        for path in bank.paths:
            a, b = then.get(path.id), now.get(path.id)
            if a is None or b is None:
                continue
            # The change between the whole numbers the two pages show, so the three figures agree.
            then_text, now_text = score_text(a), score_text(b)
            delta = int(now_text) - int(then_text)
            rows.append({"name": path_name(bank, path, lang), "then": then_text, "now": now_text,
                         "delta": f"{delta:+d}".replace("-", "\u2212") if delta else "±0"})  # a real minus
        # Labels, not headlines: the balanced headline is a whole clause, which the sentences
        # around them ("Outcome then: …; now: …") would break.
        then_headline, now_headline = short_label(bank, before.outcome, lang), short_label(bank, out, lang)
        part["before"] = {"url": url_for("results.show", token=before.token),
                          "date": format_date(before.created_at, "long"),
                          "then": then_headline, "now": now_headline, "same": then_headline == now_headline,
                          "rows": rows, "other_version": before.bank_version != result.bank_version}
    return part


def page_context(result: Any, owner_key: str | None, lang: str) -> dict[str, Any]:
    """What show.html's partials need: `percentiles` for everyone, `fit` and `retake` for the
    owner only (None otherwise), and `takers`, the count the page was rendered with."""
    bank = service.snapshot_bank(result)
    pct = feedback.percentiles(result)
    owner = owner_key is not None
    return {"percentiles": percentile_lines(bank, result.outcome or {}, pct, lang), "takers": pct.takers,
            "fit": _fit_part(result) if owner else None,
            "retake": _retake_part(bank, result, lang) if owner else None}


# -- the owner's actions ----------------------------------------------------------------------

def _owned(token: str) -> tuple[Any, str]:
    """The result and the key that opens it: this browser's (the session), else one posted with
    the form (the delete link's page). 404 for no result, 403 for anyone else."""
    result = service.get_result(token)
    if result is None:
        abort(404, description=gettext("There is no result at this address. It may have been deleted."))
    for key in (delete_key_for(token), request.form.get("key")):
        if key and service.key_matches(result, key):
            return result, key
    abort(403, description=gettext("Only the person who took this quiz can do that, from the browser they "
                                   "took it in or with their delete link."))


def give_fit(token: str):
    """POST /r/<token>/fit: "does this fit you?" yes / partly / no, once per result, owner only."""
    result, key = _owned(token)
    answer = request.form.get("fit")
    if answer not in FIT_ANSWERS:
        abort(400, description=gettext("Please answer yes, partly or no."))
    feedback.give_fit(result, answer)  # a second answer keeps the first
    remember_delete_key(token, key)  # a key given with the form makes this browser the owner's
    return redirect(url_for("results.show", token=token) + "#fit", 303)


def retake(token: str):
    """POST /r/<token>/retake: take the quiz again as this result's owner. The key goes into this
    browser's session, so the new result is linked to this one when it is submitted."""
    result, key = _owned(token)
    remember_delete_key(token, key)
    if banks.get(result.bank_id) is None:
        abort(404, description=gettext("This quiz is no longer offered here."))
    return redirect(url_for("take.start", bank_id=result.bank_id), 303)


def retake_of(bank_id: str) -> str | None:
    """For the quiz's last step: the taker's latest result of this bank that this browser holds
    the key to (checked against the rows), which the new result retakes."""
    held = session.get(DELETE_KEYS)
    if not isinstance(held, dict) or not held:
        return None
    keys = {token: key for token in list(held) if (key := delete_key_for(token))}
    return feedback.latest_owned(bank_id, keys) if keys else None
