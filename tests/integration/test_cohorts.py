"""Cohorts: `quiz cohort create` prints a start link and an instructor page; a quiz started from the
start link records the cohort with its result; the instructor page counts only its own cohort,
never shows answers, result links or tokens, and below five results shows only the count;
`quiz stats` and `quiz export` take --cohort."""
from __future__ import annotations

import html
import json
import re

import pytest
import sqlalchemy as sa

from quiz.extensions import db
from quiz.store import models
from tests.conftest import close_app, make_app

# Answer sets for the tiny bank's two pages, each leading somewhere else.
RESEARCHER = ({"fundamentals": "5", "first-week": "read-papers"}, {"tools": ["pytorch"], "process-work": "1"})
ENGINEER = ({"fundamentals": "1", "first-week": "ship-feature"}, {"tools": ["fastapi"], "process-work": "3"})
OPS = ({"fundamentals": "1", "first-week": "fix-pipeline"}, {"tools": ["kubeflow"], "process-work": "5"})


def _csrf(body: str) -> str:
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', body).group(0)
    return re.search(r'value="([^"]+)"', tag).group(1)


def _text(body: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def take(client, answers, cohort: str | None = None) -> str:
    """Take the tiny quiz through its pages (from the cohort's start link when given); return the
    result's token."""
    start = client.get("/quiz/tiny" + (f"?cohort={cohort}" if cohort else ""))
    assert start.status_code == 200, start.get_data(as_text=True)[:500]
    form = {"csrf_token": _csrf(start.get_data(as_text=True))}
    hidden = re.search(r'<input type="hidden" name="cohort" value="([^"]*)">', start.get_data(as_text=True))
    if hidden:
        form["cohort"] = hidden.group(1)
    begun = client.post("/quiz/tiny", data=form)
    assert begun.status_code == 303, begun.get_data(as_text=True)[:500]
    base = begun.headers["Location"].rsplit("/", 1)[0]
    for number, page in enumerate(answers, start=1):
        token = _csrf(client.get(f"{base}/{number}").get_data(as_text=True))
        posted = client.post(f"{base}/{number}", data={"csrf_token": token, "_action": "next", **page})
        assert posted.status_code == 303, posted.get_data(as_text=True)[:500]
    token = _csrf(client.get(f"{base}/review").get_data(as_text=True))
    done = client.post(f"{base}/review", data={"csrf_token": token})
    assert done.status_code == 303 and "/r/" in done.headers["Location"], done.headers.get("Location")
    return done.headers["Location"].rsplit("/r/", 1)[1]


def create(app, name: str, *args: str) -> tuple[str, str, str]:
    """`quiz cohort create NAME`: (slug, start link, instructor link) from what it printed."""
    out = app.test_cli_runner().invoke(args=["quiz", "cohort", "create", name, *args])
    assert out.exit_code == 0, out.output
    slug = re.search(r"cohort '([^']+)' created", out.output).group(1)
    start = re.search(r"^start link: (\S+)$", out.output, re.M).group(1)
    page = re.search(r"^instructor page \(keep it private; it is not shown again\): (\S+)$", out.output, re.M).group(1)
    return slug, start, page


def test_cohort_create_prints_absolute_links_with_quiz_base_url(tmp_path):
    app = make_app(tmp_path, QUIZ_BASE_URL="https://quiz.example.org")
    try:
        slug, start, page = create(app, "AI Bootcamp — Spring 2027")
        assert slug == "ai-bootcamp-spring-2027"
        assert start == "https://quiz.example.org/quiz/tiny?cohort=ai-bootcamp-spring-2027"
        token = re.fullmatch(r"https://quiz\.example\.org/c/([A-Za-z0-9_-]+)", page).group(1)
        assert len(token) >= 22  # at least 128 random bits
        with app.app_context():
            stored = db.session.execute(sa.select(models.Cohort)).scalar_one()
            assert token not in (stored.token_hash, stored.slug, stored.name)  # only a hash is kept
        second = create(app, "AI Bootcamp — Spring 2027", "--slug", "spring-b")
        assert second[2] != page  # every cohort its own unguessable page
        again = app.test_cli_runner().invoke(args=["quiz", "cohort", "create", "AI Bootcamp: Spring 2027"])
        assert again.exit_code == 2 and "already a cohort 'ai-bootcamp-spring-2027'" in again.output
        bad = app.test_cli_runner().invoke(args=["quiz", "cohort", "create", "연구반"])
        assert bad.exit_code == 2 and "--slug" in bad.output
        listed = app.test_cli_runner().invoke(args=["quiz", "cohort", "list"])
        assert "ai-bootcamp-spring-2027\t0 results" in listed.output and token not in listed.output
    finally:
        close_app(app)


def test_without_quiz_base_url_the_links_are_paths_and_it_says_so(app):
    out = app.test_cli_runner().invoke(args=["quiz", "cohort", "create", "Class A"])
    assert out.exit_code == 0, out.output
    assert re.search(r"^start link: /quiz/tiny\?cohort=class-a$", out.output, re.M)
    assert re.search(r"^instructor page .*: /c/[A-Za-z0-9_-]{22,}$", out.output, re.M)
    assert "QUIZ_BASE_URL is not set" in out.output


def test_the_start_link_records_the_cohort_and_a_plain_start_does_not(app):
    slug, start, _page = create(app, "Class A")
    client = app.test_client()
    body = client.get(start + "&lang=en").get_data(as_text=True)
    assert "You are taking this quiz with the group “Class A”" in _text(body)
    assert 'href="/privacy"' in body  # the taker can read what that means
    with_group = take(client, RESEARCHER, cohort=slug)
    alone = take(app.test_client(), RESEARCHER)
    with app.app_context():
        cohort_id = db.session.execute(sa.select(models.Cohort.id)).scalar_one()
        by_token = dict(db.session.execute(sa.select(models.Result.token, models.Result.cohort_id)).all())
    assert by_token == {with_group: cohort_id, alone: None}


@pytest.mark.parametrize("slug", ["no-such-class", "Bad Slug!", "x" * 300, "%00"])
def test_an_unknown_or_malformed_cohort_is_said_not_dropped(app, slug):
    client = app.test_client()
    response = client.get("/quiz/tiny", query_string={"cohort": slug, "lang": "en"})
    assert response.status_code == 404
    words = _text(response.get_data(as_text=True))
    assert "There is no group called" in words and "will not count for any group" in words
    assert 'name="cohort"' not in response.get_data(as_text=True)
    # a forged Start with the bad cohort is refused the same way, not started without it
    begun = client.post("/quiz/tiny", data={"csrf_token": _csrf(response.get_data(as_text=True)), "cohort": slug})
    assert begun.status_code == 404 and "There is no group called" in _text(begun.get_data(as_text=True))
    ko = client.get("/quiz/tiny", query_string={"cohort": slug, "lang": "ko"}).get_data(as_text=True)
    assert "그룹" in _text(ko)


def _page(client, page_url: str) -> tuple[int, str, object]:
    response = client.get(page_url.replace("http://localhost", "") + "?lang=en")
    return response.status_code, response.get_data(as_text=True), response


def test_the_instructor_page_counts_only_its_cohort_and_shows_no_answers_or_tokens(app):
    a_slug, _s, a_page = create(app, "Class A")
    b_slug, _s, b_page = create(app, "Class B")
    client = app.test_client()
    tokens = []
    for answers in (RESEARCHER, RESEARCHER, RESEARCHER, ENGINEER, OPS):
        tokens.append(take(client, answers, cohort=a_slug))
    for _ in range(5):
        tokens.append(take(client, OPS, cohort=b_slug))
    tokens.append(take(client, ENGINEER))  # no cohort
    status, body, response = _page(app.test_client(), a_page)
    assert status == 200
    assert response.headers["Cache-Control"] == "no-store" and "noindex" in response.headers["X-Robots-Tag"]
    words = _text(body)
    assert "Class A" in words and "5 results" in words and "Class B" not in words
    # the paths table: 3 researcher, 1 engineer, 1 ops (never the 5 ops of class B)
    table = re.search(r"<h3>Leading path</h3>.*?</table>", body, re.S).group(0)
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table))
    assert rows == {"Researcher": "3", "Engineer": "1", "Ops": "1"}
    assert "<svg" in body and 'role="img"' in body and " style=" not in body
    assert "Most like this day at work" in words and "Hybrids" in words
    # daily lives and hybrid pairs as the stored outcomes of class A have them, counted here
    from collections import Counter
    with app.app_context():
        outcomes = db.session.execute(sa.select(models.Result.outcome).join(models.Cohort)
                                      .where(models.Cohort.slug == a_slug)).scalars().all()
    lives = Counter({"lee": 0, "kim": 0}) + Counter(o["archetype"]["id"] for o in outcomes)
    titles = {"lee": "Lee: deep research", "kim": "Kim: data and AIOps"}
    table = re.search(r"<h3>Most like this day at work</h3>.*?</table>", body, re.S).group(0)
    shown = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table))
    assert shown == {titles[k]: str(lives[k]) for k in titles}
    table = re.search(r"<h3>Hybrids</h3>.*?</table>", body, re.S).group(0)
    shown = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table))
    single = sum(1 for o in outcomes if not o.get("hybrid") and not o.get("balanced"))
    assert shown.pop("Single path") == str(single)
    assert sum(map(int, shown.values())) == sum(1 for o in outcomes if o.get("hybrid") or o.get("balanced"))
    # no answer, no result link, no token of any result or draft, no delete key
    assert "/r/" not in body
    for token in tokens:
        assert token not in body
    with app.app_context():
        secrets = db.session.execute(sa.select(models.Result.delete_key_hash, models.Result.submission_id)).all()
    for key_hash, draft_token in secrets:
        assert key_hash not in body and draft_token not in body
    for answer_text in ("Read papers", "Ship a feature", "Fix the pipeline", "PyTorch", "first-week", "fundamentals"):
        assert answer_text not in body
    status_b, body_b, _r = _page(app.test_client(), b_page)
    rows_b = dict(re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>',
                             re.search(r"<h3>Leading path</h3>.*?</table>", body_b, re.S).group(0)))
    assert rows_b == {"Researcher": "0", "Engineer": "0", "Ops": "5"}


def test_below_five_results_the_instructor_page_shows_only_the_count(app):
    slug, _start, page = create(app, "Small group")
    client = app.test_client()
    for answers in (RESEARCHER, ENGINEER, OPS, OPS):
        take(client, answers, cohort=slug)
    status, body, _r = _page(app.test_client(), page)
    assert status == 200
    words = _text(body)
    assert "4 results" in words and "shown once it has 5 results" in words
    assert "<svg" not in body and "<table" not in body
    for label in ("Researcher", "Engineer", "Ops", "Leading path"):
        assert label not in words
    take(client, RESEARCHER, cohort=slug)
    assert "<svg" in _page(app.test_client(), page)[1]


def test_a_wrong_instructor_token_is_a_404(app):
    create(app, "Class A")
    client = app.test_client()
    for token in ("x" * 32, "class-a", "a" * 100):
        response = client.get(f"/c/{token}")
        assert response.status_code == 404 and "noindex" in response.headers["X-Robots-Tag"]


def test_stats_and_export_take_a_cohort(app):
    slug, _s, _p = create(app, "Class A")
    client = app.test_client()
    take(client, RESEARCHER, cohort=slug)
    take(client, ENGINEER, cohort=slug)
    take(client, OPS)
    runner = app.test_cli_runner()
    everyone = json.loads(runner.invoke(args=["quiz", "stats", "tiny", "--json"]).output)
    group = json.loads(runner.invoke(args=["quiz", "stats", "tiny", "--json", "--cohort", slug]).output)
    assert everyone["results"] == 3 and group["results"] == 2
    assert group["outcomes"]["ops"] == 0 and everyone["outcomes"]["ops"] == 1
    text = runner.invoke(args=["quiz", "stats", "tiny", "--cohort", slug]).output
    assert text.startswith("tiny version 1, cohort class-a: 2 stored results")
    rows = json.loads(runner.invoke(args=["quiz", "export", "tiny", "--format", "json", "--cohort", slug]).output)
    assert sorted(r["primary"] for r in rows) == ["engineer", "researcher"]
    csv_out = runner.invoke(args=["quiz", "export", "tiny", "--format", "csv", "--cohort", slug]).output
    assert len(csv_out.strip().splitlines()) == 3  # the header and two results
    unknown = runner.invoke(args=["quiz", "stats", "tiny", "--cohort", "nope"])
    assert unknown.exit_code == 2 and "no cohort 'nope' (cohorts: class-a)" in unknown.output


def test_the_instructor_page_gives_the_fit_feedback_rate_of_its_cohort(app):
    if "fit" not in models.Result.__table__.c:
        pytest.skip("results do not keep fit feedback in this schema")
    slug, _s, page = create(app, "Class A")
    client = app.test_client()
    mine = [take(client, answers, cohort=slug) for answers in (RESEARCHER, RESEARCHER, ENGINEER, OPS, OPS, OPS)]
    other = take(client, OPS)
    given = {mine[0]: "yes", mine[1]: "yes", mine[2]: "partly", mine[3]: "no", other: "no"}
    with app.app_context():
        for token, fit in given.items():
            db.session.execute(sa.update(models.Result).where(models.Result.token == token).values(fit=fit))
        db.session.commit()
    body = _page(app.test_client(), page)[1]
    words = _text(body)
    assert "4 of these results (67%) carry their taker's answer" in words
    table = re.search(r"Does the result fit\?.*?</table>", body, re.S).group(0)
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)%</td>', table)
    assert rows == [("Fits", "2", "50"), ("Fits partly", "1", "25"), ("Does not fit", "1", "25")]


def test_the_site_address_with_a_cohort_leads_to_the_start_page_that_records_it(app):
    """With one bank the home page is its start page: a group's link shortened to the site's
    address still records the group (or says it is unknown), never drops it."""
    slug, _s, _p = create(app, "Class A")
    client = app.test_client()
    known = client.get(f"/?cohort={slug}&lang=ko")
    assert known.status_code == 303 and known.headers["Location"] == f"/quiz/tiny?cohort={slug}&lang=ko"
    unknown = client.get("/?cohort=nope", follow_redirects=True)
    assert unknown.status_code == 404 and "There is no group called" in _text(unknown.get_data(as_text=True))
    assert client.get("/").status_code == 200
