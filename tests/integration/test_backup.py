"""`quiz backup PATH`: a consistent SQLite copy taken while submissions keep arriving. The copy,
served by an app of its own, holds every result acknowledged before the backup began and serves
its page; on PostgreSQL the command points at pg_dump."""
from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from quiz.extensions import db
from quiz.store import models
from tests.conftest import close_app, make_app

ANSWER_SETS = [
    {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 1},
    {"fundamentals": 1, "first-week": "ship-feature", "tools": ["fastapi"], "process-work": 3},
    {"fundamentals": 2, "first-week": "fix-pipeline", "tools": ["kubeflow"], "process-work": 5},
]
WRITERS = 4


def test_a_backup_under_write_load_keeps_every_acknowledged_result_and_serves_it(tmp_path):
    url = f"sqlite:///{tmp_path}/live.sqlite3"
    app = make_app(tmp_path, database_url=url)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    enough = threading.Event()
    failures: list[str] = []

    def writer(n: int) -> None:
        client = app.test_client()
        i = 0
        while not stop.is_set():
            answers = ANSWER_SETS[(n + i) % len(ANSWER_SETS)]
            i += 1
            response = client.post("/api/results", json={"bank": "tiny", "answers": answers, "lang": "en"})
            if response.status_code != 201:
                failures.append(f"{response.status_code} {response.get_data(as_text=True)[:200]}")
                continue
            with lock:
                acknowledged.append(response.get_json()["token"])
                if len(acknowledged) >= 40:
                    enough.set()

    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(WRITERS)]
    for t in threads:
        t.start()
    target = tmp_path / "backup.sqlite3"
    try:
        assert enough.wait(timeout=120), f"the writers did not get going: {failures[:3]}"
        with lock:
            before = list(acknowledged)  # every one of these had its 201 before the backup began
        out = app.test_cli_runner().invoke(args=["quiz", "backup", str(target)])
        with lock:
            during = len(acknowledged)
        # let the writers go on a little after the copy, so it sat in the middle of the load
        deadline = during + 20
        while len(acknowledged) < deadline and not failures:
            threading.Event().wait(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert out.exit_code == 0, out.output
    assert failures == [], failures[:3]
    assert f"to {target}" in out.output or "backup.sqlite3" in out.output

    # The copy is one self-contained, sound file.
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not (tmp_path / "backup.sqlite3-wal").exists()

    restored = make_app(tmp_path / "restored", database_url=f"sqlite:///{target}")
    try:
        with restored.app_context():
            in_copy = set(db.session.execute(sa.select(models.Result.token)).scalars())
        lost = set(before) - in_copy
        assert not lost, f"{len(lost)} results acknowledged before the backup are missing from it"
        assert in_copy <= set(acknowledged)  # nothing half-written or invented
        client = restored.test_client()
        page = client.get(f"/r/{before[0]}?lang=en")
        assert page.status_code == 200
        assert any(name in page.get_data(as_text=True) for name in ("Researcher", "Engineer", "Ops"))
        api = client.get(f"/api/results/{before[-1]}").get_json()
        assert api["token"] == before[-1] and api["primary"] in ("researcher", "engineer", "ops")
        # the restored database takes new results too
        assert client.post("/api/results", json={"bank": "tiny", "answers": ANSWER_SETS[0]}).status_code == 201
    finally:
        close_app(restored)
        close_app(app)


@pytest.fixture
def sqlite_app(tmp_path):
    """The app on a real SQLite file, whichever database the other tests run on."""
    app = make_app(tmp_path, database_url=f"sqlite:///{tmp_path}/quiz.sqlite3")
    yield app
    close_app(app)


def test_backup_never_overwrites_and_says_why(sqlite_app, tmp_path):
    app = sqlite_app
    existing = tmp_path / "taken.sqlite3"
    existing.write_bytes(b"keep me")
    out = app.test_cli_runner().invoke(args=["quiz", "backup", str(existing)])
    assert out.exit_code == 1 and "never overwrites" in out.output
    assert existing.read_bytes() == b"keep me"
    missing = app.test_cli_runner().invoke(args=["quiz", "backup", str(tmp_path / "no" / "such" / "x.sqlite3")])
    assert missing.exit_code == 1 and "there is no folder" in missing.output


def test_on_postgresql_backup_points_at_pg_dump(tmp_path, postgres_url):
    app = make_app(tmp_path, database_url=postgres_url)
    try:
        out = app.test_cli_runner().invoke(args=["quiz", "backup", str(tmp_path / "x.sqlite3")])
        assert out.exit_code == 2
        assert "pg_dump" in out.output and len(out.output.strip().splitlines()) == 1
        assert not (tmp_path / "x.sqlite3").exists()
    finally:
        close_app(app)


def test_a_backup_is_a_database_the_app_migrates_and_serves(sqlite_app, tmp_path):
    app = sqlite_app
    client = app.test_client()
    made = client.post("/api/results", json={"bank": "tiny", "answers": ANSWER_SETS[1]}).get_json()
    target = tmp_path / "copy.sqlite3"
    out = app.test_cli_runner().invoke(args=["quiz", "backup", str(target)])
    assert out.exit_code == 0 and ": 1 result, " in out.output, out.output
    restored = make_app(tmp_path / "r", database_url=f"sqlite:///{target}")
    try:
        page = restored.test_client().get(f"/r/{made['token']}?lang=en")
        assert page.status_code == 200
        # the delete key still works on the copy
        gone = restored.test_client().delete(f"/api/results/{made['token']}", headers={"X-Delete-Key": made["delete_key"]})
        assert gone.status_code == 204
    finally:
        close_app(restored)
