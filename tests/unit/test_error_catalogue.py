"""Every catalogue entry is reachable, reported at the right line, and documented as printed."""
import re

import pytest

from quiz.bank.errors import ErrorCode
from tests import error_cases

DOCS = open(error_cases.DOCS, encoding="utf-8").read()


def test_every_code_has_a_case():
    assert set(error_cases.CASES) == {c.name for c in ErrorCode}


@pytest.mark.parametrize("code", [c.name for c in ErrorCode])
def test_case_yields_its_code_on_its_line(code, tmp_path):
    what, _, line = error_cases.CASES[code]
    problems = error_cases.run_case(code, str(tmp_path))
    hits = [p for p in problems if p.code is ErrorCode[code]]
    assert hits, f"{what}: expected {code}, got {[p.render() for p in problems]}"
    assert hits[0].line == line, hits[0].render()
    rendered = hits[0].render()
    assert re.fullmatch(r"[^:]+:\d+:\d+: (error|warning)\[" + code + r"\]: .+", rendered)


@pytest.mark.parametrize("code", [c.name for c in ErrorCode])
def test_docs_show_the_line_the_checker_prints(code, tmp_path):
    section = re.search(rf"^### {code}\n(.*?)(?=^### |<!-- errors:end)", DOCS, re.S | re.M)
    assert section, f"docs/authoring.md has no section for {code}"
    hits = [p for p in error_cases.run_case(code, str(tmp_path)) if p.code is ErrorCode[code]]
    assert hits[0].render() in section.group(1), (
        "docs/authoring.md is stale: run .venv/bin/python -m tests.error_cases --write-docs")


def test_a_message_never_crashes_on_missing_context():
    from quiz.bank.errors import Problem
    for code in ErrorCode:
        text = Problem(code, "x.yaml", 1, 1, {}).render()
        assert f"[{code.name}]" in text
