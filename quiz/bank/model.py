"""The bank format's typed, immutable objects: a validated bank and everything in it.

Built only by the loader (`quiz.bank.loader`), which checks shape and meaning first.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from functools import cached_property
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Strict, Tag, field_validator

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
    # Show the options in an order of their own per taker (stable across pages and reloads); ids and
    # scoring are unchanged, and the API lists them in the bank's order. None (not False) when
    # absent, so banks without it keep their content hash.
    shuffle: Annotated[bool, Strict()] | None = Field(
        default=None, description="true: each taker sees this question's options in an order of their own "
        "(the same on every visit), so no path's option always sits in the same place. Choice and multi "
        "questions only.", examples=[True])

    @cached_property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    @cached_property
    def option_by_id(self) -> dict[str, Option]:
        return {o.id: o for o in self.options}

    @cached_property
    def scored_paths(self) -> tuple[str, ...]:
        """The paths this question can give points to (a non-zero weight or option points), sorted."""
        return tuple(sorted({p for p, w in self.weights.items() if w} |
                            {p for o in self.options for p, v in o.points.items() if v}))


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
