"""Work budgets (issue 12, findings 2 and 3): answer checking and the bank format bound the work
one request can cause, whatever a client sends or an author pastes.

The tests assert what a bounded answer looks like (one refusal instead of 60,000 errors, the safe
fallback bound instead of the exact search, suggestions counted); how much CPU each case takes is
bench/hostile.py's job (timings don't belong in tests: machines are noisy). A generous hang guard
still stops a case that loops.
"""
from __future__ import annotations

import os

import pytest

from quiz.bank import check_bytes, check_file, yaml_reader
from quiz.bank._meaning import LIMITS, MAX_CONDITION_LEAVES, MAX_OPTIONS
from quiz.engine import answers as answers_module
from quiz.engine import bounds, bounds_exact, extremes, validate_answers
from quiz.engine.scoring import _tables
from tests.conftest import SHIPPED_BANKS, TINY_BANK, hang_guard


@pytest.fixture(scope="module")
def tiny():
    bank, problems = check_file(TINY_BANK)
    assert bank is not None, problems
    return bank


def bank_with_questions(n: int):
    """A two-path bank of n scale questions q0 … q{n-1}."""
    lines = ["id: wide", "version: 1", "languages: [en]", "title: Wide", "paths:",
             "  - {id: a, title: A, summary: S, advice: A}", "  - {id: b, title: B, summary: S, advice: B}",
             "questions:"]
    lines += [f"  - {{id: q{i}, type: scale, text: Q, scale: {{min: 1, max: 5}}, weights: {{a: 1, b: -1}}}}" for i in range(n)]
    bank, problems = check_bytes(("\n".join(lines) + "\n").encode(), "wide.yaml")
    assert bank is not None, [p.render() for p in problems]
    return bank


# -- finding 3: answer objects ------------------------------------------------------------------

def test_60000_near_miss_keys_are_refused_whole_before_any_suggestion(tiny, monkeypatch):
    # Was 5.1 s of CPU through the API: difflib for each of 60,000 unknown keys.
    flood = {f"fundamental{i}": 1 for i in range(60_000)}
    suggested = []
    real = answers_module._did_you_mean
    monkeypatch.setattr(answers_module, "_did_you_mean", lambda w, c: suggested.append(w) or real(w, c))
    with hang_guard():
        clean, errors = validate_answers(tiny, flood)
    assert suggested == []
    assert clean == {} and len(errors) == 1
    e = errors[0]
    assert e.question is None and e.code == "wrong_type"
    limit = answers_module.most_keys(len(tiny.questions))
    assert f"at most {limit} keys" in e.message and "got 60000 keys" in e.message


def test_an_answer_object_at_the_key_limit_is_still_checked_key_by_key(tiny):
    limit = answers_module.most_keys(len(tiny.questions))
    raw = {f"zz{i}": 1 for i in range(limit)}
    _, errors = validate_answers(tiny, raw)
    assert {e.code for e in errors} == {"unknown_question", "missing"}
    _, errors = validate_answers(tiny, dict(raw, one_more=1))
    assert [e.code for e in errors] == ["wrong_type"]


def test_did_you_mean_is_worked_out_only_for_the_errors_returned(monkeypatch):
    bank = bank_with_questions(150)  # room for 310 keys
    calls = []
    real = answers_module._did_you_mean

    def counting(word, choices):
        calls.append(word)
        return real(word, choices)
    monkeypatch.setattr(answers_module, "_did_you_mean", counting)
    raw = {f"q{i}x": 3 for i in range(300)}  # 300 near misses, each close to a real id
    _, errors = validate_answers(bank, raw, partial=True)
    assert len(errors) == 300
    assert len(calls) == answers_module.SUGGESTED == 100
    assert all("did you mean" in e.message for e in errors[:100])
    assert not any("did you mean" in e.message for e in errors[100:])


def test_a_huge_key_or_option_is_quoted_clipped(tiny):
    big = "x" * 500_000
    _, errors = validate_answers(tiny, {big: 1, "first-week": big, "tools": [big] * 3 + [f"o{i}" for i in range(50_000)]})
    assert len(errors) >= 3
    assert all(len(e.message) < 1_000 and len(e.question or "") < 100 for e in errors), [len(e.message) for e in errors]
    multi = next(e for e in errors if e.question == "tools")
    assert "and 49996 more" in multi.message


# -- finding 2: the bank format's budgets ---------------------------------------------------------

def heavy_rules_bank(questions: int = 5, rules: int = 100, paths: int = 16, points: int = 11) -> bytes:
    """Within every count limit, but 161,051 joint answers read by 100 rules: 9.4 s of exact
    enumeration before the work cap."""
    out = ["id: heavy", "version: 1", "languages: [en]", "title: Heavy", "paths:"]
    out += [f"  - {{id: p{p}, title: P{p}, summary: S, advice: A}}" for p in range(paths)]
    out.append("questions:")
    for q in range(questions):
        w = ", ".join(f"p{p}: {((p + q) % 5) - 2}" for p in range(paths))
        out.append(f"  - {{id: q{q}, type: scale, text: Q{q}, scale: {{min: 1, max: {points}}}, weights: {{{w}}}}}")
    out.append("rules:")
    for r in range(rules):
        leaves = ", ".join(f'{{question: q{(r + k) % questions}, op: ">=", value: {1 + (r + k) % points}}}'
                           for k in range(questions))
        out.append(f"  - {{id: r{r}, when: {{all: [{leaves}]}}, then: {{points: {{p{r % paths}: 1}}}}}}")
    return ("\n".join(out) + "\n").encode()


def heavy_multi_bank(options: int = 16, paths: int = 16) -> bytes:
    """One multi question whose 16 options a rule names: 65,536 answer classes × 16 paths, 5.8 s
    before the cap."""
    out = ["id: multi", "version: 1", "languages: [en]", "title: Multi", "paths:"]
    out += [f"  - {{id: p{p}, title: P{p}, summary: S, advice: A}}" for p in range(paths)]
    out += ["questions:", "  - id: m", "    type: multi", "    text: M", "    options:"]
    for o in range(options):
        pts = ", ".join(f"p{p}: {((p * o) % 7) - 3}" for p in range(paths))
        out.append(f"      - {{id: o{o}, text: O{o}, points: {{{pts}}}}}")
    leaves = ", ".join(f"{{question: m, op: contains, value: o{o}}}" for o in range(options))
    out += ["rules:", f"  - {{id: r, when: {{any: [{leaves}]}}, then: {{points: {{p0: 1}}}}}}"]
    return ("\n".join(out) + "\n").encode()


@pytest.mark.parametrize("make", [heavy_rules_bank, heavy_multi_bank])
def test_score_bounds_of_a_costly_bank_take_the_safe_fallback(make):
    bank, problems = check_bytes(make(), "heavy.yaml")
    assert bank is not None, [p.render() for p in problems]
    with hang_guard():
        result = bounds(bank)
    assert not bounds_exact(bank)
    # The fallback is a safe bound: every path's range holds its own extremes.
    assert all(lo <= hi for lo, hi in result.values())


def test_the_fallback_bound_still_holds_every_answer_set_scored():
    from quiz.engine import score
    bank, _ = check_bytes(heavy_multi_bank(options=16, paths=3), "m.yaml")
    b = bounds(bank)
    for chosen in (("o0",), ("o1", "o2"), tuple(f"o{i}" for i in range(16)), ("o15",)):
        for p, v in score(bank, {"m": chosen}).raw_scores.items():
            assert b[p][0] - 1e-9 <= v <= b[p][1] + 1e-9, (chosen, p, v, b[p])


def test_a_bank_over_a_count_limit_is_refused_with_bank_024():
    paths = "\n".join(f"  - {{id: p{i}, title: P, summary: S, advice: A}}" for i in range(LIMITS["paths"] + 1))
    raw = f"id: x\nversion: 1\nlanguages: [en]\ntitle: X\npaths:\n{paths}\nquestions: []\n".encode()
    bank, problems = check_bytes(raw, "x.yaml")
    assert bank is None
    assert any(p.code.name == "BANK_024" and f"{LIMITS['paths'] + 1} paths" in p.message for p in problems)


def test_a_megabyte_of_values_is_refused_early_with_yaml_008():
    raw = ("x: [" + "1, " * 340_000 + "1]\n").encode()
    assert len(raw) > 1_000_000
    with hang_guard():
        bank, problems = check_bytes(raw, "x.yaml")
    assert bank is None and [p.code.name for p in problems] == ["YAML_008"]


def test_the_shipped_banks_stay_well_within_every_cap():
    """A quarter of each count limit at most, and exact bounds far below the work caps."""
    files = [os.path.join(SHIPPED_BANKS, f) for f in sorted(os.listdir(SHIPPED_BANKS)) if f.endswith(".yaml")]
    assert files
    for path in files:
        doc = yaml_reader.read_file(path)
        assert len(doc.positions) * 4 <= yaml_reader.MAX_VALUES, path
        bank, problems = check_file(path)
        assert bank is not None, path
        counts = {"languages": len(bank.languages), "paths": len(bank.paths), "pairs": len(bank.pairs),
                  "archetypes": len(bank.archetypes), "sections": len(bank.sections),
                  "questions": len(bank.questions), "rules": len(bank.rules),
                  "contradictions": len(bank.contradictions)}
        for key, count in counts.items():
            assert count * 4 <= LIMITS[key], (path, key, count)
        assert max(len(q.options) for q in bank.questions) * 3 <= MAX_OPTIONS, path
        from quiz.bank import leaves
        assert all(len(list(leaves(r.when))) * 4 <= MAX_CONDITION_LEAVES for r in bank.rules), path
        assert bounds_exact(bank), path
        assert _tables(bank).extremes.work * 100 <= extremes.ENUMERATION_WORK_CAP, path
