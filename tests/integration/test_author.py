"""The authoring preview: open in development, behind QUIZ_AUTHOR_KEY elsewhere; bank files and
their problems; `quiz stats`' tables for a bank with stored results. The preview you can take:
tests/integration/test_author_preview.py."""
import re

from tests.conftest import TINY_BANK, close_app, make_app


def test_author_page_lists_banks_in_development(client):
    r = client.get("/author/")
    assert r.status_code == 200 and "tiny" in r.get_data(as_text=True)


def test_pasted_yaml_shows_each_problem_with_its_line_and_caret(app):
    app.config["WTF_CSRF_ENABLED"] = False
    text = open(TINY_BANK, encoding="utf-8").read().replace("weights: {engineer: 1, ops: 1}", "weights: {engineer: 1, opps: 1}")
    r = app.test_client().post("/author/", data={"source": text})
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "pasted.yaml:78:28: error[BANK_002]" in body
    assert "  78 | " in body and "did you mean" in body


def test_a_valid_paste_shows_how_scoring_sees_it(app):
    app.config["WTF_CSRF_ENABLED"] = False
    r = app.test_client().post("/author/", data={"source": open(TINY_BANK, encoding="utf-8").read()})
    body = r.get_data(as_text=True)
    assert "error[" not in body and "How scoring sees it" in body and "no-process-work" in body


def test_bank_preview_shows_points(client):
    body = client.get("/author/tiny").get_data(as_text=True)
    assert "read-papers" in body and "researcher +2" in body


def test_production_hides_authoring_without_the_key(tmp_path):
    app = make_app(tmp_path, QUIZ_ENV="production")
    assert app.test_client().get("/author/").status_code == 404


def test_production_opens_authoring_with_the_key(tmp_path):
    # The key travels in a header (or a POST body), never in the URL (issue 12); see
    # tests/integration/test_security_author.py for the rest.
    app = make_app(tmp_path, QUIZ_ENV="production", QUIZ_AUTHOR_KEY="s3cret-s3cret-s3cret")
    c = app.test_client()
    assert c.get("/author/", headers={"X-Author-Key": "wrong"}).status_code == 404
    assert c.get("/author/", headers={"X-Author-Key": "s3cret-s3cret-s3cret"}).status_code == 200
    assert c.get("/author/tiny").status_code == 200  # kept in the session, as a flag


def test_author_answers_at_the_contract_address_without_a_redirect(client):
    assert client.get("/author").status_code == 200


# -- bank files under QUIZ_BANKS, broken ones included (issue 14) --------------------------------------

def _tiny_text() -> str:
    with open(TINY_BANK, encoding="utf-8") as fh:
        return fh.read()


def test_bank_files_that_fail_to_load_are_listed_with_their_errors(tmp_path, new_app):
    import shutil
    folder = tmp_path / "banks"
    folder.mkdir()
    shutil.copy(TINY_BANK, folder / "tiny.yaml")
    app = new_app(banks=str(folder))
    # Added after the start, broken: listed with its errors, line:col and message.
    (folder / "draft.yaml").write_text(_tiny_text().replace("id: tiny", "id: draft", 1)
                                       .replace("weights: {engineer: 1, ops: 1}", "weights: {engineer: 1, opps: 1}"),
                                       encoding="utf-8")
    body = app.test_client().get("/author/").get_data(as_text=True)
    assert "<code>draft.yaml</code>" in body and "Does not load, so it is not served." in body
    assert "draft.yaml:78:28: error[BANK_002]: unknown path" in body
    assert "<code>tiny.yaml</code>" in body and "Serves tiny, version 1." in body
    # The served bank's file offers the preview; the broken one does not.
    assert body.count('name="bank_file"') == 1


def test_a_broken_edit_shows_its_errors_on_author_while_the_last_good_version_serves(tmp_path, monkeypatch):
    import os
    import shutil

    from quiz.web.banks import ReloadingRegistry
    monkeypatch.setattr(ReloadingRegistry, "CHECK_EVERY_S", 0.0)
    path = tmp_path / "tiny.yaml"
    shutil.copy(TINY_BANK, path)
    app = make_app(tmp_path, banks=str(path), TESTING=False, QUIZ_ENV="development")
    try:
        c = app.test_client()
        path.write_text(_tiny_text().replace("paths:", "pathz:"), encoding="utf-8")
        stat = os.stat(path)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
        body = c.get("/author/").get_data(as_text=True)
        assert "Does not load: the last good version of tiny still serves." in body
        assert "tiny.yaml:7:1: error[" in body
        assert c.get("/api/banks/tiny?lang=en").get_json()["title"] == "Tiny bank"
        assert "Take it in English" in c.get("/author/tiny").get_data(as_text=True)  # the served bank's page
    finally:
        close_app(app)


# -- psychometric tables on /author/<bank> --------------------------------------------------------------

def _answer_sets(n: int) -> list[dict]:
    firsts = ["read-papers", "ship-feature", "fix-pipeline"]
    tools = [["pytorch"], ["kubeflow"], ["fastapi", "pytorch"], ["kubeflow", "fastapi"]]
    return [{"fundamentals": 1 + (i * 3) % 5, "first-week": firsts[(i // 2) % 3], "tools": tools[i % 4],
             "process-work": 1 + (i * 2 + i // 3) % 5} for i in range(n)]


def test_the_bank_page_shows_quiz_stats_figures_for_stored_results(app):
    import json

    c = app.test_client()
    assert "No results of version 1 are stored yet" in c.get("/author/tiny").get_data(as_text=True)
    for answers in _answer_sets(14):
        assert c.post("/api/results", json={"bank": "tiny", "answers": answers}).status_code == 201
    report = json.loads(app.test_cli_runner().invoke(args=["quiz", "stats", "tiny", "--json"]).output)
    body = c.get("/author/tiny").get_data(as_text=True)
    assert "From the newest 14 of 14 stored results of version 1" in body
    for path, r in report["reliability"].items():
        assert r["alpha"] is not None and r["alpha_ci"] is not None
        alpha = f'{r["alpha"]:.2f} [{r["alpha_ci"][0]:.2f}, {r["alpha_ci"][1]:.2f}]'
        omega = "n/a" if r["omega"] is None else f'{r["omega"]:.2f}'
        row = re.search(rf"<tr><td><code>{path}</code></td><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", body)
        assert row and int(row.group(1)) == r["items"] and row.group(2) == alpha and row.group(3).startswith(omega)
    split = round(100 * report["split_half_agreement"])
    assert f"Split-half agreement of the leading path (odd against even questions):\n{split}%" in body
    fundamentals = next(i for i in report["items"] if i["question"] == "fundamentals")
    floor, ceiling = round(100 * fundamentals["floor"]), round(100 * fundamentals["ceiling"])
    assert f"<td>{floor}% / {ceiling}%</td>" in body
    n = fundamentals["distribution"]["1"]
    assert f"<code>1</code> {n} ({round(100 * n / 14)}%)" in body
    r = fundamentals["item_rest_r"]["researcher"]
    assert f"<code>researcher</code> {r:+.2f}" in body


def test_the_tables_are_kept_until_the_results_change_and_read_only_the_newest(app, monkeypatch):
    from quiz.store import reports
    from quiz.web import author
    calls = []
    real = reports.compute_stats

    def counting(bank, latest=None):
        calls.append(latest)
        return real(bank, latest=latest)
    monkeypatch.setattr(author.reports, "compute_stats", counting)
    monkeypatch.setattr(author, "STATS_LATEST", 5)
    c = app.test_client()
    sets = _answer_sets(13)
    for answers in sets[:12]:
        c.post("/api/results", json={"bank": "tiny", "answers": answers})
    def page() -> str:  # without the form tokens, which carry the second they were made in
        return re.sub(r'name="csrf_token" value="[^"]*"', "", c.get("/author/tiny").get_data(as_text=True))
    first = page()
    assert "From the newest 5 of 12 stored results" in first and calls == [5]
    assert page() == first and calls == [5]  # kept
    c.post("/api/results", json={"bank": "tiny", "answers": sets[12]})
    assert "From the newest 5 of 13 stored results" in c.get("/author/tiny").get_data(as_text=True)
    assert calls == [5, 5]


def test_a_browser_signs_in_with_the_key_on_a_form_never_in_the_url(tmp_path):
    key = "author-key-0123456789"
    app = make_app(tmp_path, QUIZ_ENV="production", QUIZ_AUTHOR_KEY=key, QUIZ_BASE_URL="https://quiz.example",
                   WTF_CSRF_ENABLED=False)
    try:
        c = app.test_client()
        assert c.get("/author/").status_code == 404
        form = c.get("/author/login")
        assert form.status_code == 200 and 'type="password"' in form.get_data(as_text=True)
        wrong = c.post("/author/login", data={"key": "not-the-key-at-all"})
        assert wrong.status_code == 403 and "That is not the author key." in wrong.get_data(as_text=True)
        assert c.get("/author/").status_code == 404
        r = c.post("/author/login", data={"key": key})
        assert r.status_code == 303 and r.headers["Location"].endswith("/author/")
        assert c.get("/author/").status_code == 200 and c.get("/author/tiny").status_code == 200
    finally:
        close_app(app)


def test_the_sign_in_form_exists_only_when_a_key_is_set(tmp_path, client):
    assert client.get("/author/login").status_code == 303  # development: open anyway
    app = make_app(tmp_path, QUIZ_ENV="production", QUIZ_BASE_URL="https://quiz.example")
    try:
        assert app.test_client().get("/author/login").status_code == 404
    finally:
        close_app(app)
