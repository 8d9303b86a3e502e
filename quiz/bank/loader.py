"""Loading a bank: two passes over one YAML document, the shape (pydantic) and the meaning, both
run to the end, so an author sees every problem at once, each at its line and column."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from pydantic import ValidationError

from quiz.bank import yaml_reader
from quiz.bank._meaning import MeaningChecker
from quiz.bank._shape import recover_misspelt_keys, shape_problems
from quiz.bank._taker import Finding, taker_findings
from quiz.bank._wording import describe_value
from quiz.bank.errors import BankError, ErrorCode, Problem
from quiz.bank.model import Bank


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.line, p.col, p.code.name))


# What scoring shows about a valid bank (quiz.engine.checks.findings): passed in by the callers
# that want it (`quiz check`), since this component may not import the engine.
Deeper = Callable[[Bank], list[Finding]]


def check_document(doc: yaml_reader.Document, filename: str,
                   deeper: Deeper | None = None) -> tuple[Bank | None, list[Problem]]:
    problems = list(doc.problems)
    if any(p.code.name.startswith(("FILE_", "YAML_001", "YAML_005", "YAML_008")) for p in problems) or doc.data is None:
        if not problems:
            problems.append(Problem(ErrorCode.FILE_004, filename, 1, 1, {}))
        return None, _sorted(problems)
    if not isinstance(doc.data, dict):
        problems.append(Problem(ErrorCode.SCHEMA_001, filename, *doc.where(()), {"found": describe_value(doc.data)}))
        return None, _sorted(problems)
    bank = None
    problems.extend(recover_misspelt_keys(doc, filename))  # read as meant, so only the cause is reported
    try:
        bank = Bank.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(shape_problems(doc, exc, filename))
    problems.extend(MeaningChecker(doc, filename).run())
    if any(p.severity == "error" for p in problems):
        bank = None
    if bank is not None:  # a valid bank: what a taker would notice, then what scoring shows
        found = taker_findings(bank) + (deeper(bank) if deeper is not None else [])
        problems.extend(Problem(code, filename, *doc.where(path), ctx) for code, path, ctx in found)
        if any(p.severity == "error" for p in problems):
            bank = None
    return bank, _sorted(problems)


def check_bytes(raw: bytes, filename: str, deeper: Deeper | None = None) -> tuple[Bank | None, list[Problem]]:
    return check_document(yaml_reader.read_bytes(raw, filename), filename, deeper)


def check_file(path: str, display: str | None = None,
               deeper: Deeper | None = None) -> tuple[Bank | None, list[Problem]]:
    name = display or path
    return check_document(yaml_reader.read_file(path, name), name, deeper)


def load_bank(path: str) -> Bank:
    bank, problems = check_file(path)
    if bank is None:
        raise BankError(problems)
    return bank


def changed_without_bump(bank: Bank, stored_hashes: Iterable[str], filename: str,
                         where: tuple[int, int]) -> Problem | None:
    """BANK_043 when the content of `bank` is none of those stored for its id and version
    (`stored_hashes`, read from the database by the caller): its content changed without a
    version bump, so one version's results would be scored two ways. `where`: the `version` line."""
    stored = sorted(set(stored_hashes))
    if not stored or bank.content_hash in stored:
        return None
    return Problem(ErrorCode.BANK_043, filename, where[0], where[1], {
        "id": bank.id, "version": bank.version, "stored": ", ".join(stored), "current": bank.content_hash,
        "next": bank.version + 1})
