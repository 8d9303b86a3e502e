"""What takers tell us and what other takers say about a score (issue 15): "does this fit you?"
(once per result, its owner only), percentiles from real takers (from the aggregate, equal to
counting the stored results, gone with a deleted result), and retakes (linked for the owner
only). Through HTTP on a real database (SQLite, and PostgreSQL with `make test`)."""
from __future__ import annotations

import random
import re

import pytest

from tests.integration.test_results import ANSWERS, submit, text_of
from tests.integration.test_take import PAGE1, PAGE2, Taker, path_of, text


def csrf(body: str) -> str:
    """The page's form token (every form on a page carries the same one)."""
    return re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)


def own(client, result) -> None:
    """Make this browser the result's owner the way a taker with only the delete link does:
    "take it again" on the delete page, which keeps the key in this browser's session."""
    token, key = result["token"], result["delete_key"]
    page = client.get(f"/r/{token}/delete?key={key}").get_data(as_text=True)
    assert client.post(f"/r/{token}/retake", data={"key": key, "csrf_token": csrf(page)}).status_code == 303


def stored(app, token: str):
    from quiz.extensions import db
    from quiz.store.models import Result
    with app.app_context():
        return db.session.execute(db.select(Result).where(Result.token == token)).scalar_one_or_none()


def says(body: str) -> str:
    """The page's words as a reader sees them (no space left before a full stop after a tag)."""
    return re.sub(r"\s+([.;,)])", r"\1", text_of(body))


def fit_forms(body: str) -> list[str]:
    return re.findall(r'<button type="submit" class="button" name="fit" value="(\w+)"', body)


# -- "does this fit you?" -----------------------------------------------------------------------

def test_fit_is_stored_once_and_only_by_its_owner(app):
    taker, visitor = app.test_client(), app.test_client()
    result = submit(taker)
    token = result["token"]
    own(taker, result)
    # A visitor first: the public (cached) page has no form, and never gets one.
    public = visitor.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert fit_forms(public) == [] and "Does this result fit you?" not in public
    mine = taker.get(f"/r/{token}?lang=en")
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert fit_forms(mine.get_data(as_text=True)) == ["yes", "partly", "no"]
    assert fit_forms(visitor.get(f"/r/{token}?lang=en").get_data(as_text=True)) == []

    # A stranger with a valid form token of their own, with no key or a wrong one: refused.
    token_of_visitor = csrf(visitor.get("/quiz/tiny").get_data(as_text=True))
    for data in ({}, {"key": "not-the-key"}):
        r = visitor.post(f"/r/{token}/fit", data={"fit": "no", "csrf_token": token_of_visitor, **data})
        assert r.status_code == 403
    assert visitor.post("/r/" + "x" * 32 + "/fit", data={"fit": "no", "csrf_token": token_of_visitor}).status_code == 404
    assert stored(app, token).fit is None
    # Without a form token: refused too (CSRF), nothing stored.
    assert taker.post(f"/r/{token}/fit", data={"fit": "no"}).status_code == 400
    assert stored(app, token).fit is None

    form = csrf(mine.get_data(as_text=True))
    assert taker.post(f"/r/{token}/fit", data={"fit": "maybe", "csrf_token": form}).status_code == 400
    r = taker.post(f"/r/{token}/fit", data={"fit": "partly", "csrf_token": form})
    assert r.status_code == 303 and path_of(r.headers["Location"]) == f"/r/{token}#fit"
    assert stored(app, token).fit == "partly"
    # Once per result: a second click, or the key holder on another device, changes nothing.
    assert taker.post(f"/r/{token}/fit", data={"fit": "no", "csrf_token": form}).status_code == 303
    elsewhere = app.test_client()
    page = elsewhere.get(f"/r/{token}/delete?key={result['delete_key']}").get_data(as_text=True)
    r = elsewhere.post(f"/r/{token}/fit", data={"fit": "yes", "key": result["delete_key"], "csrf_token": csrf(page)})
    assert r.status_code == 303
    assert stored(app, token).fit == "partly"
    page = taker.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert "You answered: Partly." in says(page) and fit_forms(page) == []
    assert "Partly" not in visitor.get(f"/r/{token}?lang=en").get_data(as_text=True)


def test_the_delete_key_alone_makes_its_holder_the_owner_who_can_answer(app):
    result = submit(app.test_client())
    token = result["token"]
    holder = app.test_client()  # another device, with only the delete link
    page = holder.get(f"/r/{token}/delete?key={result['delete_key']}").get_data(as_text=True)
    r = holder.post(f"/r/{token}/fit", data={"fit": "no", "key": result["delete_key"], "csrf_token": csrf(page)})
    assert r.status_code == 303
    assert stored(app, token).fit == "no"
    assert "You answered: No." in says(holder.get(f"/r/{token}?lang=en").get_data(as_text=True))


def test_quiz_stats_counts_fit_by_path_pair_and_daily_life_and_lists_no_votes_without_tokens(app):
    import json

    from tests.integration.test_results import find_answers
    hybrid = find_answers(app, lambda o: o.hybrid and not o.balanced)
    votes = [(ANSWERS, "yes"), (ANSWERS, "no"), (hybrid, "no"), (hybrid, "partly"), (ANSWERS, None)]
    made = []
    for answers, vote in votes:
        client = app.test_client()
        result = submit(client, answers)
        made.append(result)
        if vote:
            own(client, result)
            page = client.get(f"/r/{result['token']}").get_data(as_text=True)
            assert client.post(f"/r/{result['token']}/fit",
                               data={"fit": vote, "csrf_token": csrf(page)}).status_code == 303
    out = app.test_cli_runner().invoke(args=["quiz", "stats", "tiny", "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)["fit"]
    assert report["answered"] == 4 and report["counts"] == {"yes": 1, "partly": 1, "no": 2}
    first = made[0]["primary"]
    pair = "+".join(sorted([made[2]["primary"], made[2]["secondary"]]))
    assert report["by_path"][first]["yes"] == 1
    assert report["by_hybrid_pair"][pair] == {"yes": 0, "partly": 1, "no": 1}
    arch = made[0]["archetype"]["id"]
    assert sum(report["by_archetype"][arch].values()) >= 2
    assert len(report["no_answer_sets"]) == 2
    assert {json.dumps(s["answers"], sort_keys=True) for s in report["no_answer_sets"]} == {
        json.dumps(ANSWERS, sort_keys=True), json.dumps(hybrid, sort_keys=True)}
    for r in made:  # for the author to study, never to find anyone
        assert r["token"] not in out.output and r["delete_key"] not in out.output
    plain = app.test_cli_runner().invoke(args=["quiz", "stats", "tiny"])
    assert "does this fit you? 4 answers: yes 1, partly 1, no 2" in plain.output
    assert "answer sets behind 'no'" in plain.output


# -- percentiles from real takers ---------------------------------------------------------------

def random_sets(app, n: int, seed: int) -> list[dict]:
    from quiz.engine.simulate import random_answers
    from quiz.web import banks
    with app.app_context():
        bank = banks.get("tiny")
        rnd = random.Random(seed)
        return [{k: list(v) if isinstance(v, (tuple, set, frozenset)) else v
                 for k, v in random_answers(bank, rnd).items()} for _ in range(n)]


def independent(scores: list[dict[str, float]], mine: dict[str, float]) -> dict[str, int]:
    """Counting the stored scores, the contract's way: the share of takers scoring below, 0–100."""
    return {p: (100 * sum(1 for s in scores if s[p] < v)) // len(scores) for p, v in mine.items()}


def api_results(client, tokens):
    return [client.get(f"/api/results/{t}").get_json() for t in tokens]


def percentile_line(path: str, share: int, takers: int, lang: str = "en") -> str:
    if lang == "ko":
        return (f"이 버전을 푼 {takers}명 중 이보다 {path} 쪽으로 덜 기운 사람은 없어요." if share == 0
                else f"이 버전을 푼 {takers}명 중 {share}%보다 {path} 쪽으로 더 기울어 있어요.")
    return (f"None of the {takers} people who took this version is less {path}-leaning." if share == 0
            else f"More {path}-leaning than {share}% of the {takers} people who took this version.")


def test_percentiles_appear_at_the_minimum_equal_counting_and_drop_a_deleted_result(new_app):
    app = new_app(QUIZ_NORMS_MIN=6)
    client = app.test_client()
    sets = random_sets(app, 5, seed=15)
    made = [submit(client, answers) for answers in sets]
    # Below the minimum: null in the API, nothing on the page.
    assert all(r["percentiles"] is None for r in made)
    assert all(r["percentiles"] is None for r in api_results(client, [r["token"] for r in made]))
    assert "people who took this version" not in client.get(f"/r/{made[0]['token']}?lang=en").get_data(as_text=True)
    # At the minimum: every result, in the API and on the page, equals counting the stored scores.
    # A repeated answer set gives tied scores: "below" must not count the ties.
    made.append(submit(client, sets[0]))
    tokens = [r["token"] for r in made]
    now = api_results(client, tokens)
    scores = [r["scores"] for r in now]
    assert made[-1]["percentiles"] == independent(scores, made[-1]["scores"])
    for r in now:
        assert r["percentiles"] == independent(scores, r["scores"])
        assert list(r["percentiles"]) == list(r["scores"])  # every path, in the bank's order
    page = text_of(client.get(f"/r/{tokens[1]}?lang=en").get_data(as_text=True))
    p = now[1]["percentiles"]
    for path in ("researcher", "ops"):
        assert percentile_line(path, p[path], 6) in page
    korean = text_of(client.get(f"/r/{tokens[1]}?lang=ko").get_data(as_text=True))
    assert percentile_line("연구자", p["researcher"], 6, "ko") in korean
    # The least ops-leaning result gets no "more … than 0%".
    lowest = min(range(len(now)), key=lambda i: now[i]["scores"]["ops"])
    assert now[lowest]["percentiles"]["ops"] == 0
    bottom = text_of(client.get(f"/r/{tokens[lowest]}?lang=en").get_data(as_text=True))
    assert "None of the 6 people who took this version is less ops-leaning." in bottom
    assert "than 0%" not in bottom

    # One more result, then a delete through the page, one through the API and one through the
    # store function the purge uses: each leaves the figures equal to counting what is left.
    made.append(submit(client, random_sets(app, 1, seed=99)[0]))
    tokens.append(made[-1]["token"])
    own(client, made[2])
    form = csrf(client.get(f"/r/{tokens[2]}/delete?key={made[2]['delete_key']}").get_data(as_text=True))
    assert client.post(f"/r/{tokens[2]}/delete", data={"key": made[2]["delete_key"], "csrf_token": form}).status_code == 303
    left = [t for t in tokens if t != tokens[2]]
    now = api_results(client, left)
    scores = [r["scores"] for r in now]
    assert len(scores) == 6
    for r in now:
        assert r["percentiles"] == independent(scores, r["scores"])
    assert "of the 6 people" in text_of(client.get(f"/r/{left[0]}?lang=en").get_data(as_text=True))
    assert client.delete(f"/api/results/{left[-1]}", headers={"X-Delete-Key": made[-1]["delete_key"]}).status_code == 204
    left = left[:-1]
    from quiz.extensions import db
    from quiz.store.results import delete_results
    with app.app_context():
        delete_results([stored(app, left[0]).id])
        db.session.commit()
    left = left[1:]
    now = api_results(client, left)
    assert len(now) == 4 and all(r["percentiles"] is None for r in now)  # below the minimum again
    assert "people who took this version" not in client.get(f"/r/{left[0]}?lang=en").get_data(as_text=True)
    from quiz.store import norms
    with app.app_context():
        assert norms.takers("tiny", 1) == 4


def test_the_aggregate_equals_counting_after_many_submissions_and_deletes(new_app):
    """Exactness at the score resolution: every bin the histogram holds is the number of stored
    results with that score (one decimal), or within that whole point, across submissions and
    deletes."""
    app = new_app(QUIZ_NORMS_MIN=1)
    client = app.test_client()
    made = [submit(client, answers) for answers in random_sets(app, 40, seed=7)]
    for r in made[::3]:
        assert client.delete(f"/api/results/{r['token']}", headers={"X-Delete-Key": r["delete_key"]}).status_code == 204
    left = [r for i, r in enumerate(made) if i % 3]
    from collections import Counter

    from quiz.extensions import db
    from quiz.store.models import NormBin
    with app.app_context():
        held = {(b.path, b.bin): b.takers for b in db.session.execute(db.select(NormBin)).scalars() if b.takers}
    tenths = Counter((p, round(v * 10)) for r in left for p, v in r["scores"].items())
    points = Counter((p, -1 - round(v * 10) // 10) for r in left for p, v in r["scores"].items())
    assert held == dict(tenths) | dict(points)
    scores = [r["scores"] for r in left]
    for r in api_results(client, [r["token"] for r in left]):
        assert r["percentiles"] == independent(scores, r["scores"])


def test_a_cached_public_page_never_shows_an_old_count(new_app):
    one, two = new_app(shared=True, QUIZ_NORMS_MIN=2), new_app(shared=True, QUIZ_NORMS_MIN=2)
    visitor = two.test_client()
    first = submit(one.test_client())
    assert "people who took this version" not in visitor.get(f"/r/{first['token']}?lang=en").get_data(as_text=True)
    submit(one.test_client(), random_sets(one, 1, seed=3)[0])  # on another process
    assert "of the 2 people" in visitor.get(f"/r/{first['token']}?lang=en").get_data(as_text=True)
    third = submit(one.test_client(), random_sets(one, 1, seed=4)[0])
    assert "of the 3 people" in visitor.get(f"/r/{first['token']}?lang=en").get_data(as_text=True)
    assert one.test_client().delete(f"/api/results/{third['token']}",
                                    headers={"X-Delete-Key": third["delete_key"]}).status_code == 204
    again = visitor.get(f"/r/{first['token']}?lang=en")
    assert "of the 2 people" in again.get_data(as_text=True)
    # Unchanged count: served from the cache, the same page and ETag.
    assert visitor.get(f"/r/{first['token']}?lang=en").headers["ETag"] == again.headers["ETag"]


# -- retakes ------------------------------------------------------------------------------------

def take(client, page1=PAGE1, page2=PAGE2) -> str:
    """The whole quiz in this browser; returns the result's token."""
    taker = Taker(client)
    taker.start()
    assert taker.post(1, page1).status_code == 303
    assert taker.post(2, page2).status_code == 303
    r = taker.submit()
    assert r.status_code == 303, text(r)
    return path_of(r.headers["Location"]).split("/r/")[1].split("?")[0]


def links(app) -> list[tuple[str, str]]:
    from quiz.extensions import db
    from quiz.store.models import Result, ResultLink
    with app.app_context():
        token = {r.id: r.token for r in db.session.execute(db.select(Result)).scalars()}
        return [(token[x.earlier_id], token[x.later_id]) for x in db.session.execute(db.select(ResultLink)).scalars()]


def test_a_retake_from_the_same_browser_links_both_results_for_the_owner_only(app):
    browser, visitor = app.test_client(), app.test_client()
    first = take(browser)
    visitor.get(f"/r/{first}?lang=en")  # the public page, cached before the retake
    second = take(browser, {"fundamentals": "1", "first-week": "fix-pipeline"},
                  {"tools": ["kubeflow"], "process-work": "5"})
    assert links(app) == [(first, second)]

    now = browser.get(f"/r/{second}?lang=en")
    body = says(now.get_data(as_text=True))
    assert now.headers["Cache-Control"] == "private, no-store"
    assert "What changed since last time" in body
    before, after = api_results(browser, [first, second])
    assert before["primary"] != after["primary"]
    outcome = re.search(r"Outcome then: (.+?); now: (.+?)\.", body)
    assert outcome and outcome.group(2) == "Ops" and outcome.group(1) != "Ops"
    for path, title in (("researcher", "Researcher"), ("engineer", "Engineer"), ("ops", "Ops")):
        then, later = round(before["scores"][path]), round(after["scores"][path])
        diff = f"{later - then:+d}".replace("-", "\u2212") if later != then else "±0"
        assert f"{title} {then} {later} {diff}" in body
    assert f'href="/r/{first}"' in now.get_data(as_text=True)
    earlier = browser.get(f"/r/{first}?lang=en").get_data(as_text=True)
    assert f'href="/r/{second}"' in earlier and "your newer result" in earlier

    # Nobody else sees either link, on either page, cached or not.
    for token, other in ((first, second), (second, first)):
        page = visitor.get(f"/r/{token}?lang=en").get_data(as_text=True)
        assert other not in page and "What changed" not in page and "your newer result" not in page
        assert other not in visitor.get(f"/api/results/{token}").get_data(as_text=True)


def test_a_retake_from_the_delete_link_on_another_device_links_the_results(app):
    result = submit(app.test_client())
    device = app.test_client()
    page = device.get(f"/r/{result['token']}/delete?key={result['delete_key']}&lang=en").get_data(as_text=True)
    assert "Take it again" in page
    r = device.post(f"/r/{result['token']}/retake", data={"key": result["delete_key"], "csrf_token": csrf(page)})
    assert r.status_code == 303 and path_of(r.headers["Location"]) == "/quiz/tiny"
    second = take(device)
    assert links(app) == [(result["token"], second)]
    assert "What changed since last time" in device.get(f"/r/{second}?lang=en").get_data(as_text=True)
    # A stranger cannot start a retake of someone's result.
    stranger = app.test_client()
    form = csrf(stranger.get("/quiz/tiny").get_data(as_text=True))
    assert stranger.post(f"/r/{result['token']}/retake", data={"key": "wrong", "csrf_token": form}).status_code == 403
    take(stranger)
    assert len(links(app)) == 1


def test_deleting_either_result_of_a_retake_removes_the_link(app):
    browser = app.test_client()
    first = take(browser)
    second = take(browser)
    assert links(app) == [(first, second)]
    from quiz.extensions import db
    from quiz.store.results import delete_results
    with app.app_context():  # as `quiz purge` deletes (the taker's delete goes through it too)
        delete_results([stored(app, first).id])
        db.session.commit()
    assert links(app) == []
    assert "What changed" not in browser.get(f"/r/{second}?lang=en").get_data(as_text=True)


def test_quiz_stats_reports_test_retest_agreement(app):
    import json
    for page1 in ({"fundamentals": "4", "first-week": "ship-feature"}, {"fundamentals": "5", "first-week": "read-papers"},
                  {"fundamentals": "2", "first-week": "ship-feature"}):
        browser = app.test_client()
        take(browser)
        take(browser, page1)
    out = app.test_cli_runner().invoke(args=["quiz", "stats", "tiny", "--json"])
    report = json.loads(out.output)["retest"]
    assert report["pairs"] == 3
    # Computed by hand from the stored pairs.
    from quiz.store.feedback import outcome_key
    pairs = [tuple(api_results(app.test_client(), pair)) for pair in links(app)]
    same = sum(outcome_key(a) == outcome_key(b) for a, b in pairs)
    assert report["same_outcome"] == round(same / 3, 3)
    assert report["same_primary"] == round(sum(a["primary"] == b["primary"] for a, b in pairs) / 3, 3)
    plain = app.test_cli_runner().invoke(args=["quiz", "stats", "tiny"]).output
    assert "retakes: 3 pairs" in plain


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_owner_parts_are_translated(app, lang):
    browser = app.test_client()
    take(browser)
    second = take(browser)
    body = browser.get(f"/r/{second}?lang={lang}").get_data(as_text=True)
    if lang == "ko":
        assert "지난번과 달라진 점" in body and "이 결과가 나와 맞나요?" in body and "어느 정도는요" in body
    else:
        assert "What changed since last time" in body and "Does this result fit you?" in body


def test_quiz_stats_for_a_cohort_counts_only_its_fit_answers_and_retakes(app):
    import json

    from tests.integration.test_cohorts import OPS, RESEARCHER, create
    from tests.integration.test_cohorts import take as take_with
    slug, _start, _page = create(app, "Class A")
    student, outsider = app.test_client(), app.test_client()
    votes = [(student, take_with(student, RESEARCHER, cohort=slug), "no"),
             (student, take_with(student, OPS, cohort=slug), "yes"),  # a retake, in the cohort
             (outsider, take_with(outsider, OPS), "no")]
    for client, token, vote in votes:
        page = client.get(f"/r/{token}").get_data(as_text=True)
        assert client.post(f"/r/{token}/fit", data={"fit": vote, "csrf_token": csrf(page)}).status_code == 303
    runner = app.test_cli_runner()
    group = json.loads(runner.invoke(args=["quiz", "stats", "tiny", "--json", "--cohort", slug]).output)
    everyone = json.loads(runner.invoke(args=["quiz", "stats", "tiny", "--json"]).output)
    assert group["fit"]["counts"] == {"yes": 1, "partly": 0, "no": 1}
    assert everyone["fit"]["counts"] == {"yes": 1, "partly": 0, "no": 2}
    assert group["retest"]["pairs"] == everyone["retest"]["pairs"] == 1


def test_percentiles_are_exact_at_every_edge_of_the_bins(app):
    """Scores at the ends of the scale, at whole points, one tenth either side of them and tied:
    the aggregate's answer equals counting, for each of them."""
    from quiz.extensions import db
    from quiz.store import norms
    values = [0.0, 0.0, 0.1, 9.9, 10.0, 10.1, 50.0, 71.4, 71.4, 71.5, 99.9, 100.0, 100.0, 33.3, 66.7]
    rnd = random.Random(20261201)
    outcomes = [{"scores": {"researcher": v, "engineer": rnd.choice(values), "ops": round(rnd.uniform(0, 100), 1)}}
                for v in values]
    with app.app_context():
        for outcome in outcomes:
            norms.record("edge", 1, outcome)
        db.session.commit()
        scores = [o["scores"] for o in outcomes]
        for outcome in outcomes:
            n, shares = norms.percentiles("edge", 1, outcome, minimum=len(outcomes))
            assert n == len(outcomes) and shares == independent(scores, outcome["scores"])
        assert norms.percentiles("edge", 1, outcomes[0], minimum=len(outcomes) + 1) == (len(outcomes), None)
        assert norms.percentiles("edge", 2, outcomes[0], minimum=1) == (0, None)  # another version: none
