"""Answer validation: what a taker or an API client is told when an answer is wrong."""
from __future__ import annotations

import os

import pytest

from quiz.bank import Bank, load_bank
from quiz.engine.answers import CODES, AnswerError, validate_answers

TINY = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "tiny.yaml")

COMPLETE = {"fundamentals": 4, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 3}


@pytest.fixture(scope="module")
def bank() -> Bank:
    return load_bank(TINY)


def codes(errors: list[AnswerError]) -> list[tuple[str | None, str]]:
    return [(e.question, e.code) for e in errors]


def with_(**changes):
    out = dict(COMPLETE)
    out.update({k.replace("_", "-"): v for k, v in changes.items()})
    return out


def test_a_complete_valid_answer_set_comes_back_clean(bank):
    clean, errors = validate_answers(bank, COMPLETE)
    assert errors == []
    assert clean == {"fundamentals": 4, "first-week": "read-papers", "tools": ("pytorch",), "process-work": 3}


def test_missing_required_answers_are_each_named(bank):
    clean, errors = validate_answers(bank, {"fundamentals": 2})
    assert codes(errors) == [("first-week", "missing"), ("tools", "missing"), ("process-work", "missing")]
    assert clean == {"fundamentals": 2}  # what was given is kept
    assert errors[0].message == "question 'first-week' needs an answer"


def test_null_counts_as_no_answer(bank):
    _, errors = validate_answers(bank, with_(first_week=None))
    assert codes(errors) == [("first-week", "missing")]


def test_partial_answers_for_drafts_skip_missing_but_not_bad_values(bank):
    clean, errors = validate_answers(bank, {"fundamentals": 9, "first-week": "ship-feature"}, partial=True)
    assert codes(errors) == [("fundamentals", "out_of_range")]
    assert clean == {"first-week": "ship-feature"}


def test_unknown_question_suggests_the_near_one(bank):
    _, errors = validate_answers(bank, {**COMPLETE, "fundamental": 3})
    assert codes(errors) == [("fundamental", "unknown_question")]
    assert "no question 'fundamental'" in errors[0].message and "did you mean 'fundamentals'" in errors[0].message


def test_unknown_option_lists_the_options(bank):
    _, errors = validate_answers(bank, with_(first_week="x"))
    assert codes(errors) == [("first-week", "unknown_option")]
    assert errors[0].message == ("question 'first-week' has no option 'x'; "
                                 "options are: read-papers, ship-feature, fix-pipeline")


def test_unknown_options_in_a_multi_are_named_together(bank):
    _, errors = validate_answers(bank, with_(tools=["pytorch", "jax", "tf"]))
    assert codes(errors) == [("tools", "unknown_option")]
    assert "'jax', 'tf'" in errors[0].message and "options are: kubeflow, pytorch, fastapi" in errors[0].message


@pytest.mark.parametrize("value", [0, 6, -1, 100])
def test_scale_answers_outside_the_scale_are_out_of_range(bank, value):
    _, errors = validate_answers(bank, with_(fundamentals=value))
    assert codes(errors) == [("fundamentals", "out_of_range")]
    assert "from 1 to 5" in errors[0].message and str(value) in errors[0].message


def test_a_fractional_scale_answer_is_not_an_integer(bank):
    _, errors = validate_answers(bank, with_(fundamentals=3.5))
    assert codes(errors) == [("fundamentals", "not_integer")]


def test_a_whole_float_is_accepted_as_json_numbers_may_arrive_that_way(bank):
    clean, errors = validate_answers(bank, with_(fundamentals=3.0))
    assert errors == [] and clean["fundamentals"] == 3 and isinstance(clean["fundamentals"], int)


@pytest.mark.parametrize("question,value", [
    ("fundamentals", "3"), ("fundamentals", True), ("fundamentals", [3]),
    ("first-week", 2), ("first-week", ["read-papers"]), ("first-week", False),
    ("tools", "pytorch"), ("tools", {"pytorch": True}), ("tools", ["pytorch", 3]),
])
def test_values_of_the_wrong_type_are_wrong_type(bank, question, value):
    _, errors = validate_answers(bank, {**COMPLETE, question: value})
    assert codes(errors) == [(question, "wrong_type")]
    assert f"question '{question}'" in errors[0].message


def test_a_payload_that_is_not_a_mapping_is_one_wrong_type_error(bank):
    clean, errors = validate_answers(bank, ["fundamentals", 3])  # type: ignore[arg-type]
    assert clean == {} and codes(errors) == [(None, "wrong_type")]


def test_an_empty_required_multi_is_an_empty_choice(bank):
    _, errors = validate_answers(bank, with_(tools=[]))
    assert codes(errors) == [("tools", "empty_choice")]
    assert "at least one option" in errors[0].message


def test_an_empty_required_multi_in_a_draft_is_just_unanswered(bank):
    clean, errors = validate_answers(bank, {"tools": []}, partial=True)
    assert errors == [] and "tools" not in clean


def test_too_many_choices():
    data = Bank.model_validate({
        "id": "b", "version": 1, "languages": ["en"], "title": "B",
        "paths": [{"id": "p", "title": "P", "summary": "s", "advice": "a"}],
        "questions": [{"id": "pick", "type": "multi", "text": "Pick two", "max_choices": 2,
                       "options": [{"id": o, "text": o, "points": {"p": 1}} for o in "abc"]},
                      {"id": "opt", "type": "multi", "text": "Optional", "required": False,
                       "options": [{"id": o, "text": o} for o in "xy"]}]})
    _, errors = validate_answers(data, {"pick": ["a", "b", "c"]})
    assert codes(errors) == [("pick", "too_many_choices")]
    assert errors[0].message == "question 'pick' takes at most 2 options; got 3"
    clean, errors = validate_answers(data, {"pick": ["c", "a", "c"], "opt": []})
    assert errors == []
    # duplicates dropped (they don't count twice against max_choices), bank order kept;
    # an optional multi left empty is kept as "none of these"
    assert clean == {"pick": ("a", "c"), "opt": ()}


def test_every_problem_is_reported_at_once_in_question_order(bank):
    raw = {"zzz": 1, "process-work": "high", "tools": "kubeflow", "fundamentals": 7}
    clean, errors = validate_answers(bank, raw)
    assert codes(errors) == [("zzz", "unknown_question"), ("fundamentals", "out_of_range"),
                             ("first-week", "missing"), ("tools", "wrong_type"), ("process-work", "wrong_type")]
    assert clean == {}


def test_valid_answers_are_kept_beside_invalid_ones(bank):
    clean, errors = validate_answers(bank, with_(process_work=11))
    assert codes(errors) == [("process-work", "out_of_range")]
    assert clean == {"fundamentals": 4, "first-week": "read-papers", "tools": ("pytorch",)}


def test_every_code_is_documented_and_each_error_serialises(bank):
    doc = open(os.path.join(os.path.dirname(TINY), "..", "..", "docs", "scoring.md"), encoding="utf-8").read()
    for code in CODES:
        assert f"`{code}`" in doc, code
    e = AnswerError("q", "missing", "question 'q' needs an answer")
    assert e.to_dict() == {"question": "q", "code": "missing", "message": "question 'q' needs an answer"}


# -- whatever a client sends, validation answers with errors, never an exception ----------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)
plausible = st.sampled_from([1, 3, 5, 3.0, 2.5, "3", True, "read-papers", "x", ["pytorch"], ["pytorch", "pytorch"],
                             [], ["kubeflow", "nope"], "pytorch", None, [1]])


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["fundamentals", "first-week", "tools", "process-work", "other"]) | st.text(max_size=8),
                       plausible | json_values, max_size=6))
def test_any_payload_gets_answers_or_errors_never_an_exception(raw):
    bank = load_bank(TINY)
    clean, errors = validate_answers(bank, raw)
    assert all(e.code in CODES and e.message for e in errors)
    # every question is either cleanly answered, or named in an error, or legitimately absent
    named = {e.question for e in errors}
    for q in bank.questions:
        assert (q.id in clean) != (q.id in named) or (q.id not in clean and q.id not in named and not q.required)
    # what comes back clean is exactly what scoring accepts
    clean_again, errors_again = validate_answers(bank, {k: list(v) if isinstance(v, tuple) else v
                                                        for k, v in clean.items()}, partial=True)
    assert errors_again == [] and clean_again == clean
