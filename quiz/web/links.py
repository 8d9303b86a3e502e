"""What the web layer hands between pages: the absolute base of every link, and the delete keys a
taker's own browser holds.

A delete key is given once, to the browser that submitted (the session cookie, signed), so the
results page can offer "delete my result" there and nowhere else. The quiz's last step writes it
(`remember_delete_key`), the results pages read and forget it.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import current_app, request, session

DELETE_KEYS = "delete_keys"  # session: {result token: delete key}
DELETE_KEYS_KEPT = 20  # the session is a cookie: keep it well under 4 KB


def base_url() -> str:
    """The absolute base of every link that leaves the site (share links, OG tags, the API's
    `url`, the continue-later link): QUIZ_BASE_URL, else the address the request came to. Production
    refuses to start without QUIZ_BASE_URL (quiz.config), so there the Host header never chooses it."""
    return (current_app.config.get("QUIZ_BASE_URL") or request.host_url).rstrip("/")


# Characters a path may keep as they are (RFC 3986 pchar and "/"); everything else, the backslash
# and control characters included, is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def same_site_path(path: str | None = None) -> str:
    """`path` (default: this request's) as a link that can only lead to this site: percent-encoded
    (a backslash, tab or newline, which browsers read as "/" or drop, becomes %5C, %09, %0A), and
    starting with exactly one "/" (never "//host", a link to another site)."""
    path = request.path if path is None else path
    return "/" + quote(path, safe=_PATH_SAFE).lstrip("/")


def remember_delete_key(token: str, key: str) -> None:
    keys = dict(session.get(DELETE_KEYS) or {})
    keys[token] = key
    session[DELETE_KEYS] = dict(list(keys.items())[-DELETE_KEYS_KEPT:])


def delete_key_for(token: str) -> str | None:
    """The delete key this browser holds for the result, if any (checked against the row later)."""
    keys = session.get(DELETE_KEYS)
    key = keys.get(token) if isinstance(keys, dict) else None
    return key if isinstance(key, str) else None


def forget_delete_key(token: str) -> None:
    keys = session.get(DELETE_KEYS)
    if isinstance(keys, dict) and token in keys:
        keys = dict(keys)
        keys.pop(token)
        session[DELETE_KEYS] = keys
