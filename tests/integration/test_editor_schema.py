"""The editor set-up in docs/authoring.md, checked with the real yaml-language-server (the server
behind the YAML extensions of VS Code, Neovim, Helix and others) on bank files outside the
repository. Needs Node.js and yaml-language-server (`npm install --prefix
~/.cache/know-yourself/yaml-language-server yaml-language-server`, as .ci/run does, or
YAML_LANGUAGE_SERVER=path/to/bin): skipped without them, failed in CI."""
import json
import os

import pytest

from quiz.bank import load_bank
from quiz.bank.schema import bank_json_schema
from quiz.cli import schema_text
from tests.conftest import ROOT, TINY_BANK, need
from tests.yaml_ls import diagnostics, server_command

SCHEMA = os.path.join(ROOT, "questions", "bank.schema.json")


@pytest.fixture
def server() -> list[str]:
    command = server_command()
    if command is None:
        need("yaml-language-server", "node or yaml-language-server not found (see this file's docstring)")
    return command


def _bank(folder, first_line: str, replace: tuple[str, str]) -> str:
    body = open(TINY_BANK, encoding="utf-8").read().split("\n", 1)[1]
    assert replace[0] in body
    path = folder / "my-bank.yaml"
    path.write_text(first_line + "\n" + body.replace(*replace), encoding="utf-8")
    return str(path)


def _line_of(path: str, text: str) -> int:
    return next(i for i, ln in enumerate(open(path, encoding="utf-8").read().splitlines()) if text in ln)


UNKNOWN_KEY = ("weights: {engineer: 1, ops: 1}", "weights: {engineer: 1, ops: 1}\n    colour: blue")


def test_the_committed_schema_by_absolute_path_works_from_any_folder(server, tmp_path):
    path = _bank(tmp_path, f"# yaml-language-server: $schema={SCHEMA}", UNKNOWN_KEY)
    found = diagnostics(server, path)
    assert [(d["range"]["start"]["line"], d["message"]) for d in found] == [
        (_line_of(path, "colour: blue"), "Property colour is not allowed.")]


def test_a_path_relative_to_the_project_does_not_load_from_elsewhere(server, tmp_path):
    """The old advice ("point at questions/bank.schema.json"): resolved against the bank's own
    folder, so from anywhere but the project root the editor cannot load it."""
    path = _bank(tmp_path, "# yaml-language-server: $schema=questions/bank.schema.json", UNKNOWN_KEY)
    assert any("Unable to load schema" in d["message"] for d in diagnostics(server, path))


def test_a_copy_next_to_the_bank_works(server, tmp_path):
    (tmp_path / "bank.schema.json").write_text(schema_text(), encoding="utf-8")  # quiz schema > bank.schema.json
    path = _bank(tmp_path, "# yaml-language-server: $schema=bank.schema.json", UNKNOWN_KEY)
    assert [d["message"] for d in diagnostics(server, path)] == ["Property colour is not allowed."]


def test_the_schema_of_one_bank_catches_a_wrong_path_id(server, tmp_path):
    """`quiz schema --bank my-bank.yaml > my-bank.schema.json`: the editor then knows the bank's
    own ids, and underlines a misspelt path the format's schema accepts."""
    schema = bank_json_schema(load_bank(TINY_BANK))
    (tmp_path / "my-bank.schema.json").write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
    typo = ("weights: {engineer: 1, ops: 1}", "weights: {engineer: 1, opps: 1}")
    path = _bank(tmp_path, "# yaml-language-server: $schema=my-bank.schema.json", typo)
    found = diagnostics(server, path)
    assert found and all(d["range"]["start"]["line"] == _line_of(path, "opps: 1") for d in found), found
    assert any("opps" in d["message"] for d in found), found


def test_quiz_schema_bank_prints_the_schema_that_knows_the_banks_ids(tmp_path):
    """The command itself, as an author runs it (no editor needed)."""
    import subprocess

    from tests.cli_helpers import FLASK, quiz_env
    r = subprocess.run([FLASK, "--app", "app", "quiz", "schema", "--bank", TINY_BANK], cwd=ROOT,
                       env=quiz_env(DATABASE_URL=f"sqlite:///{tmp_path}/none.sqlite3"),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    schema = json.loads(r.stdout)
    assert schema == json.loads(json.dumps(bank_json_schema(load_bank(TINY_BANK))))
    tools = next(c for c in schema["$defs"]["Leaf"]["allOf"] if c["if"]["properties"]["question"]["const"] == "tools")
    assert tools["then"]["properties"]["value"] == {"enum": ["kubeflow", "pytorch", "fastapi"]}
    assert tools["then"]["properties"]["op"] == {"enum": ["contains"]}
    assert schema["properties"]["languages"]["items"] == {"enum": ["en", "ko"]}
