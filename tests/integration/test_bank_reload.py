"""In development a changed bank file is served without a restart; a broken edit keeps the last
good version serving."""
from __future__ import annotations

import os
import shutil

from tests.conftest import TINY_BANK, close_app, make_app


def _touch_later(path) -> None:  # noqa: ANN001
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_a_changed_bank_file_is_served_without_a_restart(tmp_path, monkeypatch):
    from quiz.web.banks import ReloadingRegistry
    monkeypatch.setattr(ReloadingRegistry, "CHECK_EVERY_S", 0.0)
    path = tmp_path / "tiny.yaml"
    shutil.copy(TINY_BANK, path)
    app = make_app(tmp_path, banks=str(path), TESTING=False, QUIZ_ENV="development")
    try:
        client = app.test_client()
        assert client.get("/api/banks/tiny?lang=en").get_json()["title"] == "Tiny bank"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('title: {en: "Tiny bank"', 'title: {en: "Tiny bank, edited"'), encoding="utf-8")
        _touch_later(path)
        assert client.get("/api/banks/tiny?lang=en").get_json()["title"] == "Tiny bank, edited"
        # A broken edit: the last good version keeps serving, and the problem is kept for /author.
        path.write_text(text.replace("paths:", "pathz:"), encoding="utf-8")
        _touch_later(path)
        assert client.get("/api/banks/tiny?lang=en").get_json()["title"] == "Tiny bank, edited"
        assert app.extensions["quiz_banks"].problems[str(path)]
    finally:
        close_app(app)


def test_production_loads_banks_once(tmp_path):
    from quiz.web.banks import ReloadingRegistry
    app = make_app(tmp_path, TESTING=False, QUIZ_ENV="production", QUIZ_BASE_URL="https://quiz.example")
    try:
        assert not isinstance(app.extensions["quiz_banks"], ReloadingRegistry)
    finally:
        close_app(app)
