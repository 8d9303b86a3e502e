"""What the results page says to this taker: the bank's content chosen for their outcome, answers
and flags.

A bank's advice, next steps, hybrid-pair content and archetype `from_here` are either plain texts
or lists of blocks, each with an optional `when` (the rule-condition syntax, which here may also
read the flags rules set) and, for steps, an optional `topic`. `compose` picks, in this order:

1. the leading path's advice (a balanced result has none: no path leads);
2. what the second path adds: the pair's own content for a hybrid when the bank has it, else the
   second path's `secondary` text; for a balanced result, each path's `secondary`;
3. how to get to the closest daily life from here (the archetype's `from_here`);
4. one plan of next steps: the pair's steps first, then the paths' steps taken in turn (first
   step of each, then the second of each, ...), keeping a block only when its `when` holds and
   only the first step of each topic (a block's `topic`, or a plain step's bold lead-in); the
   page shows the first `MAX_STEPS` of them that say something not said above.

Pure: no Flask, no database. docs/authoring.md ("Results that fit the taker") is the author's view.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quiz.bank import Bank, Block, localise
from quiz.engine.rules import FLAGS, compile_condition

MAX_STEPS = 5
MIN_STEPS = 3  # `quiz check` warns when a path's unconditional steps cannot fill a plan this long


@dataclass(frozen=True)
class Composition:
    """The content of one results page, as bank texts (localised later)."""

    lead: list[Any] = field(default_factory=list)                   # the leading path's advice
    adds: list[tuple[str, list[Any]]] = field(default_factory=list)  # (path id or "pair", texts)
    archetype: list[Any] = field(default_factory=list)              # how to get to the closest day
    steps: list[Any] = field(default_factory=list)                  # the plan


def context(answers: Mapping[str, Any], flags: Iterable[str]) -> dict[str, Any]:
    """What content conditions read: the answers, and the result's flags under `rules.FLAGS`."""
    ctx = dict(answers)
    ctx[FLAGS] = frozenset(flags)
    return ctx


def applies(block: Any, bank: Bank, ctx: Mapping[str, Any]) -> bool:
    """A plain text always applies; a block when it has no `when` or its `when` holds."""
    if not isinstance(block, Block) or block.when is None:
        return True
    return compile_condition(block.when, bank)(ctx)


def _text(block: Any) -> Any:
    return block.text if isinstance(block, Block) else block


def chosen(content: Any, bank: Bank, ctx: Mapping[str, Any]) -> list[Any]:
    """The texts of `content` (a text, a list of blocks, or None) that apply to this taker."""
    if content is None:
        return []
    if not isinstance(content, tuple):
        return [content]
    return [_text(b) for b in content if applies(b, bank, ctx)]


_LEAD_IN = re.compile(r"\s*\*\*(.+?)\*\*")


def topic_of(step: Any, bank: Bank) -> str | None:
    """A step's topic: its `topic`, else its bold lead-in in the bank's first language
    ("**Start as soon as possible:** …"), so two plain steps that open alike are alternatives."""
    if isinstance(step, Block) and step.topic is not None:
        return step.topic
    m = _LEAD_IN.match(localise(_text(step), bank.languages[0]))
    return "lead:" + m.group(1).strip().rstrip(".:;!?").casefold() if m else None


def plan(bank: Bank, ctx: Mapping[str, Any], lists: Sequence[Sequence[Any]], first: Sequence[Any] = ()) -> list[Any]:
    """`first` in order, then `lists` taken in turn; each step that applies, once per topic.

    Every candidate is returned, best first: the page keeps the first `MAX_STEPS` that still say
    something new once sentences said elsewhere on it are left out."""
    order: list[Any] = list(first)
    longest = max((len(steps) for steps in lists), default=0)
    for i in range(longest):
        order.extend(steps[i] for steps in lists if i < len(steps))
    out: list[Any] = []
    topics: set[str] = set()
    for step in order:
        topic = topic_of(step, bank)
        if topic is not None and topic in topics:
            continue
        if not applies(step, bank, ctx):
            continue
        out.append(_text(step))
        if topic is not None:
            topics.add(topic)
    return out


def compose(bank: Bank, answers: Mapping[str, Any], outcome: Mapping[str, Any]) -> Composition:
    """The page's content for a stored outcome (scores, primary, secondary, hybrid, balanced,
    archetype, flags) and the answers it came from."""
    ctx = context(answers, outcome.get("flags") or ())
    paths = bank.path_by_id
    primary = paths.get(outcome.get("primary") or "")
    secondary = paths.get(outcome.get("secondary") or "")
    balanced = bool(outcome.get("balanced"))
    hybrid = bool(outcome.get("hybrid")) and secondary is not None and not balanced
    if primary is None:
        return Composition()

    adds: list[tuple[str, list[Any]]] = []
    pair_steps: Sequence[Any] = ()
    if balanced:
        scores = outcome.get("scores") or {}
        shown = sorted(bank.paths, key=lambda p: -float(scores.get(p.id, 0.0)))
        lead: list[Any] = []
        for p in shown:
            texts = chosen(p.secondary, bank, ctx)
            if texts:
                adds.append((p.id, texts))
    else:
        shown = [primary] + ([secondary] if hybrid else [])
        lead = chosen(primary.advice, bank, ctx)
        if hybrid:
            pair = bank.pair_by_paths.get(frozenset((primary.id, secondary.id)))
            texts = chosen(pair.advice, bank, ctx) if pair is not None else []
            if texts:
                adds.append(("pair", texts))
            else:
                texts = chosen(secondary.secondary, bank, ctx)
                if texts:
                    adds.append((secondary.id, texts))
            pair_steps = pair.next_steps if pair is not None else ()

    archetype: list[Any] = []
    arch_id = (outcome.get("archetype") or {}).get("id")
    arch = bank.archetype_by_id.get(arch_id) if arch_id else None
    if arch is not None:
        archetype = chosen(arch.from_here, bank, ctx)

    steps = plan(bank, ctx, [p.next_steps for p in shown], first=pair_steps)
    return Composition(lead=lead, adds=adds, archetype=archetype, steps=steps)
