"""The rules engine: conditions over validated answers, and their human-readable text.

A condition is a tree of `all` / `any` / `not` over leaves `{question, op, value}`. A leaf on a
question the taker left unanswered is false, whatever its operator (so `!=` is false too, and
`not` of such a leaf is true): a rule never fires on an answer that was not given.

Conditions are compiled once per bank into plain closures over the answers dict, so evaluating
the rules of a submission does no pydantic attribute access. No Flask, no database here.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from quiz.bank import All, Any_, Bank, FlagLeaf, Leaf, Not, leaves
from quiz.lru import LRU

Predicate = Callable[[Mapping[str, Any]], bool]

# Content conditions read the flags of a result as well as its answers: the flags sit in the same
# mapping under this key, which no question id can take (ids are lowercase slugs).
FLAGS = "@flags"

SYMBOLS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def _holds(op: str, answer: Any, value: Any) -> bool:
    """One leaf on one given answer (the answer is there: unanswered is handled by the caller)."""
    if op == "in":
        return answer in (value if isinstance(value, tuple) else (value,))
    if op == "contains":
        return all(v in answer for v in (value if isinstance(value, tuple) else (value,)))
    if op == "==":
        return answer == value
    if op == "!=":
        return answer != value
    if op == "<":
        return answer < value
    if op == "<=":
        return answer <= value
    if op == ">":
        return answer > value
    if op == ">=":
        return answer >= value
    raise ValueError(f"unknown operator {op!r}")  # the bank loader never lets one through


def _leaf_predicate(leaf: Leaf, bank: Bank | None) -> Predicate:
    qid, op, value = leaf.question, leaf.op, leaf.value
    question = bank.question_by_id.get(qid) if bank is not None else None
    if question is not None and question.type in ("scale", "choice"):
        # The question's answers are few and known: precompute those that satisfy the leaf, so
        # evaluating is one set lookup (an unanswered question gives None, never in the set).
        domain = question.scale.values if question.type == "scale" else question.option_ids
        satisfying = frozenset(x for x in domain if _holds(op, x, value))
        return lambda a: a.get(qid) in satisfying
    if op == "contains" and not isinstance(value, tuple):
        return lambda a: value in a.get(qid, ())
    missing = object()
    return lambda a: (x := a.get(qid, missing)) is not missing and _holds(op, x, value)


def _all(parts: tuple[Predicate, ...]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda a: first(a) and second(a)

    def every(a: Mapping[str, Any]) -> bool:
        for p in parts:
            if not p(a):
                return False
        return True
    return every


def _any(parts: tuple[Predicate, ...]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        first, second = parts
        return lambda a: first(a) or second(a)

    def some(a: Mapping[str, Any]) -> bool:
        for p in parts:
            if p(a):
                return True
        return False
    return some


def compile_condition(cond: Any, bank: Bank | None = None) -> Predicate:
    """A function answers → bool for a bank condition. With the bank, leaves on scale and choice
    questions become set lookups (answers must then be validated ones)."""
    if isinstance(cond, Leaf):
        return _leaf_predicate(cond, bank)
    if isinstance(cond, FlagLeaf):
        flag = cond.flag
        return lambda a: flag in a.get(FLAGS, ())
    if isinstance(cond, All):
        return _all(tuple(compile_condition(c, bank) for c in cond.all))
    if isinstance(cond, Any_):
        return _any(tuple(compile_condition(c, bank) for c in cond.any))
    if isinstance(cond, Not):
        inner = compile_condition(cond.not_, bank)
        return lambda a: not inner(a)
    raise TypeError(f"not a condition: {cond!r}")


def evaluate(cond: Any, answers: Mapping[str, Any]) -> bool:
    """Whether `cond` holds for `answers` (compiles on each call: use `compile_condition` in loops)."""
    return compile_condition(cond)(answers)


def _value_text(value: Any) -> str:
    if isinstance(value, tuple):
        return "{" + ", ".join(str(v) for v in value) + "}"
    return str(value)


def describe(cond: Any, *, top: bool = True) -> str:
    """The condition as a person reads it, e.g. "process-work ≤ 2 and tools contains kubeflow"."""
    if isinstance(cond, FlagLeaf):
        return f"flag {cond.flag}"
    if isinstance(cond, Leaf):
        if cond.op == "in":
            return f"{cond.question} in {_value_text(cond.value)}"
        if cond.op == "contains":
            return f"{cond.question} contains {_value_text(cond.value)}"
        return f"{cond.question} {SYMBOLS[cond.op]} {cond.value}"
    if isinstance(cond, (All, Any_)):
        parts = cond.all if isinstance(cond, All) else cond.any
        if len(parts) == 1:
            return describe(parts[0], top=top)
        joiner = " and " if isinstance(cond, All) else " or "
        text = joiner.join(describe(c, top=False) for c in parts)
        return text if top else f"({text})"
    if isinstance(cond, Not):
        return f"not {describe(cond.not_, top=False)}" if isinstance(cond.not_, Leaf) \
            else f"not {_wrap(describe(cond.not_, top=False))}"
    raise TypeError(f"not a condition: {cond!r}")


def _wrap(text: str) -> str:
    return text if text.startswith("(") and text.endswith(")") else f"({text})"


def questions_read(cond: Any) -> frozenset[str]:
    """The ids of the questions a condition reads."""
    return frozenset(leaf.question for leaf in leaves(cond))


class CompiledRules:
    """A bank's rules and contradictions, compiled once (see `compiled`)."""

    __slots__ = ("rules", "contradictions")

    def __init__(self, bank: Bank):
        # (rule id, predicate, flag, has advice, points as (path, points) pairs, condition text)
        self.rules = tuple(
            (r.id, compile_condition(r.when, bank), r.then.flag, r.then.advice is not None,
             tuple((p, float(v)) for p, v in r.then.points.items() if v), describe(r.when))
            for r in bank.rules)
        self.contradictions = tuple((c.id, compile_condition(c.when, bank)) for c in bank.contradictions)

    def fired(self, answers: Mapping[str, Any]) -> list[str]:
        return [r[0] for r in self.rules if r[1](answers)]


# Per-bank derived data is kept by content hash. Served banks are few, but the authoring preview
# and old snapshots bring others, so each store keeps at most this many (least recently used
# dropped first; a dropped bank is simply prepared again if it comes back).
PER_BANK_LIMIT = 64


def bank_store(name: str) -> LRU:
    """A cache of something derived from a bank, one entry per bank content (see per_bank)."""
    return LRU(name, max_entries=PER_BANK_LIMIT)


def per_bank(store: LRU, bank: Bank, build: Callable[[Bank], Any]) -> Any:
    """`build(bank)` once per bank content, from `store` afterwards."""
    key = bank.content_hash
    found = store.get(key)
    if found is None:
        found = build(bank)
        store[key] = found
    return found


_COMPILED = bank_store("compiled rules")


def compiled(bank: Bank) -> CompiledRules:
    return per_bank(_COMPILED, bank, CompiledRules)


def fired_rules(bank: Bank, answers: Mapping[str, Any]) -> list[str]:
    """The ids of the rules whose condition holds, in bank order."""
    return compiled(bank).fired(answers)
