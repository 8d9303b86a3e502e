"""The question bank: typed, immutable objects, and the loader that builds them from YAML.

Loading is two passes over one `yamldata.Document`: the shape (pydantic, which also yields the
JSON Schema authors' editors use) and the meaning (references, languages, operators that fit
their question's type). Both passes run to the end, so an author sees every problem at once, each
at its line and column.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import (BaseModel, ConfigDict, Discriminator, Field, Strict, Tag, ValidationError,
                      field_validator)

from quiz import yamldata
from quiz.errors import BankError, ErrorCode, Problem

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
LANG = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"

Slug = Annotated[str, Strict(), Field(pattern=SLUG, max_length=64)]
Number = Annotated[float, Strict()]
StrictStr = Annotated[str, Strict()]
# Localised text: a plain string in a one-language bank, otherwise {language: text}.
Text = Union[Annotated[str, Strict()], dict[Annotated[str, Field(pattern=LANG)], Annotated[str, Strict()]]]
Points = dict[Slug, Number]

QUESTION_TYPES = ("scale", "choice", "multi")
OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "contains")
OPERATORS_BY_TYPE = {
    "scale": ("==", "!=", "<", "<=", ">", ">=", "in"),
    "choice": ("==", "!=", "in"),
    "multi": ("contains",),
}


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Scale(Model):
    min: Annotated[int, Strict()] = 1
    max: Annotated[int, Strict()] = 5
    labels: dict[Annotated[int, Strict()], Text] = {}

    @property
    def midpoint(self) -> float:
        return (self.min + self.max) / 2

    @property
    def values(self) -> range:
        return range(self.min, self.max + 1)


class Option(Model):
    id: Slug
    text: Text
    points: Points = {}


class Leaf(Model):
    question: Slug
    op: Literal["==", "!=", "<", "<=", ">", ">=", "in", "contains"]
    value: Union[Annotated[int, Strict()], Slug, tuple[Union[Annotated[int, Strict()], Slug], ...]]


class FlagLeaf(Model):
    """True when a rule set this flag. Only result-page content may read flags: rules set them,
    so a rule reading one would depend on the order rules run in."""

    flag: Slug


class All(Model):
    all: tuple["Condition", ...] = Field(min_length=1)


class Any_(Model):
    any: tuple["Condition", ...] = Field(min_length=1)


class Not(Model):
    not_: "Condition" = Field(alias="not")


def _condition_kind(value: Any) -> str:
    if isinstance(value, dict):
        for kind in ("all", "any", "not", "flag"):
            if kind in value:
                return kind
        return "leaf"
    return {All: "all", Any_: "any", Not: "not", FlagLeaf: "flag"}.get(type(value), "leaf")


Condition = Annotated[
    Union[Annotated[All, Tag("all")], Annotated[Any_, Tag("any")], Annotated[Not, Tag("not")],
          Annotated[FlagLeaf, Tag("flag")], Annotated[Leaf, Tag("leaf")]],
    Discriminator(_condition_kind),
]
for _m in (All, Any_, Not):
    _m.model_rebuild()


def leaves(cond: Any) -> Iterator[Leaf]:
    """Every answer leaf of a condition, depth first (flag leaves are not answer leaves)."""
    stack = [cond]
    while stack:
        c = stack.pop()
        if isinstance(c, Leaf):
            yield c
        elif isinstance(c, All):
            stack.extend(reversed(c.all))
        elif isinstance(c, Any_):
            stack.extend(reversed(c.any))
        elif isinstance(c, Not):
            stack.append(c.not_)


class Effect(Model):
    points: Points = {}
    flag: Slug | None = None
    advice: Text | None = None


class Rule(Model):
    id: Slug
    description: Text | None = None
    when: Condition
    then: Effect


class Contradiction(Model):
    id: Slug
    when: Condition
    message: Text


class Block(Model):
    """A piece of results-page text that may depend on the taker: shown when `when` holds (over
    the answers and the flags rules set). Steps with the same `topic` are alternatives: a page
    shows the first that applies."""

    id: Slug | None = None
    when: Condition | None = None
    topic: Slug | None = None
    text: Text


def _block_or_text(value: Any) -> str:
    # A block is a mapping with `text`; a localised text maps language codes (never "text").
    if isinstance(value, Block) or (isinstance(value, dict) and "text" in value):
        return "block"
    return "text"


# Results-page content: a text shown as it is, or a list of blocks, each shown when it applies.
Content = Union[Text, tuple[Block, ...]]
# A next step: a text, or a block with a condition and a topic.
Step = Annotated[Union[Annotated[Text, Tag("text")], Annotated[Block, Tag("block")]],
                 Discriminator(_block_or_text)]


class Path(Model):
    id: Slug
    title: Text
    # A name short enough to combine: "Engineer–ops hybrid", a bar label on a phone, the share card.
    short_title: Text | None = None
    summary: Text
    # Shown when this path leads the result.
    advice: Content
    # What this path adds when it comes second (a hybrid without its own `pairs` entry, or a
    # balanced result); the page falls back to nothing rather than repeating `advice`.
    secondary: Content | None = None
    next_steps: tuple[Step, ...] = ()


class Pair(Model):
    """Content for a hybrid of two paths, in either order: their middle ground, not two pages
    glued together."""

    paths: tuple[Slug, Slug]
    advice: Content | None = None
    next_steps: tuple[Step, ...] = ()


class Archetype(Model):
    id: Slug
    title: Text
    description: Text
    profile: dict[Slug, Annotated[float, Strict(), Field(ge=0, le=100)]]
    traits: tuple[Slug, ...] = ()
    # How to get to this day from where the taker stands (shown when it is the closest day).
    from_here: Content | None = None


class Section(Model):
    id: Slug
    title: Text
    intro: Text | None = None


class Question(Model):
    id: Slug
    section: Slug | None = None
    type: Literal["scale", "choice", "multi"]
    required: Annotated[bool, Strict()] = True
    text: Text
    help: Text | None = None
    source: StrictStr | None = None
    scale: Scale | None = None
    weights: Points = {}
    options: tuple[Option, ...] = ()
    max_choices: Annotated[int, Strict()] | None = None

    @cached_property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    @cached_property
    def option_by_id(self) -> dict[str, Option]:
        return {o.id: o for o in self.options}


class Bank(Model):
    """A validated bank. Build it with `load_bank` or `check_file`, which also check meaning."""

    schema_: str | None = Field(default=None, alias="$schema", exclude=True)
    id: Slug
    version: Annotated[int, Strict(), Field(ge=1)]
    languages: tuple[Annotated[str, Strict(), Field(pattern=LANG)], ...] = Field(min_length=1)
    title: Text
    description: Text | None = None
    hybrid_margin: Annotated[float, Strict(), Field(ge=0, le=100)] = 10
    paths: tuple[Path, ...] = Field(min_length=1)
    pairs: tuple[Pair, ...] = ()
    archetypes: tuple[Archetype, ...] = ()
    sections: tuple[Section, ...] = ()
    questions: tuple[Question, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = ()
    contradictions: tuple[Contradiction, ...] = ()

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("languages must not repeat")
        return v

    # -- lookups, computed once per bank --------------------------------------------------------
    @cached_property
    def path_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.paths)

    @cached_property
    def path_by_id(self) -> dict[str, Path]:
        return {p.id: p for p in self.paths}

    @cached_property
    def question_by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def pair_by_paths(self) -> dict[frozenset[str], Pair]:
        return {frozenset(p.paths): p for p in self.pairs}

    @cached_property
    def archetype_by_id(self) -> dict[str, Archetype]:
        return {a.id: a for a in self.archetypes}

    @cached_property
    def pages(self) -> tuple[tuple[Section | None, tuple[Question, ...]], ...]:
        """The quiz's pages in order: each section with its questions, then unsectioned ones."""
        out = [(s, tuple(q for q in self.questions if q.section == s.id)) for s in self.sections]
        loose = tuple(q for q in self.questions if q.section is None)
        if loose:
            out.append((None, loose))
        return tuple((s, qs) for s, qs in out if qs)

    @cached_property
    def canonical_json(self) -> str:
        """The bank's content, independent of comments and layout: what a result is pinned to."""
        return json.dumps(self.model_dump(mode="json", by_alias=True, exclude_none=True),
                          sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @cached_property
    def content_hash(self) -> str:
        return "sha256:" + hashlib.sha256(self.canonical_json.encode()).hexdigest()

    def text(self, value: Any, lang: str) -> str:
        """`value` in `lang`, falling back to the bank's first language."""
        return localise(value, lang, self.languages[0])

    @classmethod
    def from_snapshot(cls, canonical_json: str) -> "Bank":
        return cls.model_validate_json(canonical_json)


def localise(value: Any, lang: str, fallback: str = "en") -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(lang) or value.get(fallback) or next(iter(value.values()), "")


class _QuotingDumper(yaml.SafeDumper):
    """Writes every string double-quoted, so no string is ever read back as another type."""


def _represent_str(dumper: yaml.SafeDumper, s: str) -> Any:
    # Quote a string our reader would take for another type ("1e5", "null"); the dumper's own
    # YAML 1.1 rules already quote "yes", "no" and "0755".
    style = '"' if yamldata.resolve_plain(s) != s or s != s.strip() else None
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


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------

def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest of `choices`, or ''."""
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def describe_value(value: Any, *, json_terms: bool = False) -> str:
    """What a value is, for a message: 'a string ('yes')', 'a list'. With `json_terms` in the
    words of a JSON client (null, object) rather than a YAML author (nothing, mapping)."""
    if value is None:
        return "null" if json_terms else "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        short = value if len(value) <= 30 else value[:27] + "..."
        return f"a string ('{short}')"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict) or hasattr(value, "keys"):
        return "an object" if json_terms else "a mapping"
    return type(value).__name__


_did_you_mean = did_you_mean
_describe = describe_value


def _where(path: tuple[Any, ...], data: Any = None) -> str:
    """A path as an author reads it: list items named by their id where they have one,
    'questions[paper-depth].options[2]' rather than 'questions[7].options[2]'."""
    if not path:
        return "the bank"
    parts = []
    cur = data
    for p in path:
        if isinstance(p, int):
            item = cur[p] if isinstance(cur, list) and 0 <= p < len(cur) else None
            ident = item.get("id") if isinstance(item, dict) else None
            parts.append(f"[{ident}]" if isinstance(ident, str) and ident else f"[{p}]")
            cur = item
        else:
            parts.append(("." if parts else "") + str(p))
            cur = cur.get(p) if isinstance(cur, dict) else None
    return "'" + "".join(parts) + "'"


_EXPECTED = {
    "string_type": "a string", "int_type": "a whole number", "float_type": "a number",
    "bool_type": "true or false", "dict_type": "a mapping", "list_type": "a list",
    "tuple_type": "a list", "model_type": "a mapping", "model_attributes_type": "a mapping",
    "literal_error": None, "union_tag_invalid": None, "int_from_float": "a whole number",
}

# Keys each model accepts, for "did you mean" suggestions on unknown keys.
_FIELDS_BY_PARENT = {
    (): Bank, ("paths", int): Path, ("archetypes", int): Archetype, ("sections", int): Section,
    ("questions", int): Question, ("questions", int, "options", int): Option,
    ("questions", int, "scale"): Scale, ("rules", int): Rule, ("rules", int, "then"): Effect,
    ("contradictions", int): Contradiction,
}


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    shape = tuple(int if isinstance(p, int) else p for p in parent)
    model = _FIELDS_BY_PARENT.get(shape)
    if model is None:
        if "when" in parent:
            return ["all", "any", "not", "question", "op", "value"]
        return []
    return [f.alias or name for name, f in model.model_fields.items() if name != "schema_"]


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Map a pydantic error location onto the data, dropping union tags and `[key]` parts."""
    path: list[Any] = []
    cur = data
    for part in loc:
        if isinstance(cur, dict):
            key = part
            if key not in cur and part == "not_":
                key = "not"
            if key in cur:
                path.append(key)
                cur = cur[key]
                continue
            if isinstance(part, str) and part in ("all", "any", "not", "leaf", "str", "[key]") or \
                    isinstance(part, str) and part.startswith(("dict[", "function", "tuple[", "int", "constrained")):
                continue
            path.append(part)  # a missing key or an unknown one: stop here, but name it
            cur = None
        elif isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur):
            path.append(part)
            cur = cur[part]
        elif isinstance(cur, list):
            continue
        else:
            break
    return tuple(path)


def _shape_problems(doc: yamldata.Document, exc: ValidationError, filename: str) -> list[Problem]:
    out: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for err in exc.errors(include_url=False):
        etype, loc = err["type"], tuple(err["loc"])
        path = _data_path(doc.data, loc)
        if etype == "extra_forbidden":
            key = path[-1] if path else loc[-1]
            line, col = doc.where_key(path)
            ident = ("extra", path)
            code, ctx = ErrorCode.SCHEMA_002, {
                "key": key, "where": _where(path[:-1], doc.data),
                "suggestion": _did_you_mean(key, _allowed_keys(path[:-1]))}
        elif etype == "missing":
            key = loc[-1] if loc[-1] != "not_" else "not"
            parent = path[:-1] if path and path[-1] == loc[-1] else path
            line, col = doc.where(parent)
            ident = ("missing", parent, key)
            code, ctx = ErrorCode.SCHEMA_003, {"key": key, "where": _where(parent, doc.data)}
        else:
            value = err.get("input")
            line, col = doc.where(path)
            ident = ("value", path)
            expected = _EXPECTED.get(etype, "")
            if etype == "bool_type" and isinstance(value, str) and value in yamldata.YAML11_BOOLEANS:
                code, ctx = ErrorCode.YAML_006, {"value": value, "meaning": str(yamldata.YAML11_BOOLEANS[value]).lower()}
            elif expected:
                hint = ""
                if expected == "a string" and isinstance(value, (int, float)) and not isinstance(value, bool):
                    hint = f" (quote it: '{value}')"
                code, ctx = ErrorCode.SCHEMA_004, {"where": _where(path, doc.data), "expected": expected + hint,
                                                   "found": _describe(value)}
            else:
                msg = err["msg"]
                if etype == "string_pattern_mismatch" and "pattern" in (err.get("ctx") or {}):
                    msg = ("must be a lowercase id: letters a-z, digits, '-' or '_'"
                           if err["ctx"]["pattern"] == SLUG else "must be a language code such as 'en' or 'ko'")
                code, ctx = ErrorCode.SCHEMA_005, {"where": _where(path, doc.data), "problem": msg[0].lower() + msg[1:]}
        if ident in seen:  # unions report one problem per member; the author needs one
            continue
        seen.add(ident)
        out.append(Problem(code, filename, line, col, ctx))
    return out


class _MeaningChecker:
    """Checks what the shape cannot: references, languages, operators. Tolerant of bad shapes,
    since it runs even when the shape pass failed, so that all problems come out in one run."""

    def __init__(self, doc: yamldata.Document, filename: str):
        self.doc, self.filename = doc, filename
        self.data = doc.data if isinstance(doc.data, dict) else {}
        self.problems: list[Problem] = []

    def add(self, code: ErrorCode, path: tuple[Any, ...], key: bool = False, **ctx: Any) -> None:
        line, col = self.doc.where_key(path) if key else self.doc.where(path)
        self.problems.append(Problem(code, self.filename, line, col, ctx))

    def items(self, key: str) -> list[tuple[tuple[Any, ...], dict]]:
        seq = self.data.get(key)
        if not isinstance(seq, list):
            return []
        return [((key, i), item) for i, item in enumerate(seq) if isinstance(item, dict)]

    def unique_ids(self, kind: str, entries: list[tuple[tuple[Any, ...], dict]]) -> dict[str, tuple]:
        first: dict[str, tuple] = {}
        for path, item in entries:
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            if ident in first:
                self.add(ErrorCode.BANK_001, path + ("id",), kind=kind, id=ident,
                         first_line=self.doc.where(first[ident] + ("id",))[0])
            else:
                first[ident] = path
        return first

    def run(self) -> list[Problem]:
        d = self.data
        langs = d.get("languages")
        self.languages = [lang for lang in langs if isinstance(lang, str)] if isinstance(langs, list) else []
        paths = self.unique_ids("path", self.items("paths"))
        if "paths" in d and isinstance(d["paths"], list) and not d["paths"]:
            self.add(ErrorCode.BANK_019, ("paths",))
        self.path_ids = list(paths)
        sections = self.unique_ids("section", self.items("sections"))
        questions = self.unique_ids("question", self.items("questions"))
        self.unique_ids("archetype", self.items("archetypes"))
        self.unique_ids("rule", self.items("rules"))
        self.unique_ids("contradiction", self.items("contradictions"))
        self.questions = {qid: d["questions"][path[1]] for qid, path in questions.items()}

        self.check_texts(d, ())
        for path, q in self.items("questions"):
            self.check_question(path, q, list(sections))
        flags_set: set[str] = set()
        read_by_rules: set[str] = set()
        for path, rule in self.items("rules"):
            read_by_rules |= self.check_condition(rule.get("when"), path + ("when",))
            then = rule.get("then")
            if isinstance(then, dict):
                self.check_points(then.get("points"), path + ("then", "points"))
                if isinstance(then.get("flag"), str):
                    flags_set.add(then["flag"])
        for path, c in self.items("contradictions"):
            read_by_rules |= self.check_condition(c.get("when"), path + ("when",))
        # Results-page content: its conditions may also read the flags rules set.
        for path, block in self.content_blocks():
            read_by_rules |= self.check_condition(block.get("when"), path + ("when",), flags=flags_set)
        self.check_pairs()
        scored_paths: set[str] = set()
        for path, rule in self.items("rules"):
            then = rule.get("then")
            if isinstance(then, dict) and isinstance(then.get("points"), dict):
                scored_paths |= {k for k, v in then["points"].items() if v and isinstance(k, str)}
        for path, q in self.items("questions"):
            pts = [q.get("weights")] + [o.get("points") for o in _list(q.get("options")) if isinstance(o, dict)]
            gives = {k for p in pts if isinstance(p, dict) for k, v in p.items() if v and isinstance(k, str)}
            scored_paths |= gives
            if not gives and isinstance(q.get("id"), str) and q["id"] not in read_by_rules:
                self.add(ErrorCode.BANK_017, path + ("id",), id=q["id"])
        if self.questions:
            for pid, ppath in paths.items():
                if pid not in scored_paths:
                    self.add(ErrorCode.BANK_020, ppath + ("id",), id=pid)
        for path, a in self.items("archetypes"):
            self.check_archetype(path, a, flags_set)
        return self.problems

    # -- texts --------------------------------------------------------------------------------
    _TEXT_KEYS = {"title", "short_title", "summary", "advice", "description", "intro", "text", "help", "message",
                  "secondary", "from_here"}

    def check_texts(self, node: Any, path: tuple[Any, ...]) -> None:
        """Every localised text has each declared language, and no other."""
        if isinstance(node, dict):
            for key, value in node.items():
                p = path + (key,)
                if key == "when":
                    continue  # a condition, not text
                is_text = key in self._TEXT_KEYS or (len(path) >= 1 and path[-1] in ("labels",))
                if is_text and (isinstance(value, str) or (isinstance(value, dict) and value and all(
                        isinstance(v, str) for v in value.values()))):
                    self.check_text(value, p)
                elif key == "next_steps" and isinstance(value, list):
                    for i, item in enumerate(value):
                        if isinstance(item, dict) and "text" in item:
                            self.check_texts(item, p + (i,))  # a block: its `text`
                        elif isinstance(item, (str, dict)):
                            self.check_text(item, p + (i,))
                else:
                    self.check_texts(value, p)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self.check_texts(value, path + (i,))

    def check_text(self, value: Any, path: tuple[Any, ...]) -> None:
        if not self.languages:
            return
        if isinstance(value, str):
            if len(self.languages) > 1:
                example = ", ".join(f"{lang}: ..." for lang in self.languages)
                self.add(ErrorCode.BANK_018, path, languages=", ".join(self.languages), example=example)
            return
        for lang in self.languages:
            if not (isinstance(value.get(lang), str) and value[lang].strip()):
                self.add(ErrorCode.BANK_007, path, lang=lang)
        for lang in value:
            if lang not in self.languages:
                self.add(ErrorCode.BANK_008, path + (lang,), key=True, lang=lang)

    # -- questions ----------------------------------------------------------------------------
    def check_points(self, points: Any, path: tuple[Any, ...]) -> None:
        if not isinstance(points, dict) or not self.path_ids:
            return
        for key in points:
            if key not in self.path_ids:
                self.add(ErrorCode.BANK_002, path + (key,), key=True, id=key,
                         suggestion=_did_you_mean(key, self.path_ids), known=", ".join(self.path_ids))

    def check_question(self, path: tuple[Any, ...], q: dict, section_ids: list[str]) -> None:
        qtype = q.get("type")
        sec = q.get("section")
        if isinstance(sec, str) and sec not in section_ids:
            self.add(ErrorCode.BANK_003, path + ("section",), id=sec,
                     suggestion=_did_you_mean(sec, section_ids), known=", ".join(section_ids) or "(none declared)")
        self.check_points(q.get("weights"), path + ("weights",))
        options = q.get("options")
        if isinstance(options, list):
            self.unique_ids("option", [(path + ("options", i), o) for i, o in enumerate(options) if isinstance(o, dict)])
            for i, o in enumerate(options):
                if isinstance(o, dict):
                    self.check_points(o.get("points"), path + ("options", i, "points"))
        if qtype == "scale":
            scale = q.get("scale")
            if scale is None:
                self.add(ErrorCode.BANK_011, path, type="scale", problem="needs 'scale: {min: 1, max: 5}'")
            if "options" in q:
                self.add(ErrorCode.BANK_011, path + ("options",), key=True, type="scale",
                         problem="takes 'weights', not 'options'")
            if isinstance(scale, dict):
                lo, hi = scale.get("min", 1), scale.get("max", 5)
                if isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool) and not isinstance(hi, bool):
                    if lo >= hi:
                        self.add(ErrorCode.BANK_006, path + ("scale",), min=lo, max=hi)
                    elif hi - lo > 10:
                        self.add(ErrorCode.BANK_011, path + ("scale",), type="scale",
                                 problem=f"has {hi - lo + 1} points; use at most 11")
                    labels = scale.get("labels")
                    if isinstance(labels, dict):
                        for label in labels:
                            if isinstance(label, int) and not lo <= label <= hi:
                                self.add(ErrorCode.BANK_012, path + ("scale", "labels", label), key=True,
                                         label=label, min=lo, max=hi)
        elif qtype in ("choice", "multi"):
            if "scale" in q:
                self.add(ErrorCode.BANK_011, path + ("scale",), key=True, type=qtype,
                         problem="takes 'options', not 'scale'")
            if "weights" in q:
                self.add(ErrorCode.BANK_011, path + ("weights",), key=True, type=qtype,
                         problem="gives points per option ('options[].points'), not 'weights'")
            if not isinstance(options, list) or len(options) < 2:
                self.add(ErrorCode.BANK_011, path + (("options",) if "options" in q else ()), type=qtype,
                         problem="needs at least two options")
            if qtype == "multi" and isinstance(options, list) and len(options) > 16:
                self.add(ErrorCode.BANK_011, path + ("options",), type=qtype, problem="takes at most 16 options")
            mc = q.get("max_choices")
            if mc is not None:
                if qtype != "multi":
                    self.add(ErrorCode.BANK_011, path + ("max_choices",), key=True, type=qtype,
                             problem="takes no 'max_choices' (only multi questions do)")
                elif isinstance(mc, int) and isinstance(options, list) and not 1 <= mc <= len(options):
                    self.add(ErrorCode.BANK_015, path + ("max_choices",), value=mc, count=len(options))

    # -- conditions ---------------------------------------------------------------------------
    def content_blocks(self) -> Iterator[tuple[tuple[Any, ...], dict]]:
        """Every results-page block (a mapping with `text`, maybe `when`), with its path."""
        for kind, keys in (("paths", ("advice", "secondary", "next_steps")), ("pairs", ("advice", "next_steps")),
                           ("archetypes", ("from_here",))):
            for path, item in self.items(kind):
                for key in keys:
                    for i, block in enumerate(_list(item.get(key))):
                        if isinstance(block, dict) and "text" in block:
                            yield path + (key, i), block

    def check_pairs(self) -> None:
        seen: dict[frozenset, int] = {}
        for path, pair in self.items("pairs"):
            ids = pair.get("paths")
            if not isinstance(ids, list):
                continue
            for i, pid in enumerate(ids):
                if isinstance(pid, str) and self.path_ids and pid not in self.path_ids:
                    self.add(ErrorCode.BANK_002, path + ("paths", i), id=pid,
                             suggestion=_did_you_mean(pid, self.path_ids), known=", ".join(self.path_ids))
            if len(ids) == 2 and all(isinstance(x, str) for x in ids):
                key = frozenset(ids)
                if len(key) == 1:
                    self.add(ErrorCode.BANK_021, path + ("paths",), problem=f"names '{ids[0]}' twice")
                elif key in seen:
                    self.add(ErrorCode.BANK_021, path + ("paths",),
                             problem=f"repeats the pair on line {seen[key]}")
                else:
                    seen[key] = self.doc.where(path + ("paths",))[0]

    def check_condition(self, cond: Any, path: tuple[Any, ...], flags: set[str] | None = None) -> set[str]:
        """Check a condition; return the ids of the questions it reads. `flags`: the flags rules
        set, for content conditions, which may read them; None for rules, which may not."""
        read: set[str] = set()
        stack = [(cond, path)]
        while stack:
            c, p = stack.pop()
            if not isinstance(c, dict):
                continue
            if "flag" in c:
                flag = c.get("flag")
                if flags is None:
                    self.add(ErrorCode.BANK_022, p + ("flag",), key=True)
                elif isinstance(flag, str) and flag not in flags:
                    self.add(ErrorCode.BANK_023, p + ("flag",), flag=flag,
                             suggestion=_did_you_mean(flag, flags))
            for kind in ("all", "any"):
                if isinstance(c.get(kind), list):
                    stack.extend((sub, p + (kind, i)) for i, sub in enumerate(c[kind]))
            if "not" in c:
                stack.append((c["not"], p + ("not",)))
            if "question" in c:
                read |= self.check_leaf(c, p)
        return read

    def check_leaf(self, leaf: dict, path: tuple[Any, ...]) -> set[str]:
        qid, op, value = leaf.get("question"), leaf.get("op"), leaf.get("value")
        if not isinstance(qid, str):
            return set()
        q = self.questions.get(qid)
        if q is None:
            self.add(ErrorCode.BANK_004, path + ("question",), id=qid,
                     suggestion=_did_you_mean(qid, self.questions))
            return set()
        qtype = q.get("type")
        if not isinstance(qtype, str) or qtype not in OPERATORS_BY_TYPE or not isinstance(op, str) or op not in OPERATORS:
            return {qid}
        allowed = OPERATORS_BY_TYPE[qtype]
        if op not in allowed:
            self.add(ErrorCode.BANK_009, path + ("op",), op=op, type=qtype, allowed=", ".join(allowed))
            return {qid}
        values = value if isinstance(value, list) else [value]
        if op == "in" and not isinstance(value, list):
            self.add(ErrorCode.BANK_010, path + ("value",), op=op, type=qtype,
                     expected="a list", found=_describe(value))
            return {qid}
        if op != "in" and isinstance(value, list):
            self.add(ErrorCode.BANK_010, path + ("value",), op=op, type=qtype,
                     expected="a single value", found=_describe(value))
            return {qid}
        if qtype == "scale":
            for v in values:
                if not isinstance(v, int) or isinstance(v, bool):
                    self.add(ErrorCode.BANK_010, path + ("value",), op=op, type=qtype,
                             expected="a whole number", found=_describe(v))
        else:
            option_ids = [o.get("id") for o in _list(q.get("options")) if isinstance(o, dict)]
            for i, v in enumerate(values):
                vpath = path + ("value",) + ((i,) if isinstance(value, list) else ())
                if not isinstance(v, str):
                    self.add(ErrorCode.BANK_010, vpath, op=op, type=qtype, expected="an option id", found=_describe(v))
                elif v not in option_ids:
                    self.add(ErrorCode.BANK_005, vpath, question=qid, id=v,
                             suggestion=_did_you_mean(v, option_ids), known=", ".join(map(str, option_ids)))
        return {qid}

    # -- archetypes ---------------------------------------------------------------------------
    def check_archetype(self, path: tuple[Any, ...], a: dict, flags_set: set[str]) -> None:
        profile = a.get("profile")
        if isinstance(profile, dict) and self.path_ids:
            for key in profile:
                if key not in self.path_ids:
                    self.add(ErrorCode.BANK_002, path + ("profile", key), key=True, id=key,
                             suggestion=_did_you_mean(key, self.path_ids), known=", ".join(self.path_ids))
            missing = [p for p in self.path_ids if p not in profile]
            if missing:
                self.add(ErrorCode.BANK_014, path + ("profile",), problem=f"lacks path(s) {', '.join(missing)}")
        traits = a.get("traits")
        if isinstance(traits, list):
            for i, t in enumerate(traits):
                if isinstance(t, str) and t not in flags_set:
                    self.add(ErrorCode.BANK_016, path + ("traits", i), trait=t)


def _list(value: Any) -> list:
    """`value` when it is a list, else []: the meaning pass runs on shapes that may be wrong."""
    return value if isinstance(value, list) else []


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.col, p.code.name))


def check_document(doc: yamldata.Document, filename: str) -> tuple[Bank | None, list[Problem]]:
    problems = list(doc.problems)
    if any(p.code.name.startswith(("FILE_", "YAML_001", "YAML_005")) for p in problems) or doc.data is None:
        if not problems:
            problems.append(Problem(ErrorCode.FILE_004, filename, 1, 1, {}))
        return None, _sorted(problems)
    if not isinstance(doc.data, dict):
        problems.append(Problem(ErrorCode.SCHEMA_001, filename, *doc.where(()), {"found": _describe(doc.data)}))
        return None, _sorted(problems)
    bank = None
    try:
        bank = Bank.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(_shape_problems(doc, exc, filename))
    problems.extend(_MeaningChecker(doc, filename).run())
    if any(p.severity == "error" for p in problems):
        bank = None
    return bank, _sorted(problems)


def check_bytes(raw: bytes, filename: str) -> tuple[Bank | None, list[Problem]]:
    return check_document(yamldata.read_bytes(raw, filename), filename)


def check_file(path: str, display: str | None = None) -> tuple[Bank | None, list[Problem]]:
    name = display or path
    return check_document(yamldata.read_file(path, name), name)


def load_bank(path: str) -> Bank:
    bank, problems = check_file(path)
    if bank is None:
        raise BankError(problems)
    return bank


def bank_files(spec: str) -> list[str]:
    """The bank files named by QUIZ_BANKS: a folder (its *.yaml/*.yml) or ':'-separated files."""
    out: list[str] = []
    for part in filter(None, spec.split(os.pathsep)):
        if os.path.isdir(part):
            out.extend(os.path.join(part, n) for n in sorted(os.listdir(part))
                       if n.endswith((".yaml", ".yml")) and not n.startswith("."))
        else:
            out.append(part)
    return out


class BankRegistry:
    """The banks this process serves: loaded and validated once at start, then read-only."""

    def __init__(self, banks: Iterable[Bank] = (), files: dict[str, str] | None = None):
        self._banks: dict[str, Bank] = {}
        self.files: dict[str, str] = dict(files or {})
        for bank in banks:
            self._banks[bank.id] = bank

    @classmethod
    def from_spec(cls, spec: str) -> "BankRegistry":
        banks, problems, files = [], [], {}
        for path in bank_files(spec):
            bank, found = check_file(path)
            problems.extend(p for p in found if p.severity == "error")
            if bank is not None:
                if bank.id in files:
                    problems.append(Problem(ErrorCode.BANK_013, path, 1, 1, {"id": bank.id, "other": files[bank.id]}))
                    continue
                files[bank.id] = path
                banks.append(bank)
        if problems:
            raise BankError(problems)
        return cls(banks, files)

    def __iter__(self) -> Iterator[Bank]:
        return iter(self._banks.values())

    def __len__(self) -> int:
        return len(self._banks)

    def __contains__(self, bank_id: object) -> bool:
        return bank_id in self._banks

    def get(self, bank_id: str) -> Bank | None:
        return self._banks.get(bank_id)

    def resolve(self, ref: str) -> Bank | None:
        """A bank by id, or by the path of its file (the CLI takes both)."""
        if ref in self._banks:
            return self._banks[ref]
        real = os.path.realpath(ref)
        for bank_id, path in self.files.items():
            if os.path.realpath(path) == real:
                return self._banks[bank_id]
        return None
