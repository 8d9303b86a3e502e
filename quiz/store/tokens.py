"""Tokens for what the store keeps: result links, delete keys, drafts. 24 random bytes → 32
URL-safe characters, 192 bits: far beyond guessing, never derived from the answers or a counter."""
from __future__ import annotations

import secrets

TOKEN_BYTES = 24


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def plausible(token: object) -> bool:
    """Could this be one of our tokens? Anything else (empty, too long, not text) is not looked up."""
    return isinstance(token, str) and 0 < len(token) <= 64
