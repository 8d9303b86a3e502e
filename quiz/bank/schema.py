"""The bank format written out: YAML that loads back, and the JSON Schema editors use."""
from __future__ import annotations

import json
from typing import Any

import yaml

from quiz.bank import yaml_reader
from quiz.bank.model import Bank


class _QuotingDumper(yaml.SafeDumper):
    """Writes every string double-quoted, so no string is ever read back as another type."""


def _represent_str(dumper: yaml.SafeDumper, s: str) -> Any:
    # Quote a string our reader would take for another type ("1e5", "null"); the dumper's own
    # YAML 1.1 rules already quote "yes", "no" and "0755".
    style = '"' if yaml_reader.resolve_plain(s) != s or s != s.strip() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style)


_QuotingDumper.add_representer(str, _represent_str)


def dump_yaml(bank: Bank) -> str:
    """The bank as YAML that loads back to an equal bank (used by tests and authoring tools)."""
    data = bank.model_dump(mode="python", by_alias=True, exclude_none=True, exclude_defaults=True)
    data = json.loads(json.dumps(data))  # tuples to lists, int label keys to strings ...
    for q in data.get("questions", []):  # ... but scale labels are keyed by whole numbers
        labels = (q.get("scale") or {}).get("labels")
        if labels:
            q["scale"]["labels"] = {int(k): v for k, v in labels.items()}
    head = "# yaml-language-server: $schema=bank.schema.json\n"
    return head + yaml.dump(data, Dumper=_QuotingDumper, allow_unicode=True, sort_keys=False, width=100)


def _close_language_maps(node: Any) -> None:
    """A localised text maps language codes only: say so (pydantic leaves other keys open), so
    that a block ({text, when, topic}) is never also read as a text by editors."""
    if isinstance(node, dict):
        if node.get("type") == "object" and "patternProperties" in node and "properties" not in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _close_language_maps(value)
    elif isinstance(node, list):
        for value in node:
            _close_language_maps(value)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the bank format, as committed in questions/bank.schema.json."""
    schema = Bank.model_json_schema(by_alias=True, mode="validation")
    _close_language_maps(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://know-yourself.invalid/bank.schema.json"
    schema["title"] = "Know Yourself question bank"
    return schema


def bank_json_schema(bank: Bank) -> dict[str, Any]:
    """The format's JSON Schema narrowed to one bank: path, question, section and flag ids and the
    bank's languages become enums, so an editor flags a wrong path id as you type it."""
    import copy

    from quiz.bank.model import LANG, SLUG
    schema = copy.deepcopy(json_schema())
    paths, languages = list(bank.path_ids), list(bank.languages)
    questions = [q.id for q in bank.questions]
    sections = [s.id for s in bank.sections]
    flags = sorted({r.then.flag for r in bank.rules if r.then.flag})

    def narrow(node: Any) -> None:
        if isinstance(node, dict):
            pattern = node.get("patternProperties") or {}
            if node.get("type") == "object" and SLUG in pattern:       # points, weights, profile
                value = pattern[SLUG]
                node.pop("patternProperties")
                node["properties"] = {p: copy.deepcopy(value) for p in paths}
                node["additionalProperties"] = False
            elif node.get("type") == "object" and LANG in pattern:     # a text in each language
                node.pop("patternProperties")
                node["properties"] = {lang: {"type": "string", "minLength": 1} for lang in languages}
                node["required"] = languages
                node["additionalProperties"] = False
            for value in node.values():
                narrow(value)
        elif isinstance(node, list):
            for value in node:
                narrow(value)

    narrow(schema)
    defs = schema["$defs"]
    defs["Leaf"]["properties"]["question"] = {"enum": questions, "title": "Question"}
    defs["Question"]["properties"]["section"] = {"enum": sections + [None], "title": "Section"}
    defs["Pair"]["properties"]["paths"]["prefixItems"] = [{"enum": paths}, {"enum": paths}]
    defs["FlagLeaf"]["properties"]["flag"] = {"enum": flags, "title": "Flag"}
    defs["Archetype"]["properties"]["traits"]["items"] = {"enum": flags}
    schema["properties"]["languages"]["items"] = {"enum": languages}
    schema["title"] = f"Know Yourself question bank '{bank.id}'"
    schema["$id"] = f"https://know-yourself.invalid/{bank.id}.schema.json"
    return schema
