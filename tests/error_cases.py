"""One small broken bank per error code: the catalogue's examples, tested and documented.

`tests/test_error_catalogue.py` checks that each case yields its code at the stated line, and
that docs/authoring.md shows exactly the line the checker prints for it. Regenerate the docs
block after changing a message with:  .venv/bin/python -m tests.error_cases --write-docs
"""
from __future__ import annotations

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(os.path.dirname(HERE), "docs", "authoring.md")

BASE = """\
id: demo
version: 1
languages: [en, ko]
title: {en: Demo, ko: 데모}
paths:
  - id: researcher
    title: {en: Researcher, ko: 연구자}
    summary: {en: Papers., ko: 논문.}
    advice: {en: Read., ko: 읽기.}
  - id: engineer
    title: {en: Engineer, ko: 엔지니어}
    summary: {en: Products., ko: 제품.}
    advice: {en: Ship., ko: 출시.}
archetypes:
  - id: lee
    title: {en: Lee, ko: 이○○}
    description: {en: Research., ko: 연구.}
    profile: {researcher: 90, engineer: 20}
sections:
  - id: one
    title: {en: One, ko: 하나}
questions:
  - id: fundamentals
    section: one
    type: scale
    text: {en: I enjoy fundamentals., ko: 기본기 공부가 좋다.}
    scale: {min: 1, max: 5}
    weights: {researcher: 2, engineer: -1}
  - id: friday
    section: one
    type: choice
    text: {en: A free Friday?, ko: 자유로운 금요일 오후에는?}
    options:
      - id: paper
        text: {en: Read a paper, ko: 논문 읽기}
        points: {researcher: 2}
      - id: feature
        text: {en: Ship a feature, ko: 기능 출시}
        points: {engineer: 2}
rules:
  - id: papers-and-fundamentals
    when: {all: [{question: friday, op: "==", value: paper}, {question: fundamentals, op: ">=", value: 4}]}
    then: {points: {researcher: 1}}
"""


def _sub(old: str, new: str, count: int = 1) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, count)


# code -> (what the author did, the broken YAML (str or bytes), the line the problem is reported on)
CASES: dict[str, tuple[str, str | bytes, int]] = {
    "FILE_001": ("the file does not exist", None, 1),
    "FILE_002": ("a file over 1 MiB", "x: '" + "a" * (1024 * 1024) + "'\n", 1),
    "FILE_003": ("a file saved as Latin-1", "id: caf\xe9\n".encode("latin-1"), 1),
    "FILE_004": ("an empty file", "# nothing yet\n", 1),
    "YAML_001": ("an unclosed bracket", _sub("languages: [en, ko]", "languages: [en, ko"), 4),
    "YAML_002": ("the same key twice", _sub("version: 1\n", "version: 1\nversion: 2\n"), 3),
    "YAML_003": ("an alias", _sub("title: {en: Demo, ko: 데모}", "title: &t {en: Demo, ko: 데모}\ndescription: *t"), 4),
    "YAML_004": ("a tag", _sub("version: 1", "version: !!int 1"), 2),
    "YAML_005": ("nesting too deep", "a: " + "[" * 60 + "]" * 60 + "\n", 1),
    "YAML_006": ("`no` for false", _sub("    section: one\n    type: choice", "    section: one\n    required: no\n    type: choice"), 31),
    "YAML_007": ("two documents in one file", BASE + "---\nid: other\n", 44),
    "SCHEMA_001": ("a list at the top level", "- id: demo\n", 1),
    "SCHEMA_002": ("a misspelt key", _sub("version: 1\n", "version: 1\nhybrid_margn: 10\n"), 3),
    "SCHEMA_003": ("a question without a type", _sub("    type: scale\n", ""), 23),
    "SCHEMA_004": ("a word where a number is due", _sub("version: 1", "version: one"), 2),
    "SCHEMA_005": ("an id with capitals", _sub("  - id: friday", "  - id: Friday"), 29),
    "BANK_001": ("two questions with one id", _sub("  - id: friday", "  - id: fundamentals"), 29),
    "BANK_002": ("points for a path that does not exist", _sub("weights: {researcher: 2, engineer: -1}", "weights: {researcher: 2, enginer: -1}"), 28),
    "BANK_003": ("a section that does not exist", _sub("    section: one\n    type: choice", "    section: two\n    type: choice"), 30),
    "BANK_004": ("a rule on a question that does not exist", _sub("{question: friday, op", "{question: fryday, op"), 42),
    "BANK_005": ("a rule on an option that does not exist", _sub('value: paper}', 'value: papers}'), 42),
    "BANK_006": ("a scale whose min is not below max", _sub("scale: {min: 1, max: 5}", "scale: {min: 3, max: 3}"), 27),
    "BANK_007": ("a text without its Korean", _sub("text: {en: I enjoy fundamentals., ko: 기본기 공부가 좋다.}", "text: {en: I enjoy fundamentals.}"), 26),
    "BANK_008": ("a text in a language the bank does not declare", _sub("title: {en: Demo, ko: 데모}", "title: {en: Demo, ko: 데모, ja: デモ}"), 4),
    "BANK_009": ("an operator that does not fit the question", _sub('{question: friday, op: "==", value: paper}', '{question: friday, op: ">", value: paper}'), 42),
    "BANK_010": ("a list where one value is due", _sub('{question: friday, op: "==", value: paper}', '{question: friday, op: "==", value: [paper]}'), 42),
    "BANK_011": ("a choice question with one option", _sub("""      - id: feature
        text: {en: Ship a feature, ko: 기능 출시}
        points: {engineer: 2}
""", ""), 34),
    "BANK_012": ("a scale label outside the scale", _sub("scale: {min: 1, max: 5}", "scale: {min: 1, max: 5, labels: {6: {en: Six, ko: 여섯}}}"), 27),
    "BANK_013": ("two files with one bank id", None, 1),
    "BANK_014": ("an archetype profile missing a path", _sub("profile: {researcher: 90, engineer: 20}", "profile: {researcher: 90}"), 18),
    "BANK_015": ("max_choices larger than the options", _sub("    type: choice", "    type: multi\n    max_choices: 3"), 32),
    "BANK_016": ("a trait no rule sets", _sub("profile: {researcher: 90, engineer: 20}", "profile: {researcher: 90, engineer: 20}\n    traits: [deep-reader]"), 19),
    "BANK_017": ("a question that scores nothing", _sub("weights: {researcher: 2, engineer: -1}", "weights: {researcher: 0}").replace(
        ', {question: fundamentals, op: ">=", value: 4}', ""), 23),
    "BANK_018": ("plain text in a two-language bank", _sub("title: {en: Demo, ko: 데모}", "title: Demo"), 4),
    "BANK_019": ("no paths", _sub("""  - id: researcher
    title: {en: Researcher, ko: 연구자}
    summary: {en: Papers., ko: 논문.}
    advice: {en: Read., ko: 읽기.}
  - id: engineer
    title: {en: Engineer, ko: 엔지니어}
    summary: {en: Products., ko: 제품.}
    advice: {en: Ship., ko: 출시.}
""", "  []\n").replace("paths:\n  []", "paths: []"), 5),
    "BANK_021": ("a pair that names one path twice", _sub("archetypes:\n", "pairs:\n  - paths: [researcher, researcher]\n    advice: {en: Both., ko: 둘 다.}\narchetypes:\n"), 15),
    "BANK_022": ("a rule that reads a flag", _sub('{question: fundamentals, op: ">=", value: 4}', '{flag: deep}'), 42),
    "BANK_023": ("advice shown on a flag no rule sets", _sub("    advice: {en: Read., ko: 읽기.}", "    advice:\n      - text: {en: Read., ko: 읽기.}\n        when: {flag: deep-reader}"), 11),
    "YAML_008": ("a file of more than 20,000 values", "x: [" + "1, " * 20_001 + "1]\n", 1),
    "BANK_024": ("more languages than a bank may have", _sub("languages: [en, ko]", "languages: [en, ko, ja, fr, de, es, it, pt, nl]"), 3),
    "BANK_025": ("a rule that reads 33 answers", _sub('{question: fundamentals, op: ">=", value: 4}',
                                                      ", ".join(['{question: fundamentals, op: ">=", value: 4}'] * 33)), 42),
    "YAML_009": ("a quote not closed on its line (YAML reads on to the next quote, lines later)",
                 _sub("title: {en: Demo, ko: 데모}", 'title:\n  en: "Demo\n  ko: 데모'), 5),
    "YAML_010": ("an operator left unquoted", _sub('op: ">="', "op: >="), 42),
    "YAML_011": ("a key indented one space too far in a list item",
                 _sub("      - id: feature\n        text", "      - id: feature\n         text"), 38),
    "BANK_040": ("a scale whose min and max are swapped (its labels are not reported as outside it too)",
                 _sub("scale: {min: 1, max: 5}", "scale: {min: 5, max: 1, labels: {1: {en: No, ko: 아니요}, "
                      "5: {en: Yes, ko: 네}}}"), 27),
    "BANK_041": ("a country code for a language (`kr` for Korean)", _sub("title: {en: Demo, ko: 데모}", "title: {en: Demo, kr: 데모}"), 4),
    "BANK_042": ("a declared language no text is in (reported once, not at every text)",
                 _sub("languages: [en, ko]", "languages: [en, kr]"), 3),
    "BANK_044": ("a country code declared as a language, and used in every text",
                 BASE.replace("languages: [en, ko]", "languages: [en, kr]").replace(", ko:", ", kr:"), 3),
    "BANK_043": ("changed scoring under an unchanged version, with the old content stored in the database "
                 "(see docs/cli.md)", _sub("weights: {researcher: 2, engineer: -1}", "weights: {researcher: 3, engineer: -1}"), 2),
    "BANK_020": ("a path nothing scores", _sub("weights: {researcher: 2, engineer: -1}", "weights: {researcher: 2}").replace("points: {engineer: 2}", "points: {researcher: 1}"), 10),
}


# What takers would notice (BANK_026 to BANK_034: quiz/bank/_taker.py, quiz/engine/checks.py).
def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def _choice(qid: str, first: str, rest: str) -> str:
    """A four-option choice question whose first option is `first`'s and the others `rest`'s."""
    options = "".join(f"      - id: {qid}-{i}\n        text: {{en: Option {i}, ko: 보기 {i}}}\n"
                      f"        points: {{{first if i == 1 else rest}: 2}}\n" for i in range(1, 5))
    return (f"  - id: {qid}\n    section: one\n    type: choice\n    text: {{en: Which one?, ko: 어느 쪽인가요?}}\n"
            f"    options:\n{options}")


_TOOLS = _sub("rules:\n", """\
  - id: tools
    section: one
    type: multi
    max_choices: 2
    text: {en: Which tools do you use? Choose up to 2., ko: 어떤 도구를 쓰나요? 최대 2개까지 고르세요.}
    options:
      - id: notebook
        text: {en: Notebooks, ko: 노트북}
        points: {researcher: 1}
      - id: ci
        text: {en: CI pipelines, ko: CI 파이프라인}
        points: {engineer: 1}
rules:
""")
_POSITIONS = _sub("rules:\n", "".join(_choice(f"pick-{n}", "researcher", "engineer") for n in (1, 2, 3)) + "rules:\n")
_SAME_POINTS = _sub("weights: {researcher: 2, engineer: -1}", "weights: {researcher: 2, engineer: 2}").replace(
    "points: {researcher: 2}", "points: {researcher: 2, engineer: 2}").replace(
    "points: {engineer: 2}", "points: {researcher: 1, engineer: 1}").replace(
    "then: {points: {researcher: 1}}", "then: {points: {researcher: 1, engineer: 1}}")
_ALIKE = _sub("weights: {researcher: 2, engineer: -1}", "weights: {researcher: 2, engineer: 2}").replace(
    "points: {researcher: 2}", "points: {researcher: 2, engineer: 2}")
_TWIN = _sub("sections:\n", """\
  - id: park
    title: {en: Park, ko: 박○○}
    description: {en: Research as well., ko: 이쪽도 연구.}
    profile: {researcher: 90, engineer: 20}
sections:
""")
_SQUEEZED = """\
id: demo
version: 1
languages: [en]
title: Demo
paths:
  - {id: researcher, title: Researcher, summary: Papers., advice: Read.}
  - {id: engineer, title: Engineer, summary: Products., advice: Ship.}
  - {id: ops, title: Ops, summary: Systems., advice: Run.}
questions:
  - id: friday
    type: choice
    text: A free Friday?
    options:
      - {id: paper, text: Read a paper, points: {researcher: 1, ops: 1}}
      - {id: feature, text: Ship a feature, points: {engineer: 1, ops: 1}}
      - {id: rest, text: Rest, points: {}}
"""
CASES.update({
    "BANK_026": ("a rule that gives points, without a description", BASE, _line_of(BASE, "papers-and-fundamentals")),
    "BANK_027": ("a short title ending in a full stop",
                 _sub("    title: {en: Researcher, ko: 연구자}\n",
                      "    title: {en: Researcher, ko: 연구자}\n    short_title: {en: Research., ko: 연구}\n"), 8),
    "BANK_028": ("a multi question whose text repeats the page's 'Choose up to 2'", _TOOLS,
                 _line_of(_TOOLS, "text: {en: Which tools")),
    "BANK_029": ("three four-option questions, each with the researcher's option first", _POSITIONS, 6),
    "BANK_030": ("a path scored exactly like the one listed before it", _SAME_POINTS, 10),
    "BANK_031": ("two paths that the same answers score", _ALIKE, 10),
    "BANK_032": ("a hybrid margin so wide that most results are hybrids",
                 _sub("title: {en: Demo, ko: 데모}\n", "title: {en: Demo, ko: 데모}\nhybrid_margin: 60\n"), 5),
    "BANK_033": ("an archetype with the same profile as one listed before it", _TWIN,
                 _line_of(_TWIN, "profile: {researcher: 90, engineer: 20}\nsections") ),
    "BANK_034": ("a path that only ever ties with the path it shares its points with", _SQUEEZED, 8),
})


# More cases for codes whose weak spots authors met (issue 14): name -> (code, what the author did,
# the broken YAML, the line the first problem is reported on). Each is the *only* problem reported:
# the root cause, with what follows from it held back, as a compiler recovers and reads on.
ALSO: dict[str, tuple[str, str, str, int]] = {
    "misspelt-section": ("SCHEMA_002", "a misspelt top-level key (`qestions`): one problem, not a missing "
                         "'questions' and every rule's 'unknown question'", _sub("questions:\n", "qestions:\n"), 22),
    "outdented-key": ("SCHEMA_002", "`labels` outdented out of its `scale`",
                      _sub("    scale: {min: 1, max: 5}\n", "    scale:\n      min: 1\n      max: 5\n"
                           "    labels: {1: {en: No, ko: 아니요}}\n"), 30),
    "misindented-item": ("YAML_001", "a list item indented less than the items above it",
                         _sub("      - id: feature\n", "    - id: feature\n"), 37),
    "quote-in-braces": ("YAML_009", "a quote left open inside `{...}`",
                        _sub("title: {en: One, ko: 하나}", 'title: {en: "One, ko: 하나}'), 21),
}


def run_text(text: str | bytes, tmpdir: str) -> list:
    """Check `text` as demo.yaml in tmpdir and return the problems."""
    from quiz.bank import check_file
    path = os.path.join(tmpdir, "demo.yaml")
    with open(path, "wb") as fh:
        fh.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    return check_file(path, "demo.yaml")[1]


def run_case(code: str, tmpdir: str) -> list:
    """Check the case's bank (as demo.yaml in tmpdir) and return the problems."""
    from quiz.bank import BankRegistry, check_file
    from quiz.bank.errors import BankError
    _, text, _ = CASES[code]
    path = os.path.join(tmpdir, "demo.yaml")
    if code == "BANK_043":  # the database's part is the stored hash of version 1 (tests/integration/test_cli_versions.py)
        from quiz.bank import changed_without_bump, check_bytes, load_bank
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(BASE)
        stored = load_bank(path).content_hash
        bank, problems = check_bytes(text.encode("utf-8"), "demo.yaml")
        return problems + [changed_without_bump(bank, [stored], "demo.yaml", (2, 10))]
    if code == "FILE_001":
        return check_file(path, "demo.yaml")[1]
    if code == "BANK_013":
        other = os.path.join(tmpdir, "demo-copy.yaml")
        for p in (path, other):
            with open(p, "w", encoding="utf-8") as fh:
                fh.write(BASE)
        try:
            BankRegistry.from_spec(tmpdir)
        except BankError as exc:
            return [p.__class__(p.code, os.path.basename(p.path), p.line, p.col, p.context) if p.code.name != "BANK_013"
                    else p.__class__(p.code, "demo-copy.yaml", p.line, p.col, {**p.context, "other": "demo.yaml"})
                    for p in exc.problems]
        return []
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    with open(path, "wb") as fh:
        fh.write(raw)
    from quiz.engine import bank_findings  # what `quiz check` adds: what only scoring shows
    return check_file(path, "demo.yaml", deeper=bank_findings)[1]


def rendered_also() -> dict[str, str]:
    import tempfile
    out = {}
    for name, (code, _, text, _) in ALSO.items():
        with tempfile.TemporaryDirectory() as tmp:
            problems = [p for p in run_text(text, tmp) if p.code.name == code]
        out[name] = problems[0].render() if problems else ""
    return out


def rendered_examples() -> dict[str, str]:
    import tempfile
    out = {}
    for code in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            problems = [p for p in run_case(code, tmp) if p.code.name == code]
        out[code] = problems[0].render() if problems else ""
    return out


def docs_block() -> str:
    from quiz.bank.errors import ErrorCode
    lines = []
    examples, also = rendered_examples(), rendered_also()
    for code in ErrorCode:
        if code.name not in CASES:  # test_every_code_has_a_case says so; the rest is still written
            continue
        what = CASES[code.name][0]
        lines += [f"### {code.name}", "", f"*{code.severity}* — example: {what}.", "", "```",
                  examples[code.name], "```", ""]
        for name, (also_code, also_what, _, _) in ALSO.items():
            if also_code == code.name:
                lines += [f"Also: {also_what}.", "", "```", also[name], "```", ""]
    return "\n".join(lines)


def write_docs() -> None:
    text = open(DOCS, encoding="utf-8").read()
    new = re.sub(r"(<!-- errors:start -->\n).*?(<!-- errors:end -->)",
                 lambda m: m.group(1) + docs_block() + m.group(2), text, flags=re.S)
    with open(DOCS, "w", encoding="utf-8") as fh:
        fh.write(new)


if __name__ == "__main__":
    if "--write-docs" in sys.argv:
        write_docs()
    else:
        for code, line in rendered_examples().items():
            print(code, "->", line or "(NOT PRODUCED)")
