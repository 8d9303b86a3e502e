"""Properties of scoring over GENERATED banks and answers (hypothesis), and brute-force proof that
the normalisation bounds are exact: what every taker's 0–100 score rests on."""
from __future__ import annotations

import contextlib
import copy
import itertools
import math

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from quiz.bank import Bank
from quiz.engine import scoring
from quiz.engine.answers import validate_answers
from quiz.engine.scoring import bounds, bounds_exact, maximising_answers, minimising_answers, score

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PATHS = ("res", "eng", "ops")

points_value = st.integers(min_value=-3, max_value=3)


@st.composite
def points(draw, paths):
    chosen = draw(st.lists(st.sampled_from(paths), unique=True, max_size=len(paths)))
    return {p: draw(points_value) for p in chosen}


@st.composite
def question(draw, qid, paths):
    kind = draw(st.sampled_from(("scale", "choice", "multi")))
    q = {"id": qid, "type": kind, "text": f"Question {qid}", "required": draw(st.booleans())}
    if kind == "scale":
        lo = draw(st.integers(min_value=0, max_value=1))
        q["scale"] = {"min": lo, "max": lo + draw(st.integers(min_value=1, max_value=4))}
        q["weights"] = draw(points(paths))
    else:
        count = draw(st.integers(min_value=2, max_value=4))
        q["options"] = [{"id": f"{qid}o{i}", "text": f"option {i}", "points": draw(points(paths))}
                        for i in range(count)]
        if kind == "multi" and draw(st.booleans()):
            q["max_choices"] = draw(st.integers(min_value=1, max_value=count))
    return q


@st.composite
def leaf(draw, questions):
    q = draw(st.sampled_from(questions))
    if q["type"] == "scale":
        values = list(range(q["scale"]["min"], q["scale"]["max"] + 1))
        op = draw(st.sampled_from(("==", "!=", "<", "<=", ">", ">=", "in")))
        value = draw(st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True)) \
            if op == "in" else draw(st.sampled_from(values))
    else:
        ids = [o["id"] for o in q["options"]]
        op = "contains" if q["type"] == "multi" else draw(st.sampled_from(("==", "!=", "in")))
        value = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=2, unique=True)) \
            if op == "in" else draw(st.sampled_from(ids))
    return {"question": q["id"], "op": op, "value": value}


def condition(questions):
    base = leaf(questions)
    return st.recursive(base, lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner)), max_leaves=4)


@st.composite
def bank_data(draw, max_questions=4):
    paths = PATHS[:draw(st.integers(min_value=2, max_value=3))]
    n_questions = draw(st.integers(min_value=1, max_value=max_questions))
    questions = [draw(question(f"q{i}", paths)) for i in range(n_questions)]
    rules = []
    for i in range(draw(st.integers(min_value=0, max_value=3))):
        then = {"points": draw(points(paths))}
        if draw(st.booleans()):
            then["flag"] = draw(st.sampled_from(("f1", "f2")))
        if draw(st.booleans()):
            then["advice"] = "Some advice."
        rules.append({"id": f"r{i}", "when": draw(condition(questions)), "then": then})
    flags = sorted({r["then"]["flag"] for r in rules if "flag" in r["then"]})
    archetypes = []
    for i in range(draw(st.integers(min_value=0, max_value=3))):
        a = {"id": f"a{i}", "title": f"A{i}", "description": "…",
             "profile": {p: draw(st.integers(min_value=0, max_value=100)) for p in paths}}
        if flags:
            a["traits"] = draw(st.lists(st.sampled_from(flags), unique=True, max_size=len(flags)))
        archetypes.append(a)
    return {
        "id": "generated", "version": 1, "languages": ["en"], "title": "Generated",
        "hybrid_margin": draw(st.sampled_from((0, 5, 10, 25))),
        "paths": [{"id": p, "title": p, "summary": "…", "advice": "…"} for p in paths],
        "archetypes": archetypes, "questions": questions, "rules": rules,
        "contradictions": ([{"id": "c0", "when": draw(condition(questions)), "message": "…"}]
                           if draw(st.booleans()) else []),
    }


def domain(q: dict) -> list:
    """Every answer a complete answer set may hold for `q` (None: unanswered)."""
    if q["type"] == "scale":
        out = list(range(q["scale"]["min"], q["scale"]["max"] + 1))
    elif q["type"] == "choice":
        out = [o["id"] for o in q["options"]]
    else:
        ids = [o["id"] for o in q["options"]]
        most = q.get("max_choices") or len(ids)
        out = [c for k in range(1, most + 1) for c in itertools.combinations(ids, k)]
    if not q.get("required", True):
        out.append(None)
        if q["type"] == "multi":
            out.append(())
    return out


def all_answer_sets(data: dict):
    qs = data["questions"]
    for combo in itertools.product(*(domain(q) for q in qs)):
        yield {q["id"]: a for q, a in zip(qs, combo) if a is not None}


def domain_size(data: dict) -> int:
    return math.prod(len(domain(q)) for q in data["questions"])


@st.composite
def bank_and_answers(draw, max_questions=4):
    data = draw(bank_data(max_questions))
    bank = Bank.model_validate(data)
    answers = {}
    for q in data["questions"]:
        a = draw(st.sampled_from(domain(q)))
        if a is not None:
            answers[q["id"]] = list(a) if isinstance(a, tuple) else a
    clean, errors = validate_answers(bank, answers)
    assert errors == []  # the generator only makes valid answers
    return data, bank, clean


# ---------------------------------------------------------------------------------------------

@PROPERTY
@given(bank_and_answers())
def test_scores_lie_between_0_and_100(case):
    _, bank, answers = case
    out = score(bank, answers)
    assert all(0.0 <= s <= 100.0 for s in out.scores.values())
    assert out.primary in bank.path_ids and out.secondary in bank.path_ids
    assert out.scores[out.primary] == max(out.scores.values())


@PROPERTY
@given(bank_data())
def test_answers_that_maximise_a_path_give_it_100_and_minimisers_0(data):
    bank = Bank.model_validate(data)
    lo_hi = bounds(bank)
    for path in bank.path_ids:
        top, bottom = maximising_answers(bank, path), minimising_answers(bank, path)
        assert validate_answers(bank, top)[1] == [] and validate_answers(bank, bottom)[1] == []
        if lo_hi[path][1] > lo_hi[path][0]:
            assert score(bank, top).exact_scores[path] == 100.0
            assert score(bank, bottom).exact_scores[path] == 0.0
        else:  # nobody can move this path: everyone sits at 50
            assert score(bank, top).scores[path] == 50.0


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank_data(max_questions=4))
def test_bounds_are_exact_by_brute_force(data):
    assume(domain_size(data) <= 3000)
    bank = Bank.model_validate(data)
    raws = {p: [] for p in bank.path_ids}
    for answers in all_answer_sets(data):
        clean, errors = validate_answers(bank, {k: list(v) if isinstance(v, tuple) else v
                                                for k, v in answers.items()})
        assert errors == []
        for p, raw in reference_raw(data, clean).items():  # independent of the scorer
            raws[p].append(raw)
    assert bounds_exact(bank)
    for p, (lo, hi) in bounds(bank).items():
        assert math.isclose(lo, min(raws[p]), abs_tol=1e-9), (p, "min")
        assert math.isclose(hi, max(raws[p]), abs_tol=1e-9), (p, "max")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bank_data(max_questions=4))
def test_fallback_bounds_still_contain_every_answer_set(data):
    assume(domain_size(data) <= 3000 and data["rules"])
    bank = Bank.model_validate(data)
    with no_joint_enumeration():
        lo_hi = bounds(bank)
        for answers in all_answer_sets(data):
            clean, _ = validate_answers(bank, {k: list(v) if isinstance(v, tuple) else v
                                               for k, v in answers.items()})
            out = score(bank, clean)
            for p, (lo, hi) in lo_hi.items():
                assert lo - 1e-9 <= out.raw_scores[p] <= hi + 1e-9
                assert 0.0 <= out.scores[p] <= 100.0


@contextlib.contextmanager
def no_joint_enumeration():
    """Force the fallback bound: no joint enumeration of rule-linked questions at all."""
    from quiz.engine import extremes as bounds_module
    saved = bounds_module.ENUMERATION_CAP
    bounds_module.ENUMERATION_CAP = 1
    scoring._TABLES.clear()
    try:
        yield
    finally:
        bounds_module.ENUMERATION_CAP = saved
        scoring._TABLES.clear()


def _comparable(out) -> dict:
    d = out.to_dict()
    # Equal |points| keep answer order, which follows the bank's question order: compare as a set.
    d["contributions"] = sorted(tuple(sorted(c.items())) for c in d["contributions"])
    return d


@PROPERTY
@given(bank_and_answers(), st.randoms(use_true_random=False))
def test_shuffling_question_order_changes_nothing(case, rnd):
    data, bank, answers = case
    shuffled = copy.deepcopy(data)
    rnd.shuffle(shuffled["questions"])
    other = Bank.model_validate(shuffled)
    clean, errors = validate_answers(other, dict(reversed(list(answers.items()))))
    assert errors == []
    assert _comparable(score(other, clean)) == _comparable(score(bank, answers))


@PROPERTY
@given(bank_and_answers(), st.sampled_from(("scale", "choice", "multi")), st.booleans())
def test_adding_a_zero_weight_question_changes_nothing(case, kind, answer_it):
    data, bank, answers = case
    bigger = copy.deepcopy(data)
    extra = {"id": "extra", "type": kind, "text": "Unscored", "required": answer_it}
    if kind == "scale":
        extra["scale"] = {"min": 1, "max": 5}
    else:
        extra["options"] = [{"id": "x", "text": "x"}, {"id": "y", "text": "y", "points": {"res": 0}}]
    bigger["questions"].append(extra)
    other = Bank.model_validate(bigger)
    given_answers = dict(answers)
    if answer_it:
        given_answers["extra"] = {"scale": 4, "choice": "y", "multi": ["x", "y"]}[kind]
    clean, errors = validate_answers(other, given_answers)
    assert errors == []
    before, after = _comparable(score(bank, answers)), _comparable(score(other, clean))
    # Quality flags describe the answering pattern, which one more answer rightly changes.
    before.pop("quality"), after.pop("quality")
    assert after == before


@PROPERTY
@given(bank_and_answers())
def test_the_same_answers_always_give_the_same_result(case):
    data, bank, answers = case
    first = score(bank, answers).to_dict()
    assert score(bank, answers).to_dict() == first
    # A bank rebuilt from the same content (another process, a snapshot) agrees too.
    rebuilt = Bank.from_snapshot(bank.canonical_json)
    assert score(rebuilt, dict(answers)).to_dict() == first


@PROPERTY
@given(bank_and_answers(), st.integers(min_value=1, max_value=4), st.data())
def test_raising_a_chosen_options_points_never_lowers_that_path(case, raise_by, draw):
    data, bank, answers = case
    chosen = [(q["id"], a) for q in data["questions"] if q["type"] != "scale"
              for a in ([answers[q["id"]]] if q["type"] == "choice" and q["id"] in answers
                        else list(answers.get(q["id"], ())) if q["type"] == "multi" else [])]
    assume(chosen)
    qid, oid = draw.draw(st.sampled_from(chosen))
    path = draw.draw(st.sampled_from(list(bank.path_ids)))
    raised = copy.deepcopy(data)
    q = next(q for q in raised["questions"] if q["id"] == qid)
    option = next(o for o in q["options"] if o["id"] == oid)
    option["points"][path] = option["points"].get(path, 0) + raise_by
    before = score(bank, answers).exact_scores[path]
    after = score(Bank.model_validate(raised), answers).exact_scores[path]
    assert after >= before - 1e-9


# -- an independent reference: the scoring rules of CONTRACT §5 read straight off the bank data --

def reference_holds(cond: dict, answers: dict) -> bool:
    if "all" in cond:
        return all(reference_holds(c, answers) for c in cond["all"])
    if "any" in cond:
        return any(reference_holds(c, answers) for c in cond["any"])
    if "not" in cond:
        return not reference_holds(cond["not"], answers)
    if cond["question"] not in answers:
        return False  # a leaf on an unanswered question is false
    a, op, v = answers[cond["question"]], cond["op"], cond["value"]
    return {"==": lambda: a == v, "!=": lambda: a != v, "<": lambda: a < v, "<=": lambda: a <= v,
            ">": lambda: a > v, ">=": lambda: a >= v, "in": lambda: a in v, "contains": lambda: v in a}[op]()


def reference_raw(data: dict, answers: dict) -> dict[str, float]:
    raw = {p["id"]: 0.0 for p in data["paths"]}
    for q in data["questions"]:
        if q["id"] not in answers:
            continue
        a = answers[q["id"]]
        if q["type"] == "scale":
            mid = (q["scale"]["min"] + q["scale"]["max"]) / 2
            for p, w in q["weights"].items():
                raw[p] += w * (a - mid)
        else:
            chosen = [a] if q["type"] == "choice" else list(a)
            for o in q["options"]:
                if o["id"] in chosen:
                    for p, v in o["points"].items():
                        raw[p] += v
    fired = [r for r in data["rules"] if reference_holds(r["when"], answers)]
    for r in fired:
        for p, v in r["then"]["points"].items():
            raw[p] += v
    return raw


@PROPERTY
@given(bank_and_answers())
def test_the_scorer_agrees_with_a_reference_reading_of_the_rules(case):
    data, bank, answers = case
    out = score(bank, answers)
    expected = reference_raw(data, answers)
    assert out.raw_scores == pytest.approx(expected, abs=1e-6)
    fired = [r["id"] for r in data["rules"] if reference_holds(r["when"], answers)]
    assert out.rules_fired == fired
    flags = list(dict.fromkeys(r["then"]["flag"] for r in data["rules"] if r["id"] in fired and "flag" in r["then"]))
    assert out.flags == flags
    lo_hi = bounds(bank)
    for p, raw in expected.items():
        lo, hi = lo_hi[p]
        want = 50.0 if hi - lo <= 1e-9 else (raw - lo) / (hi - lo) * 100
        assert out.exact_scores[p] == pytest.approx(want, abs=1e-9)
