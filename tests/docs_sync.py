"""Docs generated from the code, so they cannot drift (Datasette's habit, without cog).

docs/cli.md embeds the `--help` of every `flask --app app quiz` command between markers;
tests/test_docs.py fails when they differ. Regenerate with:
    .venv/bin/python -m tests.docs_sync --write
"""
from __future__ import annotations

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI_DOC = os.path.join(ROOT, "docs", "cli.md")


def command_names() -> list[str]:
    import quiz.store.db
    import quiz.store.reports
    from quiz.cli import init_app, quiz_cli  # noqa: F401
    try:
        import quiz.engine.simulate  # noqa: F401
    except ModuleNotFoundError:
        pass
    return sorted(quiz_cli.commands)


def help_text(name: str) -> str:
    import click

    from quiz.cli import quiz_cli
    command = quiz_cli.commands[name]
    with click.Context(quiz_cli, info_name="flask --app app quiz") as parent:
        ctx = click.Context(command, info_name=name, parent=parent, terminal_width=100, max_content_width=100)
        text = command.get_help(ctx)

    return text.rstrip() + "\n"


def block(name: str) -> str:
    return f"<!-- help:{name} -->\n```\n{help_text(name)}```\n<!-- /help:{name} -->"


def render(text: str) -> str:
    for name in command_names():
        pattern = re.compile(rf"<!-- help:{name} -->.*?<!-- /help:{name} -->", re.S)
        text = pattern.sub(lambda _m: block(name), text)
    return text


if __name__ == "__main__":
    if "--write" in sys.argv:
        with open(CLI_DOC, encoding="utf-8") as fh:
            old = fh.read()
        new = render(old)
        with open(CLI_DOC, "w", encoding="utf-8") as fh:
            fh.write(new)
        print("docs/cli.md", "updated" if new != old else "unchanged")
    else:
        for n in command_names():
            print(block(n))
