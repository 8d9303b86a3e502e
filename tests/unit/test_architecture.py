"""The import contract: data flows one way, YAML → bank → answers → outcome → stored result → page,
and lower layers never reach up. Read from the source with `ast`, so a violation fails here before
it can hide behind a lazy import.

The layers, as data (docs/architecture.md draws the same picture):
"""
from __future__ import annotations

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QUIZ = os.path.join(ROOT, "quiz")

# component → the components it may import (besides itself and the shared app-wide modules)
LAYERS = {
    "quiz.bank": set(),
    "quiz.engine": {"quiz.bank"},
    "quiz.store": {"quiz.bank", "quiz.engine"},
    "quiz.service": {"quiz.bank", "quiz.engine", "quiz.store"},
    "quiz.web": {"quiz.bank", "quiz.engine", "quiz.store", "quiz.service"},
}
# App-wide modules any layer above the pure core may use: settings and the unbound extensions.
SHARED = {"quiz.config", "quiz.extensions"}
# The pure core knows nothing of the web or the database, not even through a shared module.
PURE = {"quiz.bank", "quiz.engine"}
# Pure utilities every layer may use, the pure core included: the one kind of cache.
UTILITIES = {"quiz.lru"}
WEB_AND_DB = ("flask", "werkzeug", "jinja2", "sqlalchemy", "flask_sqlalchemy", "flask_babel", "flask_wtf",
              "flask_limiter", "wtforms", "markupsafe")
# What only the web layer may take from Flask: the request and its per-request state.
REQUEST_STATE = {"request", "g", "session", "has_request_context", "current_user"}
# Outside every layer, allowed to import anything: the factory and the CLI wire it all (and no layer
# may import them). A module whose name starts with "_" is private to its component.
WIRING = {"quiz", "quiz.cli"}


def modules() -> dict[str, str]:
    out = {}
    for folder, _dirs, files in os.walk(QUIZ):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                out[rel[:-9] if rel.endswith(".__init__") else rel] = path
    return out


def imports(path: str, module: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names taken from it, line) for every import, relative ones resolved."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    package = module if path.endswith("__init__.py") else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            names = [a.name for a in node.names]
            out.append((base, names, node.lineno))
            # `from quiz.web import banks` names the module quiz.web.banks
            out += [(f"{base}.{n}", [], node.lineno) for n in names if f"{base}.{n}" in MODULES]
    return out


MODULES = modules()


def component(module: str) -> str | None:
    return next((c for c in LAYERS if module == c or module.startswith(c + ".")), None)


def violations() -> list[str]:
    found = []
    for module, path in sorted(MODULES.items()):
        mine = component(module)
        for imported, names, line in imports(path, module):
            where = f"{os.path.relpath(path, ROOT)}:{line}"
            top = imported.split(".")[0]
            theirs = component(imported)
            if mine in PURE and (top in WEB_AND_DB or imported in SHARED):
                found.append(f"{where}: {mine} is pure but imports {imported}")
            if mine == "quiz.store" and top == "flask" and REQUEST_STATE & set(names):
                found.append(f"{where}: the store reads request state ({', '.join(sorted(REQUEST_STATE & set(names)))})")
            if mine is None or theirs is None or theirs == mine:
                continue
            if theirs not in LAYERS[mine]:
                found.append(f"{where}: {mine} may not import {theirs} ({imported})")
            elif any(part.startswith("_") for part in imported[len(theirs) + 1:].split(".") if part):
                found.append(f"{where}: {imported} is private to {theirs}; use what {theirs} exports")
        for imported, _names, line in imports(path, module):
            if mine is not None and (imported == "quiz.cli" or (imported == "quiz" and _names and "create_app" in _names)):
                found.append(f"{os.path.relpath(path, ROOT)}:{line}: {mine} reaches up to the wiring ({imported})")
    return found


def test_every_module_belongs_to_a_layer():
    unplaced = [m for m in MODULES if component(m) is None and m not in WIRING | SHARED | UTILITIES]
    assert unplaced == [], "modules outside the layers of docs/architecture.md: " + ", ".join(sorted(unplaced))


def test_layers_import_only_downwards_and_through_the_front_door():
    assert violations() == []


@pytest.mark.parametrize("bad, expected", [
    ("from flask import request\n", "is pure but imports flask"),
    ("import sqlalchemy\n", "is pure but imports sqlalchemy"),
    ("from quiz.store import models\n", "may not import quiz.store"),
    ("from quiz.bank._meaning import MeaningChecker\n", None),  # inside its own component: allowed
])
def test_the_contract_catches_what_it_should(tmp_path, monkeypatch, bad, expected):
    """The checker itself can fail: a pure-engine module that reached for Flask, the database or
    the store is reported with its file and line."""
    path = tmp_path / "probe.py"
    path.write_text(bad)
    monkeypatch.setitem(MODULES, "quiz.engine.probe", str(path))
    reported = [v for v in violations() if "probe.py" in v]
    if expected is None:
        assert [v for v in reported if "quiz.bank" in v and "private" not in v] == []
    else:
        assert any(expected in v for v in reported), reported


def test_a_private_module_of_another_component_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "probe.py"
    path.write_text("from quiz.bank._meaning import MeaningChecker\n")
    monkeypatch.setitem(MODULES, "quiz.engine.probe", str(path))
    assert any("private to quiz.bank" in v for v in violations())
