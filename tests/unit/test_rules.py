"""The rules engine: which rules fire for which answers, and how a condition reads to a person."""
from __future__ import annotations

import os

import pytest

from quiz.bank import Bank
from quiz.engine.rules import compile_condition, describe, evaluate, fired_rules, questions_read

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bank(*rules: dict) -> Bank:
    return Bank.model_validate({
        "id": "rules", "version": 1, "languages": ["en"], "title": "Rules",
        "paths": [{"id": "p", "title": "P", "summary": "s", "advice": "a"}],
        "questions": [
            {"id": "level", "type": "scale", "text": "Level", "scale": {"min": 1, "max": 5}, "weights": {"p": 1}},
            {"id": "pick", "type": "choice", "text": "Pick", "required": False,
             "options": [{"id": o, "text": o} for o in ("a", "b", "c")]},
            {"id": "tools", "type": "multi", "text": "Tools", "required": False,
             "options": [{"id": o, "text": o} for o in ("kubeflow", "pytorch", "fastapi")]},
        ],
        "rules": [{"id": f"r{i}", "when": w, "then": {"flag": f"f{i}"}} for i, w in enumerate(rules)],
    })


def cond(when: dict):
    return bank(when).rules[0].when


def holds(when: dict, answers: dict) -> bool:
    """Evaluate both ways: generically, and compiled against the bank (set lookups for scale and
    choice leaves, what scoring uses); they must agree."""
    b = bank(when)
    generic = evaluate(b.rules[0].when, answers)
    compiled_with_bank = compile_condition(b.rules[0].when, b)(answers)
    assert generic is compiled_with_bank
    return generic


@pytest.mark.parametrize("op,value,answer,expected", [
    ("==", 3, 3, True), ("==", 3, 4, False), ("!=", 3, 4, True), ("!=", 3, 3, False),
    ("<", 3, 2, True), ("<", 3, 3, False), ("<=", 3, 3, True), ("<=", 3, 4, False),
    (">", 3, 4, True), (">", 3, 3, False), (">=", 3, 3, True), (">=", 3, 2, False),
    ("in", [1, 5], 5, True), ("in", [1, 5], 3, False),
])
def test_scale_operators(op, value, answer, expected):
    assert holds({"question": "level", "op": op, "value": value}, {"level": answer}) is expected


@pytest.mark.parametrize("op,value,answer,expected", [
    ("==", "a", "a", True), ("==", "a", "b", False), ("!=", "a", "b", True), ("!=", "a", "a", False),
    ("in", ["a", "c"], "c", True), ("in", ["a", "c"], "b", False),
])
def test_choice_operators(op, value, answer, expected):
    assert holds({"question": "pick", "op": op, "value": value}, {"pick": answer}) is expected


def test_contains_reads_a_multi_answer():
    c = {"question": "tools", "op": "contains", "value": "kubeflow"}
    assert holds(c, {"tools": ("kubeflow", "pytorch")}) is True
    assert holds(c, {"tools": ("pytorch",)}) is False
    assert holds(c, {"tools": ()}) is False


@pytest.mark.parametrize("leaf", [
    {"question": "pick", "op": "==", "value": "a"},
    {"question": "pick", "op": "!=", "value": "a"},
    {"question": "pick", "op": "in", "value": ["a", "b", "c"]},
    {"question": "tools", "op": "contains", "value": "pytorch"},
])
def test_a_leaf_on_an_unanswered_question_is_false_and_its_negation_true(leaf):
    assert holds(leaf, {"level": 3}) is False
    assert holds({"not": leaf}, {"level": 3}) is True


def test_all_any_not_nest():
    c = {"all": [{"question": "level", "op": "<=", "value": 2},
                 {"any": [{"question": "pick", "op": "==", "value": "a"},
                          {"not": {"question": "tools", "op": "contains", "value": "pytorch"}}]},
                 {"any": [{"question": "level", "op": "in", "value": [1, 2]},
                          {"question": "level", "op": ">", "value": 4},
                          {"question": "pick", "op": "!=", "value": "c"}]}]}
    assert holds(c, {"level": 2, "pick": "a", "tools": ("pytorch",)}) is True
    assert holds(c, {"level": 2, "pick": "b", "tools": ("pytorch",)}) is False
    assert holds(c, {"level": 2, "pick": "b", "tools": ("kubeflow",)}) is True
    assert holds(c, {"level": 3, "pick": "a"}) is False


def test_fired_rules_come_in_bank_order():
    b = bank({"question": "level", "op": ">=", "value": 4},
             {"question": "pick", "op": "==", "value": "b"},
             {"question": "level", "op": "==", "value": 5})
    assert fired_rules(b, {"level": 5, "pick": "b"}) == ["r0", "r1", "r2"]
    assert fired_rules(b, {"level": 4}) == ["r0"]
    assert fired_rules(b, {"level": 1, "pick": "a"}) == []


@pytest.mark.parametrize("when,text", [
    ({"question": "level", "op": "<=", "value": 2}, "level ≤ 2"),
    ({"question": "level", "op": ">=", "value": 4}, "level ≥ 4"),
    ({"question": "level", "op": "!=", "value": 3}, "level ≠ 3"),
    ({"question": "pick", "op": "==", "value": "a"}, "pick = a"),
    ({"question": "pick", "op": "in", "value": ["a", "b"]}, "pick in {a, b}"),
    ({"all": [{"question": "level", "op": "<=", "value": 2},
              {"question": "tools", "op": "contains", "value": "kubeflow"}]},
     "level ≤ 2 and tools contains kubeflow"),
    ({"any": [{"question": "level", "op": "<", "value": 2},
              {"all": [{"question": "pick", "op": "==", "value": "a"},
                       {"question": "level", "op": ">", "value": 4}]}]},
     "level < 2 or (pick = a and level > 4)"),
    ({"not": {"question": "tools", "op": "contains", "value": "pytorch"}}, "not tools contains pytorch"),
    ({"not": {"any": [{"question": "pick", "op": "==", "value": "a"},
                      {"question": "pick", "op": "==", "value": "b"}]}}, "not (pick = a or pick = b)"),
    ({"all": [{"question": "level", "op": "==", "value": 1}]}, "level = 1"),
])
def test_conditions_read_as_a_person_writes_them(when, text):
    assert describe(cond(when)) == text


def test_questions_read():
    c = cond({"any": [{"question": "level", "op": "<", "value": 2},
                      {"not": {"question": "tools", "op": "contains", "value": "pytorch"}}]})
    assert questions_read(c) == {"level", "tools"}
