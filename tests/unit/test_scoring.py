"""Scoring on hand-made banks, where every figure can be checked with a pencil."""
from __future__ import annotations

import json
import os

import pytest

from quiz.bank import Bank, load_bank
from quiz.engine import scoring
from quiz.engine.answers import validate_answers
from quiz.engine.scoring import Outcome, bounds, bounds_exact, maximising_answers, score

TINY = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "tiny.yaml")


@pytest.fixture(scope="module")
def tiny() -> Bank:
    return load_bank(TINY)


def run(bank: Bank, raw: dict) -> Outcome:
    clean, errors = validate_answers(bank, raw)
    assert errors == []
    return score(bank, clean)


def make_bank(questions: list[dict], paths=("a", "b", "c"), **extra) -> Bank:
    return Bank.model_validate({
        "id": "hand", "version": 1, "languages": ["en"], "title": "Hand",
        "paths": [{"id": p, "title": p.upper(), "summary": "s", "advice": "a"} for p in paths],
        "questions": questions, **extra})


def choice(qid: str, *options: dict, **extra) -> dict:
    return {"id": qid, "type": "choice", "text": qid,
            "options": [{"id": f"o{i}", "text": f"o{i}", "points": pts} for i, pts in enumerate(options)], **extra}


def scale(qid: str, weights: dict, lo: int = 1, hi: int = 5, **extra) -> dict:
    return {"id": qid, "type": "scale", "text": qid, "scale": {"min": lo, "max": hi}, "weights": weights, **extra}


# -- the worked example of docs/scoring.md -----------------------------------------------------

WORKED = {"fundamentals": 5, "first-week": "read-papers", "tools": ["kubeflow", "pytorch"], "process-work": 1}


def test_bounds_of_the_tiny_bank_include_rules(tiny):
    # researcher: 2×(±2) from fundamentals, +2 papers, +1 pytorch, −2 from the rule when process-work ≤ 2
    assert bounds(tiny) == {"researcher": (-6.0, 7.0), "engineer": (-6.0, 8.0), "ops": (-2.0, 5.0)}
    assert bounds_exact(tiny)


def test_the_worked_example(tiny):
    out = run(tiny, WORKED)
    assert out.raw_scores == {"researcher": 5.0, "engineer": -5.0, "ops": -1.0}
    # (5 − (−6)) / 13 = 84.6; (−5 − (−6)) / 14 = 7.1; (−1 − (−2)) / 7 = 14.3
    assert out.scores == {"researcher": 84.6, "engineer": 7.1, "ops": 14.3}
    assert (out.primary, out.secondary, out.hybrid, out.balanced, out.margin) == \
        ("researcher", "ops", False, False, 70.3)
    assert out.rules_fired == ["no-process-work", "platform"]
    assert out.fired == [{"id": "no-process-work", "condition": "process-work ≤ 2"},
                         {"id": "platform", "condition": "tools contains kubeflow"}]
    assert out.flags == ["process-work-reluctant", "platform"]
    assert out.advice == ["no-process-work"]  # the platform rule gives no advice
    assert out.archetype == {"id": "lee", "similarity": 0.81}
    # docs/scoring.md works these out: Lee 0.75 × 0.862 + 0.25 × 0; Kim 0.75 × 0.358 + 0.25 × 1
    assert out.archetype_ranking == [{"id": "lee", "similarity": 0.81}, {"id": "kim", "similarity": 0.35}]


def test_contributions_explain_every_point_biggest_first(tiny):
    out = run(tiny, WORKED)
    c = out.contributions
    assert c[0] == {"question": "fundamentals", "path": "researcher", "points": 4.0}
    assert [abs(x["points"]) for x in c] == sorted((abs(x["points"]) for x in c), reverse=True)
    assert {"rule": "no-process-work", "path": "engineer", "points": -2.0} in c
    assert all(x["points"] != 0 for x in c)
    # they add up to the raw scores
    for path, raw in out.raw_scores.items():
        assert sum(x["points"] for x in c if x["path"] == path) == pytest.approx(raw)


def test_to_dict_has_exactly_the_stored_keys_and_is_json(tiny):
    d = run(tiny, WORKED).to_dict()
    assert list(d) == ["scores", "raw_scores", "primary", "secondary", "hybrid", "balanced", "margin",
                       "archetype", "archetype_ranking", "flags", "quality", "rules_fired", "fired",
                       "advice", "contributions"]
    again = json.loads(json.dumps(d))
    assert again == d
    assert Outcome.from_dict(again).to_dict() == d


def test_an_unanswered_optional_question_scores_nothing():
    b = make_bank([scale("s", {"a": 1}), choice("c", {"a": 3}, {"b": 3}, required=False)])
    with_it = run(b, {"s": 3, "c": "o0"})
    without = run(b, {"s": 3})
    assert with_it.raw_scores["a"] == 3.0 and without.raw_scores["a"] == 0.0
    # "unanswered" is part of its domain, so the minimum for a is 0 from c, not 3... plus s at 1: −2
    assert bounds(b)["a"] == (-2.0, 5.0)


def test_scale_points_are_weight_times_distance_from_the_midpoint():
    b = make_bank([scale("s", {"a": 2, "b": -1}, lo=0, hi=3), choice("c", {"c": 1}, {})])
    out = run(b, {"s": 3, "c": "o1"})
    assert out.raw_scores == {"a": 3.0, "b": -1.5, "c": 0.0}  # midpoint 1.5


def test_an_exact_tie_is_reported_as_hybrid_with_the_first_listed_path_primary():
    # a and b both reach their maximum; b's points are even listed first in the options
    b = make_bank([choice("c", {"b": 2, "a": 2}, {"c": 2}), choice("d", {"a": 1, "b": 1}, {"c": 1})],
                  hybrid_margin=0)
    out = run(b, {"c": "o0", "d": "o0"})
    assert out.scores["a"] == out.scores["b"] == 100.0
    assert (out.primary, out.secondary, out.hybrid, out.margin) == ("a", "b", True, 0.0)
    assert out.tie


def test_hybrid_is_a_strict_margin_on_unrounded_scores():
    # a in 0..10 (10 steps of 10), b fixed by its own 0..10: margins of exactly 10 and 9.x
    b = make_bank([scale("sa", {"a": 1}, lo=0, hi=10), scale("sb", {"b": 1}, lo=0, hi=10),
                   choice("pad", {"c": 1}, {})], hybrid_margin=10)
    exactly = run(b, {"sa": 9, "sb": 8, "pad": "o1"})
    assert exactly.margin == 10.0 and not exactly.hybrid
    under = run(b, {"sa": 9, "sb": 9, "pad": "o1"})
    assert under.hybrid and under.margin == 0.0
    close = run(b, {"sa": 10, "sb": 9, "pad": "o1"})
    assert close.margin == 10.0 and not close.hybrid


def test_balanced_when_every_path_lies_within_the_margin():
    b = make_bank([scale("sa", {"a": 1}, lo=0, hi=10), scale("sb", {"b": 1}, lo=0, hi=10),
                   scale("sc", {"c": 1}, lo=0, hi=10)], hybrid_margin=25)
    out = run(b, {"sa": 5, "sb": 6, "sc": 7})
    assert out.balanced and out.hybrid and out.primary == "c"
    out = run(b, {"sa": 2, "sb": 6, "sc": 7})
    assert not out.balanced and out.hybrid


def test_a_path_nobody_can_move_sits_at_50():
    b = make_bank([scale("s", {"a": 1, "b": 1})], paths=("a", "b", "c"))
    assert run(b, {"s": 5}).scores == {"a": 100.0, "b": 100.0, "c": 50.0}
    assert run(b, {"s": 1}).scores == {"a": 0.0, "b": 0.0, "c": 50.0}


def test_rule_points_count_towards_bounds_and_scores():
    b = make_bank([scale("s", {"a": 1}), choice("c", {"b": 1}, {})],
                  rules=[{"id": "both", "when": {"all": [{"question": "s", "op": ">=", "value": 4},
                                                        {"question": "c", "op": "==", "value": "o0"}]},
                          "then": {"points": {"a": 3, "c": -1}}}])
    assert bounds(b) == {"a": (-2.0, 5.0), "b": (0.0, 1.0), "c": (-1.0, 0.0)}
    top = maximising_answers(b, "a")
    assert top == {"s": 5, "c": "o0"}
    assert run(b, {"s": 5, "c": "o0"}).scores["a"] == 100.0
    assert run(b, {"s": 5, "c": "o1"}).scores["a"] == pytest.approx(round(4 / 7 * 100, 1))


def test_a_rule_that_can_never_fire_does_not_stretch_the_range():
    b = make_bank([scale("s", {"a": 1})],
                  rules=[{"id": "never", "when": {"all": [{"question": "s", "op": "<", "value": 2},
                                                         {"question": "s", "op": ">", "value": 4}]},
                          "then": {"points": {"a": 10}}}], paths=("a", "b"))
    assert bounds(b)["a"] == (-2.0, 2.0)  # a naive "add every positive rule" bound would say 12


def test_bounds_fall_back_to_a_safe_bound_past_the_enumeration_cap(monkeypatch):
    questions = [scale(f"s{i}", {"a": 1}) for i in range(4)]
    rules = [{"id": "r", "when": {"all": [{"question": f"s{i}", "op": "==", "value": 5} for i in range(4)]},
              "then": {"points": {"a": -3}}},
             {"id": "never", "when": {"all": [{"question": "s0", "op": "<", "value": 2},
                                              {"question": "s0", "op": ">", "value": 4}]},
              "then": {"points": {"a": 10}}}]
    b = make_bank(questions, paths=("a", "b"), rules=rules)
    assert bounds(b)["a"] == (-8.0, 7.0)  # 4 × 2, less 3 when all four are 5: 3 × 2 + 1 = 7
    from quiz.engine import extremes as bounds_module
    monkeypatch.setattr(bounds_module, "ENUMERATION_CAP", 4)
    monkeypatch.setattr(scoring, "_TABLES", {})
    assert not bounds_exact(b)
    assert bounds(b)["a"] == (-11.0, 18.0)  # every question at its extreme plus every rule of one sign
    assert run(b, {f"s{i}": 5 for i in range(4)}).scores["a"] == pytest.approx(round(16 / 29 * 100, 1))


def test_bounds_are_memoised_per_bank_content(tiny):
    again = load_bank(TINY)
    assert again is not tiny
    assert scoring._tables(again) is scoring._tables(tiny)


# -- archetypes --------------------------------------------------------------------------------

def archetype_bank(**extra) -> Bank:
    return make_bank(
        [scale("sa", {"a": 1}, lo=0, hi=10), scale("sb", {"b": 1}, lo=0, hi=10),
         {"id": "device", "type": "choice", "text": "on device?",
          "options": [{"id": "yes", "text": "yes"}, {"id": "no", "text": "no"}]}],
        paths=("a", "b"),
        rules=[{"id": "on-device", "when": {"question": "device", "op": "==", "value": "yes"},
                "then": {"flag": "on-device"}}],
        archetypes=[
            {"id": "jeon", "title": "Jeon", "description": "d", "profile": {"a": 20, "b": 80}},
            {"id": "seo", "title": "Seo", "description": "d", "profile": {"a": 20, "b": 80},
             "traits": ["on-device"]},
            {"id": "lee", "title": "Lee", "description": "d", "profile": {"a": 90, "b": 10}},
        ], **extra)


def test_a_trait_separates_archetypes_with_the_same_profile():
    b = archetype_bank()
    plain = run(b, {"sa": 2, "sb": 8, "device": "no"})  # scores a 20, b 80: on both profiles
    # closeness 1 for both; Jeon has no traits (neutral ½), Seo's trait is missing (0)
    assert plain.archetype == {"id": "jeon", "similarity": 0.82}   # 0.65 × 1 + 0.35 × ½
    assert [a["id"] for a in plain.archetype_ranking] == ["jeon", "seo", "lee"]
    assert plain.archetype_ranking[1] == {"id": "seo", "similarity": 0.65}
    on_device = run(b, {"sa": 2, "sb": 8, "device": "yes"})
    assert on_device.archetype == {"id": "seo", "similarity": 1.0}
    assert on_device.archetype_ranking[1] == {"id": "jeon", "similarity": 0.82}


def test_archetype_similarity_is_a_bell_curve_of_the_distance_per_path():
    import math
    b = archetype_bank()
    out = run(b, {"sa": 6, "sb": 4, "device": "no"})  # scores a 60, b 40
    lee = next(a for a in out.archetype_ranking if a["id"] == "lee")
    # Lee (90, 10): both differences count (60 < 90; 40 > 10), 30² + 30² over 2 paths = 900,
    # closeness exp(−900 / 800) = 0.325; no traits: ½; 0.65 × 0.325 + 0.35 × ½ = 0.39
    assert lee["similarity"] == round(0.65 * math.exp(-900 / 800) + 0.175, 2) == 0.39
    # Every result nearer a profile is at least as similar to it: the order follows distance.
    near = run(b, {"sa": 8, "sb": 2, "device": "no"})
    assert next(a for a in near.archetype_ranking if a["id"] == "lee")["similarity"] > lee["similarity"]


def test_a_score_beyond_a_far_profile_value_in_its_own_direction_is_not_a_distance():
    b = archetype_bank()
    # Lee's profile (90, 10) is far from the middle on both paths: a result at (100, 0) is "at
    # least" that far out, as close to Lee's day as (90, 10) itself.
    extreme = run(b, {"sa": 10, "sb": 0, "device": "no"})
    on_profile = run(b, {"sa": 9, "sb": 1, "device": "no"})
    def lee(out):
        return next(a["similarity"] for a in out.archetype_ranking if a["id"] == "lee")
    assert lee(extreme) == lee(on_profile) == round(0.65 + 0.175, 2)
    # Falling short of it (80 instead of 90) still counts.
    assert lee(run(b, {"sa": 8, "sb": 1, "device": "no"})) < lee(on_profile)


def test_no_archetypes_means_none():
    b = make_bank([scale("s", {"a": 1})], paths=("a", "b"))
    out = run(b, {"s": 4})
    assert out.archetype is None and out.archetype_ranking == []


# -- response quality --------------------------------------------------------------------------

def quality_bank() -> Bank:
    return make_bank([scale(f"s{i}", {"a": 1 if i % 2 else -1, "b": 1}) for i in range(4)]
                     + [choice(f"c{i}", {"a": 1}, {"b": 1}, {"c": 1}) for i in range(4)],
                     contradictions=[{"id": "hot-and-cold",
                                      "when": {"all": [{"question": "s0", "op": "==", "value": 5},
                                                       {"question": "s1", "op": "==", "value": 1}]},
                                      "message": "You said both."}])


def test_straight_lining_on_scales_and_on_choice_positions():
    b = quality_bank()
    varied = {"c0": "o0", "c1": "o1", "c2": "o2", "c3": "o0"}
    assert run(b, {**{f"s{i}": 4 for i in range(4)}, **varied}).quality == ["straight-lining"]
    same_pos = {f"c{i}": "o2" for i in range(4)}
    assert run(b, {"s0": 1, "s1": 2, "s2": 4, "s3": 5, **same_pos}).quality == ["straight-lining"]
    assert run(b, {"s0": 1, "s1": 2, "s2": 4, "s3": 5, **varied}).quality == []


def test_all_midpoint():
    b = quality_bank()
    out = run(b, {**{f"s{i}": 3 for i in range(4)}, "c0": "o0", "c1": "o1", "c2": "o2", "c3": "o0"})
    assert out.quality == ["straight-lining", "all-midpoint"]


def test_contradictions_are_named():
    b = quality_bank()
    out = run(b, {"s0": 5, "s1": 1, "s2": 3, "s3": 2, "c0": "o0", "c1": "o1", "c2": "o2", "c3": "o0"})
    assert out.quality == ["contradiction:hot-and-cold"]


def test_a_few_answers_are_not_called_a_pattern():
    b = make_bank([scale(f"s{i}", {"a": 1}) for i in range(3)], paths=("a", "b"))
    assert run(b, {f"s{i}": 3 for i in range(3)}).quality == []


def test_a_multi_with_many_options_scores_like_a_small_one():
    """Small multi questions have every answer tabled at load; big ones are summed per answer."""
    many = [{"id": f"o{i}", "text": f"o{i}", "points": {"a": i % 3, "b": -1 if i % 2 else 0.5}} for i in range(12)]
    b = make_bank([{"id": "m", "type": "multi", "text": "m", "options": many},
                   {"id": "small", "type": "multi", "text": "s", "options": many[:4]}], paths=("a", "b"))
    assert len(many) > scoring.MULTI_TABLE_MAX_OPTIONS >= 4
    out = run(b, {"m": ["o1", "o2", "o5", "o11"], "small": ["o3", "o0"]})
    assert out.raw_scores == {"a": (1 + 2 + 2 + 2) + (0 + 0), "b": (-1 + 0.5 - 1 - 1) + (0.5 - 1)}
    assert {"question": "m", "path": "a", "points": 7.0} in out.contributions
    # a tuple out of option order (not what validation gives, but callers may build one) still scores
    assert score(b, {"m": ("o11", "o1"), "small": ("o3", "o0")}).raw_scores == \
        score(b, {"m": ("o1", "o11"), "small": ("o0", "o3")}).raw_scores


def test_stored_answers_read_back_from_json_score_the_same(tiny):
    """Answers stored as JSON come back with lists for multi questions; re-scoring them agrees."""
    clean, _ = validate_answers(tiny, WORKED)
    from_json = json.loads(json.dumps(clean))
    assert isinstance(from_json["tools"], list)
    assert score(tiny, from_json).to_dict() == score(tiny, clean).to_dict()


def test_per_bank_stores_are_bounded(monkeypatch):
    """The authoring preview scores pasted banks: derived data must not pile up forever."""
    from quiz.lru import LRU
    monkeypatch.setattr(scoring, "_TABLES", LRU("test tables", max_entries=3))
    banks = [make_bank([scale("s", {"a": w})], paths=("a", "b")) for w in (1, 2, 3, 4, 5)]
    for b in banks:
        bounds(b)
    assert len(scoring._TABLES) == 3
    assert bounds(banks[0])["a"] == (-2.0, 2.0)  # dropped, prepared again on demand
    # Least recently used goes first: bringing banks[0] back pushed out banks[2], the oldest kept.
    assert banks[0].content_hash in scoring._TABLES and banks[2].content_hash not in scoring._TABLES
    assert banks[3].content_hash in scoring._TABLES


def test_the_one_cache_kind_is_bounded_by_entries_or_bytes_and_counts_hits():
    from quiz.lru import LRU, caches
    by_bytes = LRU("test pages", max_bytes=10, size=len)
    by_bytes["a"], by_bytes["b"] = b"12345", b"12345"
    assert by_bytes.get("a") == b"12345"          # a is now the most recently used
    by_bytes["c"] = b"123"
    assert "b" not in by_bytes and "a" in by_bytes and by_bytes.bytes == 8
    by_bytes["huge"] = b"x" * 11                  # larger than the whole cache: not kept
    assert "huge" not in by_bytes and by_bytes.get("huge") is None
    assert (by_bytes.hits, by_bytes.misses) == (1, 1) and by_bytes.hit_rate == 0.5
    by_bytes.discard_where(lambda key: key in ("a", "c"))
    assert len(by_bytes) == 0 and by_bytes.bytes == 0
    assert by_bytes in caches()
