"""Saying each thing once on a page: sentences already said are left out of later texts."""
from __future__ import annotations

import re
from functools import lru_cache

from quiz.web import markdown

# -- saying things once -------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
# a sentence ends at . ! or ?, also inside a bold lead-in ("**Start now.** Then …")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]\*\*))\s+")
_LIST_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)(.*)$")


@lru_cache(maxsize=8192)  # bank texts and their sentences: few, and the same on every page
def same_words(text: str) -> str:
    """Text reduced for comparing: no markup, case, spacing or closing punctuation."""
    return _SPACE.sub(" ", markdown.plain(text)).strip().rstrip(".:;!?。 ").casefold()


class SaidOnce:
    """Markdown texts with every sentence already said on the page left out.

    Texts are taken in page order; a paragraph or list item whose sentences were all said before
    disappears, and so does a text left empty. Bold lead-ins ("**Start as soon as possible.**")
    count as sentences of their own, so two steps may share one only if the page shows one.
    """

    def __init__(self, already: list[str] = ()):
        self.seen: set[str] = set()
        for text in already:
            self.keep(text)

    def _fresh(self, line: str) -> str:
        kept = []
        for sentence in _SENTENCE_END.split(line.strip()):
            key = same_words(sentence)
            if not key:
                continue
            if key in self.seen:
                continue
            self.seen.add(key)
            kept.append(sentence)
        return " ".join(kept)

    def keep(self, text: str) -> str:
        """`text` without sentences said before; '' when nothing new is left."""
        lines = []
        for line in text.splitlines():
            if not line.strip():
                lines.append("")
                continue
            m = _LIST_ITEM.match(line)
            prefix, body = (m.group(1), m.group(2)) if m else ("", line)
            fresh = self._fresh(body)
            if fresh:
                lines.append(prefix + fresh)
        out = "\n".join(lines).strip()
        return re.sub(r"\n{3,}", "\n\n", out)
