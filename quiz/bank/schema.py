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


# What an editor shows on hover and offers on completion for each field: (description, example).
# A field missing here fails tests/unit/test_schema_docs.py, which also checks each example
# against the field's own schema.
_T = {"en": "Know yourself first", "ko": "너 자신을 알라"}
_COND = {"all": [{"question": "first-week", "op": "==", "value": "read-papers"}]}
FIELD_DOCS: dict[str, dict[str, tuple[str, Any]]] = {
    "Bank": {
        "$schema": ("The schema this file is checked against, for editors that read it (optional).",
                    "https://know-yourself.invalid/bank.schema.json"),
        "id": ("The bank's id: lowercase letters, digits, '-' and '_'; unique across banks, and part of "
               "the quiz's address (/quiz/<id>).", "know-yourself"),
        "version": ("A whole number from 1. Bump it whenever questions or scoring change: results are "
                    "pinned to the content of their version, and `quiz check` refuses changed content "
                    "under a version the database already holds.", 1),
        "languages": ("The language codes every text is given in (ISO 639-1: 'ko' for Korean, not 'kr'); "
                      "the first is the fallback.", ["en", "ko"]),
        "title": ("The bank's name on the start page and in the browser tab.", _T),
        "description": ("Optional: the start page's introduction (markdown).",
                        {"en": "Ten questions about your work.", "ko": "일에 관한 열 가지 질문이에요."}),
        "hybrid_margin": ("A result is a hybrid of its two leading paths when they lie less than this "
                          "apart on the 0-100 scale (default 10).", 10),
        "paths": ("The outcomes, in display order (an exact tie goes to the one listed first).",
                  [{"id": "researcher", "title": {"en": "Researcher", "ko": "연구자"},
                    "summary": {"en": "Fundamental study.", "ko": "근본을 파고드는 공부."},
                    "advice": {"en": "Read one paper a week.", "ko": "일주일에 논문 한 편을 읽어 보세요."}}]),
        "pairs": ("Optional: results-page content for a hybrid of two paths, in either order.",
                  [{"paths": ["researcher", "engineer"],
                    "advice": {"en": "Your middle ground is the research engineer.",
                               "ko": "두 쪽이 만나는 자리는 연구 엔지니어예요."}}]),
        "archetypes": ("Optional: typical working days; a result names the nearest one.",
                       [{"id": "kim", "title": {"en": "Kim: data engineering", "ko": "김○○: 데이터 엔지니어링"},
                         "description": {"en": "Keeps the pipelines running.", "ko": "파이프라인이 돌아가게 해요."},
                         "profile": {"ops": 90, "engineer": 45, "researcher": 15}}]),
        "sections": ("Optional: the quiz's pages, in order; questions name theirs with `section`.",
                     [{"id": "step-one", "title": {"en": "Step one", "ko": "첫걸음"}}]),
        "questions": ("The questions, in order within their section.",
                      [{"id": "likes-fundamentals", "type": "scale",
                        "text": {"en": "I want to know why a method works.", "ko": "기법이 왜 되는지 알고 싶어요."},
                        "scale": {"min": 1, "max": 5}, "weights": {"researcher": 2}}]),
        "rules": ("Optional: conditions on answers and what they add to the result.",
                  [{"id": "platform", "when": {"all": [{"question": "tools", "op": "contains", "value": "kubeflow"}]},
                    "then": {"points": {"ops": 1}}}]),
        "contradictions": ("Optional: answer combinations that make a result less firm; the results "
                           "page says so with the message.",
                           [{"id": "papers-without-fundamentals", "when": _COND,
                             "message": {"en": "You pick papers but dislike fundamentals.",
                                         "ko": "논문을 고르면서 기본기는 싫다고 했어요."}}]),
    },
    "Path": {
        "id": ("The path's id, used in points, weights, pairs and profiles.", "researcher"),
        "title": ("The path's name on the results page.", {"en": "Researcher", "ko": "연구자"}),
        "short_title": ("Optional: a short name for hybrids ('Engineer-ops hybrid'), bar labels and the "
                        "share card; no final full stop.", {"en": "Ops", "ko": "MLOps"}),
        "summary": ("One line under the path's name.", {"en": "Fundamental study.", "ko": "근본을 파고드는 공부."}),
        "advice": ("Shown when this path leads: markdown text, or a list of blocks each shown when its "
                   "`when` holds.", {"en": "Read one paper a week.", "ko": "일주일에 논문 한 편을 읽어 보세요."}),
        "secondary": ("Optional: what this path adds when it comes second.",
                      {"en": "The habit of asking why.", "ko": "왜 되는지 묻는 습관이에요."}),
        "next_steps": ("Optional: steps for the results page's plan (texts, or blocks with `when` and "
                       "`topic`).", [{"en": "Reproduce a recent paper.", "ko": "최신 논문 한 편을 재현해 보세요."}]),
    },
    "Pair": {
        "paths": ("The two paths of the hybrid, in either order.", ["researcher", "engineer"]),
        "advice": ("Optional: what the results page says to this hybrid.",
                   {"en": "Your middle ground is the research engineer.", "ko": "두 쪽이 만나는 자리는 연구 엔지니어예요."}),
        "next_steps": ("Optional: the hybrid's own plan, instead of the two paths' steps.",
                       [{"en": "Join a research engineering team.", "ko": "연구 엔지니어링 팀에 합류해 보세요."}]),
    },
    "Archetype": {
        "id": ("The archetype's id.", "kim"),
        "title": ("Its name on the results page.", {"en": "Kim: data engineering", "ko": "김○○: 데이터 엔지니어링"}),
        "description": ("A few lines about the day it describes.",
                        {"en": "Keeps the pipelines running.", "ko": "파이프라인이 돌아가게 해요."}),
        "profile": ("The path scores (0-100) that typify this day, one for every path.",
                    {"ops": 90, "engineer": 45, "researcher": 15}),
        "traits": ("Optional: flags (set by rules) that typify this day; they separate archetypes with "
                   "similar scores.", ["platform"]),
        "from_here": ("Optional: how to get to this day from where the taker stands (shown when it is the "
                      "closest).", {"en": "Take over one pipeline nobody owns.",
                                    "ko": "아무도 맡지 않은 파이프라인 하나를 맡아 보세요."}),
    },
    "Section": {
        "id": ("The section's id, named by its questions' `section`.", "step-one"),
        "title": ("The page's heading.", {"en": "Step one", "ko": "첫걸음"}),
        "intro": ("Optional: a line under the heading.",
                  {"en": "Know what you enjoy.", "ko": "무엇을 좋아하는지부터 알아보세요."}),
    },
    "Question": {
        "id": ("The question's id, read by rules and stored with each answer.", "likes-fundamentals"),
        "section": ("Optional: the id of the section (page) it is on; questions without one form a last, "
                    "untitled page.", "step-one"),
        "type": ("scale: a number between min and max; choice: one option; multi: any number of options "
                 "(or up to max_choices).", "choice"),
        "required": ("Whether a taker must answer it (default true).", True),
        "text": ("The question as the taker reads it.",
                 {"en": "I want to know why a method works.", "ko": "기법이 왜 되는지 알고 싶어요."}),
        "help": ("Optional: a hint under the question. The page already says 'Choose up to N'.",
                 {"en": "Answer for the work you do now.", "ko": "지금 하는 일을 기준으로 답해 주세요."}),
        "source": ("Optional: where in the seed material it comes from (for authors; takers never see it).",
                   "003 Step one, researcher criteria"),
        "scale": ("A scale question's range and labels.",
                  {"min": 1, "max": 5, "labels": {"1": {"en": "Not at all", "ko": "전혀"}}}),
        "weights": ("A scale question's points per path: weight x (answer - midpoint).", {"researcher": 2}),
        "options": ("A choice or multi question's options, in the order shown (unless shuffle).",
                    [{"id": "read-papers", "text": {"en": "Read papers", "ko": "논문 읽기"}, "points": {"researcher": 2}},
                     {"id": "ship-feature", "text": {"en": "Ship a feature", "ko": "기능 하나 내보내기"},
                      "points": {"engineer": 2}}]),
        "max_choices": ("Optional, multi questions only: how many options a taker may pick.", 2),
        "shuffle": ("Optional, choice and multi questions: each taker sees the options in an order of "
                    "their own (stable for that taker).", True),
    },
    "Option": {
        "id": ("The option's id, read by rules and stored as the answer.", "read-papers"),
        "text": ("The option as the taker reads it.", {"en": "Read papers", "ko": "논문 읽기"}),
        "points": ("Points per path added when this option is picked.", {"researcher": 2}),
    },
    "Scale": {
        "min": ("The lowest answer (default 1).", 1),
        "max": ("The highest answer (default 5); at most 10 above min.", 5),
        "labels": ("Optional: words for some of the points, keyed by the number.",
                   {"1": {"en": "Not at all", "ko": "전혀"}, "5": {"en": "Very much", "ko": "매우"}}),
    },
    "Rule": {
        "id": ("The rule's id.", "platform"),
        "description": ("What the answers it reads have in common; the results page gives it as a reason.",
                        {"en": "Pipelines appeal to you", "ko": "파이프라인에 끌린다는 답변"}),
        "when": ("The condition: a leaf {question, op, value}, or all / any / not of conditions.", _COND),
        "then": ("What the rule adds when its condition holds.", {"points": {"ops": 1}, "flag": "platform"}),
    },
    "Effect": {
        "points": ("Points per path added to the result.", {"ops": 1}),
        "flag": ("Optional: a flag results-page content and archetype traits may read.", "platform"),
        "advice": ("Optional: advice added to the results page.",
                   {"en": "Platform work suits you.", "ko": "플랫폼 일이 잘 맞아요."}),
    },
    "Contradiction": {
        "id": ("The contradiction's id.", "papers-without-fundamentals"),
        "when": ("The combination of answers that contradict each other.", _COND),
        "message": ("What the results page tells the taker.",
                    {"en": "You pick papers but dislike fundamentals.", "ko": "논문을 고르면서 기본기는 싫다고 했어요."}),
    },
    "Block": {
        "id": ("Optional: the block's id.", "first-paper"),
        "when": ("Optional: shown only when this holds (over answers and the flags rules set).",
                 {"flag": "platform"}),
        "topic": ("Optional: steps with the same topic are alternatives; a page shows the first that applies.",
                  "first-step"),
        "text": ("The text shown (markdown).", {"en": "Reproduce a paper.", "ko": "논문 한 편을 재현해 보세요."}),
    },
    "Leaf": {
        "question": ("The id of the question whose answer is tested.", "first-week"),
        "op": ("scale: == != < <= > >= in; choice: == != in; multi: contains. Quote it in YAML: op: \">=\".",
               ">="),
        "value": ("A whole number (scale), an option id (choice, multi), or a list of them for `in`.",
                  "read-papers"),
    },
    "FlagLeaf": {"flag": ("True when a rule set this flag (results-page content only).", "platform")},
    "All": {"all": ("True when every condition in the list holds.", [{"question": "tools", "op": "contains",
                                                                       "value": "kubeflow"}])},
    "Any_": {"any": ("True when at least one condition in the list holds.",
                     [{"question": "first-week", "op": "==", "value": "read-papers"}])},
    "Not": {"not": ("True when the condition does not hold (or its question was skipped).",
                    {"question": "tools", "op": "contains", "value": "kubeflow"})},
}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the bank format, as committed in questions/bank.schema.json."""
    schema = Bank.model_json_schema(by_alias=True, mode="validation")
    _close_language_maps(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://know-yourself.invalid/bank.schema.json"
    schema["title"] = "Know Yourself question bank"
    schema["description"] = ("A question bank: paths (the outcomes), questions and the rules that score "
                             "them. docs/authoring.md is the guide; `quiz check` checks what this schema cannot.")
    for model, fields in FIELD_DOCS.items():
        props = (schema if model == "Bank" else schema["$defs"].get(model, {})).get("properties", {})
        for name, (description, example) in fields.items():
            if name in props:
                props[name]["description"] = description
                props[name]["examples"] = [example]
    return schema


def bank_json_schema(bank: Bank) -> dict[str, Any]:
    """The format's JSON Schema narrowed to one bank: its path, question, option, section and flag
    ids and its languages become enums (a rule's `value` is narrowed per question: that question's
    option ids, or a whole number on its scale), so an editor flags a wrong id as you type it."""
    import copy

    from quiz.bank.model import LANG, OPERATORS_BY_TYPE, SLUG
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
                node["properties"] = {p: {**copy.deepcopy(value), "description": f"Points for path '{p}'.",
                                          "examples": [1]} for p in paths}
                node["additionalProperties"] = False
            elif node.get("type") == "object" and LANG in pattern:     # a text in each language
                node.pop("patternProperties")
                node["properties"] = {lang: {"type": "string", "minLength": 1,
                                             "description": f"The text in {lang}.", "examples": ["…"]}
                                      for lang in languages}
                node["required"] = languages
                node["additionalProperties"] = False
            for value in node.values():
                narrow(value)
        elif isinstance(node, list):
            for value in node:
                narrow(value)

    def ids(props: dict, name: str, choices: list, example: Any) -> None:
        """`props[name]` becomes one of `choices`, keeping its description; the example is real."""
        props[name] = {"enum": choices, "title": props[name].get("title", name),
                       "description": props[name].get("description", ""), "examples": [example]}

    narrow(schema)
    defs = schema["$defs"]
    ids(defs["Leaf"]["properties"], "question", questions, questions[0])
    ids(defs["Question"]["properties"], "section", sections + [None], sections[0] if sections else None)
    defs["Pair"]["properties"]["paths"]["prefixItems"] = [{"enum": paths}, {"enum": paths}]
    ids(defs["FlagLeaf"]["properties"], "flag", flags, flags[0] if flags else "")
    defs["Archetype"]["properties"]["traits"]["items"] = {"enum": flags}
    schema["properties"]["languages"]["items"] = {"enum": languages}
    # A condition's operator and value, by the question it names.
    cases = []
    for q in bank.questions:
        ops = list(OPERATORS_BY_TYPE[q.type])
        if q.type == "scale" and q.scale is not None:
            one: dict[str, Any] = {"type": "integer", "minimum": q.scale.min, "maximum": q.scale.max}
        else:
            one = {"enum": list(q.option_ids)}
        value = {"anyOf": [one, {"type": "array", "items": one, "minItems": 1}]} if "in" in ops else one
        cases.append({"if": {"properties": {"question": {"const": q.id}}, "required": ["question"]},
                      "then": {"properties": {"op": {"enum": ops}, "value": value}}})
    defs["Leaf"]["allOf"] = cases
    schema["title"] = f"Know Yourself question bank '{bank.id}'"
    schema["$id"] = f"https://know-yourself.invalid/{bank.id}.schema.json"
    return schema
