"""The bank format: question banks as YAML, checked like a compiler checks code, and the frozen
model everything else reads.

Other components import from here only; the modules inside are this component's own:
`yaml_reader` (YAML as data, with positions), `shape` and `meaning` (the two checking passes),
`loader` (both passes over one file), `model` (the frozen bank), `schema` (JSON Schema and YAML
out), `registry` (the banks a process serves), `errors` (the catalogue every problem comes from),
`wording` (how messages name things).
"""
from quiz.bank._wording import caret_line, describe_value, did_you_mean, display_width
from quiz.bank.errors import BankError, ErrorCode, Problem
from quiz.bank.loader import changed_without_bump, check_bytes, check_document, check_file, load_bank
from quiz.bank.model import (
                             LANG,
                             OPERATORS,
                             OPERATORS_BY_TYPE,
                             QUESTION_TYPES,
                             SLUG,
                             All,
                             Any_,
                             Archetype,
                             Bank,
                             Block,
                             Condition,
                             Contradiction,
                             Effect,
                             FlagLeaf,
                             Leaf,
                             Not,
                             Option,
                             Pair,
                             Path,
                             Question,
                             Rule,
                             Scale,
                             Section,
                             leaves,
                             localise,
)
from quiz.bank.registry import BankRegistry, bank_files
from quiz.bank.schema import dump_yaml, json_schema

__all__ = [
    "LANG", "OPERATORS", "OPERATORS_BY_TYPE", "QUESTION_TYPES", "SLUG", "All", "Any_", "Archetype", "Bank",
    "BankError", "BankRegistry", "Block", "Condition", "Contradiction", "Effect", "ErrorCode", "FlagLeaf", "Leaf",
    "Not", "Option", "Pair", "Path", "Problem", "Question", "Rule", "Scale", "Section", "bank_files",
    "caret_line", "changed_without_bump", "check_bytes", "check_document", "check_file", "describe_value",
    "did_you_mean", "display_width", "dump_yaml", "json_schema", "leaves", "load_bank", "localise",
]
