"""Results that know the taker, on the shipped banks, through HTTP: the plan fits the stage, no
page says a sentence twice, and no page claims something about the taker that their answers
don't support.

The claims table below was written from the questions' wording, not from the bank's conditions:
each claim names the answers that would make it true of a person. A page that makes the claim
for someone whose answers say otherwise fails.
"""
from __future__ import annotations

import html
import random
import re

import pytest

from quiz.engine.simulate import random_answers

SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


def main_text(body: str) -> str:
    main = body.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "\n", main))


def sentences(body: str) -> list[str]:
    """The page's prose, sentence by sentence. Headings, and the questions and answers quoted
    beside a reason or a possible change ("You answered 5 of 5 (Very much me).") are labels, not
    sentences the page says; short fragments are left out too."""
    body = re.sub(r"<h([1-6])\b.*?</h\1>", " ", body, flags=re.S)
    body = re.sub(r'<ul><li>(?:(?!</ul>).)*?class="q".*?</ul>', " ", body, flags=re.S)  # the changes themselves
    body = re.sub(r'<span class="[aq]">.*?</span>', " ", body, flags=re.S)
    out = []
    for line in main_text(body).splitlines():
        for s in SENTENCE_END.split(" ".join(line.split())):
            if len(s) >= 25:
                out.append(s)
    return out


def steps(body: str) -> list[str]:
    block = body.split('<ol class="steps">', 1)[1].split("</ol>", 1)[0]
    return [html.unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in block.split("<li>")[1:]]


def jsonable(answers: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in answers.items()}


def post(client, bank: str, answers: dict, lang: str = "en") -> dict:
    r = client.post("/api/results", json={"bank": bank, "answers": jsonable(answers), "lang": lang})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def page(client, token: str, lang: str = "en") -> str:
    r = client.get(f"/r/{token}?lang={lang}")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def generated(app, bank_id: str, n: int, seed: int) -> list[dict]:
    from quiz.web import banks
    with app.app_context():
        bank = banks.get(bank_id)
    rnd = random.Random(seed)
    return [random_answers(bank, rnd) for _ in range(n)]


# -- no sentence twice ---------------------------------------------------------------------------

@pytest.mark.parametrize("bank_id", ["know-yourself", "quick-check"])
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_no_results_page_says_a_sentence_twice(shipped_app, bank_id, lang):
    client = shipped_app.test_client()
    for answers in generated(shipped_app, bank_id, 60, seed=7):
        body = page(client, post(client, bank_id, answers, lang)["token"], lang)
        said = sentences(body)
        repeated = sorted({s for s in said if said.count(s) > 1})
        assert not repeated, f"{bank_id} {lang}: said twice: {repeated} for {answers}"


@pytest.mark.parametrize("bank_id", ["know-yourself", "quick-check"])
def test_every_plan_has_three_to_five_steps(shipped_app, bank_id):
    client = shipped_app.test_client()
    for answers in generated(shipped_app, bank_id, 60, seed=11):
        body = page(client, post(client, bank_id, answers)["token"])
        assert 3 <= len(steps(body)) <= 5, answers


# -- claims the answers must support ----------------------------------------------------------

def _any_of(question: str, *values):
    return lambda a: a.get(question) in values


def _at_least(question: str, n: int):
    return lambda a: isinstance(a.get(question), int) and a[question] >= n


# claim on an English page → a test of the answers that makes the claim true
CLAIMS = {
    "You want to know why a method works": _at_least("fundamentals-why", 4),
    "You can stay with a problem that doesn't yield quickly": _at_least("patience-no-results", 4),
    "You are curious how the product makes money": _at_least("business-curiosity", 4),
    "You'd be proudest of people using": _any_of("proudest-moment", "daily-users"),
    "sounds satisfying to you": _at_least("many-sources", 4),
    "You'd enjoy making models light and fast": _at_least("low-level", 4),
    "Your answers tie research to customers' problems":
        lambda a: a.get("proudest-moment") == "product-paper" or a.get("ten-years") == "research-engineer"
        or a.get("four-offers") == "applied-research"
        or ("eval-metric" in a.get("week-tasks", ()) and a.get("better-model") == "satisfaction-metric"),
    "You leaned away from the work around modelling":
        lambda a: a.get("data-chores", 5) <= 2 and a.get("glue-work", 5) <= 2,
    "You are already living a version of Ha's day": _any_of("stage", "lead"),
    "You already dig for why methods work": _at_least("fundamentals-why", 4),
}


def test_the_page_claims_nothing_the_answers_do_not_support(shipped_app):
    client = shipped_app.test_client()
    made = set()
    for answers in generated(shipped_app, "know-yourself", 150, seed=3):
        text = " ".join(main_text(page(client, post(client, "know-yourself", answers)["token"])).split())
        for claim, supported in CLAIMS.items():
            if claim in text:
                made.add(claim)
                assert supported(answers), f"the page claims “{claim}” for {answers}"
    # The table is not vacuous: most claims were made to somebody.
    assert len(made) >= len(CLAIMS) - 3, sorted(set(CLAIMS) - made)


def test_a_path_near_zero_gets_one_honest_sentence_not_a_list(shipped_app):
    from quiz.engine.scoring import maximising_answers
    from quiz.web import banks
    client = shipped_app.test_client()
    with shipped_app.app_context():
        answers = maximising_answers(banks.get("know-yourself"), "researcher")
    result = post(client, "know-yourself", answers)
    low = min(result["scores"], key=result["scores"].get)
    assert result["scores"][low] < 20
    text = " ".join(main_text(page(client, result["token"])).split())
    assert "Few of your answers pointed towards" in text
    assert "None of your answers pointed this way" not in text


def test_why_lists_no_answer_that_moved_every_path_alike(shipped_app):
    client = shipped_app.test_client()
    for answers in generated(shipped_app, "know-yourself", 20, seed=5):
        answers["data-chores"] = 5  # gives every path the same points: it decides nothing
        body = page(client, post(client, "know-yourself", answers)["token"])
        why = body.split('id="why-title"', 1)[1].split("</section>", 1)[0]
        assert "the data part of the rest too" not in why


# -- the plan fits the stage -------------------------------------------------------------------

BASE = {  # an engineer-leaning working life; only the stage and background change below
    "fundamentals-why": 3, "paper-depth": "ran-the-code", "patience-no-results": 2, "weekly-progress": 4,
    "business-curiosity": 4, "proudest-moment": "daily-users", "data-chores": 4, "glue-work": 4,
    "four-offers": "product-team", "benchmark-or-traffic": 4, "sota-unhappy": "collect-failures",
    "weekly-report": "business-terms", "foundation-model-shift": "rag-product", "which-company": "ai-services",
    "customer-complaint": "patch-and-deploy", "free-friday": "try-augmentation",
    "week-tasks": ["train-and-package", "web-demo"], "meetings-day": 2, "firefighting": 3,
    "ten-years": "product-engineer", "too-slow-on-phone": "smaller-sooner", "low-level": 2, "many-sources": 2,
    "team-as-customer": 2, "infra-by-others": 3, "clean-dataset": 2, "experiment-tracking": 3,
    "cluster-failing": "checkpoint-and-ship", "labelling-budget": "past-experience",
    "better-model": "domain-blind-review", "eval-or-architecture": 2, "start-this-month": "product-internship",
    "strong-punch": ["shipped-app"], "fe-be": "whole-product", "feature-pitch": "worth-building",
}


def _plan(client, **changes) -> list[str]:
    result = post(client, "know-yourself", {**BASE, **changes})
    assert result["primary"] == "engineer"
    return steps(page(client, result["token"]))


def test_each_stage_gets_a_plan_that_fits_it(shipped_app):
    client = shipped_app.test_client()
    plans = {stage: _plan(client, stage=stage, background="cs")
             for stage in ("student", "changing-field", "early-career", "working", "lead")}
    assert len({tuple(p) for p in plans.values()}) >= 4, plans  # not one plan for everybody
    student, lead, working = " ".join(plans["student"]), " ".join(plans["lead"]), " ".join(plans["working"])
    assert "internship" in student
    assert "internship" not in lead and "internship" not in working
    assert "this month" in working.lower()           # a working person starts where they are
    assert "Computer science and software engineering first" not in working + lead
    assert "Hire for the gaps" in lead or "clear the way" in lead
    # The degree / environment advice is for people still choosing where to go.
    assert "A degree is optional" in student and "A degree is optional" not in lead


def test_background_and_strengths_change_the_plan(shipped_app):
    client = shipped_app.test_client()
    cs = " ".join(_plan(client, stage="student", background="cs"))
    other = " ".join(_plan(client, stage="student", background="other"))
    assert "Not from computer science" not in cs and "Not from computer science" in other


def test_a_shown_strength_is_not_prescribed_back(shipped_app):
    from quiz.engine.scoring import maximising_answers
    from quiz.web import banks
    client = shipped_app.test_client()
    with shipped_app.app_context():
        deep = dict(maximising_answers(banks.get("know-yourself"), "researcher"))
    deep.update(stage="student", background="cs", **{"fundamentals-why": 5})
    result = post(client, "know-yourself", deep)
    assert result["primary"] == "researcher"
    plan = " ".join(steps(page(client, result["token"])))
    assert "why does regularisation help" not in plan
    assert "Turn your whys into something others can read" in plan
    deep["fundamentals-why"] = 2
    plan = " ".join(steps(page(client, post(client, "know-yourself", deep)["token"])))
    assert "why does regularisation help" in plan
