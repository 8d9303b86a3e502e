"""`quiz simulate`: the balance audit an author runs before a bank goes live."""
from __future__ import annotations

import random
import textwrap

import pytest

from quiz.bank import load_bank
from quiz.engine.answers import validate_answers
from quiz.engine.simulate import random_answers, run_audit, straight_line_sets
from tests.conftest import SHIPPED_BANKS, TINY_BANK


def simulate(runner, *args: str):
    return runner.invoke(args=["quiz", "simulate", *args])


def write_bank(tmp_path, *parts: str) -> str:
    path = tmp_path / "audit.yaml"
    head = textwrap.dedent("""\
        id: audit
        version: 1
        languages: [en]
        title: Audit
        hybrid_margin: 10
        """)
    path.write_text(head + "".join(parts), encoding="utf-8")
    return str(path)


PATHS_AB = textwrap.dedent("""\
    paths:
      - {id: a, title: A, summary: s, advice: x}
      - {id: b, title: B, summary: s, advice: x}
    """)


def test_the_report_shows_paths_archetypes_and_patterned_takers(runner):
    r = simulate(runner, "tiny", "--n", "400", "--seed", "1")
    assert r.exit_code == 0, r.output
    out = r.output
    assert "400 uniform-random answer sets, seed 1" in out
    for line in ("Random takers by primary path", "Random takers by nearest archetype",
                 "Straight-line takers", "Answers that maximise each path", "Findings"):
        assert line in out
    # every path gets a row, and the rows add up to the takers
    rows = [line.split() for line in out.splitlines() if line.strip().split(" ")[0] in ("researcher", "engineer", "ops")
            and line.strip().endswith("%")]
    assert sum(int(r[1]) for r in rows[:3]) == 400
    assert "scales at max, option 1 everywhere: researcher" in out
    assert "researcher: researcher 100.0" in out


def test_the_same_seed_gives_the_same_report_and_another_seed_another(runner):
    first = simulate(runner, "tiny", "--n", "300", "--seed", "5").output
    assert simulate(runner, "tiny", "--n", "300", "--seed", "5").output == first
    assert simulate(runner, "tiny", "--n", "300", "--seed", "6").output != first


def test_a_bank_file_path_works_as_well_as_an_id(runner):
    r = simulate(runner, TINY_BANK, "--n", "50")
    assert r.exit_code == 0 and "Balance audit of 'tiny'" in r.output


def test_an_unknown_bank_is_a_clear_usage_error(runner):
    r = simulate(runner, "no-such-bank")
    assert r.exit_code == 2
    assert "no bank 'no-such-bank'" in r.output and "tiny" in r.output
    assert "Traceback" not in r.output


def test_a_path_no_answer_set_makes_primary_exits_1(runner, tmp_path):
    # b and c always score exactly what a scores: a, listed first, wins every tie
    path = write_bank(tmp_path, PATHS_AB, "  - {id: c, title: C, summary: s, advice: x}\n", textwrap.dedent("""\
        questions:
          - {id: q, type: scale, text: Q, scale: {min: 1, max: 5}, weights: {a: 1, b: 1, c: 1}}
        """))
    r = simulate(runner, path, "--n", "200")
    assert r.exit_code == 1, r.output
    assert "error: path 'b' is never primary" in r.output
    assert "error: path 'c' is never primary" in r.output
    assert "ties at the top with 'a'" in r.output
    assert "2 errors" in r.output


def test_a_dominant_path_a_rare_one_and_an_unmatched_archetype_are_flagged(runner, tmp_path):
    # Three of four options lean a; b only through the fourth (25% of random takers).
    path = write_bank(tmp_path, PATHS_AB, textwrap.dedent("""\
        archetypes:
          - {id: mostly-a, title: M, description: d, profile: {a: 100, b: 0}}
          - {id: never, title: N, description: d, profile: {a: 100, b: 0}}  # a twin listed second
        questions:
          - id: q
            type: choice
            text: Q
            options:
              - {id: o1, text: one, points: {a: 1}}
              - {id: o2, text: two, points: {a: 1}}
              - {id: o3, text: three, points: {a: 1}}
              - {id: o4, text: four, points: {b: 1}}
          - id: r
            type: choice
            text: R
            options:
              - {id: x, text: x, points: {a: 1}}
              - {id: y, text: y, points: {a: 1}}
              - {id: z, text: z, points: {a: 1}}
              - {id: w, text: w, points: {a: 1}}
              - {id: v, text: v, points: {a: 1}}
              - {id: u, text: u, points: {a: 1}}
              - {id: t, text: t, points: {a: 1}}
              - {id: s, text: s, points: {a: 1}}
              - {id: n, text: n, points: {a: 1}}
              - {id: m, text: m, points: {a: 1}}
              - {id: k, text: k, points: {a: 1}}
              - {id: o, text: o, points: {b: 1}}
        """))
    r = simulate(runner, path, "--n", "2000", "--seed", "3")
    assert r.exit_code == 0, r.output  # reachable everywhere: warnings only
    assert "warning: path 'a' is primary for" in r.output and "it dominates" in r.output
    assert "warning: path 'b' is primary for only" in r.output
    assert "warning: archetype 'never' is never the nearest" in r.output


def test_a_balanced_bank_has_no_findings(runner, tmp_path):
    path = write_bank(tmp_path, PATHS_AB, textwrap.dedent("""\
        questions:
          - id: q
            type: choice
            text: Q
            options:
              - {id: o1, text: one, points: {a: 1}}
              - {id: o2, text: two, points: {b: 1}}
          - {id: s, type: scale, text: S, scale: {min: 1, max: 5}, weights: {a: 1, b: -1}}
        """))
    r = simulate(runner, path, "--n", "1000")
    assert r.exit_code == 0
    assert "none: every path is reachable" in r.output and "0 errors, 0 warnings" in r.output


@pytest.mark.parametrize("bank_file", [TINY_BANK, f"{SHIPPED_BANKS}/know-yourself.yaml"])
def test_generated_answer_sets_are_all_valid(bank_file):
    bank = load_bank(bank_file)
    rnd = random.Random(0)
    sets = [random_answers(bank, rnd) for _ in range(300)] + [a for _, a in straight_line_sets(bank)]
    for answers in sets:
        raw = {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}
        clean, errors = validate_answers(bank, raw)
        assert errors == []
        assert clean == answers  # already in the cleaned form


def test_random_takers_see_every_answer_of_a_question():
    bank = load_bank(TINY_BANK)
    rnd = random.Random(1)
    seen = {q.id: set() for q in bank.questions}
    for _ in range(400):
        for qid, a in random_answers(bank, rnd).items():
            seen[qid].add(a)
    assert seen["fundamentals"] == {1, 2, 3, 4, 5}
    assert seen["first-week"] == {"read-papers", "ship-feature", "fix-pipeline"}
    assert len(seen["tools"]) == 7  # every non-empty subset of three options


def test_the_audit_counts_are_reproducible_and_add_up():
    bank = load_bank(TINY_BANK)
    a, b = run_audit(bank, n=500, seed=9), run_audit(bank, n=500, seed=9)
    assert a.primary == b.primary and a.archetypes == b.archetypes
    assert sum(a.primary.values()) == 500 and sum(a.archetypes.values()) == 500
    assert a.unreachable == []
