"""How a result is named: a path's short name, a hybrid, the headline, the label beside a bar."""
from __future__ import annotations

import math
from typing import Any

from quiz.bank import Bank
from quiz.web import card as preview
from quiz.web.i18n import gettext


def colour(index: int) -> str:
    r, g, b = preview.PATH_COLOURS[index % len(preview.PATH_COLOURS)]
    return f"#{r:02x}{g:02x}{b:02x}"


def _lower_first(text: str) -> str:
    """'Researcher' → 'researcher' inside a phrase; acronyms ('AIOps', 'MLOps') stay as they are."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def short_title(title: str) -> str:
    """A title without its gloss: 'Ops: data, platform, MLOps' → 'Ops'."""
    head = title.split(":", 1)[0].strip()
    return head or title


def path_name(bank: Bank, path: Any, lang: str) -> str:
    """A path's name for tight places: its `short_title`, else its title before ':', else its
    title. Snapshots stored before short_title existed fall back the same way."""
    short = getattr(path, "short_title", None)
    if short is not None:
        text = bank.text(short, lang).strip()
        if text:
            return text
    return short_title(bank.text(path.title, lang))


def _hybrid_name(first: str, second: str) -> str:
    # An en dash joins the two names: "·" appears inside titles ("데이터·플랫폼·MLOps").
    return gettext("%(first)s–%(second)s hybrid", first=first, second=_lower_first(second))


def headline(bank: Bank, outcome: dict[str, Any], lang: str) -> str:
    """The result in a few words: balanced, a hybrid of the first two, or the primary path."""
    if outcome.get("balanced"):
        return gettext("Balanced: no single path stands out yet")
    primary = bank.path_by_id.get(outcome.get("primary"))
    secondary = bank.path_by_id.get(outcome.get("secondary") or "")
    if outcome.get("hybrid") and primary is not None and secondary is not None:
        return _hybrid_name(path_name(bank, primary, lang), path_name(bank, secondary, lang))
    return bank.text(primary.title, lang) if primary else str(outcome.get("primary"))


def short_label(bank: Bank, outcome: dict[str, Any], lang: str) -> str:
    """The result as a label beside a bar (compare): 'Balanced', 'Engineer–ops hybrid', 'Ops'."""
    if outcome.get("balanced"):
        return gettext("Balanced")
    primary = bank.path_by_id.get(outcome.get("primary"))
    if outcome.get("hybrid"):
        return headline(bank, outcome, lang)
    return path_name(bank, primary, lang) if primary else str(outcome.get("primary"))


def balanced_line(bank: Bank) -> str:
    return gettext("All your scores lie within %(limit)s points of each other: your answers do not point "
                   "to one path yet.", limit=int(round(bank.hybrid_margin)))


def percent(share: Any) -> int:
    """0.874 → 87 (halves up, as the bars round)."""
    return int(math.floor(float(share or 0) * 100 + 0.5))


def bar_width(score: Any) -> str:
    """A score's bar length as an SVG percentage."""
    return f"{max(0.0, min(100.0, float(score))):.1f}%"


def archetype_line(bank: Bank, outcome: dict[str, Any], lang: str) -> str:
    """'Most like: Jeon · 82% similar' for a card or a comparison; empty if the daily life is unknown."""
    closest = outcome.get("archetype") or {}
    arch = bank.archetype_by_id.get(closest.get("id"))
    if arch is None:
        return ""
    return gettext("Most like: %(title)s · %(pct)s%% similar", title=bank.text(arch.title, lang),
                   pct=percent(closest.get("similarity")))
