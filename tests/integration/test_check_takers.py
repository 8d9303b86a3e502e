"""`quiz check` catches what takers would notice (BANK_026 to BANK_034, issue 14): each finding on
a broken bank, none on the shipped ones, the same findings in `quiz simulate`, and `shuffle: true`
on the quiz pages (an order per taker, stable; ids, the API and scoring unchanged)."""
from __future__ import annotations

import os
import re

import pytest

from quiz.bank import ErrorCode, check_bytes
from quiz.engine import bank_findings, score
from quiz.engine import checks as engine_checks
from tests import error_cases
from tests.conftest import ROOT, TINY_BANK, make_app
from tests.integration.test_take import Tags, Taker, text

CODES = [f"BANK_0{n}" for n in range(26, 35)]


def check(text_: str) -> list:
    return check_bytes(text_.encode("utf-8"), "demo.yaml", deeper=bank_findings)[1]


def codes(problems) -> set[str]:
    return {p.code.name for p in problems}


@pytest.mark.parametrize("code", CODES)
def test_each_broken_bank_is_caught_and_the_base_bank_is_not(code):
    what, broken, line = error_cases.CASES[code]
    found = [p for p in check(broken) if p.code.name == code]
    assert found, f"{what}: {code} not reported"
    assert found[0].line == line
    # the bank the case was made from does not have the problem (BANK_026 is the base bank's own)
    if code != "BANK_026":
        assert code not in codes(check(error_cases.BASE))


def test_the_shipped_banks_and_the_tiny_bank_pass_without_these_findings():
    for name in ("know-yourself.yaml", "quick-check.yaml"):
        with open(os.path.join(ROOT, "questions", name), "rb") as fh:
            bank, problems = check_bytes(fh.read(), name, deeper=bank_findings)
        assert bank is not None and not problems, [p.render() for p in problems]
    with open(TINY_BANK, "rb") as fh:
        problems = check_bytes(fh.read(), "tiny.yaml", deeper=bank_findings)[1]
    assert codes(problems) == {"BANK_026"}  # its scoring rule has no description, on purpose


def test_a_description_clears_the_rule_warning_and_only_scoring_rules_need_one():
    fixed = error_cases.BASE.replace("    then: {points: {researcher: 1}}",
                                     "    description: {en: Papers and fundamentals, ko: 논문과 기본기}\n"
                                     "    then: {points: {researcher: 1}}")
    assert "BANK_026" not in codes(check(fixed))
    flag_only = error_cases.BASE.replace("then: {points: {researcher: 1}}", "then: {flag: deep}")
    assert "BANK_026" not in codes(check(flag_only))


@pytest.mark.parametrize("title, warned", [("Data eng.", True), ("Ops:", True), ("Data engineering", False),
                                           ("Ops (MLOps)", False), ("데이터 엔지니어.", True)])
def test_short_titles_ending_in_punctuation(title, warned):
    bank = error_cases.BASE.replace("    title: {en: Researcher, ko: 연구자}\n",
                                    f"    title: {{en: Researcher, ko: 연구자}}\n    short_title: {{en: Res, ko: \"{title}\"}}\n")
    assert ("BANK_027" in codes(check(bank))) is warned


@pytest.mark.parametrize("where, said", [("text", "Pick at most two"), ("text", "해당하는 것을 모두 고르세요"),
                                         ("help", "최대 2개"), ("help", "Select all that apply")])
def test_hint_text_the_page_already_prints_is_caught_in_either_language(where, said):
    bank = error_cases._TOOLS.replace("text: {en: Which tools do you use? Choose up to 2., ko: 어떤 도구를 쓰나요? "
                                      "최대 2개까지 고르세요.}",
                                      "text: {en: Which tools do you use?, ko: 어떤 도구를 쓰나요?}"
                                      if where == "help" else f"text: {{en: Which tools?, ko: \"{said}\"}}")
    if where == "help":
        bank = bank.replace("    max_choices: 2\n", f"    max_choices: 2\n    help: {{en: \"{said}\", ko: 도움말}}\n")
    found = [p for p in check(bank) if p.code.name == "BANK_028"]
    assert found and said.lower().startswith(found[0].context["found"].lower()[:4])
    clean = error_cases._TOOLS.replace(" Choose up to 2.", "").replace(" 최대 2개까지 고르세요.", "")
    assert "BANK_028" not in codes(check(clean))


def test_shuffling_the_questions_or_varying_the_places_clears_the_position_warning():
    assert "BANK_029" in codes(check(error_cases._POSITIONS))
    shuffled = error_cases._POSITIONS.replace("  - id: pick-2\n    section: one\n    type: choice\n",
                                              "  - id: pick-2\n    section: one\n    type: choice\n    shuffle: true\n")
    assert "BANK_029" not in codes(check(shuffled))  # two questions left: not a pattern yet
    moved = error_cases._POSITIONS.replace("id: pick-3-1\n        text: {en: Option 1, ko: 보기 1}\n        "
                                           "points: {researcher: 2}", "id: pick-3-1\n        text: {en: Option 1, ko: 보기 1}\n"
                                           "        points: {engineer: 2}").replace(
        "id: pick-3-4\n        text: {en: Option 4, ko: 보기 4}\n        points: {engineer: 2}",
        "id: pick-3-4\n        text: {en: Option 4, ko: 보기 4}\n        points: {researcher: 2}")
    assert "BANK_029" not in codes(check(moved))


def test_shuffle_on_a_scale_question_is_an_error():
    bank = error_cases.BASE.replace("    type: scale\n", "    type: scale\n    shuffle: true\n")
    problems = check(bank)
    assert any(p.code is ErrorCode.BANK_011 and "shuffle" in p.message for p in problems)


def test_an_unreachable_path_fails_check_and_a_proven_one_is_an_error_not_a_guess():
    bank, problems = check_bytes(error_cases.CASES["BANK_030"][1].encode(), "demo.yaml", deeper=bank_findings)
    assert bank is None  # an error: the bank does not pass
    found = [p for p in problems if p.code is ErrorCode.BANK_030]
    assert found[0].context["id"] == "engineer" and found[0].context["other"] == "researcher"
    # and it really is never primary: every answer set of this small bank
    full = load_bank_text(error_cases.CASES["BANK_030"][1])
    for f in range(1, 6):
        for friday in ("paper", "feature"):
            assert score(full, {"fundamentals": f, "friday": friday}).primary == "researcher"


def load_bank_text(text_: str):
    bank, problems = check_bytes(text_.encode(), "demo.yaml")  # without the scorer's checks
    assert bank is not None, [p.render() for p in problems]
    return bank


def test_the_maybe_unreachable_path_really_never_leads():
    bank = load_bank_text(error_cases.CASES["BANK_034"][1])
    assert all(score(bank, {"friday": o}).primary != "ops" for o in ("paper", "feature", "rest"))


def test_the_hybrid_share_estimate_follows_the_margin():
    base = load_bank_text(error_cases.BASE)
    wide = load_bank_text(error_cases.CASES["BANK_032"][1])
    narrow_share, n = engine_checks.leaning_hybrid_share(base)
    wide_share, _ = engine_checks.leaning_hybrid_share(wide)
    assert n == engine_checks.LEANING_TAKERS
    assert narrow_share < engine_checks.HYBRID_SHARE_LIMIT < wide_share


def test_near_duplicate_correlation_matches_random_answers():
    """The exact covariance agrees with the scores of many uniformly random answer sets."""
    import random

    from quiz.engine.simulate import random_answers
    bank = load_bank_text(error_cases.CASES["BANK_031"][1].replace("    then: {points: {researcher: 1}}",
                                                                 "    then: {points: {}}"))
    cov = engine_checks.score_covariance(bank)
    exact = cov[0][1] / (cov[0][0] * cov[1][1]) ** 0.5
    rnd = random.Random(1)
    rows = [score(bank, random_answers(bank, rnd)).raw_scores for _ in range(4000)]
    xs, ys = [r["researcher"] for r in rows], [r["engineer"] for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sample = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (
        sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys)) ** 0.5
    assert abs(sample - exact) < 0.03 and exact >= engine_checks.NEAR_DUPLICATE_CORRELATION


def test_check_on_the_command_line_reports_them_and_fails_on_the_error(tmp_path):
    from tests.integration.test_cli_check import run_flask
    path = tmp_path / "demo.yaml"
    path.write_text(error_cases.CASES["BANK_030"][1], encoding="utf-8")
    r = run_flask("quiz", "check", str(path))
    assert r.returncode == 1
    assert re.search(r"demo\.yaml:10:9: error\[BANK_030\]: path 'engineer' can never be primary", r.stdout)
    assert "warning[BANK_031]" in r.stdout


def test_simulate_reports_the_findings_it_used_to_miss(tmp_path):
    from tests.integration.test_cli_check import run_flask
    for code in ("BANK_031", "BANK_032", "BANK_033"):
        path = tmp_path / f"{code}.yaml"
        path.write_text(error_cases.CASES[code][1], encoding="utf-8")
        r = run_flask("quiz", "simulate", str(path), "--n", "300")
        assert f"warning: [{code}]" in r.stdout, r.stdout
        assert "Findings\n  none" not in r.stdout
    assert "takers who lean to one path" in r.stdout


# -- shuffle: true on the quiz pages ------------------------------------------------------------

def shuffled_tiny(tmp_path) -> str:
    path = tmp_path / "shuffled.yaml"
    with open(TINY_BANK, encoding="utf-8") as fh:
        path.write_text(fh.read().replace("    type: choice\n", "    type: choice\n    shuffle: true\n")
                        .replace("    type: multi\n", "    type: multi\n    shuffle: true\n"), encoding="utf-8")
    return str(path)


def shown(html: str, name: str) -> list[str]:
    return [a["value"] for a in Tags(html).find("input", name=name)]


def test_shuffled_options_have_an_order_per_taker_that_stays(tmp_path):
    app = make_app(tmp_path, banks=shuffled_tiny(tmp_path))
    orders = set()
    for _ in range(8):
        client = app.test_client()
        taker = Taker(client)
        taker.start()
        first = text(taker.get(1))
        order = shown(first, "first-week")
        assert sorted(order) == ["fix-pipeline", "read-papers", "ship-feature"]
        assert shown(text(taker.get(1)), "first-week") == order  # a reload: the same order
        # each input keeps its id a-<question>-<place in the bank>, and its label says its option
        for a in Tags(first).find("input", name="first-week"):
            index = ["read-papers", "ship-feature", "fix-pipeline"].index(a["value"])
            assert a["id"] == f"a-first-week-{index}"
        orders.add(tuple(order))
        # an answer is kept and shown ticked in the shuffled order, after Back
        taker.post(1, {"fundamentals": "4", "first-week": "ship-feature"})
        assert Tags(text(taker.get(1))).checked("first-week") == ["ship-feature"]
        assert shown(text(taker.get(1)), "first-week") == order
    assert len(orders) > 1  # 8 takers, 6 orders: all alike would be a 1 in 6^7 chance

    api = app.test_client().get("/api/banks/tiny").get_json()
    questions = {q["id"]: q for s in api["sections"] for q in s["questions"]}
    assert [o["id"] for o in questions["first-week"]["options"]] == ["read-papers", "ship-feature", "fix-pipeline"]


def test_a_shuffled_question_does_not_count_towards_straight_lining():
    # four choice questions, each answered with its first option as listed in the bank
    plain = load_bank_text(error_cases._POSITIONS)
    answers = {q.id: q.options[0].id for q in plain.questions if q.type == "choice"}
    assert len(answers) == 4 and "straight-lining" in score(plain, answers).quality
    shuffled = load_bank_text(error_cases._POSITIONS.replace("    type: choice\n", "    type: choice\n    shuffle: true\n"))
    assert "straight-lining" not in score(shuffled, answers).quality
    assert score(shuffled, answers).scores == score(plain, answers).scores
