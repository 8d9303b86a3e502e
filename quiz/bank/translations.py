"""Handing a bank's texts to a translator and bringing them back.

`export_rows` lists every localised text of a bank file with its source (the bank's first
language) and the target language's current text; `import_rows` writes translated texts back
into the file. The file is read and written with ruamel.yaml's round-trip mode, so comments,
key order, quoting and block scalars stay as the author wrote them; only the target language's
values change. (One thing ruamel rewrites: a one-key mapping inside a flow list, `[a, {not: x}]`,
comes back as `[a, not: x]`, which is the same YAML and loads to the same bank.) A row whose
source text no longer matches the file (the English changed since the export) is stale: it is
not written, and is reported so the translator sees it again.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

COLUMNS = ("bank", "lang", "where", "source", "text")


def _yaml() -> YAML:
    y = YAML()  # round-trip: comments, order and styles kept
    y.preserve_quotes = True
    y.width = 4096  # never re-wrap an author's long lines
    y.indent(mapping=2, sequence=4, offset=2)  # list items indented under their key, as docs/authoring.md writes them
    return y


def _texts(node: Any, languages: set[str], where: str = "") -> Iterator[tuple[str, Any]]:
    """(where, the mapping {language: text}) for every localised text below `node`."""
    if isinstance(node, dict):
        keys = set(node.keys())
        if keys and keys <= languages and all(isinstance(v, str) for v in node.values()):
            yield where, node
            return
        for key, value in node.items():
            yield from _texts(value, languages, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            ident = value.get("id") if isinstance(value, dict) else None
            yield from _texts(value, languages, f"{where}[{ident if isinstance(ident, str) else i}]")


def _load(text: str) -> tuple[Any, str, set[str]]:
    data = _yaml().load(text)
    languages = [str(lang) for lang in data.get("languages") or []]
    if len(languages) < 2:
        raise ValueError("the bank names fewer than two languages: there is nothing to translate")
    return data, languages[0], set(languages)


def export_rows(text: str, lang: str) -> list[dict[str, str]]:
    """One row per text: the bank, the language, where the text is, its source, and its `lang`
    text so far ('' when missing)."""
    data, source, languages = _load(text)
    if lang not in languages:
        raise ValueError(f"the bank has no language '{lang}' (it has {', '.join(sorted(languages))})")
    if lang == source:
        raise ValueError(f"'{lang}' is the bank's source language: export another one")
    bank_id = str(data.get("id", ""))
    return [{"bank": bank_id, "lang": lang, "where": where, "source": str(texts.get(source, "")),
             "text": str(texts.get(lang, ""))} for where, texts in _texts(data, languages)]


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def from_csv(text: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and set(COLUMNS) - set(rows[0]):
        raise ValueError(f"the CSV needs the columns {', '.join(COLUMNS)}")
    return rows


@dataclass
class Imported:
    text: str                 # the bank file's new content
    written: int              # texts changed
    unchanged: int            # texts already as translated
    stale: list[str]          # where the source changed since the export: not written
    unknown: list[str]        # where no such text is in the bank any more


def import_rows(text: str, lang: str, rows: list[dict[str, str]]) -> Imported:
    data, source, languages = _load(text)
    if lang not in languages:
        raise ValueError(f"the bank has no language '{lang}' (it has {', '.join(sorted(languages))})")
    found = dict(_texts(data, languages))
    written = unchanged = 0
    stale: list[str] = []
    unknown: list[str] = []
    for row in rows:
        where, translated = row.get("where", ""), row.get("text", "")
        texts = found.get(where)
        if texts is None:
            unknown.append(where)
            continue
        if str(texts.get(source, "")) != row.get("source", ""):
            stale.append(where)
            continue
        if not translated.strip():
            continue
        if str(texts.get(lang, "")) == translated:
            unchanged += 1
            continue
        original = texts.get(lang, texts.get(source))
        # Multi-line texts keep a block scalar (`|`) like their source.
        texts[lang] = LiteralScalarString(translated) if "\n" in translated or \
            isinstance(original, LiteralScalarString) else translated
        written += 1
    out = io.StringIO()
    _yaml().dump(data, out)
    return Imported(out.getvalue(), written, unchanged, stale, unknown)
