"""How messages name things: "did you mean", what a value is, where in the bank a problem is."""
from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from typing import Any


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the closest of `choices`, or ''."""
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


class Suggestion:
    """`did_you_mean`, worked out only when a message is rendered: a pasted bank with 50,000
    misspelt keys costs 50,000 of these, and difflib only for the problems someone reads."""

    __slots__ = ("word", "choices", "_text")

    def __init__(self, word: str, choices: Iterable[str]):
        self.word, self.choices, self._text = word, tuple(choices), None

    def __str__(self) -> str:
        if self._text is None:
            self._text = did_you_mean(self.word, self.choices)
        return self._text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return repr(str(self))


def suggest(word: str, choices: Iterable[str]) -> Suggestion:
    return Suggestion(word, choices)


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


# Country codes written where a language code is due (Korea is KR, Korean is ko).
_COUNTRY_TO_LANGUAGE = {"kr": "ko", "jp": "ja", "cn": "zh", "tw": "zh", "dk": "da", "cz": "cs", "gr": "el",
                        "ua": "uk", "vn": "vi", "se": "sv", "us": "en", "gb": "en", "br": "pt", "ir": "fa",
                        "il": "he", "in": "hi", "at": "de", "mx": "es", "ee": "et", "si": "sl", "kz": "kk"}


def country_not_language(code: str) -> str | None:
    """The language code meant by `code` when it is a country's code and no language's ('kr' for
    'ko'); None for a code Babel knows as a language ('se' is Northern Sami, 'tw' Twi)."""
    meant = _COUNTRY_TO_LANGUAGE.get(code.lower()) if isinstance(code, str) else None
    if meant is None or language_name(code) != code:
        return None
    return meant


def meant_language(wrong: str, candidates: Iterable[str]) -> str | None:
    """The language code of `candidates` that `wrong` most likely stands for: the language of a
    country code (`kr` → `ko`), a close spelling, or the only candidate; None when unsure."""
    candidates = [c for c in candidates if isinstance(c, str)]
    if not isinstance(wrong, str) or not candidates:
        return None
    if _COUNTRY_TO_LANGUAGE.get(wrong.lower()) in candidates:
        return _COUNTRY_TO_LANGUAGE[wrong.lower()]
    if wrong.lower() in candidates:
        return wrong.lower()
    match = difflib.get_close_matches(wrong, candidates, n=1, cutoff=0.5)
    if match:
        return match[0]
    return candidates[0] if len(candidates) == 1 else None


def language_name(code: str) -> str:
    """'Korean' for 'ko' (from Babel's CLDR data), or the code itself."""
    try:
        from babel import Locale
        return Locale.parse(code).english_name or code
    except Exception:  # noqa: BLE001  any code Babel does not know
        return code


def char_width(char: str) -> int:
    """The columns a character takes in a terminal or a monospaced page: 2 for East Asian wide
    and fullwidth ones (Hangul, kana, CJK ideographs), 0 for combining marks and zero-width
    format characters, 1 otherwise (the rule of wcwidth, from the standard library's Unicode data)."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """The columns `text` takes on screen: where a caret under character column N must go."""
    return sum(char_width(c) for c in text)


def caret_line(text: str, col: int) -> str:
    """Spaces and a '^' under the 1-based character column `col` of `text`, counted in screen
    columns, so the caret stays under its character after Korean (or any wide) text."""
    return " " * display_width(text[:max(col - 1, 0)].replace("\t", " ")) + "^"


def where(path: tuple[Any, ...], data: Any = None) -> str:
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
