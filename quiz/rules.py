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

from quiz.bank import All, Any_, Bank, Leaf, Not, leaves

Predicate = Callable[[Mapping[str, Any]], bool]

SYMBOLS = {"==": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def _leaf_predicate(leaf: Leaf) -> Predicate:
    qid, op, value = leaf.question, leaf.op, leaf.value
    missing = object()

    # Each branch returns a small closure; `get(qid, missing)` makes "unanswered → false" explicit.
    if op == "==":
        return lambda a: (x := a.get(qid, missing)) is not missing and x == value
    if op == "!=":
        return lambda a: (x := a.get(qid, missing)) is not missing and x != value
    if op == "<":
        return lambda a: (x := a.get(qid, missing)) is not missing and x < value
    if op == "<=":
        return lambda a: (x := a.get(qid, missing)) is not missing and x <= value
    if op == ">":
        return lambda a: (x := a.get(qid, missing)) is not missing and x > value
    if op == ">=":
        return lambda a: (x := a.get(qid, missing)) is not missing and x >= value
    if op == "in":
        choices = frozenset(value if isinstance(value, tuple) else (value,))
        return lambda a: (x := a.get(qid, missing)) is not missing and x in choices
    if op == "contains":
        wanted = value if isinstance(value, tuple) else (value,)
        # A multi answer is a tuple of option ids: contains every given id.
        return lambda a: (x := a.get(qid, missing)) is not missing and all(w in x for w in wanted)
    raise ValueError(f"unknown operator {op!r}")  # the bank loader never lets one through


def compile_condition(cond: Any) -> Predicate:
    """A function answers → bool for a bank condition."""
    if isinstance(cond, Leaf):
        return _leaf_predicate(cond)
    if isinstance(cond, All):
        parts = tuple(compile_condition(c) for c in cond.all)
        if len(parts) == 1:
            return parts[0]
        return lambda a: all(p(a) for p in parts)
    if isinstance(cond, Any_):
        parts = tuple(compile_condition(c) for c in cond.any)
        if len(parts) == 1:
            return parts[0]
        return lambda a: any(p(a) for p in parts)
    if isinstance(cond, Not):
        inner = compile_condition(cond.not_)
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
            (r.id, compile_condition(r.when), r.then.flag, r.then.advice is not None,
             tuple((p, float(v)) for p, v in r.then.points.items() if v), describe(r.when))
            for r in bank.rules)
        self.contradictions = tuple((c.id, compile_condition(c.when)) for c in bank.contradictions)

    def fired(self, answers: Mapping[str, Any]) -> list[str]:
        return [r[0] for r in self.rules if r[1](answers)]


_COMPILED: dict[str, CompiledRules] = {}


def compiled(bank: Bank) -> CompiledRules:
    key = bank.content_hash
    out = _COMPILED.get(key)
    if out is None:
        out = _COMPILED[key] = CompiledRules(bank)
    return out


def fired_rules(bank: Bank, answers: Mapping[str, Any]) -> list[str]:
    """The ids of the rules whose condition holds, in bank order."""
    return compiled(bank).fired(answers)
