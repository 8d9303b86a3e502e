"""The JSON Schema editors load: every field explains itself (a description and an example that the
field's own schema accepts), and the schema of one bank (`quiz schema --bank`) knows that bank's
path, question, option and language ids, so an editor underlines a wrong one."""
import copy
import os

import jsonschema
import pytest
import yaml

from quiz.bank import load_bank
from quiz.bank.schema import bank_json_schema, json_schema
from tests.conftest import SHIPPED_BANKS, TINY_BANK


def _fields(schema: dict):
    """(where, field schema) for every named property anywhere in `schema`."""
    stack = [("", schema)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if isinstance(sub, dict):
                    yield f"{where}.{name}", sub
            stack.extend((f"{where}/{k}", v) for k, v in node.items() if k not in ("if", "then", "else"))
        elif isinstance(node, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(node))


def _banks():
    return [TINY_BANK] + [os.path.join(SHIPPED_BANKS, f) for f in sorted(os.listdir(SHIPPED_BANKS)) if f.endswith(".yaml")]


@pytest.mark.parametrize("which", ["format"] + [os.path.basename(p) for p in _banks()])
def test_every_field_has_a_description_and_an_example(which):
    schema = json_schema() if which == "format" else bank_json_schema(
        load_bank(next(p for p in _banks() if os.path.basename(p) == which)))
    fields = list(_fields(schema))
    assert len(fields) > 60
    lacking = [where for where, field in fields
               if not (isinstance(field.get("description"), str) and field["description"].strip()
                       and isinstance(field.get("examples"), list) and field["examples"])]
    assert not lacking, f"add a description and an example (FIELD_DOCS in quiz/bank/schema.py) for: {lacking}"


def test_every_example_is_valid_for_its_field():
    schema = json_schema()
    named = [("bank", schema["properties"])] + [(name, d.get("properties", {})) for name, d in schema["$defs"].items()]
    checked = 0
    for model, props in named:
        for name, field in props.items():
            validator = jsonschema.Draft202012Validator({**field, "$defs": schema["$defs"]})
            for example in field["examples"]:
                problems = [e.message for e in validator.iter_errors(example)]
                assert not problems, f"{model}.{name}: example {example!r}: {problems}"
                checked += 1
    assert checked > 60


def _tiny():
    return yaml.safe_load(open(TINY_BANK, encoding="utf-8"))


def _errors(data) -> list[str]:
    schema = bank_json_schema(load_bank(TINY_BANK))
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]


def test_a_banks_schema_accepts_the_bank_itself():
    assert _errors(_tiny()) == []


@pytest.mark.parametrize("what, mutate", [
    ("a path id in weights", lambda d: d["questions"][0]["weights"].update({"enginer": 1})),
    ("a path id in option points", lambda d: d["questions"][1]["options"][0]["points"].update({"opps": 1})),
    ("a path id in a profile", lambda d: d["archetypes"][0]["profile"].update({"reseacher": 5})),
    ("a question id in a rule", lambda d: d["rules"][0]["when"]["all"][0].update({"question": "process-wrok"})),
    ("an option id in a rule", lambda d: d["rules"][1]["when"].update({"value": "kubeflwo"})),
    ("a scale value off the scale", lambda d: d["rules"][0]["when"]["all"][0].update({"value": 9})),
    ("an operator that does not fit", lambda d: d["rules"][1]["when"].update({"op": "=="})),
    ("a language code in a text", lambda d: d["title"].update({"kr": "작은 문항집"})),
    ("an undeclared language", lambda d: d.update({"languages": ["en", "kr"]})),
])
def test_a_banks_schema_catches_a_wrong_id(what, mutate):
    data = copy.deepcopy(_tiny())
    mutate(data)
    assert _errors(data), f"the bank's schema accepts {what}"
    # the format's schema alone cannot know them: that is what --bank adds
    assert not list(jsonschema.Draft202012Validator(json_schema()).iter_errors(data)), what
