"""docs/security.md stays true: every test its tables name exists (a renamed or deleted test fails
here), every ASVS row names one, and the README links the page."""
from __future__ import annotations

import ast
import os
import re

from tests.conftest import ROOT

DOC = os.path.join(ROOT, "docs", "security.md")
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
ASVS_ID = re.compile(r"\d{1,2}\.\d{1,2}\.\d{1,2}")


def _text() -> str:
    with open(DOC, encoding="utf-8") as fh:
        return fh.read()


def _section(text: str, heading: str) -> str:
    start = text.index(f"## {heading}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else len(text)]


def _table_rows(section: str) -> list[list[str]]:
    rows = [line for line in section.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    return [c for c in cells[2:]]  # past the header and its --- line


def collectable_names(path: str) -> set[str]:
    """The test functions and test classes a file defines at module level (what pytest collects
    by name), including classes bound by assignment (`TestFlow = Machine.TestCase`)."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as fh:
        tree = ast.parse(fh.read(), path)
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return {n for n in names if n.startswith(("test_", "Test"))}


def test_every_test_the_page_names_exists():
    named = NODE.findall(_text())
    assert len(named) >= 40, "the tables name fewer tests than expected: is the format still `path::name`?"
    missing = []
    for path, name in sorted(set(named)):
        if not os.path.exists(os.path.join(ROOT, path)):
            missing.append(f"{path} (no such file)")
        elif name not in collectable_names(path):
            missing.append(f"{path}::{name}")
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"


def test_every_asvs_row_has_an_id_a_how_and_a_test():
    rows = _table_rows(_section(_text(), "OWASP ASVS 5.0 requirements we meet"))
    assert len(rows) >= 20
    ids = []
    for cells in rows:
        assert len(cells) == 4, cells
        asvs, short, how, tests = cells
        assert ASVS_ID.fullmatch(asvs), f"not an ASVS 5.0 requirement id: {asvs!r}"
        assert short and how, cells
        assert NODE.search(tests), f"ASVS {asvs} names no test"
        ids.append(asvs)
    assert len(ids) == len(set(ids)), "an ASVS requirement is listed twice"
    # In the standard's order: chapter, section, requirement.
    assert ids == sorted(ids, key=lambda i: tuple(int(p) for p in i.split("."))), ids


def test_every_finding_of_issue_12_has_a_named_test():
    rows = _table_rows(_section(_text(), "Security findings of issue 12"))
    assert [int(r[0]) for r in rows] == list(range(1, 16))
    for number, _finding, tests in rows:
        assert NODE.search(tests), f"finding {number} names no test"


def test_the_readme_links_the_page():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        assert "docs/security.md" in fh.read()
