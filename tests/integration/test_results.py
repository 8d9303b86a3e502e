"""The results pages: what a taker reads, in English and Korean; pinning; share links; deleting;
comparing. Through HTTP on a real SQLite file with the tiny fixture bank."""
from __future__ import annotations

import html
import itertools
import re
import secrets
import shutil

import pytest

from tests.conftest import TINY_BANK

ANSWERS = {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 4}
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]+$")


def submit(client, answers=None, lang="en"):
    r = client.post("/api/results", json={"bank": "tiny", "answers": answers or ANSWERS, "lang": lang})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def text_of(body: str) -> str:
    """The page's visible words, tags removed and whitespace folded (what a reader sees)."""
    main = body.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", main))).strip()


def meta(body: str, prop: str) -> str:
    m = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', body)
    assert m, f"no {prop} meta"
    return html.unescape(m.group(1))


def all_answer_sets():
    """Every complete answer set of the tiny bank (525 of them)."""
    tools = [list(c) for n in (1, 2, 3) for c in itertools.combinations(["kubeflow", "pytorch", "fastapi"], n)]
    for f, w, t, p in itertools.product(range(1, 6), ["read-papers", "ship-feature", "fix-pipeline"], tools,
                                        range(1, 6)):
        yield {"fundamentals": f, "first-week": w, "tools": t, "process-work": p}


def find_answers(app, predicate):
    """The first answer set whose outcome (scored by the real engine) satisfies `predicate`."""
    from quiz.engine.scoring import score
    from quiz.web import banks
    with app.app_context():
        bank = banks.get("tiny")
        for answers in all_answer_sets():
            outcome = score(bank, {k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()})
            if predicate(outcome):
                return answers
    raise AssertionError("no answer set of the tiny bank gives that outcome")


# -- the page in English and Korean ------------------------------------------------------------

def test_result_page_in_english_says_the_path_scores_why_and_what_next(client):
    result = submit(client)
    r = client.get(f"/r/{result['token']}?lang=en")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    words = text_of(body)
    assert "<h1>Researcher</h1>" in body
    assert "Papers and fundamentals." in words                      # the path's summary
    # Every path's score as an SVG bar with its number as text beside it.
    assert body.count('<svg class="bar"') == 3
    for path in ("Researcher", "Engineer", "Ops"):
        score = round(result["scores"][path.lower()] + 1e-9)
        assert re.search(rf'bar-label">{path}</span>.*?bar-value">{score}<', body, re.S), path
    # The margin is said as the bars round it, with both figures.
    runner_up = result["secondary"]
    first, second = (round(result["scores"][p] + 1e-9) for p in ("researcher", runner_up))
    assert (f"Researcher leads {runner_up.capitalize()}, the runner-up, by {first - second} points "
            f"({first} to {second}).") in words
    pct = round(result["archetype"]["similarity"] * 100)
    assert f"Your answers look most like this day at work: Lee: deep research ({pct}% similar)." in words
    assert "Reads papers all day." in words
    # Why: the question, the answer given, and the points it gave to the path.
    assert "I enjoy fundamentals. You answered 5 of 5 (Very much). → +4 to Researcher" in words
    assert "Your first free afternoon? You chose: Read papers → +2 to Researcher" in words
    # Advice is the bank's markdown, rendered; next steps come from the bank too.
    assert "Reproduce a <strong>recent paper</strong>." in body
    assert re.search(r'<ol class="steps"><li>Reproduce one paper\.</li></ol>', body)
    assert "a mirror, not a verdict" in words.lower()
    assert "Everyone's experience, growth and values differ" in words
    assert r.headers["X-Robots-Tag"] == "noindex"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert '<meta name="robots" content="noindex">' in body


def test_result_page_in_korean(client):
    result = submit(client, lang="ko")
    r = client.get(f"/r/{result['token']}?lang=ko")
    body = r.get_data(as_text=True)
    words = text_of(body)
    assert '<html lang="ko">' in body
    assert "<h1>연구자</h1>" in body
    assert "논문과 기본기." in words
    assert "이○○: 깊은 연구" in words and "하루 종일 논문을 읽습니다." in words
    # 응답 is the position chosen, 점수 the points it gave: never one word for both.
    assert "기본기 공부가 좋다. 응답: 5단계 중 5(매우). → 연구자 점수 +4" in words
    assert "<strong>최신 논문</strong>을 재현해 보세요." in body
    assert "논문 한 편을 재현하세요." in words
    # The page's own words are Korean too, not only the bank's.
    assert "거울" in words and "판정" in words
    assert "Why this result" not in words and "Scores by path" not in words
    assert meta(body, "og:locale") == "ko_KR"


def test_language_comes_from_accept_language_when_not_asked(client):
    token = submit(client)["token"]
    body = client.get(f"/r/{token}", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "<h1>연구자</h1>" in body
    body = client.get(f"/r/{token}", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert "<h1>Researcher</h1>" in body


def test_a_hybrid_result_is_named_as_one(app, client):
    answers = find_answers(app, lambda o: o.hybrid and not o.balanced and o.primary == "engineer"
                           and o.secondary == "researcher")
    token = submit(client, answers)["token"]
    en = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert "<h1>Engineer–researcher hybrid</h1>" in en
    assert "That is within 10 points, so this quiz counts both paths as yours: a hybrid." in text_of(en)
    # The leading path's advice; the second path adds only its own `secondary` text (the tiny
    # bank has none), never its whole advice glued on.
    assert "Advice: Engineer" in en and "Advice: Researcher" not in en
    ko = client.get(f"/r/{token}?lang=ko").get_data(as_text=True)
    # An en dash, never "·": Korean titles use "·" themselves ("데이터·플랫폼·MLOps").
    assert "<h1>엔지니어–연구자 하이브리드</h1>" in ko


# A tiny bank written the way the shipped banks are: a glossed ops title with a short_title, a
# Korean title that contains "·", advice that ends with the caveat line, and next steps that
# repeat across paths (the same lead-in, the same closing sentence, one step word for word).
RICH = {
    "    title: {en: Ops, ko: 운영}":
        '    title: {en: "Ops: data, platform, MLOps", ko: "데이터·플랫폼·MLOps"}\n'
        "    short_title: {en: Ops, ko: MLOps}",
    '    advice: {en: "Reproduce a **recent paper**.", ko: "**최신 논문**을 재현해 보세요."}':
        '    advice: {en: "Reproduce a **recent paper**.\\n\\nA mirror, not a verdict.",'
        ' ko: "**최신 논문**을 재현해 보세요.\\n\\n결과는 판정이 아니라 거울이에요."}',
    '      - {en: "Reproduce one paper.", ko: "논문 한 편을 재현하세요."}':
        '      - {en: "Reproduce one paper.", ko: "논문 한 편을 재현하세요."}\n'
        '      - {en: "**Start as soon as possible:** read a paper a week.",'
        ' ko: "**최대한 빨리 시작하세요.** 매주 논문을 읽어요."}\n'
        '      - {en: "**Fundamentals:** maths. Add the talk\'s common list: grit, humility.",'
        ' ko: "**기본기:** 수학이요. 특강에서 꼽은 공통 역량도 챙기세요."}',
    '    advice: {en: "Ship something.", ko: "무언가를 출시해 보세요."}':
        '    advice: {en: "Ship something.\\n\\nA mirror, not a verdict.", ko: "무언가를 출시해 보세요."}\n'
        "    next_steps:\n"
        '      - {en: "**Start as soon as possible:** ship a feature.",'
        ' ko: "**최대한 빨리 시작하세요.** 기능 하나를 출시해요."}\n'
        '      - {en: "Reproduce one paper.", ko: "논문 한 편을 재현하세요."}\n'
        '      - {en: "**Serving:** put a model behind an API. Add the talk\'s common list: grit, humility.",'
        ' ko: "**서빙:** 모델을 API 뒤에 두세요. 특강에서 꼽은 공통 역량도 챙기세요."}\n'
        '      - {en: "**Users:** watch someone use it.", ko: "**사용자:** 쓰는 모습을 지켜보세요."}',
}


@pytest.fixture
def rich_app(tmp_path, new_app):
    return new_app(banks=_bank_with(tmp_path, RICH))


def test_hybrid_names_bars_and_margin_use_the_short_title(rich_app):
    client = rich_app.test_client()
    result = submit(client, find_answers(rich_app, lambda o: o.hybrid and not o.balanced
                                         and o.primary == "engineer" and o.secondary == "ops"))
    en = client.get(f"/r/{result['token']}?lang=en").get_data(as_text=True)
    assert "<h1>Engineer–ops hybrid</h1>" in en
    assert 'bar-label">Ops</span>' in en and 'bar-label">Ops: data' not in en
    first, second = (round(result["scores"][p] + 1e-9) for p in ("engineer", "ops"))
    assert f"Engineer leads Ops, the runner-up, by {first - second} points ({first} to {second})." in text_of(en)
    ko = client.get(f"/r/{result['token']}?lang=ko").get_data(as_text=True)
    assert "<h1>엔지니어–MLOps 하이브리드</h1>" in ko
    assert 'bar-label">MLOps</span>' in ko
    # The full title stays where there is room: the summaries and the "why" headings.
    assert "<strong>데이터·플랫폼·MLOps</strong>" in ko
    from quiz import service
    from quiz.web.results import preview_card
    with rich_app.test_request_context():
        row = service.get_result(result["token"])
        assert preview_card(row, "en").headline == "Engineer–ops hybrid"
        card = preview_card(row, "ko")
        assert card.headline == "엔지니어–MLOps 하이브리드"
        assert [b.label for b in card.bars] == ["연구자", "엔지니어", "MLOps"]


def test_without_a_short_title_the_name_is_the_title_before_its_colon(tmp_path, new_app):
    app = new_app(banks=_bank_with(tmp_path, {"    title: {en: Ops, ko: 운영}":
                                              '    title: {en: "Ops: data, platform", ko: "운영: 데이터, 플랫폼"}'}))
    client = app.test_client()
    token = submit(client, find_answers(app, lambda o: o.hybrid and not o.balanced and o.primary == "ops"
                                        and o.secondary == "engineer"))["token"]
    assert "<h1>Ops–engineer hybrid</h1>" in client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert "<h1>운영–엔지니어 하이브리드</h1>" in client.get(f"/r/{token}?lang=ko").get_data(as_text=True)


def test_a_balanced_result_says_so_everywhere_and_shows_every_path_alike(rich_app):
    client = rich_app.test_client()
    # Balanced, with ops third in the bank's order: it must not be left out for that.
    result = submit(client, find_answers(rich_app, lambda o: o.balanced and o.primary == "researcher"
                                         and o.secondary == "engineer"))
    assert result["balanced"] is True
    token = result["token"]
    body = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    words = text_of(body)
    assert "<h1>Balanced: no single path stands out yet</h1>" in body
    # Nothing calls this result a hybrid (what another answer would have made it is another matter).
    own = text_of(re.sub(r'<section aria-labelledby="change-title">.*?</section>', "", body, flags=re.S))
    assert "hybrid" not in own.lower()
    assert meta(body, "og:title") == "Balanced: no single path stands out yet · Know Yourself"
    assert "do not point to one path yet" in meta(body, "og:description")
    assert "do not point to one path yet" in words and "the runner-up" not in words
    # Every path's summary, highest score first; no bar drawn as the leader.
    order = sorted(result["scores"], key=lambda p: -result["scores"][p])
    summaries = {"researcher": "Papers and fundamentals.", "engineer": "Products people use.",
                 "ops": "Pipelines and platforms."}
    positions = [words.index(summaries[p]) for p in order]
    assert positions == sorted(positions)
    assert "is-primary" not in body
    assert "Advice:" not in words  # no path leads, so no path's advice leads the page
    ko = client.get(f"/r/{token}?lang=ko").get_data(as_text=True)
    assert "<h1>균형형: 아직 두드러지는 진로가 없어요</h1>" in ko
    from quiz import service
    from quiz.web.results import preview_card
    with rich_app.test_request_context():
        card = preview_card(service.get_result(token), "en")
    assert card.headline == "Balanced: no single path stands out yet"
    assert card.subline == "All path scores lie within 10 points of each other."
    assert not any(bar.primary for bar in card.bars)


def test_a_hybrid_plan_takes_both_paths_in_turn_and_says_each_thing_once(rich_app):
    client = rich_app.test_client()
    token = submit(client, find_answers(rich_app, lambda o: o.hybrid and not o.balanced
                                        and o.primary == "researcher" and o.secondary == "engineer"))["token"]
    body = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    section = re.search(r'<section class="next-steps".*?</section>', body, re.S).group(0)
    words = text_of(f'<main id="main">{section}</main>')
    # One plan: the researcher's first step, then the engineer's, and so on.
    assert words.index("Reproduce one paper.") < words.index("Start as soon as possible: ship a feature.")
    assert words.count("Reproduce one paper.") == 1                  # word for word: once
    # Two steps that open with the same lead-in are alternatives: the first is kept.
    assert words.count("Start as soon as possible") == 1
    assert words.count("Add the talk's common list") == 1            # a repeated sentence: once
    assert "Serving: put a model behind an API." in words            # the rest of that step stays
    assert "Users: watch someone use it." in words
    assert section.count("<li>") == 5
    ko = client.get(f"/r/{token}?lang=ko").get_data(as_text=True)
    section = re.search(r'<section class="next-steps".*?</section>', ko, re.S).group(0)
    words = text_of(f'<main id="main">{section}</main>')
    assert words.count("최대한 빨리 시작하세요") == 1 and words.count("공통 역량") == 1


def test_the_caveat_is_said_once_on_a_result_page(rich_app):
    client = rich_app.test_client()
    token = submit(client, find_answers(rich_app, lambda o: o.hybrid and not o.balanced
                                        and o.primary == "researcher" and o.secondary == "engineer"))["token"]
    body = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    page = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body.split("<body>", 1)[1])))
    assert page.lower().count("a mirror, not a verdict") == 1
    assert re.search(r'<section class="caveat".*?A mirror, not a verdict', body, re.S)
    assert "Reproduce a <strong>recent paper</strong>." in body  # the rest of the advice is kept
    ko = client.get(f"/r/{token}?lang=ko").get_data(as_text=True)
    assert re.sub(r"<[^>]+>", " ", ko.split("<body>", 1)[1]).count("거울") == 1


def test_a_reverse_keyed_scale_answer_says_which_way_it_counts(client):
    # fundamentals weighs engineer −1: answering 1 ("Not at all") gives the engineer path +2.
    token = submit(client, dict(ANSWERS, fundamentals=1, **{"first-week": "ship-feature"}))["token"]
    words = text_of(client.get(f"/r/{token}?lang=en").get_data(as_text=True))
    assert "I enjoy fundamentals. You answered 1 of 5 (Not at all). → +2 to Engineer" in words
    words = text_of(client.get(f"/r/{token}?lang=ko").get_data(as_text=True))
    assert "응답: 5단계 중 1(전혀). → 엔지니어 점수 +2" in words


def test_reluctance_about_process_work_is_a_line_in_the_summary_and_said_in_full_before_the_plan(app, client):
    reluctant = dict(ANSWERS, **{"process-work": 1})
    body = client.get(f"/r/{submit(client, reluctant)['token']}?lang=en").get_data(as_text=True)
    card = re.search(r'<header class="result-head summary-card">.*?</header>', body, re.S).group(0)
    # One line in the summary card that links to it, not a box pushing the scores down.
    assert '<a href="#reality-title">a reality check</a>' in card
    assert "Modelling is a small share of the work." not in card
    assert card.index('class="bars"') < card.index("#reality-title")
    section = re.search(r'<section class="reality prominent".*?</section>', body, re.S).group(0)
    assert 'id="reality-title"' in section and "Modelling is a small share of the work." in section
    # In full before the plan and the advice, where nobody misses it.
    assert body.index('id="reality-title"') < body.index('id="steps-title"') < body.index('class="advice"')
    willing = client.get(f"/r/{submit(client, ANSWERS)['token']}?lang=en").get_data(as_text=True)
    assert "Modelling is a small share of the work." not in willing and "#reality-title" not in willing


def test_contradictory_answers_make_a_quality_note(client):
    answers = dict(ANSWERS, fundamentals=1)  # picks papers, dislikes fundamentals
    words = text_of(client.get(f"/r/{submit(client, answers)['token']}?lang=en").get_data(as_text=True))
    assert "This result is weaker than it could be, because:" in words
    assert "You pick papers but dislike fundamentals." in words
    words = text_of(client.get(f"/r/{submit(client, ANSWERS)['token']}?lang=en").get_data(as_text=True))
    assert "weaker than it could be" not in words


def test_unknown_result_is_an_html_404(client):
    r = client.get("/r/no-such-token")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "deleted" in r.get_data(as_text=True)


# -- bank markdown is sanitised ----------------------------------------------------------------

def _bank_with(tmp_path, replacements: dict[str, str]) -> str:
    text = open(TINY_BANK, encoding="utf-8").read()
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "bank.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_bank_markdown_cannot_put_script_or_javascript_links_on_the_page(tmp_path, new_app):
    hostile = ('"Reproduce a **recent paper**. <script>alert(1)</script> '
               '[click](javascript:alert(2)) <img src=x onerror=alert(3)> [ok](https://example.org)"')
    bank = _bank_with(tmp_path, {'"Reproduce a **recent paper**."': hostile})
    app = new_app(banks=bank)
    client = app.test_client()
    body = client.get(f"/r/{submit(client)['token']}?lang=en").get_data(as_text=True)
    advice = re.search(r'<section class="advice".*?</section>', body, re.S).group(0)
    assert "<strong>recent paper</strong>" in advice
    # Raw HTML and javascript: links stay inert text; no tag or attribute of theirs survives.
    assert "<script" not in advice and "<img" not in advice
    assert 'href="javascript' not in advice
    assert not re.search(r"<[^>]*\son\w+=", advice)  # no event handler on any tag
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in advice


# -- pinning -----------------------------------------------------------------------------------

def test_a_result_renders_from_its_pinned_bank_after_the_bank_file_changed(tmp_path, new_app):
    bank_file = tmp_path / "bank.yaml"
    shutil.copy(TINY_BANK, bank_file)
    before = new_app(shared=True, banks=str(bank_file))
    token = submit(before.test_client())["token"]
    page_before = before.test_client().get(f"/r/{token}?lang=en").get_data(as_text=True)
    png_before = before.test_client().get(f"/r/{token}.png?lang=en").data

    # The author edits the bank: new titles, new advice, new question text, a new version.
    text = bank_file.read_text(encoding="utf-8")
    for old, new in {"version: 1": "version: 2", "{en: Researcher,": "{en: Scientist,",
                     "Reproduce a **recent paper**.": "Write a thesis.",
                     "I enjoy fundamentals.": "Fundamentals are fun."}.items():
        text = text.replace(old, new)
    bank_file.write_text(text, encoding="utf-8")
    after = new_app(shared=True, banks=str(bank_file))  # a restarted server on the same database
    client = after.test_client()
    page_after = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert text_of(page_after) == text_of(page_before)
    assert "<h1>Researcher</h1>" in page_after and "Scientist" not in page_after
    assert "I enjoy fundamentals." in page_after and "Write a thesis." not in page_after
    api = client.get(f"/api/results/{token}").get_json()
    assert api["bank"]["version"] == 1
    # A new result on the edited bank does show the edits (so the check above can fail).
    fresh = client.get(f"/r/{submit(client)['token']}?lang=en").get_data(as_text=True)
    assert "<h1>Scientist</h1>" in fresh and "Write a thesis." in fresh
    # The preview is drawn from the snapshot too (rendered afresh: the new app's cache is cold).
    import os
    for name in os.listdir(after.config["QUIZ_PREVIEW_DIR"]):
        os.unlink(os.path.join(after.config["QUIZ_PREVIEW_DIR"], name))
    assert client.get(f"/r/{token}.png?lang=en").data == png_before


def test_a_result_still_renders_when_its_bank_was_removed(tmp_path, new_app):
    first = new_app(shared=True)
    token = submit(first.test_client())["token"]
    other = tmp_path / "other.yaml"
    other.write_text(open(TINY_BANK, encoding="utf-8").read().replace("id: tiny", "id: other"), encoding="utf-8")
    later = new_app(shared=True, banks=str(other))
    r = later.test_client().get(f"/r/{token}?lang=en")
    assert r.status_code == 200 and "<h1>Researcher</h1>" in r.get_data(as_text=True)


# -- tokens ------------------------------------------------------------------------------------

def test_tokens_are_long_random_and_never_shared(app, client):
    tokens = [submit(client)["token"] for _ in range(40)]
    assert len(set(tokens)) == len(tokens)  # the same answers never give the same token
    for token in tokens:
        assert TOKEN_RE.match(token)
        assert len(token) * 6 >= 128  # base64url: 6 bits a character
    from quiz import service
    many = {service.new_token() for _ in range(20000)}
    assert len(many) == 20000
    # Every character of the URL-safe alphabet turns up: the token is not hex or a counter.
    assert set("".join(many)) == set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# -- share links -------------------------------------------------------------------------------

def test_share_metadata_points_to_the_absolute_preview_and_honours_quiz_base_url(new_app):
    app = new_app(QUIZ_BASE_URL="https://quiz.example.org")
    client = app.test_client()
    token = submit(client)["token"]
    body = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert meta(body, "og:image") == f"https://quiz.example.org/r/{token}.png?lang=en"
    assert meta(body, "twitter:image") == meta(body, "og:image")
    assert meta(body, "og:url") == f"https://quiz.example.org/r/{token}?lang=en"
    assert meta(body, "og:title") == "Researcher · Know Yourself"
    assert meta(body, "og:description") == "Papers and fundamentals."
    assert meta(body, "twitter:card") == "summary_large_image"
    assert (meta(body, "og:image:width"), meta(body, "og:image:height")) == ("1200", "630")
    assert "Researcher" in meta(body, "og:image:alt")
    assert f'id="share-url" class="link-box" href="https://quiz.example.org/r/{token}?lang=en"' in body


def test_share_metadata_without_base_url_uses_the_request_host(client):
    token = submit(client, lang="ko")["token"]
    body = client.get(f"/r/{token}?lang=ko").get_data(as_text=True)
    assert meta(body, "og:image") == f"http://localhost/r/{token}.png?lang=ko"
    assert meta(body, "og:title").startswith("연구자 · ")


def test_the_share_card_is_in_the_results_language_whoever_opens_the_page(app, client):
    token = submit(client, lang="ko")["token"]
    # Someone reading the page in English and posting the link shares the card the taker saw.
    body = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
    assert "<h1>Researcher</h1>" in body
    assert meta(body, "og:image") == f"http://localhost/r/{token}.png?lang=ko"
    token = submit(client, lang="en")["token"]
    reader = app.test_client()  # another browser, Korean
    body = reader.get(f"/r/{token}", headers={"Accept-Language": "ko-KR"}).get_data(as_text=True)
    assert "<h1>연구자</h1>" in body
    assert meta(body, "og:image") == f"http://localhost/r/{token}.png?lang=en"


def test_the_shared_link_carries_the_results_language_and_plain_links_follow_the_contract(app):
    """CONTRACT §4: ?lang=, then Accept-Language, then English. The link a taker copies carries
    ?lang= of the result, so a friend (or the bot unfurling it, which sends no Accept-Language)
    sees the page the taker saw."""
    taker = app.test_client()
    ko_token = submit(taker, lang="ko")["token"]
    page = taker.get(f"/r/{ko_token}?lang=ko").get_data(as_text=True)
    share = re.search(r'id="share-url" class="link-box" href="([^"]+)"', page).group(1)
    assert share.endswith(f"/r/{ko_token}?lang=ko")
    assert meta(page, "og:url") == share
    bot = app.test_client()  # no session, no Accept-Language: what unfurling bots send
    ko = bot.get(share.replace("http://localhost", "")).get_data(as_text=True)
    assert '<html lang="ko">' in ko and "<h1>연구자</h1>" in ko
    assert meta(ko, "og:locale") == "ko_KR" and meta(ko, "og:title").startswith("연구자 · ")
    # A plain address with nothing to go on is English, as everywhere else.
    plain = app.test_client().get(f"/r/{ko_token}").get_data(as_text=True)
    assert '<html lang="en">' in plain and "<h1>Researcher</h1>" in plain
    # People keep their choice: Accept-Language ...
    r = app.test_client().get(f"/r/{ko_token}", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert "<h1>연구자</h1>" in r.get_data(as_text=True)
    assert "Accept-Language" in r.headers["Vary"]
    # ... and the choice the session remembers from ?lang=.
    person = app.test_client()
    assert "<h1>Researcher</h1>" in person.get(f"/r/{ko_token}?lang=en").get_data(as_text=True)
    assert "<h1>Researcher</h1>" in person.get(f"/r/{ko_token}").get_data(as_text=True)


def test_a_shared_page_is_cacheable_with_an_etag_and_revalidated(client):
    token = submit(client)["token"]
    r = client.get(f"/r/{token}?lang=en")
    assert r.headers["Cache-Control"] == "public, no-cache"
    etag = r.headers["ETag"]
    again = client.get(f"/r/{token}?lang=en", headers={"If-None-Match": etag})
    assert again.status_code == 304
    ko = client.get(f"/r/{token}?lang=ko")
    assert ko.headers["ETag"] != etag


# -- deleting ----------------------------------------------------------------------------------

def _own(client, result) -> None:
    """Put the delete key where the quiz flow puts it: this browser's session (sealed)."""
    _hold(client, result["token"], result["delete_key"])


def _hold(client, token: str, key: str) -> None:
    from quiz.web.links import seal
    with client.application.app_context():
        sealed = seal(token, key)
    with client.session_transaction() as s:
        s["delete_keys"] = {token: sealed}


def _csrf(body: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)


def test_only_the_takers_session_sees_the_delete_link_and_that_page_is_not_stored(app):
    taker, visitor = app.test_client(), app.test_client()
    result = submit(taker)
    _own(taker, result)
    mine = taker.get(f"/r/{result['token']}?lang=en")
    assert "Delete my result" in mine.get_data(as_text=True)
    assert f"/r/{result['token']}/delete?key={result['delete_key']}" in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "private, no-store"
    theirs = visitor.get(f"/r/{result['token']}?lang=en")
    assert "Delete my result" not in theirs.get_data(as_text=True)
    assert result["delete_key"] not in theirs.get_data(as_text=True)
    # A session holding a wrong key sees no delete link either.
    _hold(visitor, result["token"], "not-the-key")
    assert "Delete my result" not in visitor.get(f"/r/{result['token']}?lang=en").get_data(as_text=True)


def test_deleting_through_the_pages_removes_the_result_from_page_png_and_api(app):
    client = app.test_client()
    result = submit(client)
    token, key = result["token"], result["delete_key"]
    _own(client, result)
    assert client.get(f"/r/{token}.png").status_code == 200
    confirm = client.get(f"/r/{token}/delete?key={key}&lang=en")
    assert confirm.status_code == 200
    assert confirm.headers["Referrer-Policy"] == "no-referrer"
    assert confirm.headers["Cache-Control"] == "private, no-store"
    page = confirm.get_data(as_text=True)
    assert "Delete this result?" in page and f'action="/r/{token}/delete"' in page
    assert client.get(f"/r/{token}").status_code == 200  # the GET deleted nothing
    r = client.post(f"/r/{token}/delete", data={"key": key, "csrf_token": _csrf(page)})
    assert r.status_code == 303 and r.headers["Location"].endswith("/r/deleted")
    assert "was deleted" in client.get(r.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert [client.get(u).status_code for u in (f"/r/{token}", f"/r/{token}.png", f"/api/results/{token}",
                                                f"/r/{token}/delete?key={key}")] == [404, 404, 404, 404]
    import os
    folder = os.path.join(app.config["QUIZ_PREVIEW_DIR"])
    assert not [n for n in os.listdir(folder) if n.startswith(token)]
    with client.session_transaction() as s:
        assert token not in s.get("delete_keys", {})


def test_a_wrong_key_is_refused_with_403_and_deletes_nothing(client):
    result = submit(client)
    token = result["token"]
    assert client.get(f"/r/{token}/delete?key=wrong").status_code == 403
    page = client.get(f"/r/{token}/delete").get_data(as_text=True)  # no key: the form asks for it
    assert 'name="key"' in page and 'type="hidden" name="key"' not in page
    r = client.post(f"/r/{token}/delete", data={"key": "wrong", "csrf_token": _csrf(page)})
    assert r.status_code == 403
    assert client.get(f"/r/{token}").status_code == 200


def test_the_delete_form_is_csrf_protected(client):
    result = submit(client)
    r = client.post(f"/r/{result['token']}/delete", data={"key": result["delete_key"]})
    assert r.status_code == 400
    assert client.get(f"/r/{result['token']}").status_code == 200


def test_a_delete_on_one_process_is_seen_at_once_by_another_that_cached_the_page(new_app):
    one, two = new_app(shared=True), new_app(shared=True)  # two processes, one database
    result = submit(one.test_client())
    token = result["token"]
    other = two.test_client()
    assert other.get(f"/r/{token}?lang=en").status_code == 200  # now in process two's cache
    assert other.get(f"/r/{token}.png?lang=en").status_code == 200
    assert one.test_client().delete(f"/api/results/{token}",
                                    headers={"X-Delete-Key": result["delete_key"]}).status_code == 204
    assert other.get(f"/r/{token}?lang=en").status_code == 404
    assert other.get(f"/r/{token}.png?lang=en").status_code == 404


# -- comparing ---------------------------------------------------------------------------------

def test_compare_shows_results_side_by_side_and_names_unknown_ones(app, client):
    a = submit(client)
    b = submit(client, find_answers(app, lambda o: o.primary == "ops" and not o.hybrid))
    missing = secrets.token_urlsafe(24)
    r = client.get(f"/compare?r={a['token']}&r=http://localhost/r/{b['token']}&r={missing}&lang=en")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    words = text_of(body)
    # Each person is labelled by their result (and archetype), not "Result 1".
    pct = round(a["archetype"]["similarity"] * 100)
    assert f"Researcher · Most like: Lee: deep research · {pct}% similar" in words
    assert body.count('bar-label">Researcher<') == 3 and body.count('bar-label">Ops<') == 3
    assert 'bar-label">Result' not in body
    assert body.count('<svg class="bar"') == 3 * 2  # a bar per path per person
    assert "This result was not found" in words and missing in words
    for result in (a, b):
        for path in ("researcher", "engineer", "ops"):
            assert str(round(result["scores"][path] + 1e-9)) in words
    assert r.headers["X-Robots-Tag"] == "noindex"


def test_compare_labels_people_by_the_names_given_or_tells_twins_apart(app, client):
    a, b = submit(client), submit(client)  # two researchers
    hybrid = submit(client, find_answers(app, lambda o: o.hybrid and not o.balanced and o.primary == "engineer"
                                         and o.secondary == "ops"))
    body = client.get(f"/compare?r={a['token']}&r={b['token']}&r={hybrid['token']}&lang=en").get_data(as_text=True)
    assert f'bar-label">Researcher · {a["token"][:6]}<' in body
    assert f'bar-label">Researcher · {b["token"][:6]}<' in body
    assert 'bar-label">Engineer–ops hybrid<' in body
    # Names pair with results by position (the form sends both for every row, blank or not).
    query = f"r={a['token']}&name=Min-ji&r=&name=&r={hybrid['token']}&name=%3Cb%3ESam%3C/b%3E&lang=en"
    body = client.get(f"/compare?{query}").get_data(as_text=True)
    assert 'bar-label">Min-ji<' in body and "Min-ji</a>: Researcher" in body
    assert 'bar-label">&lt;b&gt;Sam&lt;/b&gt;<' in body and "<b>Sam" not in body  # escaped
    assert 'name="name" type="text" maxlength="40" value="Min-ji"' in body  # kept in the form
    ko = client.get(f"/compare?r={hybrid['token']}&lang=ko").get_data(as_text=True)
    assert 'bar-label">엔지니어–운영 하이브리드<' in ko


def test_compare_refuses_more_than_five_with_a_clear_message(client):
    tokens = [submit(client)["token"] for _ in range(6)]
    r = client.get("/compare?" + "&".join(f"r={t}" for t in tokens) + "&lang=en")
    assert r.status_code == 400
    words = text_of(r.get_data(as_text=True))
    assert "You asked to compare 6 results; up to 5 fit side by side." in words
    first_five = re.search(r'href="(/compare\?[^"]+)">Compare the first 5', r.get_data(as_text=True)).group(1)
    follow = client.get(html.unescape(first_five))
    assert follow.status_code == 200 and follow.get_data(as_text=True).count('<svg class="bar"') == 15


def test_compare_without_results_offers_a_form(client):
    r = client.get("/compare?lang=ko")
    assert r.status_code == 200
    assert r.get_data(as_text=True).count('name="r"') == 5


# -- merging next steps: repeats go, advice stays ---------------------------------------------

def test_a_balanced_quick_check_is_not_called_a_hybrid(shipped_app):
    """The QA case: middling answers on the shipped quick check scored ~46/45/40, balanced, and
    the page, its title and the card said "Researcher–engineer hybrid"."""
    import random

    from quiz.engine.scoring import score
    from quiz.web import banks
    client = shipped_app.test_client()
    with shipped_app.app_context():
        bank = banks.get("quick-check")
        rnd = random.Random(7)
        for _ in range(5000):
            answers = {}
            for q in bank.questions:
                if q.type == "scale":
                    answers[q.id] = rnd.randint(q.scale.min, q.scale.max)
                elif q.type == "choice":
                    answers[q.id] = rnd.choice(q.options).id
                else:
                    answers[q.id] = [rnd.choice(q.options).id]
            if score(bank, {k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()}).balanced:
                break
        else:
            raise AssertionError("no balanced answer set found in the quick check")
    r = client.post("/api/results", json={"bank": "quick-check", "answers": answers, "lang": "ko"})
    token = r.get_json()["token"]
    for lang, headline in (("en", "Balanced: no single path stands out yet"), ("ko", "균형형: 아직 두드러지는 진로가 없어요")):
        body = client.get(f"/r/{token}?lang={lang}").get_data(as_text=True)
        assert f"<h1>{headline}</h1>" in body and meta(body, "og:title").startswith(headline)
        assert body.count('<p class="summary">') == 3  # every path's summary, not two
    from quiz import service
    from quiz.web.results import preview_card
    with shipped_app.test_request_context():
        card = preview_card(service.get_result(token), "ko")
    assert card.headline == "균형형: 아직 두드러지는 진로가 없어요"
    assert [b.label for b in card.bars] == ["연구자", "엔지니어", "MLOps"]
