"""The catalogue of problems the bank loader can report.

Every problem an author can meet has one stable code here (pyxform's habit, with the code kept in
the rendered text so people and tests can key on it). Messages are templates; `Problem.message`
fills them fail-soft, so a missing context key prints `unknown` instead of crashing the checker.
`docs/authoring.md` documents every code with an example; `tests/test_docs.py` keeps the two in step.
"""
from __future__ import annotations

import enum
import string
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Detail:
    severity: str  # "error" | "warning"
    template: str
    fix: str = ""


class ErrorCode(enum.Enum):
    # -- the file itself ------------------------------------------------------------------------
    FILE_001 = Detail("error", "cannot read the file: {reason}")
    FILE_002 = Detail("error", "the file is {size} bytes; banks are limited to {limit} bytes",
                      "split it into smaller banks")
    FILE_003 = Detail("error", "the file is not UTF-8 text (byte 0x{byte} cannot be decoded)",
                      "save the file as UTF-8")
    FILE_004 = Detail("error", "the file is empty", "start from the example in docs/authoring.md")
    # -- YAML as data only ---------------------------------------------------------------------
    YAML_001 = Detail("error", "YAML syntax error: {problem}")
    YAML_002 = Detail("error", "duplicate key '{key}' (first given on line {first_line})",
                      "remove one of the two; YAML keeps only the last, silently")
    YAML_003 = Detail("error", "anchors and aliases ('&', '*') are not allowed in a bank",
                      "write the value out in full")
    YAML_004 = Detail("error", "YAML tag '{tag}' is not allowed: a bank is plain data",
                      "remove the tag")
    YAML_005 = Detail("error", "nesting deeper than {limit} levels", "flatten the structure")
    YAML_006 = Detail("error", "'{value}' is not a boolean in this format (YAML 1.1 would read it as {meaning})",
                      "write true or false")
    YAML_007 = Detail("error", "a bank file holds one YAML document; found another here",
                      "remove the extra '---' or move it to its own file")
    YAML_008 = Detail("error", "more than {limit} values (keys, list items, texts, numbers); banks are limited to "
                      "{limit}, so checking one never takes long", "split it into smaller banks")
    YAML_009 = Detail("error", "this quote is not closed on its line, so YAML read on to line {end_line} "
                      "looking for its end", "close it on this line; for a text over several lines write "
                      "'text: |' and indent the lines below it")
    YAML_010 = Detail("error", "'{value}' must be in quotes: at the start of an unquoted value, '{char}' is "
                      "{meaning}", "write {quoted}")
    YAML_011 = Detail("error", "'{key}' (column {col}) is indented differently from '{other}' (column {other_col}) "
                      "on line {first_line}, so YAML reads this line as more of the text '{text}'",
                      "start '{key}' at column {other_col}, under '{other}'")
    # -- shape (the JSON Schema) ---------------------------------------------------------------
    SCHEMA_001 = Detail("error", "a bank must be a mapping at the top level, found {found}",
                        "start with 'id: my-bank'")
    SCHEMA_002 = Detail("error", "unknown key '{key}' in {where}{suggestion}")
    SCHEMA_003 = Detail("error", "missing required key '{key}' in {where}")
    SCHEMA_004 = Detail("error", "{where} should be {expected}, found {found}")
    SCHEMA_005 = Detail("error", "{where}: {problem}")
    # -- meaning -------------------------------------------------------------------------------
    BANK_001 = Detail("error", "duplicate {kind} id '{id}' (first defined on line {first_line})",
                      "give each {kind} its own id")
    BANK_002 = Detail("error", "unknown path '{id}'{suggestion}", "paths are: {known}")
    BANK_003 = Detail("error", "unknown section '{id}'{suggestion}", "sections are: {known}")
    BANK_004 = Detail("error", "unknown question '{id}'{suggestion}")
    BANK_005 = Detail("error", "question '{question}' has no option '{id}'{suggestion}",
                      "options are: {known}")
    BANK_006 = Detail("error", "scale min ({min}) must be below max ({max})")
    BANK_007 = Detail("error", "text is missing language '{lang}'", "add '{lang}: ...'")
    BANK_008 = Detail("error", "text has language '{lang}', which the bank does not declare",
                      "add it to 'languages' or remove it")
    BANK_009 = Detail("error", "operator '{op}' does not fit a {type} question", "use one of: {allowed}")
    BANK_010 = Detail("error", "value for '{op}' on a {type} question must be {expected}, found {found}")
    BANK_011 = Detail("error", "a {type} question {problem}")
    BANK_012 = Detail("error", "scale label {label} lies outside {min}..{max}")
    BANK_013 = Detail("error", "bank id '{id}' is also used by {other}", "bank ids must be unique")
    BANK_014 = Detail("error", "archetype profile {problem}")
    BANK_015 = Detail("error", "max_choices {value} must be between 1 and the number of options ({count})")
    BANK_016 = Detail("warning", "trait '{trait}' is never set by a rule, so it cannot match",
                      "add a rule whose 'then' has 'flag: {trait}', or remove the trait")
    BANK_017 = Detail("warning", "question '{id}' gives no points to any path and no rule reads it")
    BANK_018 = Detail("error", "plain text in a bank with languages {languages}",
                      "write it as a mapping: {{{example}}}")
    BANK_019 = Detail("error", "the bank declares no paths", "add at least two paths")
    BANK_020 = Detail("warning", "path '{id}' gets no points from any question or rule",
                      "it can never win; add questions that score it")
    BANK_021 = Detail("error", "this pair {problem}", "a pair names two different paths, once per bank")
    BANK_022 = Detail("error", "a rule or contradiction cannot read a flag",
                      "flags are set by rules; only results-page content ('when' in advice, steps, "
                      "from_here) may read them")
    BANK_023 = Detail("warning", "flag '{flag}' is never set by a rule, so this never holds{suggestion}")
    # -- work budgets: what checking and scoring a bank may cost (LIMITS in quiz/bank/_meaning.py) -
    BANK_024 = Detail("error", "{count} {what}; a bank may have at most {limit}",
                      "shorten the list, or split the bank in two")
    BANK_025 = Detail("error", "this condition reads {count} answers; a condition may read at most {limit}",
                      "split it into smaller rules")
    # -- what takers would notice (quiz/bank/_taker.py; BANK_030 on: quiz/engine/checks.py) -----
    BANK_026 = Detail("warning", "rule '{id}' gives points but has no description, so the results page can only "
                      "list it as 'A combination of your answers'",
                      "add 'description:' saying what those answers have in common")
    BANK_027 = Detail("warning", "short title '{text}' ends in '{mark}'; short titles are set inside sentences, "
                      "where it reads '{text}{mark}' at the end of one", "drop the final '{mark}'")
    BANK_028 = Detail("warning", "the question's {where} says '{found}', which the quiz page already prints "
                      "next to it", "remove it from the {where}")
    BANK_029 = Detail("warning", "path '{id}' has its best option in position {position} of all {count} choice "
                      "questions with 4 or more options, so a taker who leans to it picks the same place every "
                      "time and the result is flagged 'many answers in a row were the same'",
                      "reorder some of those options, or add 'shuffle: true' to those questions")
    BANK_030 = Detail("error", "path '{id}' can never be primary: no complete answer set scores it above "
                      "'{other}'{tie}", "give '{id}' points that '{other}' does not get")
    BANK_031 = Detail("warning", "paths '{other}' and '{id}' are scored almost alike by every question "
                      "(correlation {corr} over random answers; {limit} or more is flagged), so takers get "
                      "both or neither", "add questions or options that tell them apart, or merge the two")
    BANK_032 = Detail("warning", "{share} of takers who lean to one path would get a hybrid result (over "
                      "{limit}; estimated from {n} simulated takers, docs/authoring.md)",
                      "lower 'hybrid_margin', or add questions that separate the paths")
    BANK_033 = Detail("warning", "the answers that best match archetype '{id}' land on archetype '{other}' "
                      "(they score {scores})", "move the profile of '{id}' towards those scores, or away from "
                      "that of '{other}'")
    BANK_034 = Detail("warning", "path '{id}' was primary for none of the {count} answer sets tried (the best "
                      "answers for it, and for it against each other path); it may be unreachable",
                      "run 'quiz simulate' for a wider search, or give '{id}' points other paths do not get")
    # -- one mistake, said once (BANK_040 on: the root cause, with its follow-ons held back) ---
    BANK_040 = Detail("error", "scale min ({min}) is above max ({max}): they look swapped",
                      "write min: {max}, max: {min}")
    BANK_041 = Detail("error", "text has language '{lang}' where '{meant}' ({name}) is missing; did you mean '{meant}'?",
                      "write '{meant}:' instead of '{lang}:'")
    BANK_042 = Detail("error", "no text is in '{lang}', which 'languages' declares; the texts are in '{used}' ({name})",
                      "declare '{used}' in 'languages' instead of '{lang}'")
    BANK_044 = Detail("warning", "'{lang}' is a country's code, not a language's; {name} is '{meant}', so takers "
                      "asking for '{meant}' would not get this bank's '{lang}' texts, nor the pages in {name}",
                      "write '{meant}' in 'languages' and in every text")
    # -- versions (quiz check against the configured database) -----------------------------------
    BANK_043 = Detail("error", "version {version} of bank '{id}' is already stored with other content "
                      "({stored}); this file's content is {current}, so results of one version would be scored "
                      "two ways", "bump 'version' to {next}, or undo the changes")

    @property
    def severity(self) -> str:
        return self.value.severity


class _FailSoft(dict):
    def __missing__(self, key: str) -> str:  # a template never crashes on missing context
        return "unknown"


_formatter = string.Formatter()


def _fill(template: str, context: dict[str, Any]) -> str:
    try:
        return _formatter.vformat(template, (), _FailSoft(context))
    except (ValueError, IndexError):  # a malformed template is our bug, not the author's
        return template


@dataclass(frozen=True)
class Problem:
    """One problem at one place in one file."""

    code: ErrorCode
    path: str
    line: int
    col: int
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def severity(self) -> str:
        return self.code.severity

    @property
    def message(self) -> str:
        text = _fill(self.code.value.template, self.context)
        if self.code.value.fix:
            text += f" (fix: {_fill(self.code.value.fix, self.context)})"
        return text

    def render(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}[{self.code.name}]: {self.message}"


class BankError(Exception):
    """Raised when a bank cannot be loaded; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__("\n".join(p.render() for p in errors) or "invalid bank")
