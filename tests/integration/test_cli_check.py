"""`flask --app app quiz check` and `quiz schema`, run as an author runs them: in a subprocess."""
import json
import os
import re
import subprocess
import sys

import pytest

from quiz.bank import json_schema
from tests.conftest import ROOT, TINY_BANK

LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning)\[(?P<code>[A-Z]+_\d{3})\]: .+$")
FLASK = os.path.join(os.path.dirname(sys.executable), "flask")


def run_flask(*args: str, banks: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["QUIZ_BANKS"] = banks or TINY_BANK
    env.pop("DATABASE_URL", None)
    return subprocess.run([FLASK, "--app", "app", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_check_passes_on_the_shipped_banks():
    r = run_flask("quiz", "check", banks=os.path.join(ROOT, "questions"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"\d+ banks? checked: 0 errors", r.stdout)


def test_check_prints_every_problem_as_path_line_col(tmp_path):
    text = open(TINY_BANK, encoding="utf-8").read()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("version: 1\n", "version: 1\nversion: 2\n")
                   .replace("weights: {engineer: 1, ops: 1}", "weights: {engineer: 1, opps: 1}"), encoding="utf-8")
    r = run_flask("quiz", "check", str(bad))
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    problems = [LINE.match(ln) for ln in lines[:-1]]
    assert all(problems), lines
    assert [(m["code"], m["line"]) for m in problems] == [("YAML_002", "4"), ("BANK_002", "79")]
    assert lines[-1] == "1 bank checked: 2 errors, 0 warnings"
    assert "Traceback" not in r.stdout + r.stderr


def test_check_works_even_when_the_configured_bank_is_broken(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    r = run_flask("quiz", "check", banks=str(bad))
    assert r.returncode == 1
    assert LINE.match(r.stdout.splitlines()[0])["code"] == "YAML_001"
    assert "Traceback" not in r.stderr


def test_missing_file_is_an_error_not_a_crash(tmp_path):
    r = run_flask("quiz", "check", str(tmp_path / "nope.yaml"))
    assert r.returncode == 1
    assert "error[FILE_001]" in r.stdout and "Traceback" not in r.stderr


def test_bad_usage_exits_2():
    r = run_flask("quiz", "check", "--no-such-flag")
    assert r.returncode == 2


def test_schema_command_prints_the_committed_schema():
    r = run_flask("quiz", "schema")
    assert r.returncode == 0
    committed = open(os.path.join(ROOT, "questions", "bank.schema.json"), encoding="utf-8").read()
    assert json.loads(r.stdout) == json.loads(committed)


def test_committed_schema_matches_the_model():
    committed = json.load(open(os.path.join(ROOT, "questions", "bank.schema.json"), encoding="utf-8"))
    assert committed == json.loads(json.dumps(json_schema())), (
        "questions/bank.schema.json is stale: .venv/bin/flask --app app quiz schema > questions/bank.schema.json")


def test_shipped_banks_name_the_schema_for_editors():
    for name in os.listdir(os.path.join(ROOT, "questions")):
        if name.endswith(".yaml"):
            first = open(os.path.join(ROOT, "questions", name), encoding="utf-8").readline()
            assert first.strip() == "# yaml-language-server: $schema=bank.schema.json", name


def test_the_schema_accepts_the_shipped_banks_and_rejects_unknown_keys():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml
    schema = json_schema()
    for name in os.listdir(os.path.join(ROOT, "questions")):
        if name.endswith(".yaml"):
            data = yaml.safe_load(open(os.path.join(ROOT, "questions", name), encoding="utf-8"))
            jsonschema.validate(data, schema)
    data = yaml.safe_load(open(TINY_BANK, encoding="utf-8"))
    data["colour"] = "blue"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_commands_work_in_production_without_a_secret_key(tmp_path):
    """`quiz check` and `db upgrade` sign nothing: they must not need SECRET_KEY, nor print a traceback."""
    import subprocess
    env = dict(os.environ, QUIZ_ENV="production", QUIZ_BANKS=TINY_BANK,
               DATABASE_URL=f"sqlite:///{tmp_path}/prod.sqlite3")
    env.pop("SECRET_KEY", None)
    r = subprocess.run([FLASK, "--app", "app", "quiz", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    r = subprocess.run([FLASK, "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_serving_in_production_without_a_secret_key_stops_with_one_clear_line(tmp_path):
    import subprocess
    env = dict(os.environ, QUIZ_ENV="production", QUIZ_BANKS=TINY_BANK,
               DATABASE_URL=f"sqlite:///{tmp_path}/prod.sqlite3")
    env.pop("SECRET_KEY", None)
    r = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "SECRET_KEY" in r.stderr and "Traceback" not in r.stderr


def test_show_source_prints_the_line_and_a_caret(tmp_path):
    text = open(TINY_BANK, encoding="utf-8").read().replace("weights: {engineer: 1, ops: 1}", "weights: {engineer: 1, opps: 1}")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    r = run_flask("quiz", "check", "--show-source", str(bad))
    lines = r.stdout.splitlines()
    assert LINE.match(lines[0])
    assert lines[1] == "   78 |     weights: {engineer: 1, opps: 1}"
    assert lines[2].index("^") == lines[1].index("opps")


def test_syntax_errors_say_how_to_fix_them(tmp_path):
    cases = {
        "tab.yaml": ("id: x\na:\n\tb: 1\n", "YAML_001", 3, "tab"),
        "colon.yaml": ("id: x\ntitle: Step one: know yourself\n", "YAML_001", 2, "quotes"),
        "quote.yaml": ('id: x\ntitle: "unclosed\nversion: 1\n', "YAML_009", 2, "not closed on its line"),
        # reported where the quote opens, not where libyaml gave up (the next quote, two lines on)
        "quote-late.yaml": ('id: x\ntitle: "unclosed\nversion: 1\nx: "y"\n', "YAML_009", 2, "read on to line 4"),
        "op.yaml": ("id: x\nwhen:\n  op: >=\n", "YAML_010", 3, 'write op: ">="'),
    }
    for name, (text, code, line, words) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        r = run_flask("quiz", "check", str(tmp_path / name))
        m = LINE.match(r.stdout.splitlines()[0])
        assert m and m["code"] == code and int(m["line"]) == line, r.stdout
        assert words in r.stdout, r.stdout
        assert r.stdout.count("error[") == 1, r.stdout


def test_show_source_puts_the_caret_under_the_character_after_korean_text(tmp_path):
    """`--show-source` counts screen columns: each Hangul syllable before the error takes two."""
    text = open(TINY_BANK, encoding="utf-8").read()
    line = next(ln for ln in text.splitlines() if "ko:" in ln and "{" in ln and ln.rstrip().endswith("}"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(line, line[:-1] + ", kr: 잘못}"), encoding="utf-8")
    r = run_flask("quiz", "check", "--show-source", str(bad))
    out = r.stdout.splitlines()
    i = next(i for i, ln in enumerate(out) if "error[BANK_008]" in ln or "error[BANK_041]" in ln)
    shown, caret = out[i + 1], out[i + 2]
    wide = sum(1 for ch in shown[:shown.index("kr:")] if "\uac00" <= ch <= "\ud7a3")
    assert wide > 0 and caret.index("^") == shown.index("kr:") + wide, "\n".join(out[i:i + 3])
