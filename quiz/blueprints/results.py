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

from flask import (Blueprint, Response, abort, current_app, redirect, render_template, request,
                   session, url_for)
from flask_babel import force_locale

from quiz import markdown, preview, service
from quiz.engine import content
from quiz.bank import Bank
from quiz.i18n import LANGUAGES, gettext, select_locale

bp = Blueprint("results", __name__)

MAX_COMPARE = 5
TOP_REASONS = 3
# Quality codes from the engine's scoring, in words a taker understands (contradictions use the bank's).
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
    answer: str     # "You answered 5 of 5 (Gladly)." / "You chose: Read papers"
    points: float   # what this answer gave the path

    @property
    def points_text(self) -> str:
        return f"{round(float(self.points), 1):+g}"


@dataclass
class Change:
    """What would change the result: an outcome, and the sets of answer changes that give it."""

    outcome: str                                        # its short name ("Engineer–ops hybrid")
    ways: list[list[tuple[str, str, str]]]              # each: (question, answered, instead), …


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
    margin: int                                  # primary − secondary as the bars show them
    summaries: list[tuple[str, str]]             # (path title, summary)
    archetype: dict[str, Any] | None             # title, description, similarity (int %), from_here
    runner_up: dict[str, Any] | None             # the second closest daily life: title, similarity
    reasons: list[tuple[PathRow, list[Reason]]]  # no reasons: the path is near zero or nothing pointed there
    advice: list[tuple[str, Any]]                # (heading, Markup): the lead path, then what the second adds
    next_steps: list[Any]                        # Markup, one plan of 3–5 steps
    reality: list[Any]                           # Markup, advice of fired rules
    process_work_reluctant: bool
    quality: list[str]
    created_at: str
    stability: int | None = None                 # % of resampled answer sets with the same outcome
    what_would_change: list[Change] = field(default_factory=list)
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


def _scale_label(q: Any, answer: Any, bank: Bank, lang: str) -> str:
    """A scale point's label; for an unlabelled point, the labelled end it leans to
    ("closer to ‘Build an evaluation dataset …’"), or '' when it leans nowhere."""
    if not isinstance(answer, int):
        return ""
    label = q.scale.labels.get(answer)
    if label:
        return bank.text(label, lang)
    if q.scale.labels:
        nearest = min(q.scale.labels, key=lambda k: (abs(k - answer), k))
        if nearest != q.scale.midpoint:
            return gettext("closer to ‘%(label)s’", label=bank.text(q.scale.labels[nearest], lang))
    return ""


def _scale_answer(q: Any, answer: Any, bank: Bank, lang: str) -> str:
    """'You answered 5 of 5 (Gladly).': the position chosen, never called points."""
    label = _scale_label(q, answer, bank, lang)
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


def _answer_text(bank: Bank, qid: str, answer: Any, path_id: str, lang: str) -> str:
    """What the taker answered, in their words (for a multi answer, the options that gave this
    path its points)."""
    q = bank.question_by_id.get(qid)
    if q is None:
        return str(answer)
    if q.type == "scale":
        return _scale_answer(q, answer, bank, lang)
    if q.type == "choice":
        option = q.option_by_id.get(answer)
        return gettext("You chose: %(answer)s", answer=bank.text(option.text, lang) if option else str(answer))
    chosen = [q.option_by_id[o] for o in (answer or []) if o in q.option_by_id]
    relevant = [o for o in chosen if o.points.get(path_id)] or chosen
    return gettext("You chose: %(answer)s", answer=", ".join(bank.text(o.text, lang) for o in relevant))


# Below this score (of 100) a path gets one honest sentence instead of a list of small reasons.
NEAR_ZERO = 20


def _reasons(bank: Bank, answers: dict[str, Any], contributions: list[dict[str, Any]], row: PathRow,
             lang: str) -> list[Reason]:
    """The answers (and rules) that moved this path most *relative to the others*.

    An answer that gives every path the same points ("I'd gladly do the data work", which both
    checklists of the talk share) moves no path against another, so it is no reason for this
    result; an answer counts for a path by how far its points for that path exceed its average
    over all paths, and is listed under the one path it pulled towards most.
    """
    if row.score < NEAR_ZERO:
        return []
    paths = bank.path_ids
    by_source: dict[tuple[str, str], dict[str, float]] = {}
    for c in contributions:
        source = ("question", c["question"]) if "question" in c else ("rule", c.get("rule", ""))
        by_source.setdefault(source, {})[c.get("path")] = float(c.get("points") or 0.0)
    ranked = []
    for (kind, ident), points in by_source.items():
        mean = sum(points.get(p, 0.0) for p in paths) / len(paths)
        leads = [points.get(p, 0.0) - mean for p in paths]
        # Each answer is listed once on the page: under the path it pulled towards most (the
        # first such path in bank order when it pulled two alike).
        if paths[leads.index(max(leads))] != row.id:
            continue
        mine, lead = points.get(row.id, 0.0), max(leads)
        if mine > 0 and lead > 1e-9:
            ranked.append((-lead, -mine, kind, ident, mine))
    ranked.sort(key=lambda r: r[:2])
    out = []
    for _, _, kind, ident, mine in ranked[:TOP_REASONS]:
        if kind == "question":
            q = bank.question_by_id.get(ident)
            out.append(Reason(bank.text(q.text, lang) if q else ident,
                              _answer_text(bank, ident, answers.get(ident), row.id, lang), mine))
        else:
            rule = next((r for r in bank.rules if r.id == ident), None)
            text = bank.text(rule.description, lang) if rule and rule.description else \
                gettext("A combination of your answers")
            out.append(Reason(text, "", mine))
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
            if c is not None:  # the bank's message names both answers and says why they clash
                notes.append(bank.text(c.message, lang))
        else:
            notes.append(gettext("A check on your answers noted: %(code)s", code=code))
    return notes


# -- what would change it ---------------------------------------------------------------------

def _answer_words(bank: Bank, qid: str, value: Any, lang: str) -> str:
    """An answer as the taker saw it: '4', '5 (Gladly)', 'Read papers', 'A, B' (or 'none')."""
    q = bank.question_by_id.get(qid)
    if q is None:
        return str(value)
    if q.type == "scale":
        label = _scale_label(q, value, bank, lang)
        return f"{value} ({label})" if label else str(value)
    if q.type == "choice":
        option = q.option_by_id.get(value)
        return bank.text(option.text, lang) if option else str(value)
    chosen = [bank.text(q.option_by_id[o].text, lang) for o in (value or []) if o in q.option_by_id]
    return ", ".join(chosen) if chosen else gettext("none of these")


def _change_label(bank: Bank, outcome: dict[str, Any], current: dict[str, Any], lang: str) -> str:
    """The name of the outcome a change would give. A hybrid that would lose its second path is
    "Researcher alone", not "Researcher", which reads as if nothing changed."""
    name = short_label(bank, outcome, lang)
    if (current.get("hybrid") and not current.get("balanced") and not outcome.get("hybrid")
            and not outcome.get("balanced") and outcome.get("primary") in (current.get("primary"), current.get("secondary"))):
        return gettext("%(path)s alone, not a hybrid", path=name)
    return name


def _changes(bank: Bank, stored: list[dict[str, Any]], current_outcome: dict[str, Any], current: str,
             lang: str) -> list[Change]:
    """The stored `what_would_change`, grouped by the outcome it leads to (each said once).

    Outcomes that read the same as the current one are left out: two balanced results differ
    only in which path is highest, which the page does not call a different result."""
    groups: dict[str, Change] = {}
    for entry in stored or []:
        way = []
        for c in entry.get("changes") or []:
            q = bank.question_by_id.get(c.get("question"))
            if q is None:
                break
            way.append((markdown.plain(bank.text(q.text, lang)), _answer_words(bank, q.id, c.get("from"), lang),
                        _answer_words(bank, q.id, c.get("to"), lang)))
        else:
            if way:
                name = _change_label(bank, entry.get("outcome") or {}, current_outcome, lang)
                if name == current:
                    continue
                groups.setdefault(name, Change(name, [])).ways.append(way)
    return list(groups.values())


# -- saying things once -------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
# a sentence ends at . ! or ?, also inside a bold lead-in ("**Start now.** Then …")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]\*\*))\s+")
_LIST_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)(.*)$")


@lru_cache(maxsize=8192)  # bank texts and their sentences: few, and the same on every page
def _same_words(text: str) -> str:
    """Text reduced for comparing: no markup, case, spacing or closing punctuation."""
    return _SPACE.sub(" ", markdown.plain(text)).strip().rstrip(".:;!?。 ").casefold()


class SaidOnce:
    """Markdown texts with every sentence already said on the page left out.

    Texts are taken in page order; a paragraph or list item whose sentences were all said before
    disappears, and so does a text left empty. Bold lead-ins ("**Start as soon as possible.**")
    count as sentences of their own, so two steps may share one only if the page shows one.
    """

    def __init__(self, already: list[str] = ()):
        self.seen: set[str] = set()
        for text in already:
            self.keep(text)

    def _fresh(self, line: str) -> str:
        kept = []
        for sentence in _SENTENCE_END.split(line.strip()):
            key = _same_words(sentence)
            if not key:
                continue
            if key in self.seen:
                continue
            self.seen.add(key)
            kept.append(sentence)
        return " ".join(kept)

    def keep(self, text: str) -> str:
        """`text` without sentences said before; '' when nothing new is left."""
        lines = []
        for line in text.splitlines():
            if not line.strip():
                lines.append("")
                continue
            m = _LIST_ITEM.match(line)
            prefix, body = (m.group(1), m.group(2)) if m else ("", line)
            fresh = self._fresh(body)
            if fresh:
                lines.append(prefix + fresh)
        out = "\n".join(lines).strip()
        return re.sub(r"\n{3,}", "\n\n", out)


def _caveat_sentences() -> list[str]:
    """The page's own caveat, which banks' advice often repeats ("A mirror, not a verdict.")."""
    return [gettext("A mirror, not a verdict"), gettext("A result is a mirror, not a verdict.")]


def _advice(bank: Bank, lang: str, rows: dict[str, PathRow], primary: PathRow, secondary: PathRow | None,
            composition: content.Composition, said: SaidOnce) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []

    def add(heading: str, texts: list[Any]) -> None:
        body = "\n\n".join(filter(None, (said.keep(bank.text(t, lang)) for t in texts)))
        if body:
            out.append((heading, markdown.render(body)))

    if composition.lead:
        add(gettext("Advice: %(path)s", path=primary.title), composition.lead)
    for source, texts in composition.adds:
        if source == "pair" and secondary is not None:
            add(gettext("Where %(first)s and %(second)s meet", first=primary.name, second=secondary.name), texts)
        elif source in rows:
            add(gettext("What the %(path)s side adds", path=rows[source].name), texts)
    return out


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
    answers = result.answers or {}

    if balanced:  # every path on equal footing, highest score first
        shown = sorted(rows, key=lambda r: -r.score)
    else:
        shown = [primary] + ([secondary] if hybrid else [])
    paths = bank.path_by_id
    summaries = [(r.title, bank.text(paths[r.id].summary, lang)) for r in shown]
    composition = content.compose(bank, answers, out)
    said = SaidOnce(_caveat_sentences())

    # Rules' reality checks come first on the page when the process-work check fired.
    rules = {r.id: r for r in bank.rules}
    flags = out.get("flags") or []
    reality_texts = [bank.text(rules[rid].then.advice, lang)
                     for rid in out.get("advice") or [] if rid in rules and rules[rid].then.advice]
    reality_first = "process-work-reluctant" in flags
    if reality_first:
        reality = [markdown.render(t) for t in filter(None, map(said.keep, reality_texts))]

    archetype = runner_up = None
    ranking = out.get("archetype_ranking") or ([out["archetype"]] if out.get("archetype") else [])
    if ranking:
        arch = bank.archetype_by_id.get(ranking[0].get("id"))
        if arch is not None:
            archetype = {"title": bank.text(arch.title, lang),
                         "description": markdown.render(said.keep(bank.text(arch.description, lang))),
                         "similarity": _percent(ranking[0].get("similarity")),
                         "from_here": [markdown.render(t) for t in
                                       filter(None, (said.keep(bank.text(x, lang)) for x in composition.archetype))]}
        second = bank.archetype_by_id.get(ranking[1].get("id")) if len(ranking) > 1 else None
        if second is not None:
            runner_up = {"title": bank.text(second.title, lang), "similarity": _percent(ranking[1].get("similarity"))}

    advice = _advice(bank, lang, by_id, primary, secondary, composition, said)
    steps = []
    for text in composition.steps:
        fresh = said.keep(bank.text(text, lang))
        if fresh:
            steps.append(markdown.render_inline(fresh))
            if len(steps) == content.MAX_STEPS:
                break
    if not reality_first:
        reality = [markdown.render(t) for t in filter(None, map(said.keep, reality_texts))]

    contributions = out.get("contributions") or []
    reasons = [(row, _reasons(bank, answers, contributions, row, lang)) for row in rows]
    stability = out.get("stability")
    margin = int(primary.score_text) - int(secondary.score_text) if secondary is not None else 0

    return ResultView(
        token=result.token, lang=lang, bank=bank, rows=rows,
        headline=headline(bank, out, lang), primary=primary, secondary=secondary, hybrid=hybrid,
        balanced=balanced, margin=margin,
        summaries=summaries, archetype=archetype, runner_up=runner_up, reasons=reasons, advice=advice,
        next_steps=steps, reality=reality,
        process_work_reluctant=reality_first,
        quality=_quality_notes(bank, out.get("quality") or [], lang),
        created_at=service.iso_utc(result.created_at),
        stability=_percent(stability) if isinstance(stability, (int, float)) else None,
        what_would_change=_changes(bank, out.get("what_would_change") or [], out, short_label(bank, out, lang), lang),
        meta_description=(balanced_line(bank) if balanced else
                          markdown.plain(summaries[0][1]) if summaries else ""),
    )


def _percent(share: Any) -> int:
    """0.874 → 87 (halves up, as the bars round)."""
    return int(math.floor(float(share or 0) * 100 + 0.5))


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
