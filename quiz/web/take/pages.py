"""Quiz pages as HTML: rendered once per (bank, page, language, returning) with the draft and CSRF
tokens as slots, then filled in and ticked for each taker. Bounded: a few entries per bank page,
banks kept by quiz.engine.per_bank."""
from __future__ import annotations

import hashlib
import random
import re
import secrets
from typing import Any

from flask import has_request_context, render_template, request
from flask_wtf.csrf import generate_csrf

from quiz.bank import Bank, Question
from quiz.engine import bank_store, per_bank
from quiz.web import i18n

# How long a quiz takes, for "about N minutes" (start page) and "about N minutes left" (each page):
# the time to read every word a taker meets (section titles and intros, questions, hints, options,
# scale labels), in the taker's language, plus a moment to decide each answer.
#  - English: 240 words a minute, the adult silent-reading rate for non-fiction (238 wpm; Brysbaert
#    2019, "How many words do we read per minute?", a meta-analysis of 190 studies).
#  - Korean is counted in Hangul syllables, not in space-separated words (a Korean word carries its
#    particles, so words say little about length): 480 syllables a minute. In our banks a text takes
#    about two syllables where the English takes one word (know-yourself: 5,090 syllables against
#    2,519 words), so the same content is estimated alike in both languages, as Brysbaert finds
#    reading rates across languages follow how much text a message needs.
#  - Other scripts' words (Latin names inside Korean text, numbers) count as English words.
WORDS_PER_MINUTE = 240
HANGUL_SYLLABLES_PER_MINUTE = 480
SECONDS_TO_DECIDE = 3  # per question, on top of reading it
_HANGUL = re.compile("[\uac00-\ud7a3]")
_WORD = re.compile(r"\w+")

# -- per-bank facts, computed once per bank content (bounded stores: quiz.engine.rules.per_bank) -------

_NUMBERS = bank_store("question numbers")
_PAGES = bank_store("pages of questions")
_SECONDS = bank_store("reading time per page")  # per bank: {language: (seconds of page 1, ...)}
# Per bank: {(page, language, returning): page HTML with slots}, a few entries per page.
_PAGE_HTML = bank_store("quiz pages")


def question_numbers(bank: Bank) -> dict[str, int]:
    """Each question's number as the taker meets it (page order), for "Question 5" references."""
    return per_bank(_NUMBERS, bank, lambda b: {q.id: n for n, q in enumerate(
        (q for _s, qs in b.pages for q in qs), 1)})


def page_of(bank: Bank) -> dict[str, int]:
    """The page (1-based) each question is on."""
    return per_bank(_PAGES, bank, lambda b: {q.id: n for n, (_s, qs) in enumerate(b.pages, 1) for q in qs})



def reading_seconds(text: str) -> float:
    """Seconds to read `text`: Hangul by the syllable, everything else by the word."""
    syllables = len(_HANGUL.findall(text))
    words = len(_WORD.findall(_HANGUL.sub(" ", text))) if syllables else len(_WORD.findall(text))
    return 60 * (words / WORDS_PER_MINUTE + syllables / HANGUL_SYLLABLES_PER_MINUTE)


def _page_texts(bank: Bank, section: Any, questions: tuple[Question, ...], lang: str) -> list[str]:
    texts = [bank.text(section.title, lang), bank.text(section.intro, lang)] if section else []
    for q in questions:
        texts += [bank.text(q.text, lang), bank.text(q.help, lang)]
        texts += [bank.text(o.text, lang) for o in q.options]
        texts += [bank.text(label, lang) for label in q.scale.labels.values()] if q.scale else []
    return texts


def page_seconds(bank: Bank, lang: str) -> tuple[float, ...]:
    """Each page's estimated time in `lang`, in seconds (see WORDS_PER_MINUTE)."""
    by_lang = per_bank(_SECONDS, bank, lambda _b: {})
    if lang not in by_lang:
        by_lang[lang] = tuple(
            sum(reading_seconds(t) for t in _page_texts(bank, section, questions, lang))
            + SECONDS_TO_DECIDE * len(questions)
            for section, questions in bank.pages)
    return by_lang[lang]


def _lang(lang: str | None) -> str:
    return lang or (i18n.select_locale() if has_request_context() else "en")


def minutes(bank: Bank, lang: str | None = None) -> int:
    """About how many minutes the whole quiz takes, in `lang` (default: the page's)."""
    return max(1, round(sum(page_seconds(bank, _lang(lang))) / 60))


def minutes_left(bank: Bank, number: int, lang: str | None = None) -> int:
    """About how many minutes are left on arriving at page `number`, its own time included (on
    page 1, the start page's whole-quiz figure); never 0."""
    return max(1, round(sum(page_seconds(bank, _lang(lang))[number - 1:]) / 60))


# -- the pages ----------------------------------------------------------------------------------

# Page 1 of a quiz is the same for every taker but for three things: the draft token (in its
# links), the CSRF token and which inputs are checked. So a page is rendered once per (bank,
# page, language, query) with the two tokens as slots, and each GET fills them in and ticks the
# taker's answers. Slots are random per process, so no bank text can contain them.
TOKEN_SLOT = "t" + secrets.token_hex(12)
CSRF_SLOT = "c" + secrets.token_hex(12)
CACHED_QUERY_ARGS = frozenset({"lang", "return"})


def tick(html: str, questions: tuple[Question, ...], answers: dict[str, Any]) -> str:
    """`html` with `checked` added to each answered input. The text `id="a-<q>-<i>" value="<v>"`
    occurs once on a page (ids and values are slugs or integers: nothing to escape)."""
    for q in questions:
        value = answers.get(q.id)
        if value is None:
            continue
        if q.type == "scale":
            picked = [(value - q.scale.min, value)] if isinstance(value, int) and value in q.scale.values else []
        else:
            wanted = value if isinstance(value, list) else [value]
            picked = [(i, o) for i, o in enumerate(q.option_ids) if o in wanted]
        for index, v in picked:
            needle = f'id="a-{q.id}-{index}" value="{v}"'
            html = html.replace(needle, needle + " checked", 1)
    return html


def _cached_page(bank: Bank, draft: Any, number: int, returning: bool) -> str:
    """Page `number` for `draft`, from the per-bank page cache (see TOKEN_SLOT)."""
    _section, questions = bank.pages[number - 1]
    answers = draft.answers or {}
    if not set(request.args) <= CACHED_QUERY_ARGS:  # odd query strings: render, don't cache
        return _render_page(bank, draft, number, answers=answers, returning=returning)
    store = per_bank(_PAGE_HTML, bank, lambda _b: {})
    # Keyed on what the page depends on, normalised: never on the raw query string, which a
    # visitor chooses (500 different ?return= values must not mean 500 copies).
    key = (number, i18n.select_locale(), returning)
    csrf_value = generate_csrf()  # the same value csrf_token() gives the template below
    template = store.get(key)
    if template is None:
        html = _render_page(bank, draft, number, answers={}, returning=returning)
        template = store[key] = html.replace(draft.token, TOKEN_SLOT).replace(csrf_value, CSRF_SLOT)
    html = template.replace(TOKEN_SLOT, draft.token).replace(CSRF_SLOT, csrf_value)
    return shuffle_options(tick(html, questions, answers), questions, draft.token)


def _render_page(bank: Bank, draft: Any, number: int, *, answers: dict[str, Any],
                 errors: dict[str, str] | None = None, notice: str | None = None,
                 returning: bool = False) -> str:
    section, questions = bank.pages[number - 1]
    html = render_template(
        "take/page.html", bank=bank, draft=draft, number=number, total=len(bank.pages),
        minutes_left=minutes_left(bank, number),
        section=section, questions=questions, numbers=question_numbers(bank), answers=answers,
        errors=errors or {}, notice=notice, returning=returning)
    return shuffle_options(html, questions, draft.token)


def option_order(q: Question, draft_token: str) -> list[int]:
    """The order (canonical positions) a `shuffle: true` question's options are shown in to the
    taker of this draft: fixed by the draft and the question, so Back, a reload or "continue
    later" show the same order, and another taker most likely another."""
    seed = int.from_bytes(hashlib.sha256(f"{draft_token}\0{q.id}".encode()).digest()[:8], "big")
    order = list(range(len(q.options)))
    random.Random(seed).shuffle(order)
    return order


def shuffle_options(html: str, questions: tuple[Question, ...], draft_token: str) -> str:
    """`html` with each `shuffle: true` question's option labels in this taker's order, whatever
    order they come in (a cached page holds the first taker's). Each label holds its input
    `a-<q>-<i>` (i: the option's place in the bank, which `tick` and the answers rely on), so the
    labels are moved whole and nothing else changes."""
    for q in questions:
        if not q.shuffle or len(q.options) < 2:
            continue
        spans = []
        for i in range(len(q.options)):
            at = html.find(f'id="a-{q.id}-{i}"')
            start, end = html.rfind("<label", 0, at), html.find("</label>", at)
            if at < 0 or start < 0 or end < 0:
                break
            spans.append((start, end + len("</label>")))
        else:
            ordered = sorted(spans)
            gaps = {html[a[1]:b[0]] for a, b in zip(ordered, ordered[1:])}
            if len(gaps) == 1 and all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:])):
                labels = [html[s:e] for s, e in spans]
                shown = gaps.pop().join(labels[i] for i in option_order(q, draft_token))
                html = html[:ordered[0][0]] + shown + html[ordered[-1][1]:]
    return html
