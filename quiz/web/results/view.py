"""What a results page says, built from a stored result and its pinned bank: the rows of scores,
the reasons, what would change it, the daily life and the advice and plan chosen for this taker.
The routes render it; nothing here reads the request."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quiz import service
from quiz.bank import Bank
from quiz.engine import content
from quiz.web import card as preview
from quiz.web import markdown
from quiz.web.i18n import gettext
from quiz.web.results.naming import (
    balanced_line,
    bar_width,
    colour,
    headline,
    path_name,
    percent,
    short_label,
)
from quiz.web.results.text import SaidOnce

TOP_REASONS = 3

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
        return bar_width(self.score)


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



def _scale_label(q: Any, answer: Any, bank: Bank, lang: str) -> str:
    """A scale point's label; for an unlabelled point, the labelled end it leans to
    ("closer to ‘Build an evaluation dataset …’"), or '' when it leans nowhere."""
    if not isinstance(answer, int):
        return ""
    label = q.scale.labels.get(answer)
    if label:
        return bank.text(label, lang)
    if q.scale.labels:
        # the nearest labelled point; on a tie, an end rather than the middle ("4 of 5" leans to 5)
        nearest = min(q.scale.labels, key=lambda k: (abs(k - answer), k == q.scale.midpoint, k))
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
            and not outcome.get("balanced")
            and outcome.get("primary") in (current.get("primary"), current.get("secondary"))):
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


def build_view(result: Any, lang: str, bank: Bank | None = None) -> ResultView:
    """The page of a stored result, from its pinned snapshot; or, with `bank`, of a result not
    stored (/author's preview: service.preview_result), scored on that bank."""
    bank = bank if bank is not None else service.snapshot_bank(result)
    out = result.outcome or {}
    scores = out.get("scores") or {}
    balanced = bool(out.get("balanced"))
    # Balanced: no path is marked as leading, on the bars or anywhere else.
    rows = [PathRow(p.id, bank.text(p.title, lang), path_name(bank, p, lang), float(scores.get(p.id, 0.0)),
                    colour(i), primary=p.id == out.get("primary") and not balanced,
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
    ranking = service.archetype_ranking(out)
    if ranking:
        arch = bank.archetype_by_id.get(ranking[0].get("id"))
        if arch is not None:
            archetype = {"title": bank.text(arch.title, lang),
                         "description": markdown.render(said.keep(bank.text(arch.description, lang))),
                         "similarity": percent(ranking[0].get("similarity")),
                         "from_here": [markdown.render(t) for t in
                                       filter(None, (said.keep(bank.text(x, lang)) for x in composition.archetype))]}
        second = bank.archetype_by_id.get(ranking[1].get("id")) if len(ranking) > 1 else None
        if second is not None:
            runner_up = {"title": bank.text(second.title, lang), "similarity": percent(ranking[1].get("similarity"))}

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
        stability=percent(stability) if isinstance(stability, (int, float)) else None,
        what_would_change=_changes(bank, out.get("what_would_change") or [], out, short_label(bank, out, lang), lang),
        meta_description=(balanced_line(bank) if balanced else
                          markdown.plain(summaries[0][1]) if summaries else ""),
    )
