"""The database commands on a database that `db upgrade` has not prepared: one line that says what
to do, exit 1, never SQLAlchemy's traceback (an operator's first run of cron before the first
migration, or a new DATABASE_URL)."""
import subprocess

import pytest

from tests.cli_helpers import FLASK, quiz_env


@pytest.mark.parametrize("command", [["purge"], ["purge", "--dry-run"], ["cohort", "create", "Class A"],
                                     ["stats", "tiny"], ["export", "tiny", "--format", "csv"]])
def test_a_command_on_an_unmigrated_database_says_to_upgrade(tmp_path, command):
    env = quiz_env(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    done = subprocess.run([FLASK, "--app", "app", "quiz", *command], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "sqlalchemy" not in done.stderr.lower()
    assert "run `flask --app app db upgrade` first" in done.stderr
