"""What would change a result, and how firm it is (quiz/sensitivity.py), checked against the real
scorer: every change set is applied and scored with `score`, and on small banks brute force
enumerates every single change (and every pair) to confirm that nothing smaller was missed."""
from __future__ import annotations

import contextlib
import glob
import itertools
import os
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from quiz.bank import Bank, load_bank
from quiz.engine import sensitivity
from quiz.engine.answers import validate_answers
from quiz.engine.scoring import maximising_answers, outcome_key, outcome_of_raw, score
from quiz.engine.sensitivity import analyse, stability, what_would_change
from quiz.engine.simulate import random_answers
from tests.unit.test_scoring_properties import bank_and_answers

HERE = os.path.dirname(os.path.abspath(__file__))
TINY = os.path.join(os.path.dirname(HERE), "data", "tiny.yaml")
SHIPPED = sorted(glob.glob(os.path.join(os.path.dirname(os.path.dirname(HERE)), "questions", "*.yaml")))
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def tiny() -> Bank:
    return load_bank(TINY)


@contextlib.contextmanager
def untabled_rules():
    """Every rule evaluated set by set (the path for rules over too many joint answers)."""
    saved = sensitivity.RULE_TABLE_MAX
    sensitivity.RULE_TABLE_MAX = 0
    sensitivity._BANKS.clear()
    try:
        yield
    finally:
        sensitivity.RULE_TABLE_MAX = saved
        sensitivity._BANKS.clear()


@pytest.fixture(params=["tabled", "untabled"])
def rule_mode(request):
    if request.param == "tabled":
        yield request.param
    else:
        with untabled_rules():
            yield request.param


# -- helpers: an independent reading of "a change" ---------------------------------------------

def _as_answer(value):
    return tuple(value) if isinstance(value, list) else value


def applied(answers: dict, changes: list[dict]) -> dict:
    out = dict(answers)
    for c in changes:
        assert _as_answer(c["from"]) == answers[c["question"]], c
        out[c["question"]] = _as_answer(c["to"])
    return out


def single_changes(bank: Bank, answers: dict) -> list[tuple[str, object]]:
    """Every single change as the contract reads it, for every answered question."""
    out = []
    for q in bank.questions:
        given_answer = answers.get(q.id)
        if given_answer is None:
            continue  # an unanswered optional question is not changed
        if q.type == "scale":
            out += [(q.id, v) for v in q.scale.values if v != given_answer]
        elif q.type == "choice":
            out += [(q.id, o) for o in q.option_ids if o != given_answer]
        else:
            fewest = 1 if q.required else 0
            most = q.max_choices or len(q.options)
            for o in q.option_ids:
                new = tuple(x for x in q.option_ids if (x in given_answer) != (x == o))
                if fewest <= len(new) <= most:
                    out.append((q.id, new))
    return out


def key_with(bank: Bank, answers: dict, changes: dict) -> tuple:
    return outcome_key(score(bank, {**answers, **changes}))


def check_results(bank: Bank, answers: dict, results: list[dict]) -> None:
    """Each set, applied and scored with `score`, gives its stated outcome, which differs from the
    original; sets are well formed, valid and listed fewest changes first."""
    original = outcome_key(score(bank, answers))
    assert len(results) <= 3
    sizes = [len(r["changes"]) for r in results]
    assert sizes == sorted(sizes)
    order = {q.id: i for i, q in enumerate(bank.questions)}
    for r in results:
        assert set(r) == {"changes", "outcome"}
        assert set(r["outcome"]) == {"primary", "secondary", "hybrid", "balanced"}
        assert 1 <= len(r["changes"]) <= 3
        qids = [c["question"] for c in r["changes"]]
        assert len(set(qids)) == len(qids) and qids == sorted(qids, key=order.__getitem__)
        new = applied(answers, r["changes"])
        clean, errors = validate_answers(bank, {k: list(v) if isinstance(v, tuple) else v for k, v in new.items()})
        assert errors == [] and clean == new
        singles = set(single_changes(bank, answers))
        assert all((c["question"], _as_answer(c["to"])) in singles for c in r["changes"])
        assert outcome_key(score(bank, new)) == outcome_key(r["outcome"]) != original


def brute_force(bank: Bank, answers: dict, results: list[dict], pairs: bool) -> None:
    """No smaller set exists than the first one returned, single changes are listed as the
    contract asks (up to three, distinct outcomes first), and (with `pairs`) so are pairs."""
    original = outcome_key(score(bank, answers))
    singles = single_changes(bank, answers)
    flipping = {}  # (question, outcome) → first change, as the search keeps one per pair
    calm = []
    for qid, value in singles:
        k = key_with(bank, answers, {qid: value})
        if k != original:
            flipping.setdefault((qid, k), value)
        else:
            calm.append((qid, value))
    by_size = [sum(1 for r in results if len(r["changes"]) == n) for n in (1, 2, 3)]
    assert by_size[0] == min(3, len(flipping))
    listed = {outcome_key(r["outcome"]) for r in results if len(r["changes"]) == 1}
    assert len(listed) == min(by_size[0], len({k for _, k in flipping}))
    if results and len(results[0]["changes"]) > 1:
        assert not flipping  # a single change would have come first
    if not pairs:
        return
    flipping_pairs = set()
    for (q1, v1), (q2, v2) in itertools.combinations(calm, 2):
        if q1 != q2:
            k = key_with(bank, answers, {q1: v1, q2: v2})
            if k != original:
                flipping_pairs.add((q1, q2, k))
    assert by_size[1] == min(3 - by_size[0], len(flipping_pairs))
    if results and len(results[0]["changes"]) == 3:
        assert not flipping and not flipping_pairs


# -- every result is true, and nothing smaller was missed ----------------------------------------

@PROPERTY
@given(bank_and_answers(max_questions=5))
def test_change_sets_give_their_outcome_and_nothing_smaller_exists(case):
    data, bank, answers = case
    outcome = score(bank, answers)
    results = what_would_change(bank, answers, outcome.to_dict())
    check_results(bank, answers, results)
    # Pairs are searched exhaustively when there are few single changes (the beam's seeds).
    brute_force(bank, answers, results, pairs=len(single_changes(bank, answers)) <= sensitivity.PAIR_SEEDS)


@PROPERTY
@given(bank_and_answers(max_questions=4))
def test_rules_evaluated_set_by_set_give_the_same_answers(case):
    data, bank, answers = case
    outcome = score(bank, answers).to_dict()
    tabled = analyse(bank, answers, outcome)
    with untabled_rules():
        assert analyse(bank, answers, outcome) == tabled


def test_every_answer_set_of_the_tiny_bank(tiny):
    ids = [q.id for q in tiny.questions]
    domains = []
    for q in tiny.questions:
        if q.type == "scale":
            domains.append(list(q.scale.values))
        elif q.type == "choice":
            domains.append(list(q.option_ids))
        else:
            domains.append([c for k in range(1, len(q.options) + 1) for c in itertools.combinations(q.option_ids, k)])
    for combo in itertools.islice(itertools.product(*domains), 0, None, 7):
        answers = dict(zip(ids, combo))
        results = what_would_change(tiny, answers, score(tiny, answers))
        check_results(tiny, answers, results)
        brute_force(tiny, answers, results, pairs=True)


@pytest.mark.parametrize("path", SHIPPED, ids=os.path.basename)
def test_shipped_banks_random_and_extreme_answers(path):
    bank = load_bank(path)
    rnd = random.Random(7)
    sets = [random_answers(bank, rnd) for _ in range(40)]
    sets += [maximising_answers(bank, p) for p in bank.path_ids]
    sizes = set()
    for answers in sets:
        results = what_would_change(bank, answers, score(bank, answers).to_dict())
        check_results(bank, answers, results)
        brute_force(bank, answers, results, pairs=False)
        sizes.update(len(r["changes"]) for r in results)
    assert 1 in sizes  # random takers are often one answer away from another outcome


# -- rules that fire or stop firing ---------------------------------------------------------------

def hand_bank(questions: list[dict], rules: list[dict], paths=("a", "b"), hybrid_margin=0) -> Bank:
    return Bank.model_validate({
        "id": "hand", "version": 1, "languages": ["en"], "title": "Hand", "hybrid_margin": hybrid_margin,
        "paths": [{"id": p, "title": p.upper(), "summary": "s", "advice": "a"} for p in paths],
        "questions": questions, "rules": rules})


def choice(qid: str, *points: dict) -> dict:
    return {"id": qid, "type": "choice", "text": qid,
            "options": [{"id": f"o{i}", "text": f"o{i}", "points": p} for i, p in enumerate(points)]}


RULE_DECIDES = hand_bank(
    [{"id": "lean", "type": "scale", "text": "lean", "scale": {"min": 1, "max": 5}, "weights": {"a": 1}}, choice("pick", {"b": 1}, {})],
    [{"id": "boost", "when": {"question": "pick", "op": "==", "value": "o0"}, "then": {"points": {"b": 3}}}])


def test_a_change_that_stops_a_rule_firing_is_scored_with_the_rule_gone(rule_mode):
    # b leads on the rule's 3 points; picking o1 takes away 1 point and the rule's 3: a leads
    # outright. Counting the answer's points alone would give a tie instead.
    answers = {"lean": 4, "pick": "o0"}
    outcome = score(RULE_DECIDES, answers)
    assert outcome.primary == "b" and outcome.rules_fired == ["boost"]
    results = what_would_change(RULE_DECIDES, answers, outcome)
    check_results(RULE_DECIDES, answers, results)
    found = [r for r in results if [c["question"] for c in r["changes"]] == ["pick"]]
    assert found and found[0]["outcome"] == {"primary": "a", "secondary": "b", "hybrid": False, "balanced": False}


def test_a_change_that_makes_a_rule_fire_is_found(rule_mode):
    # a leads; picking o0 adds 1 point to b, which alone changes nothing, and fires the rule.
    answers = {"lean": 4, "pick": "o1"}
    outcome = score(RULE_DECIDES, answers)
    assert outcome.primary == "a" and outcome.rules_fired == []
    results = what_would_change(RULE_DECIDES, answers, outcome)
    check_results(RULE_DECIDES, answers, results)
    assert {"question": "pick", "from": "o1", "to": "o0"} in [c for r in results for c in r["changes"]]
    brute_force(RULE_DECIDES, answers, results, pairs=True)


def test_a_rule_on_two_questions_is_found_only_by_changing_both(rule_mode):
    bank = hand_bank(
        [choice("one", {"a": 1}, {}), choice("two", {"a": 1}, {}),
         choice("x", {}, {}), choice("y", {}, {})],
        [{"id": "both", "when": {"all": [{"question": "x", "op": "==", "value": "o1"},
                                         {"question": "y", "op": "==", "value": "o1"}]},
          "then": {"points": {"b": 10}}}])
    answers = {"one": "o0", "two": "o0", "x": "o0", "y": "o0"}
    results = what_would_change(bank, answers, score(bank, answers))
    check_results(bank, answers, results)
    brute_force(bank, answers, results, pairs=True)
    assert results and all(len(r["changes"]) == 2 for r in results)
    assert {"x", "y"} in [{c["question"] for c in r["changes"]} for r in results]


def test_no_change_of_three_answers_or_fewer_moves_a_landslide(rule_mode):
    bank = hand_bank([choice(f"q{i}", {"a": 1}, {"a": 1, "b": 0.1}) for i in range(8)], [])
    answers = {f"q{i}": "o0" for i in range(8)}
    assert what_would_change(bank, answers, score(bank, answers)) == []


# -- choosing among results -----------------------------------------------------------------------

def test_distinct_outcomes_come_before_more_of_the_same():
    # A hybrid of a and b. Three single changes make a win outright, each moving the scores less
    # than the one change that makes b win: that one is listed all the same, before a third "a".
    bank = hand_bank([choice("q0", {"b": 1}, {"a": 1, "b": 1}), choice("q1", {"b": 3}, {"b": 2}),
                      choice("q2", {"a": 3, "b": 1}, {"b": 2}), choice("q3", {"b": 3}, {"b": 2})],
                     [], hybrid_margin=20)
    answers = {"q0": "o0", "q1": "o0", "q2": "o0", "q3": "o0"}
    outcome = score(bank, answers)
    assert outcome_key(outcome) == ("a", "b", True, True)
    wins = {}
    for qid, value in single_changes(bank, answers):
        wins.setdefault(score(bank, {**answers, qid: value}).primary, []).append(qid)
    assert len(wins["a"]) == 3 and len(wins["b"]) == 1
    results = what_would_change(bank, answers, outcome)
    check_results(bank, answers, results)
    brute_force(bank, answers, results, pairs=True)
    assert sorted(r["outcome"]["primary"] for r in results) == ["a", "a", "b"]


def test_a_nearer_scale_value_is_preferred():
    bank = hand_bank([{"id": "s", "type": "scale", "text": "s", "scale": {"min": 1, "max": 7}, "weights": {"a": 1}},
                      choice("c", {"b": 3}, {})], [])
    answers = {"s": 7, "c": "o0"}  # a: 3 of −3…3, b: 3 of 0…3: a tie at 100, hybrid
    results = what_would_change(bank, answers, score(bank, answers))
    check_results(bank, answers, results)
    moved = [c for r in results for c in r["changes"] if c["question"] == "s"]
    # Any lower value breaks the tie the same way: only the nearest is listed.
    assert moved == [{"question": "s", "from": 7, "to": 6}]


def test_multi_changes_respect_the_limits_and_unanswered_questions_stay_unanswered():
    bank = hand_bank([
        {"id": "m", "type": "multi", "text": "m", "max_choices": 2,
         "options": [{"id": f"o{i}", "text": "o", "points": {"a" if i % 2 else "b": 1}} for i in range(4)]},
        {"id": "opt", "type": "scale", "text": "opt", "required": False, "scale": {"min": 1, "max": 5},
         "weights": {"b": 2}},
        choice("c", {"a": 1}, {"b": 1})], [])
    answers = {"m": ("o0", "o1"), "c": "o0"}
    results = what_would_change(bank, answers, score(bank, answers))
    check_results(bank, answers, results)
    brute_force(bank, answers, results, pairs=True)
    for c in (c for r in results for c in r["changes"]):
        assert c["question"] != "opt"
        if c["question"] == "m":
            assert isinstance(c["to"], list) and len(c["to"]) <= 2


def test_stored_answers_read_back_from_json_give_the_same_results(tiny):
    answers = {"fundamentals": 3, "first-week": "ship-feature", "tools": ("kubeflow", "pytorch"), "process-work": 3}
    outcome = score(tiny, answers).to_dict()
    as_json = {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}
    as_json["tools"].reverse()
    assert analyse(tiny, as_json, outcome) == analyse(tiny, answers, outcome)


# -- the vectorised placement is score's -------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
def test_vectorised_placement_decides_as_score_does(tiny, seed):
    s = sensitivity._bank(tiny)
    rnd = np.random.default_rng(seed)
    lo, hi = s.lo, s.hi
    raw = lo + rnd.random((400, s.n)) * (hi - lo) * 1.2 - 0.1 * (hi - lo)
    # near ties, whole numbers (the sums answers give), and everyone at the bottom (a full tie)
    raw[:100, 1] = lo[1] + (raw[:100, 0] - lo[0]) / (hi[0] - lo[0]) * (hi[1] - lo[1])
    raw[100:200] = np.round(raw[100:200])
    raw[200:220] = lo - 1.0
    placed = s.place(np.ascontiguousarray(raw.T))  # path-major: paths × answer sets
    for row, code in zip(raw.tolist(), placed.code.tolist()):
        assert code == s.code(outcome_of_raw(tiny, row))


# -- stability ----------------------------------------------------------------------------------

def test_stability_is_a_share_and_the_same_for_the_same_answers(tiny):
    answers = {"fundamentals": 4, "first-week": "ship-feature", "tools": ("fastapi",), "process-work": 3}
    outcome = score(tiny, answers)
    first = stability(tiny, answers, outcome)
    assert 0.0 <= first <= 1.0 and round(first, 2) == first
    assert stability(tiny, answers, outcome.to_dict()) == first
    sensitivity._BANKS.clear()  # another process: built afresh, the same figure
    assert stability(Bank.from_snapshot(tiny.canonical_json), answers, outcome) == first
    assert analyse(tiny, answers, outcome.to_dict())["stability"] == first


@pytest.mark.parametrize("path", [TINY, *SHIPPED], ids=os.path.basename)
def test_a_clear_cut_result_is_firmer_than_a_near_tie(path):
    bank = load_bank(path)
    rnd = random.Random(3)
    sets = [random_answers(bank, rnd) for _ in range(400)]
    tie = min(sets, key=lambda a: score(bank, a).margin)  # the nearest tie among them
    assert score(bank, tie).margin < 1.0
    clear = next(a for a in (maximising_answers(bank, p) for p in bank.path_ids) if not score(bank, a).hybrid)
    firm, shaky = stability(bank, clear, score(bank, clear)), stability(bank, tie, score(bank, tie))
    assert 0.0 <= shaky < firm <= 1.0


def test_one_question_resampled_is_the_answers_themselves():
    # Drawing one question from one, with replacement, always draws it once: w ≡ 1.
    bank = hand_bank([choice("only", {"a": 1}, {"b": 1}, {})], [])
    for answer in ("o0", "o1", "o2"):
        answers = {"only": answer}
        assert stability(bank, answers, score(bank, answers)) == 1.0


def test_the_bootstrap_draws_as_many_questions_as_were_answered(tiny):
    s = sensitivity._bank(tiny)
    drawn = tuple(s.point_questions)
    resampled = s.resampled(drawn, 200, 1)
    counts = resampled.w + 1.0  # questions × draws
    assert counts.shape == (len(drawn), 200) and (counts.sum(axis=0) == len(drawn)).all() and (counts >= 0).all()
    assert (counts != 1.0).any()  # not every draw is the answers themselves


def test_one_path_banks_never_change():
    bank = hand_bank([choice("q", {"a": 1}, {})], [], paths=("a",))
    answers = {"q": "o0"}
    assert analyse(bank, answers, score(bank, answers).to_dict()) == {"what_would_change": [], "stability": 1.0}
