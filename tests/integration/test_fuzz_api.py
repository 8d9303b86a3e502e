"""schemathesis against /api/openapi.json, in-process (WSGI), from pytest (issue 12).

Every operation the served document describes is called with generated requests through
schemathesis' own phases (coverage: the schema's edge cases and every wrong method; fuzzing:
random cases), positive (valid per the schema: never refused with 400/422) and negative (invalid:
always refused), and every answer must be no server error and match its documented status, content
type, headers and schema. A stateful run follows the document's links from POST /api/results
(201) to GET and DELETE /api/results/{token}.

Bounded so `make test` stays fast (a few hundred requests in all, a few seconds). The `app` and
`new_app` fixtures make these `db` tests: `make test` runs them on SQLite and on PostgreSQL.

schemathesis' pytest plugin (`schemathesis.pytest.from_fixture`) fails on this pytest ("'Function'
object has no attribute '_nodeid'"), so the tests below ask schemathesis for the same
per-operation tests the plugin would run (`get_all_tests`) and run them one by one.
"""
from __future__ import annotations

import time
from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis import GenerationMode
from schemathesis.pytest.lazy import get_all_tests

from tests.conftest import SHIPPED_BANKS

EXAMPLES_PER_OPERATION = 30   # fuzzing phase, per operation (the coverage phase adds its own cases)
STATEFUL_SCENARIOS = 20
STATEFUL_STEPS = 6
SHIPPED_EXAMPLES = 25         # per generation mode, POST /api/results on the shipped banks
SETTINGS = dict(deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))

OPERATIONS = {"GET /api/banks", "GET /api/banks/{bank}", "POST /api/results", "GET /api/results/{token}",
              "DELETE /api/results/{token}", "GET /api/openapi.json"}


def _schema(app):
    """The document the app serves, as schemathesis loads it, calling the app in-process.

    Loaded from the served JSON rather than with `schemathesis.openapi.from_wsgi`, which leaves
    out the operation that serves the document itself: every operation is fuzzed."""
    response = app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = schemathesis.openapi.from_dict(response.get_json())
    schema.app = app
    return schema


def _run_every_operation(app, examples: int) -> tuple[Counter, list[str]]:
    """schemathesis' phases on every operation: (requests per operation, phase, mode and status;
    the failures schemathesis reported, one per operation at most)."""
    calls: Counter = Counter()

    def check(case):
        response = case.call_and_validate()
        meta = case.meta
        calls[(case.operation.label, meta.phase.name.value if meta else "-",
               meta.generation.mode.value if meta else "-", response.status_code)] += 1

    failures = []
    tests = get_all_tests(schema=_schema(app), test_func=check, given_kwargs=None,
                          settings=settings(max_examples=examples, **SETTINGS))
    for result in tests:
        operation, test = result.ok()
        try:
            test()
        except Exception as exc:  # noqa: BLE001 - every operation runs; the failures are listed together
            failures.append(f"{operation.label}: {exc}")
    return calls, failures


def _by(calls: Counter, index: int) -> Counter:
    out: Counter = Counter()
    for key, count in calls.items():
        out[key[index]] += count
    return out


def test_every_operation_answers_as_documented(app):
    started = time.perf_counter()
    calls, failures = _run_every_operation(app, EXAMPLES_PER_OPERATION)
    elapsed = time.perf_counter() - started
    print(f"\nschemathesis: {sum(calls.values())} requests in {elapsed:.1f} s, {len(failures)} failures; "
          f"per operation {dict(_by(calls, 0))}; per mode {dict(_by(calls, 2))}")
    assert failures == [], "\n\n".join(failures)
    assert set(_by(calls, 0)) == OPERATIONS
    # The fuzzer reached the successful paths, not only the refusals.
    statuses = {(op, status) for op, _, mode, status in calls if mode == "positive"}
    assert {("POST /api/results", 201), ("GET /api/banks", 200), ("GET /api/banks/{bank}", 200)} <= statuses
    assert _by(calls, 2)["negative"] > 0


def _workflow(app):
    from quiz.extensions import db
    from quiz.store import models

    class Workflow(_schema(app).as_state_machine()):
        calls: Counter = Counter()

        def setup(self) -> None:
            # Each scenario starts from no results, so that replaying one (as hypothesis does)
            # meets the same answers: a submission_id drawn again is new again.
            with app.app_context():
                db.session.execute(db.delete(models.Result))
                db.session.commit()

        def call(self, case, **kwargs):
            response = super().call(case, **kwargs)
            Workflow.calls[(case.operation.label, response.status_code)] += 1
            return response

    return Workflow


def test_the_links_take_a_created_result_to_get_and_delete(app):
    workflow = _workflow(app)
    started = time.perf_counter()
    run_state_machine_as_test(workflow, settings=settings(max_examples=STATEFUL_SCENARIOS,
                                                          stateful_step_count=STATEFUL_STEPS, **SETTINGS))
    elapsed = time.perf_counter() - started
    calls = workflow.calls
    print(f"\nschemathesis stateful: {sum(calls.values())} requests in {elapsed:.1f} s: {dict(calls)}")
    # Reached through the links: a real token reads back (200) and deletes (204) with its key.
    assert calls[("POST /api/results", 201)] > 0
    assert calls[("GET /api/results/{token}", 200)] > 0
    assert calls[("DELETE /api/results/{token}", 204)] > 0


def test_the_document_describes_the_shipped_banks_answers_exactly(new_app):
    """The shipped banks (dozens of questions, multi questions with max_choices): a submission
    valid per the document is stored, one invalid per the document is refused."""
    app = new_app(banks=SHIPPED_BANKS)
    operation = _schema(app)["/api/results"]["POST"]
    statuses: Counter = Counter()

    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    @settings(max_examples=SHIPPED_EXAMPLES, **SETTINGS)
    def positive(case):
        response = case.call_and_validate()
        statuses[("positive", response.status_code)] += 1
        # 409: a submission_id drawn twice with other answers, as documented.
        assert response.status_code in (200, 201, 409), response.text

    @given(case=operation.as_strategy(GenerationMode.NEGATIVE))
    @settings(max_examples=SHIPPED_EXAMPLES, **SETTINGS)
    def negative(case):
        response = case.call_and_validate()
        statuses[("negative", response.status_code)] += 1

    positive()
    negative()
    print(f"\nschemathesis, shipped banks: {sum(statuses.values())} requests: {dict(statuses)}")
    assert statuses[("positive", 201)] > 0
