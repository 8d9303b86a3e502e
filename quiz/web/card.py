"""The 1200×630 PNG preview of a result, for link unfurling (Open Graph, Twitter cards).

Drawn with Pillow from fonts shipped in quiz/fonts (NanumGothic, SIL OFL), so Hangul renders the
same on every server, whatever fonts the system has. The drawing takes plain strings and numbers:
what to say is decided by the results blueprint, how it looks is decided here.

Rendering costs tens of milliseconds, so each (token, language) is drawn once and kept on disk
(a folder shared by the workers of one host: <instance folder>/previews unless QUIZ_PREVIEW_DIR
says otherwise); `forget` removes a result's files when it is deleted, and the route checks the
result's row before serving a file, so a file never outlives a delete.
"""
from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont
# Pillow is imported when a card is first drawn, not with the app: +5 MB of RSS in every worker
# (gunicorn loads the app before forking) for a picture most workers never draw (cached on disk).

WIDTH, HEIGHT = 1200, 630
FONT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fonts")  # quiz/fonts
REGULAR = os.path.join(FONT_DIR, "NanumGothic.ttf")
BOLD = os.path.join(FONT_DIR, "NanumGothicBold.ttf")

BACKGROUND = (250, 248, 243)
INK = (28, 30, 36)
MUTED = (96, 100, 110)
TRACK = (226, 222, 212)
ACCENT = (44, 96, 160)
# One colour per path, in the bank's display order (cycled if a bank has more paths).
PATH_COLOURS = ((44, 96, 160), (196, 98, 40), (46, 132, 96), (136, 76, 160), (170, 60, 80), (90, 110, 40))

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
LANG_RE = re.compile(r"^[a-z]{2,3}$")
MARGIN = 64


@dataclass(frozen=True)
class Bar:
    label: str
    score: float  # 0–100
    primary: bool = False


@dataclass(frozen=True)
class Card:
    """Everything the preview says, already in the viewer's language."""

    brand: str
    headline: str
    subline: str
    bars: Sequence[Bar]
    archetype: str  # e.g. "Most like: Kim's day · 82%"; may be empty
    footer: str


def score_text(score: float) -> str:
    """A 0–100 score as people read it: a whole number, halves rounded up (the page uses it too)."""
    return str(int(math.floor(float(score) + 0.5)))


@lru_cache(maxsize=32)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont
    return ImageFont.truetype(BOLD if bold else REGULAR, size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap; a word wider than the line (long Hangul runs) breaks between characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if draw.textlength(candidate, font=face) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        while draw.textlength(word, font=face) > width:
            cut = len(word)
            while cut > 1 and draw.textlength(word[:cut], font=face) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _ellipsis(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def render(card: Card) -> bytes:
    """The card as PNG bytes, 1200×630."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 16, HEIGHT), fill=ACCENT)
    text_width = WIDTH - 2 * MARGIN

    y = 44
    draw.text((MARGIN, y), card.brand, font=font(28, bold=True), fill=ACCENT)
    y += 52

    # The headline: on one line if it fits at 48 px or more (no lone last word), else as large as
    # fits in two lines.
    for size, most in ((64, 1), (56, 1), (48, 1), (64, 2), (56, 2), (48, 2), (40, 2)):
        face = font(size, bold=True)
        lines = _wrap(draw, card.headline, face, text_width)
        if len(lines) <= most:
            break
    lines = lines[:2]
    for line in lines:
        draw.text((MARGIN, y), line, font=face, fill=INK)
        y += int(size * 1.2)

    if card.subline:
        face = font(28)
        draw.text((MARGIN, y + 4), _ellipsis(draw, card.subline, face, text_width), font=face, fill=MUTED)
        y += 44

    # The bars: one row per path, label | bar | number.
    bars = list(card.bars)[:6]
    footer_top = HEIGHT - 64 - (48 if card.archetype else 0)
    room = footer_top - (y + 24)
    row = max(40, min(64, room // max(1, len(bars))))
    label_face, number_face = font(min(30, row - 12)), font(min(32, row - 10), bold=True)
    bold_label_face = font(min(30, row - 12), bold=True)
    label_width = min(320, max(int(draw.textlength(b.label, font=bold_label_face)) for b in bars) + 24) if bars else 0
    bar_left = MARGIN + label_width
    number_width = int(draw.textlength("100", font=number_face)) + 16
    bar_right = WIDTH - MARGIN - number_width
    bar_height = max(16, row // 2)
    y += 24
    for i, bar in enumerate(bars):
        colour = PATH_COLOURS[i % len(PATH_COLOURS)]
        centre = y + row // 2
        face = bold_label_face if bar.primary else label_face
        label = _ellipsis(draw, bar.label, face, label_width - 16)
        draw.text((MARGIN, centre), label, font=face, fill=INK, anchor="lm")
        top, bottom = centre - bar_height // 2, centre + bar_height // 2
        draw.rounded_rectangle((bar_left, top, bar_right, bottom), radius=bar_height // 2, fill=TRACK)
        score = max(0.0, min(100.0, float(bar.score)))
        filled = bar_left + int((bar_right - bar_left) * score / 100)
        if filled - bar_left >= bar_height:
            draw.rounded_rectangle((bar_left, top, filled, bottom), radius=bar_height // 2, fill=colour)
        elif score > 0:
            draw.ellipse((bar_left, top, bar_left + bar_height, bottom), fill=colour)
        draw.text((WIDTH - MARGIN, centre), score_text(score), font=number_face, fill=INK, anchor="rm")
        y += row

    if card.archetype:
        face = font(28, bold=True)
        draw.text((MARGIN, HEIGHT - 112), _ellipsis(draw, card.archetype, face, text_width), font=face, fill=INK)
    face = font(22)
    draw.text((MARGIN, HEIGHT - 44), _ellipsis(draw, card.footer, face, text_width), font=face, fill=MUTED,
              anchor="ls")

    # A card has few colours: 128 of them keep antialiased text smooth, make the file a third of
    # the size and encode in a fifth of the time of a full-colour PNG.
    out = io.BytesIO()
    image.quantize(colors=128, method=Image.Quantize.FASTOCTREE).save(out, format="PNG", compress_level=6)
    return out.getvalue()


# -- the disk cache ----------------------------------------------------------------------------

def cache_path(folder: str, token: str, lang: str) -> str | None:
    """Where the PNG for (token, lang) is kept; None for a token or language unfit for a file name."""
    if not TOKEN_RE.match(token) or not LANG_RE.match(lang):
        return None
    return os.path.join(folder, f"{token}.{lang}.png")


def read_cached(folder: str, token: str, lang: str) -> bytes | None:
    path = cache_path(folder, token, lang)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def store(folder: str, token: str, lang: str, png: bytes) -> None:
    """Keep a rendered PNG; written to a temporary name and renamed, so a reader never sees half."""
    path = cache_path(folder, token, lang)
    if path is None:
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(png)
        os.replace(tmp, path)
    except OSError:  # a full or read-only disk costs a re-render next time, nothing more
        try:
            os.unlink(tmp)
        except OSError:
            pass


def forget(folder: str, token: str) -> None:
    """Remove every cached PNG of a result (all languages)."""
    if not TOKEN_RE.match(token):
        return
    try:
        names = os.listdir(folder)
    except OSError:
        return
    prefix = token + "."
    for name in names:
        if name.startswith(prefix):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass
