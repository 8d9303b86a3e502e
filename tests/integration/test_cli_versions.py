"""`quiz check` against the configured database: a bank whose content changed under an unchanged
version is refused (BANK_043), with both hashes, while its results are already stored. Runs on
a real SQLite file, and again on PostgreSQL (`make test`: the `runner` fixture marks it `db`)."""
import re

from quiz import service
from quiz.bank import load_bank
from tests.conftest import TINY_BANK

ANSWERS = {"fundamentals": 4, "first-week": "read-papers", "tools": ["pytorch"], "process-work": 2}


def _bank_file(tmp_path, text: str):
    path = tmp_path / "tiny-copy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _store_a_result_of(app, path) -> str:
    """Take the quiz once on the bank in `path`, as the server would: its snapshot is stored."""
    bank = load_bank(str(path))
    with app.app_context():
        service.submit(bank, ANSWERS, lang="en")
    return bank.content_hash


def test_check_refuses_changed_scoring_under_the_stored_version(app, runner, tmp_path):
    original = open(TINY_BANK, encoding="utf-8").read()
    path = _bank_file(tmp_path, original)
    old_hash = _store_a_result_of(app, path)
    assert runner.invoke(args=["quiz", "check", str(path)]).exit_code == 0

    changed = original.replace("weights: {engineer: 1, ops: 1}", "weights: {engineer: 2, ops: 1}")
    assert changed != original
    path.write_text(changed, encoding="utf-8")
    new_hash = load_bank(str(path)).content_hash
    r = runner.invoke(args=["quiz", "check", str(path)])
    assert r.exit_code == 1, r.output
    line = next(ln for ln in r.output.splitlines() if "error[BANK_043]" in ln)
    version_line = original.splitlines().index("version: 1") + 1
    assert re.match(rf".*tiny-copy\.yaml:{version_line}:\d+: error\[BANK_043\]", line), line
    assert old_hash in line and new_hash in line and "bump 'version' to 2" in line
    assert re.search(r"^1 bank checked: 1 error, \d+ warnings?$", r.output, re.M), r.output

    # the fix it names: a new version is a new bank as far as stored results go
    path.write_text(changed.replace("version: 1", "version: 2", 1), encoding="utf-8")
    assert runner.invoke(args=["quiz", "check", str(path)]).exit_code == 0


def test_layout_and_comments_are_not_content(app, runner, tmp_path):
    original = open(TINY_BANK, encoding="utf-8").read()
    path = _bank_file(tmp_path, original)
    _store_a_result_of(app, path)
    path.write_text("# a comment an author added\n" + original.replace("version: 1", "version:   1   # the first"),
                    encoding="utf-8")
    r = runner.invoke(args=["quiz", "check", str(path)])
    assert r.exit_code == 0 and "BANK_043" not in r.output, r.output


def test_a_bank_nobody_has_taken_is_not_compared(app, runner, tmp_path):
    original = open(TINY_BANK, encoding="utf-8").read()
    path = _bank_file(tmp_path, original.replace("weights: {engineer: 1, ops: 1}", "weights: {engineer: 3, ops: 1}"))
    r = runner.invoke(args=["quiz", "check", str(path)])
    assert r.exit_code == 0 and "BANK_043" not in r.output, r.output


def test_check_without_a_database_file_does_not_create_one(tmp_path):
    """`quiz check` is an authoring tool first: with no database yet it checks the file alone."""
    from quiz import create_app
    missing = tmp_path / "never.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}", "QUIZ_BANKS": TINY_BANK,
                      "SECRET_KEY": "x", "QUIZ_PREVIEW_DIR": str(tmp_path / "previews")})
    r = app.test_cli_runner().invoke(args=["quiz", "check", TINY_BANK])
    assert r.exit_code == 0, r.output
    assert not missing.exists()
