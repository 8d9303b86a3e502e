"""Bank markdown (advice, descriptions) to safe HTML.

Authors write markdown; takers' browsers get HTML. markdown-it-py renders CommonMark with raw HTML
switched off, and nh3 (ammonia) then keeps only a small list of tags and safe link schemes, so a
bank file can never put a script, a style or an event handler on a page. Bank texts are few and
never change while the process runs, so each distinct text is rendered once.
"""
from __future__ import annotations

import html
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a",
                "h3", "h4", "h5", "h6", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=4096)
def render(text: str | None) -> Markup:
    """Markdown → sanitised HTML, safe to put on a page unescaped."""
    if not text:
        return Markup("")
    out = _md.render(text)
    # Headings in advice sit under the page's own h2s: shift h1/h2 down rather than drop them.
    out = out.replace("<h1>", "<h3>").replace("</h1>", "</h3>").replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    clean = nh3.clean(out, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean.strip())


@lru_cache(maxsize=4096)
def render_inline(text: str | None) -> Markup:
    """Markdown for one line (a next step, a title): no wrapping paragraph."""
    if not text:
        return Markup("")
    clean = nh3.clean(_md.renderInline(text), tags={"em", "strong", "code", "a", "br"}, attributes={"a": {"href", "title"}},
                      url_schemes=URL_SCHEMES, link_rel="noopener noreferrer nofollow")
    return Markup(clean.strip())


def plain(text: str | None) -> str:
    """The text of some markdown without its markup: for meta descriptions and the PNG."""
    if not text:
        return ""
    return html.unescape(nh3.clean(_md.renderInline(text), tags=set())).strip()
