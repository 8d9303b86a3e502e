"""The authoring preview: open in development, behind QUIZ_AUTHOR_KEY elsewhere."""
from tests.conftest import TINY_BANK, make_app


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
    assert "No problems found." in body and "no-process-work" in body


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
