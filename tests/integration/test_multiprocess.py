"""Several processes, one database: concurrent SQLite writers that queue instead of failing, and
two gunicorn instances sharing PostgreSQL (and Redis) that behave as one site."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.servers import Server, request
from tests.conftest import ROOT, TINY_BANK, make_app

pytestmark = pytest.mark.slow

# Answers for tests/data/tiny.yaml, as a taker's browser or app would send them.
TINY_ANSWERS = {"fundamentals": 4, "first-week": "read-papers", "tools": ["pytorch", "kubeflow"],
                "process-work": 4}

def migrated(tmp_path, database_url: str | None = None) -> tuple[str, object]:
    """A migrated database for servers to share: (its URL, a function that removes it)."""
    from quiz.extensions import db
    app = make_app(tmp_path, database_url=database_url or f"sqlite:///{tmp_path}/quiz.sqlite3")
    with app.app_context():
        db.engine.dispose()
    return app.config["SQLALCHEMY_DATABASE_URI"], (app.cleanup or (lambda: None))


WRITER = r"""
import json, sys, uuid
from quiz import create_app, service
from quiz.extensions import db
url, banks, n, shared = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "QUIZ_BANKS": banks, "SECRET_KEY": "t",
                  "QUIZ_RATE_LIMIT": "100000/second"})
answers = json.loads(sys.argv[5])
errors, tokens = [], []
with app.app_context():
    bank = app.extensions["quiz_banks"].get("tiny")
    client = app.test_client()
    for i in range(n):
        try:
            if i % 2:   # through the API, as a request (its own transaction rules)
                r = client.post("/api/results", json={"bank": "tiny", "answers": answers,
                                                      "submission_id": shared[i]})
                if r.status_code not in (200, 201):
                    errors.append(f"HTTP {r.status_code}: {r.get_data(as_text=True)[:200]}")
                else:
                    tokens.append(r.get_json()["token"])
            else:       # through the service, as the quiz pages and the CLI do
                tokens.append(service.submit(bank, answers, submission_id=shared[i]).result.token)
        except Exception as exc:  # every failure counts, "database is locked" above all
            db.session.rollback()
            errors.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"errors": errors, "tokens": tokens}))
"""


def test_concurrent_sqlite_writers_in_several_processes_never_see_database_is_locked(tmp_path):
    url, _ = migrated(tmp_path)
    processes, per_process = 6, 40
    # Half the submission ids are shared by every process (a double click reaching two
    # workers), half are each process's own: contention on the same rows and on the same file.
    # (Submission ids are 16–64 URL-safe characters: zero-padded to reach 16.)
    shared = [f"shared-{i:09d}" if i % 4 < 2 else None for i in range(per_process)]
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = dict(os.environ, PYTHONPATH=ROOT)
    procs = []
    for p in range(processes):
        ids = [s or f"own-{p}-{i:011d}" for i, s in enumerate(shared)]
        procs.append(subprocess.Popen(
            [sys.executable, str(script), url, TINY_BANK, str(per_process), json.dumps(ids), json.dumps(TINY_ANSWERS)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
        reports.append(json.loads(out.strip().splitlines()[-1]))
    errors = [e for r in reports for e in r["errors"]]
    assert errors == []
    # Every process saw the same result for a shared id, and each result is stored once.
    distinct_ids = per_process // 2 + processes * per_process // 2
    import sqlite3
    with sqlite3.connect(f"{tmp_path}/quiz.sqlite3") as conn:
        stored = conn.execute("SELECT count(*), count(DISTINCT submission_id) FROM result").fetchone()
    assert stored == (distinct_ids, distinct_ids)
    for i, s in enumerate(shared):
        if s:
            assert len({r["tokens"][i] for r in reports}) == 1


@pytest.fixture
def shared_postgres(tmp_path, postgres_url):
    url, drop = migrated(tmp_path, postgres_url)
    yield url
    drop()


def two_instances(database_url: str, **env: str) -> tuple[Server, Server]:
    common = {"DATABASE_URL": database_url, "QUIZ_BANKS": TINY_BANK, "SECRET_KEY": "shared-secret",
              "QUIZ_RATE_LIMIT": "100000/minute", **env}
    return (Server("A", env=common, workers=2), Server("B", env=common, workers=2))


def test_two_instances_on_one_postgres_share_results_and_deletes(shared_postgres, redis_url):
    a, b = two_instances(shared_postgres, REDIS_URL=redis_url)
    with a, b:
        status, _, body = request(a.port, "POST", "/api/results", {"bank": "tiny", "answers": TINY_ANSWERS})
        assert status == 201, body
        created = json.loads(body)
        token, key = created["token"], created["delete_key"]

        status, _, body = request(b.port, "GET", f"/api/results/{token}")
        assert status == 200, body
        read_back = json.loads(body)
        assert "delete_key" not in read_back
        assert read_back["scores"] == created["scores"] and read_back["primary"] == created["primary"]
        assert request(b.port, "GET", f"/r/{token}")[0] == 200

        assert request(b.port, "DELETE", f"/api/results/{token}", headers={"X-Delete-Key": "wrong"})[0] == 403
        assert request(a.port, "GET", f"/api/results/{token}")[0] == 200  # a wrong key deletes nothing
        assert request(b.port, "DELETE", f"/api/results/{token}", headers={"X-Delete-Key": key})[0] == 204

        for server in (a, b):
            for path in (f"/api/results/{token}", f"/r/{token}"):
                status, headers, _ = request(server.port, "GET", path)
                assert status == 404, (server.name, path)


def test_the_same_submission_through_two_instances_at_once_is_stored_once(shared_postgres, redis_url):
    a, b = two_instances(shared_postgres, REDIS_URL=redis_url)
    with a, b:
        submission = str(uuid.uuid4())
        body = {"bank": "tiny", "answers": TINY_ANSWERS, "submission_id": submission}
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda i: request((a, b)[i % 2].port, "POST", "/api/results", body),
                                    range(8)))
        statuses = sorted(status for status, _, _ in answers)
        assert statuses.count(201) == 1 and statuses.count(200) == 7, statuses
        assert len({json.loads(raw)["token"] for _, _, raw in answers}) == 1


def test_each_request_writes_one_access_log_line(tmp_path):
    url, _ = migrated(tmp_path)
    log = tmp_path / "gunicorn.log"
    server = Server("logged", env={"DATABASE_URL": url, "QUIZ_BANKS": TINY_BANK, "SECRET_KEY": "s",
                                   "ACCESS_LOG": "-"}, workers=2, log_path=str(log))
    with server:
        before = log.read_text().count('"GET /healthz?n=')
        for i in range(5):
            assert request(server.port, "GET", f"/healthz?n={i}")[0] == 200
        assert request(server.port, "GET", "/api/nothing")[0] == 404
    lines = log.read_text().splitlines()
    assert before == 0
    for i in range(5):
        assert sum(f'"GET /healthz?n={i} HTTP/1.1" 200' in line for line in lines) == 1
    assert sum('"GET /api/nothing HTTP/1.1" 404' in line for line in lines) == 1
