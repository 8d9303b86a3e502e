"""The banks a process serves: the files QUIZ_BANKS names, loaded and validated once."""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from quiz.bank.errors import BankError, ErrorCode, Problem
from quiz.bank.loader import check_file
from quiz.bank.model import Bank


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
