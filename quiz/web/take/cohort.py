"""A quiz started from a cohort's link (`/quiz/<bank>?cohort=<slug>`).

The start page names the group and carries its slug in the Start form; Start puts the cohort on
the new draft, and the submission records it with the result (quiz.service.submit). A slug that
is malformed or names no cohort is said on the page (404), never silently dropped: the taker can
still take the quiz alone, knowing it will count for no group.
"""
from __future__ import annotations

from typing import Any

from quiz.store import cohorts
from quiz.web.i18n import gettext


def lookup(slug: Any) -> tuple[Any, str | None]:
    """(the cohort, None) for a known slug; (None, what is wrong) for any other given value;
    (None, None) when none was given."""
    if slug is None:
        return None, None
    cohort = cohorts.by_slug(slug) if isinstance(slug, str) else None
    if cohort is not None:
        return cohort, None
    shown = slug[:64] if isinstance(slug, str) else ""
    return None, gettext("There is no group called “%(slug)s”. Check the link with whoever gave it to you. "
                         "You can still take the quiz on your own, but your result will not count for any group.",
                         slug=shown)
