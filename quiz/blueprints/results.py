"""The results pages: the shareable result, its PNG preview, deleting it, and comparing results.

Every page renders from the result's pinned bank snapshot (`service.snapshot_bank`), never from
the live bank, so a result reads the same after its bank file changed or was removed. A result
never changes, so its page is rendered once per (token, language) and kept in a small in-process
cache; the cache is consulted only after the result's row was found, so it never outlives a
delete on any process.
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from flask import (Blueprint, Response, abort, current_app, g, redirect, render_template, request,
                   session, url_for)
from flask_babel import force_locale

from quiz import markdown, preview, service
from quiz.bank import Bank
from quiz.i18n import LANGUAGES, gettext, select_locale

bp = Blueprint("results", __name__)

MAX_COMPARE = 5
TOP_REASONS = 3
# Quality codes from quiz.scoring, in words a taker understands (contradictions use the bank's).
QUALITY_FLAGS = ("straight-lining", "all-midpoint")


# -- what the page says -----------------------------------------------------------------------

@dataclass
class PathRow:
    id: str
    title: str
    name: str           # the short name: hybrid names, bar labels, the margin sentence, the PNG
    score: float
    colour: str
    primary: bool = False
    secondary: bool = False

    @property
    def score_text(self) -> str:
        return preview.score_text(self.score)

    @property
    def width(self) -> str:
        """The bar's length as an SVG percentage."""
        return f"{max(0.0, min(100.0, float(self.score))):.1f}%"


@dataclass
class Reason:
    question: str
    answer: str     # "You answered 1 of 5 (Not me at all)." / "You chose: Read papers"
    direction: str  # for scales: which way of answering counts towards the path; else ""
    points: float

    @property
    def plural(self) -> int:
        """The count that picks "point" or "points" (gettext wants a whole number)."""
        return 1 if abs(float(self.points)) == 1 else 2

    @property
    def points_text(self) -> str:
        return f"{round(float(self.points), 1):+g}"


@dataclass
class ResultView:
    token: str
    lang: str
    bank: Bank
    rows: list[PathRow]
    headline: str
    primary: PathRow
    secondary: PathRow | None
    hybrid: bool
    balanced: bool
    margin: float
    summaries: list[tuple[str, str]]             # (path title, summary)
    archetype: dict[str, Any] | None             # title, description (Markup), similarity (int %)
    reasons: list[tuple[PathRow, list[Reason]]]
    advice: list[tuple[str, Any]]                # (path title, Markup)
    next_steps: list[tuple[str, list[Step]]]     # (heading, steps): the first path's plan, then the rest's new steps
    reality: list[Any]                           # Markup, advice of fired rules
    process_work_reluctant: bool
    quality: list[str]
    created_at: str
    meta_description: str = ""

    @property
    def scores_line(self) -> str:
        """'Researcher 71, Engineer 64, Ops 23': the bars in words (alt text, descriptions)."""
        return ", ".join(f"{r.name} {r.score_text}" for r in self.rows)


def _colour(index: int) -> str:
    r, g, b = preview.PATH_COLOURS[index % len(preview.PATH_COLOURS)]
    return f"#{r:02x}{g:02x}{b:02x}"


def _lower_first(text: str) -> str:
    """'Researcher' → 'researcher' inside a phrase; acronyms ('AIOps', 'MLOps') stay as they are."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def short_title(title: str) -> str:
    """A title without its gloss: 'Ops: data, platform, MLOps' → 'Ops'."""
    head = title.split(":", 1)[0].strip()
    return head or title


def path_name(bank: Bank, path: Any, lang: str) -> str:
    """A path's name for tight places: its `short_title`, else its title before ':', else its
    title. Snapshots stored before short_title existed fall back the same way."""
    short = getattr(path, "short_title", None)
    if short is not None:
        text = bank.text(short, lang).strip()
        if text:
            return text
    return short_title(bank.text(path.title, lang))


def _hybrid_name(first: str, second: str) -> str:
    # An en dash joins the two names: "·" appears inside titles ("데이터·플랫폼·MLOps").
    return gettext("%(first)s–%(second)s hybrid", first=first, second=_lower_first(second))


def headline(bank: Bank, outcome: dict[str, Any], lang: str) -> str:
    """The result in a few words: balanced, a hybrid of the first two, or the primary path."""
    if outcome.get("balanced"):
        return gettext("Balanced: no single path stands out yet")
    primary = bank.path_by_id.get(outcome.get("primary"))
    secondary = bank.path_by_id.get(outcome.get("secondary") or "")
    if outcome.get("hybrid") and primary is not None and secondary is not None:
        return _hybrid_name(path_name(bank, primary, lang), path_name(bank, secondary, lang))
    return bank.text(primary.title, lang) if primary else str(outcome.get("primary"))


def short_label(bank: Bank, outcome: dict[str, Any], lang: str) -> str:
    """The result as a label beside a bar (compare): 'Balanced', 'Engineer–ops hybrid', 'Ops'."""
    if outcome.get("balanced"):
        return gettext("Balanced")
    primary = bank.path_by_id.get(outcome.get("primary"))
    if outcome.get("hybrid"):
        return headline(bank, outcome, lang)
    return path_name(bank, primary, lang) if primary else str(outcome.get("primary"))


def balanced_line(bank: Bank) -> str:
    return gettext("All your scores lie within %(limit)s points of each other: your answers do not point "
                   "to one path yet.", limit=int(round(bank.hybrid_margin)))


def _scale_answer(q: Any, answer: Any, bank: Bank, lang: str) -> str:
    label = q.scale.labels.get(answer) if isinstance(answer, int) else None
    label = bank.text(label, lang) if label else ""
    if q.scale.min == 1:
        if label:
            return gettext("You answered %(value)s of %(max)s (%(label)s).", value=answer, max=q.scale.max,
                           label=label)
        return gettext("You answered %(value)s of %(max)s.", value=answer, max=q.scale.max)
    if label:
        return gettext("You answered %(value)s on a scale of %(min)s to %(max)s (%(label)s).", value=answer,
                       min=q.scale.min, max=q.scale.max, label=label)
    return gettext("You answered %(value)s on a scale of %(min)s to %(max)s.", value=answer, min=q.scale.min,
                   max=q.scale.max)


def _answer_text(bank: Bank, qid: str, answer: Any, row: PathRow, lang: str) -> tuple[str, str]:
    """(what the taker answered, which way of answering counts towards the path)."""
    q = bank.question_by_id.get(qid)
    if q is None:
        return str(answer), ""
    if q.type == "scale":
        # Said for every scale, so a reverse-keyed item ("Not me at all" adding to Ops) reads right.
        weight = q.weights.get(row.id) or 0
        direction = (gettext("Higher answers count towards %(path)s.", path=row.name) if weight > 0 else
                     gettext("Lower answers count towards %(path)s.", path=row.name) if weight < 0 else "")
        return _scale_answer(q, answer, bank, lang), direction
    if q.type == "choice":
        option = q.option_by_id.get(answer)
        return gettext("You chose: %(answer)s", answer=bank.text(option.text, lang) if option else str(answer)), ""
    chosen = [q.option_by_id[o] for o in (answer or []) if o in q.option_by_id]
    # For a multi answer, name the chosen options that gave this path its points.
    relevant = [o for o in chosen if o.points.get(row.id)] or chosen
    return gettext("You chose: %(answer)s", answer=", ".join(bank.text(o.text, lang) for o in relevant)), ""


def _reasons(bank: Bank, result_answers: dict[str, Any], contributions: list[dict[str, Any]],
             row: PathRow, lang: str) -> list[Reason]:
    mine = [c for c in contributions if c.get("path") == row.id and (c.get("points") or 0) > 0]
    mine.sort(key=lambda c: -c["points"])
    out = []
    for c in mine[:TOP_REASONS]:
        if "question" in c:
            q = bank.question_by_id.get(c["question"])
            text = bank.text(q.text, lang) if q else c["question"]
            answer, direction = _answer_text(bank, c["question"], result_answers.get(c["question"]), row, lang)
            out.append(Reason(text, answer, direction, c["points"]))
        elif "rule" in c:
            rule = next((r for r in bank.rules if r.id == c["rule"]), None)
            text = bank.text(rule.description, lang) if rule and rule.description else \
                gettext("A combination of your answers (rule “%(id)s”)", id=c["rule"])
            out.append(Reason(text, "", "", c["points"]))
    return out


def _quality_notes(bank: Bank, codes: list[str], lang: str) -> list[str]:
    notes = []
    for code in codes:
        if code == "straight-lining":
            notes.append(gettext("Many answers in a row were the same. If that was haste rather than "
                                 "conviction, this result says little about you: take the quiz again slowly."))
        elif code == "all-midpoint":
            notes.append(gettext("Every scale answer sat in the middle, so the scales told us almost "
                                 "nothing; the result rests on your other answers."))
        elif code.startswith("contradiction:"):
            cid = code.split(":", 1)[1]
            c = next((c for c in bank.contradictions if c.id == cid), None)
            if c is not None:
                # Two sentences, not "…: You said", whatever case the bank's message starts with.
                notes.append(gettext("Two of your answers pull against each other. %(message)s",
                                     message=bank.text(c.message, lang)))
        else:
            notes.append(gettext("A check on your answers noted: %(code)s", code=code))
    return notes


# -- saying things once -------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LEAD = re.compile(r"\s*\*\*(.+?)\*\*")  # a step's bold lead-in: "**Start as soon as possible:** …"


@lru_cache(maxsize=8192)  # bank texts and their sentences: few, and the same on every page
def _same_words(text: str) -> str:
    """Text reduced for comparing: no markup, case, spacing or closing punctuation."""
    return _SPACE.sub(" ", markdown.plain(text)).strip().rstrip(".:;!?。 ").casefold()


def _without_caveat(advice: str) -> str:
    """Advice without a paragraph that only repeats the page's caveat ("A mirror, not a verdict.").

    Banks end each path's advice with it; the results page says it once, in its caveat box, so a
    hybrid page does not say it three times over.
    """
    caveats = {_same_words(gettext("A mirror, not a verdict")),
               _same_words(gettext("A result is a mirror, not a verdict."))}
    paragraphs = re.split(r"\n\s*\n", advice)
    kept = [p for p in paragraphs if _same_words(p) not in caveats]
    return "\n\n".join(kept) if kept else advice


@dataclass
class Step:
    """One step of the plan; `also` holds other paths' advice on the same topic (same lead-in)."""

    html: Any                                                   # Markup
    also: list[tuple[str, Any]] = field(default_factory=list)   # (path name, Markup)


def _new_sentences(text: str, seen: set[str]) -> str:
    """`text` without the sentences in `seen` ("Add the talk's common list: …" said once)."""
    return " ".join(s for s in _SENTENCE_END.split(text.strip()) if _same_words(s) not in seen)


def merge_steps(groups: list[tuple[PathRow, list[str]]]) -> list[tuple[str, list[Step]]]:
    """Next steps of several paths as one plan, each thing said once.

    The first path's steps come as written. Another path's step is then
    - left out when its text was already given word for word;
    - folded into the step above that has the same bold lead-in ("Start as soon as possible",
      "Prepare one strong punch"), as that path's take on it, without repeating the lead-in;
    - otherwise listed under "Also on the … side".
    Sentences already given ("Add the talk's common list: …") are left out of later steps.
    """
    merged: list[tuple[str, list[Step]]] = []
    by_lead: dict[str, Step] = {}
    seen_texts: set[str] = set()
    seen_sentences: set[str] = set()

    def remember(text: str) -> None:
        seen_texts.add(_same_words(text))
        m = _LEAD.match(text)
        body = text[m.end():] if m else text  # the lead-in is not a sentence of its own
        seen_sentences.update(_same_words(s) for s in _SENTENCE_END.split(body.strip()))

    for i, (row, steps) in enumerate(groups):
        kept: list[Step] = []
        for text in steps:
            m = _LEAD.match(text)
            lead = _same_words(m.group(1)) if m else ""
            if i:
                if _same_words(text) in seen_texts:
                    continue
                body = _new_sentences(text[m.end():] if m else text, seen_sentences)
                if not body:
                    continue
                if lead in by_lead:
                    by_lead[lead].also.append((row.name, markdown.render_inline(body)))
                    remember(body)
                    continue
                text = f"{m.group(0).strip()} {body}" if m else body
            step = Step(markdown.render_inline(text))
            kept.append(step)
            if lead and lead not in by_lead:
                by_lead[lead] = step
            remember(text)
        if kept or i == 0:
            heading = row.title if i == 0 else gettext("Also on the %(path)s side", path=row.name)
            merged.append((heading, kept))
    return [(heading, kept) for heading, kept in merged if kept]


_PLANS: OrderedDict[tuple[str, str, tuple[str, ...]], tuple[list, list]] = OrderedDict()
_PLANS_KEPT = 256  # (bank version, language, paths shown): a bank of 3 paths has 3 × 2 × 10 at most
_plans_lock = threading.Lock()


def _advice_and_steps(bank: Bank, lang: str, shown: list[PathRow]) -> tuple[list, list]:
    """The advice and the merged next steps of the paths shown: fixed by the bank's content, the
    language and which paths are shown (in order), so worked out once per combination."""
    key = (bank.content_hash, lang, tuple(r.id for r in shown))
    with _plans_lock:
        plan = _PLANS.get(key)
    if plan is None:
        paths = {p.id: p for p in bank.paths}
        advice = [(r.title, markdown.render(_without_caveat(bank.text(paths[r.id].advice, lang)))) for r in shown]
        steps = merge_steps([(r, [bank.text(s, lang) for s in paths[r.id].next_steps]) for r in shown])
        plan = (advice, steps)
        with _plans_lock:
            _PLANS[key] = plan
            while len(_PLANS) > _PLANS_KEPT:
                _PLANS.popitem(last=False)
    return plan


def build_view(result: Any, lang: str) -> ResultView:
    bank = service.snapshot_bank(result)
    out = result.outcome or {}
    scores = out.get("scores") or {}
    balanced = bool(out.get("balanced"))
    # Balanced: no path is marked as leading, on the bars or anywhere else.
    rows = [PathRow(p.id, bank.text(p.title, lang), path_name(bank, p, lang), float(scores.get(p.id, 0.0)),
                    _colour(i), primary=p.id == out.get("primary") and not balanced,
                    secondary=p.id == out.get("secondary") and not balanced)
            for i, p in enumerate(bank.paths)]
    by_id = {r.id: r for r in rows}
    primary = by_id.get(out.get("primary")) or rows[0]
    secondary = by_id.get(out.get("secondary") or "")
    hybrid = bool(out.get("hybrid")) and secondary is not None and not balanced

    if balanced:  # every path on equal footing, highest score first
        shown = sorted(rows, key=lambda r: -r.score)
    else:
        shown = [primary] + ([secondary] if hybrid else [])
    paths = {p.id: p for p in bank.paths}
    summaries = [(r.title, bank.text(paths[r.id].summary, lang)) for r in shown]
    advice, next_steps = _advice_and_steps(bank, lang, shown)

    archetype = None
    if out.get("archetype"):
        arch = bank.archetype_by_id.get(out["archetype"].get("id"))
        if arch is not None:
            similarity = out["archetype"].get("similarity") or 0
            archetype = {"title": bank.text(arch.title, lang),
                         "description": markdown.render(bank.text(arch.description, lang)),
                         "similarity": int(math.floor(float(similarity) * 100 + 0.5))}

    answers = result.answers or {}
    contributions = out.get("contributions") or []
    reasons = [(row, _reasons(bank, answers, contributions, row, lang)) for row in rows]

    rules = {r.id: r for r in bank.rules}
    reality = [markdown.render(bank.text(rules[rid].then.advice, lang))
               for rid in out.get("advice") or [] if rid in rules and rules[rid].then.advice]
    flags = out.get("flags") or []

    return ResultView(
        token=result.token, lang=lang, bank=bank, rows=rows,
        headline=headline(bank, out, lang), primary=primary, secondary=secondary, hybrid=hybrid,
        balanced=balanced, margin=float(out.get("margin") or 0.0),
        summaries=summaries, archetype=archetype, reasons=reasons, advice=advice,
        next_steps=next_steps, reality=reality,
        process_work_reluctant="process-work-reluctant" in flags,
        quality=_quality_notes(bank, out.get("quality") or [], lang),
        created_at=service.iso_utc(result.created_at),
        meta_description=(balanced_line(bank) if balanced else
                          markdown.plain(summaries[0][1]) if summaries else ""),
    )


# -- the rendered-page cache ------------------------------------------------------------------

class PageCache:
    """An LRU of rendered pages by (token, language, base URL), capped by the bytes it holds.

    Pages are kept zlib-compressed: a 14 KB page takes about 5 KB, so a worker keeps every page
    of a few thousand results within a few MB (a count cap of 512 held only half of 1,000 results
    and most requests rendered), and inflating one costs a few hundredths of a millisecond. Only
    ever read after the result's row was found, and cleared of a token when this process deletes it.
    """

    def __init__(self, max_bytes: int = 8 * 1024 * 1024):
        self.max_bytes = max_bytes
        self.bytes = 0
        self._pages: OrderedDict[tuple[str, ...], tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> tuple[bytes, str] | None:
        """(the page's HTML as UTF-8, its ETag), or None."""
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            self._pages.move_to_end(key)
        return zlib.decompress(page[0]), page[1]

    def put(self, key: tuple[str, ...], html: bytes, etag: str) -> None:
        packed = zlib.compress(html, 1)  # level 1: a third of the size at 0.1 ms; 6 saves 8% more at twice the time
        if len(packed) > self.max_bytes:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            if old is not None:
                self.bytes -= len(old[0])
            self._pages[key] = (packed, etag)
            self.bytes += len(packed)
            while self.bytes > self.max_bytes:
                _key, (dropped, _etag) = self._pages.popitem(last=False)
                self.bytes -= len(dropped)

    def forget(self, token: str) -> None:
        with self._lock:
            for key in [k for k in self._pages if k[0] == token]:
                self.bytes -= len(self._pages.pop(key)[0])


@bp.record_once
def _setup(state: Any) -> None:
    state.app.extensions["result_pages"] = PageCache(
        state.app.config.get("QUIZ_RESULT_PAGE_CACHE_BYTES") or 8 * 1024 * 1024)


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

def _private(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _public(response: Response, etag: str) -> Response:
    """Shareable, but revalidated on every use (cheap with the ETag): a delete must win at once."""
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "public, no-cache"
    response.set_etag(etag)
    return response.make_conditional(request)


def share_base() -> str:
    return (current_app.config.get("QUIZ_BASE_URL") or request.host_url).rstrip("/")


def _owner_key(token: str) -> str | None:
    """The delete key, if this browser's session holds the right one (given at submission)."""
    keys = session.get("delete_keys")
    key = keys.get(token) if isinstance(keys, dict) else None
    return key if isinstance(key, str) else None


# -- routes -----------------------------------------------------------------------------------

def _result_lang(result: Any) -> str:
    return result.lang if result.lang in LANGUAGES else "en"


@bp.get("/r/<token>")
def show(token: str):  # noqa: ANN201
    # The page speaks the visitor's language (CONTRACT §4: ?lang=, then Accept-Language, then
    # English). The link the taker shares carries ?lang= of the result, so a friend opening it,
    # and the bot that unfurls it, see what the taker saw.
    lang = select_locale()
    owner_key = _owner_key(token)
    base = share_base()
    cache_key = (token, lang, base)
    # Only plain addresses are cached: the language links repeat any other query arguments.
    cacheable = owner_key is None and set(request.args) <= {"lang"}
    if cacheable:
        cached = page_cache().get(cache_key)
        # The row is looked up (by its unique token) before a cached page is served: a result
        # deleted by any process is gone here too.
        if cached is not None and service.result_exists(token):
            html, etag = cached
            return _shared_page(html, etag)
    result = service.read_result(token)
    if result is None:
        abort(404, description=gettext("There is no result at this address. It may have been deleted."))
    if owner_key is not None and not service.key_matches(result, owner_key):
        owner_key = None
    view = build_view(result, lang)
    html = render_template(
        "results/show.html", v=view, owner_key=owner_key, share_base=base,
        share_url=f"{base}{url_for('results.show', token=token, lang=_result_lang(result))}",
        # The share card speaks the result's language, whoever opens the page.
        image_url=f"{base}{url_for('results.preview_png', token=token, lang=_result_lang(result))}",
        delete_url=url_for("results.confirm_delete", token=token, key=owner_key) if owner_key else None,
        compare_url=url_for("results.compare", r=token),
    )
    if owner_key is not None:
        return _private(Response(html, mimetype="text/html"))
    body = html.encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if cacheable:
        page_cache().put(cache_key, body, etag)
    return _shared_page(body, etag)


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
        arch_line = ""
        if out.get("archetype") and out["archetype"].get("id") in bank.archetype_by_id:
            arch = bank.archetype_by_id[out["archetype"]["id"]]
            pct = int(math.floor(float(out["archetype"].get("similarity") or 0) * 100 + 0.5))
            arch_line = gettext("Most like: %(title)s · %(pct)s%% similar", title=bank.text(arch.title, lang), pct=pct)
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
            archetype=arch_line,
            footer=gettext("A result is a mirror, not a verdict."),
        )


@bp.get("/r/<token>.png")
def preview_png(token: str):  # noqa: ANN201
    result = service.get_result(token)  # checked first, every time: no cached file outlives a delete
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


@bp.get("/r/<token>/delete")
def confirm_delete(token: str):  # noqa: ANN201
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
def delete(token: str):  # noqa: ANN201
    key = request.form.get("key", "")
    try:
        deleted = service.delete_result(token, key)
    except LookupError:
        abort(404, description=gettext("There is no result at this address. It may have been deleted."))
    if not deleted:
        abort(403, description=gettext("That delete key does not match this result, so it was not deleted."))
    keys = session.get("delete_keys")
    if isinstance(keys, dict) and token in keys:
        keys = dict(keys)
        keys.pop(token)
        session["delete_keys"] = keys
    return redirect(url_for("results.deleted"), code=303)


@bp.get("/r/deleted")
def deleted():  # noqa: ANN201
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
def compare():  # noqa: ANN201
    lang = select_locale()
    pairs = _compared()
    tokens = [t for t, _ in pairs]
    names = [n for _, n in pairs]
    if len(pairs) > MAX_COMPARE:
        html = render_template("results/compare.html", too_many=len(pairs), people=[], missing=[],
                               rows=[], tokens=tokens[:MAX_COMPARE], names=names[:MAX_COMPARE],
                               max_compare=MAX_COMPARE, first_five=_compare_url(pairs[:MAX_COMPARE]))
        response = Response(html, status=400, mimetype="text/html")
        response.headers["X-Robots-Tag"] = "noindex"
        return response
    people, missing = [], []
    for token, name in pairs:
        result = service.get_result(token)
        if result is None:
            missing.append(token)
            continue
        bank = service.snapshot_bank(result)
        out = result.outcome or {}
        archetype = ""
        if out.get("archetype") and out["archetype"].get("id") in bank.archetype_by_id:
            arch = bank.archetype_by_id[out["archetype"]["id"]]
            pct = int(math.floor(float(out["archetype"].get("similarity") or 0) * 100 + 0.5))
            archetype = gettext("Most like: %(title)s · %(pct)s%% similar", title=bank.text(arch.title, lang), pct=pct)
        people.append({"token": token, "name": name, "bank": bank, "archetype": archetype,
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
                                   "colour": _colour(len(rows)), "cells": []})
    for row in rows.values():
        for person in people:
            score = person["scores"].get(row["id"])
            row["cells"].append({"person": person, "score": score,
                                 "text": preview.score_text(score) if score is not None else None,
                                 "width": f"{max(0.0, min(100.0, float(score))):.1f}%" if score is not None else None})
    html = render_template("results/compare.html", too_many=0, people=people, missing=missing,
                           rows=list(rows.values()), tokens=tokens, names=names, max_compare=MAX_COMPARE,
                           first_five=None)
    response = Response(html, mimetype="text/html")
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-cache"
    return response
