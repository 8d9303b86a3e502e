"""The OpenAPI document: valid OpenAPI 3.1, in step with the routes, and true of real answers."""
from __future__ import annotations

import re
import uuid

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from tests.conftest import make_app

ANSWERS = {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 4}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _document(client) -> dict:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and r.is_json
    return r.get_json()


def test_the_served_document_is_valid_openapi_3_1(client):
    doc = _document(client)
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises with the reason when invalid


def _api_routes(app) -> dict[str, set[str]]:
    """Every /api route the app serves, as an OpenAPI path → its methods (the catch-all aside)."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "api.unknown":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes.setdefault(path, set()).update(m.lower() for m in rule.methods - IGNORED_METHODS)
    return routes


def test_every_api_route_is_described_and_every_described_route_exists(app, client):
    doc = _document(client)
    described = {path: {m for m in ops if m in ("get", "post", "put", "patch", "delete")}
                 for path, ops in doc["paths"].items()}
    served = _api_routes(app)
    assert served, "no /api routes found: the walk itself is broken"
    assert served == described


def test_path_parameters_are_declared_for_every_templated_segment(client):
    doc = _document(client)
    for path, ops in doc["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, op in ops.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (method, path)


def test_the_server_is_the_configured_base_url(tmp_path):
    app = make_app(tmp_path, QUIZ_BASE_URL="https://quiz.example.org/")
    try:
        doc = _document(app.test_client())
    finally:
        from quiz.extensions import db
        with app.app_context():
            db.engine.dispose()
        if app.cleanup:
            app.cleanup()
    assert doc["servers"] == [{"url": "https://quiz.example.org"}]


def _validator(doc: dict, name: str) -> OAS31Validator:
    # A schema whose root carries the components, so "#/components/schemas/…" resolves.
    return OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": doc["components"]})


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_real_answers_match_the_described_schemas(client, lang):
    doc = _document(client)
    _validator(doc, "BankSummary").validate(client.get("/api/banks").get_json()[0])
    _validator(doc, "Bank").validate(client.get(f"/api/banks/tiny?lang={lang}").get_json())
    created = client.post("/api/results", json={"bank": "tiny", "answers": ANSWERS, "lang": lang,
                                                "submission_id": str(uuid.uuid4())})
    assert created.status_code == 201
    _validator(doc, "Result").validate(created.get_json())
    _validator(doc, "Result").validate(client.get(f"/api/results/{created.get_json()['token']}").get_json())
    invalid = client.post("/api/results", json={"bank": "tiny", "answers": {"fundamentals": "x"}})
    assert invalid.status_code == 422
    _validator(doc, "InvalidAnswers").validate(invalid.get_json())
    _validator(doc, "Error").validate(client.get("/api/results/nope").get_json())


def test_the_schemas_reject_what_they_should(client):
    """The schemas constrain something: a result without its token does not pass."""
    doc = _document(client)
    created = client.post("/api/results", json={"bank": "tiny", "answers": ANSWERS}).get_json()
    del created["token"]
    assert not _validator(doc, "Result").is_valid(created)
