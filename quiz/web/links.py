"""What the web layer hands between pages: the absolute base of every link, and the delete keys a
taker's own browser holds.

A delete key is given once, to the browser that submitted (the session cookie), so the results
page can offer "delete my result" there and nowhere else. The quiz's last step writes it
(`remember_delete_key`), the results pages read and forget it. The session cookie is signed, not
encrypted: anyone who sees it (a shared computer, a proxy's or a support tool's log) can read it.
So it holds each key sealed (`seal`), never the key itself: XORed with a pad that only the server
can work out, HMAC-SHA-256 of the result's token under SECRET_KEY.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from urllib.parse import quote

from flask import current_app, request, session

DELETE_KEYS = "delete_keys"  # session: {result token: the delete key, sealed}
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


def _pad(token: str, size: int) -> bytes:
    """`size` bytes only the server can make for this result: HMAC-SHA-256 under SECRET_KEY, in
    counter mode. One result has one delete key, so a pad never seals two different texts."""
    secret = current_app.secret_key
    secret = secret.encode() if isinstance(secret, str) else bytes(secret or b"")
    blocks = (hmac.new(secret, b"delete-key\0%d\0%s" % (i, token.encode()), hashlib.sha256).digest()
              for i in range(-(-size // 32)))
    return b"".join(blocks)[:size]


def seal(token: str, key: str) -> str:
    """The delete key of result `token` as the session cookie keeps it: unreadable without SECRET_KEY."""
    raw = key.encode()
    return base64.urlsafe_b64encode(bytes(a ^ b for a, b in zip(raw, _pad(token, len(raw))))).decode()


def unseal(token: str, sealed: object) -> str | None:
    """The delete key `seal` sealed, or None for anything else (a cookie from before, a forgery)."""
    if not isinstance(sealed, str) or len(sealed) > 128:
        return None
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
        return bytes(a ^ b for a, b in zip(raw, _pad(token, len(raw)))).decode("ascii")
    except (ValueError, binascii.Error, UnicodeError):
        return None


def remember_delete_key(token: str, key: str) -> None:
    keys = dict(session.get(DELETE_KEYS) or {})
    keys[token] = seal(token, key)
    session[DELETE_KEYS] = dict(list(keys.items())[-DELETE_KEYS_KEPT:])


def delete_key_for(token: str) -> str | None:
    """The delete key this browser holds for the result, if any (checked against the row later)."""
    keys = session.get(DELETE_KEYS)
    return unseal(token, keys.get(token)) if isinstance(keys, dict) else None


def forget_delete_key(token: str) -> None:
    keys = session.get(DELETE_KEYS)
    if isinstance(keys, dict) and token in keys:
        keys = dict(keys)
        keys.pop(token)
        session[DELETE_KEYS] = keys
