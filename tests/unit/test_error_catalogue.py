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


# The weak cases authors met (issue 14): each is reported once, at its cause, with nothing after it.
ROOT_CAUSE_ONLY = ["YAML_009", "YAML_010", "YAML_011", "BANK_040", "BANK_041", "BANK_042"]


@pytest.mark.parametrize("code", ROOT_CAUSE_ONLY)
def test_a_root_cause_is_reported_alone(code, tmp_path):
    problems = error_cases.run_case(code, str(tmp_path))
    assert [p.code.name for p in problems if p.severity == "error"] == [code], [p.render() for p in problems]


@pytest.mark.parametrize("name", list(error_cases.ALSO))
def test_more_cases_give_one_problem_at_the_cause(name, tmp_path):
    code, what, text, line = error_cases.ALSO[name]
    problems = [p for p in error_cases.run_text(text, str(tmp_path)) if p.severity == "error"]
    assert [(p.code.name, p.line) for p in problems] == [(code, line)], f"{what}: {[p.render() for p in problems]}"
    section = re.search(rf"^### {code}\n(.*?)(?=^### |<!-- errors:end)", DOCS, re.S | re.M)
    assert section and problems[0].render() in section.group(1), (
        "docs/authoring.md is stale: run .venv/bin/python -m tests.error_cases --write-docs")


def test_the_misspelt_key_is_read_as_meant():
    """After `qestions`, the questions are still checked: a real mistake inside them is found."""
    from quiz.bank import check_bytes
    text = error_cases.BASE.replace("questions:\n", "qestions:\n").replace("value: paper}", "value: papers}")
    problems = check_bytes(text.encode(), "demo.yaml")[1]
    assert [p.code.name for p in problems] == ["SCHEMA_002", "BANK_005"], [p.render() for p in problems]
    assert "did you mean 'paper'?" in problems[1].message


def test_a_key_indented_into_the_wrong_mapping_is_sent_one_level_out():
    from quiz.bank import check_bytes
    text = error_cases.BASE.replace("    scale: {min: 1, max: 5}\n    weights: {researcher: 2, engineer: -1}\n",
                                    "    scale:\n      min: 1\n      max: 5\n      weights: {researcher: 2, engineer: -1}\n")
    (p,) = [p for p in check_bytes(text.encode(), "demo.yaml")[1] if p.severity == "error"]
    assert p.code.name == "SCHEMA_002" and "one level out, in 'questions[fundamentals]'" in p.message


def test_an_unquoted_operator_in_a_block_names_the_fix():
    from quiz.bank import check_bytes
    text = error_cases.BASE.replace(
        'when: {all: [{question: friday, op: "==", value: paper}, {question: fundamentals, op: ">=", value: 4}]}',
        "when:\n      question: fundamentals\n      op: >=\n      value: 4")
    (p,) = check_bytes(text.encode(), "demo.yaml")[1]
    assert (p.code.name, p.line, p.col) == ("YAML_010", 44, 11) and 'op: ">="' in p.message


def test_carets_count_screen_columns():
    """A Hangul syllable takes two columns on screen: the caret stays under its character."""
    from quiz.bank import caret_line, display_width
    line = "    text: {en: Friday?, ko: 금요일 오후에는?, jp: x}"
    caret = caret_line(line, line.index("jp") + 1)
    assert display_width(line[:line.index("jp")]) == len(caret) - 1 == line.index("jp") + 7
    assert caret_line("e\u0301x", 3) == " ^"  # a combining accent takes no column
