"""Docs and code in step: every command's help, every setting, every error code."""
import os
import re

from quiz.config import SETTINGS
from tests import docs_sync
from tests.conftest import ROOT


def read(*parts: str) -> str:
    return open(os.path.join(ROOT, *parts), encoding="utf-8").read()


def test_every_quiz_command_is_documented_with_its_current_help():
    text = read("docs", "cli.md")
    for name in docs_sync.command_names():
        assert f"<!-- help:{name} -->" in text, f"docs/cli.md lacks a section for `quiz {name}`"
    assert docs_sync.render(text) == text, "docs/cli.md is stale: .venv/bin/python -m tests.docs_sync --write"


def test_the_contract_commands_exist():
    names = set(docs_sync.command_names())
    assert {"check", "schema", "simulate", "stats", "export"} <= names


def test_every_setting_is_in_the_readme_configuration_table():
    readme = read("README.md")
    for setting in SETTINGS:
        assert re.search(rf"^\| `{setting.name}` \|", readme, re.M), f"README lacks a row for {setting.name}"


def test_readme_opens_with_the_two_commands():
    head = read("README.md").splitlines()[:8]
    assert any(line.startswith("make run") for line in head) and any(line.startswith("make test") for line in head)


def test_every_setting_the_code_reads_is_in_settings():
    """A key read from the app's config anywhere in quiz/ is declared in SETTINGS (and so in the
    README): nothing configurable hides in a module."""
    import glob
    read = set()
    for path in glob.glob(os.path.join(ROOT, "quiz", "**", "*.py"), recursive=True):
        read |= set(re.findall(r"config(?:\.get\(|\[)\"((?:QUIZ|REDIS)_[A-Z_]+|REDIS_URL)\"", open(path, encoding="utf-8").read()))
    declared = {s.name for s in SETTINGS}
    assert read and read <= declared, sorted(read - declared)


def test_every_yaml_example_in_the_authoring_guide_works():
    """A whole bank in docs/authoring.md (one that starts with the editor line) passes `quiz check`
    with no error; a fragment (one part of a bank) at least reads as YAML data."""
    from quiz.bank import check_bytes
    from quiz.bank.yaml_reader import read_bytes
    text = read("docs", "authoring.md")
    examples = re.findall(r"```yaml\n(.*?)```", text, re.S)
    whole = [e for e in examples if e.startswith("# yaml-language-server") and "\nid:" in e]
    assert whole, "the guide has no whole example bank"
    for example in whole:
        _bank, problems = check_bytes(example.encode(), "example.yaml")
        assert [p.render() for p in problems if p.severity == "error"] == [], example[:200]
    for example in examples:
        if all(not line.strip() or line.lstrip().startswith("#") for line in example.splitlines()):
            continue  # a comment alone (the editor line): nothing to read
        doc = read_bytes(example.encode(), "example.yaml")
        assert [p.render() for p in doc.problems] == [], example[:200]
