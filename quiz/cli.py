"""`flask --app app quiz …`: the authors' and operators' commands (CONTRACT §3)."""
from __future__ import annotations

import json
import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from quiz.bank import bank_files, check_file, json_schema
from quiz.config import ROOT

quiz_cli = AppGroup("quiz", help="Check, inspect and report on question banks.")


def _display(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


@quiz_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, file_okay=True, path_type=str))
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line.")
@click.option("--show-source", "-s", is_flag=True,
              help="Under each problem, print its line of the file with a caret under the column.")
def check_command(paths: tuple[str, ...], quiet: bool, show_source: bool) -> None:
    """Validate banks (default: every bank in QUIZ_BANKS).

    Prints every problem, one a line, as PATH:LINE:COL: error[CODE]: message, then a summary.
    Exit 0 when there are no errors, 1 when there are, 2 on bad usage.
    """
    from flask import current_app
    files: list[str] = []
    if paths:
        for p in paths:
            files.extend(bank_files(p) if os.path.isdir(p) else [p])
    else:
        files = bank_files(current_app.config["QUIZ_BANKS"])
    errors = warnings = 0
    seen_ids: dict[str, str] = {}
    for path in files:
        bank, problems = check_file(path, _display(path))
        if bank is not None:
            if bank.id in seen_ids:
                from quiz.bank.errors import ErrorCode, Problem
                problems.append(Problem(ErrorCode.BANK_013, _display(path), 1, 1,
                                        {"id": bank.id, "other": seen_ids[bank.id]}))
            seen_ids.setdefault(bank.id, _display(path))
        for p in problems:
            if p.severity == "error":
                errors += 1
            else:
                warnings += 1
            if not quiet:
                click.echo(p.render())
                if show_source:
                    click.echo(source_excerpt(path, p.line, p.col))
    summary = (f"{len(files)} bank{'s' if len(files) != 1 else ''} checked: "
               f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}")
    if not files:
        summary = "no bank files found"
    click.echo(summary)
    sys.exit(1 if errors or not files else 0)


def source_excerpt(path: str, line: int, col: int) -> str:
    """'  12 | the line' and a caret under the column, as compilers print them."""
    from quiz.bank.yaml_reader import MAX_BYTES
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError:
        return ""
    lines = raw.decode("utf-8", "replace").splitlines()
    if not 0 < line <= len(lines):
        return ""
    text = lines[line - 1].replace("\t", " ")
    gutter = f"{line:>5} | "
    return f"{gutter}{text}\n{' ' * (len(gutter) - 2)}| {' ' * max(col - 1, 0)}^"


@quiz_cli.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of the bank format (the same as questions/bank.schema.json)."""
    click.echo(schema_text(), nl=False)


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


SCHEMA_FILE = os.path.join(ROOT, "questions", "bank.schema.json")


def init_app(app: Flask) -> None:
    app.cli.add_command(quiz_cli)
    # Commands built in their own modules register themselves on quiz_cli when imported.
    for module in ("quiz.store.reports",):
        try:
            __import__(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


@quiz_cli.command("simulate")
@click.argument("bank_ref", metavar="BANK")
@click.option("--n", "n", type=click.IntRange(min=0, max=10_000_000), default=10_000, show_default=True,
              help="How many uniform-random answer sets.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same report).")
def simulate_command(bank_ref: str, n: int, seed: int) -> None:
    """Balance audit: random, straight-line and per-path maximising answer sets through the scorer.

    Prints the distribution of primary paths, hybrids and archetypes, and flags paths that random
    takers reach under 5% or over 60% of the time, and archetypes never matched. Exit 1 when a
    path is never primary in any answer set tried; 0 otherwise; 2 for an unknown bank.
    """
    from quiz.engine import render, run_audit
    from quiz.store.reports import resolve_bank  # the CLI's one way of naming a bank: id or file
    bank = resolve_bank(bank_ref)
    audit = run_audit(bank, n=n, seed=seed)
    click.echo(render(audit), nl=False)
    sys.exit(1 if audit.unreachable else 0)
