"""Configuration from the environment (CONTRACT §2), in one table that the docs test reads."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS = (
    Setting("DATABASE_URL", None, "any SQLAlchemy URL; default sqlite:///<instance folder>/quiz.sqlite3"),
    Setting("SECRET_KEY", None, "signs sessions and CSRF tokens; generated once into the instance folder "
                                "unless set; required (and the same on every host) in production"),
    Setting("QUIZ_ENV", "development", "'production': secure cookies, HSTS, no debug, SECRET_KEY and "
                                       "QUIZ_BASE_URL required"),
    Setting("QUIZ_BANKS", "questions/", "folder (or ':'-separated files) of question banks"),
    Setting("REDIS_URL", None, "shared store for rate limits across processes and hosts"),
    Setting("QUIZ_RATE_LIMIT", "30/minute", "Flask-Limiter limit for submissions per client address"),
    Setting("QUIZ_PROXY_HOPS", "0", "how many reverse proxies to trust for the client address (ProxyFix)"),
    Setting("QUIZ_AUTHOR_KEY", None, "enables /author outside development when set"),
    Setting("QUIZ_BASE_URL", None, "absolute base of every absolute link (share links, OG tags, the API's url, "
                                   "the resume link); required in production, where the Host header must "
                                   "not choose it"),
    Setting("QUIZ_PREVIEW_DIR", None, "folder for rendered share images; default <instance folder>/previews"),
    Setting("QUIZ_RESULT_PAGE_CACHE_BYTES", str(8 * 1024 * 1024),
            "bytes of rendered results pages each process keeps (compressed) before the least recently used go"),
    Setting("QUIZ_NORMS_MIN", "200", "results a bank version needs before the results page and the API show "
                                     "percentiles from real takers"),
    Setting("QUIZ_DRAFT_DAYS", "7", "days an untouched draft (\"continue later\") is kept before it is purged"),
    Setting("QUIZ_RESULT_DAYS", None, "days a result is kept before it is purged; unset: results are kept"),
    Setting("QUIZ_OPERATOR", None, "who runs this instance (name and contact), shown on the privacy page"),
)

# Request bodies are small (a quiz page, a JSON answer set, a pasted bank of at most 1 MiB):
# refuse larger ones at once rather than read them.
MAX_CONTENT_LENGTH = 2 * 1024 * 1024
# A bank pasted into /author's text box is one form field of up to 1 MiB: Werkzeug's default
# in-memory limit for a field (500 kB) would refuse it with a bare 413 before /author could check
# it. The whole body is still capped by MAX_CONTENT_LENGTH.
MAX_FORM_MEMORY_SIZE = MAX_CONTENT_LENGTH

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _secret_key(instance_path: str) -> str:
    """A key generated once and kept in the instance folder, so restarts keep sessions valid."""
    path = os.path.join(instance_path, "secret_key")
    try:
        with open(path, encoding="ascii") as fh:
            key = fh.read().strip()
            if key:
                return key
    except OSError:
        pass
    os.makedirs(instance_path, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600) if not os.path.exists(path) else None
    if fd is None:  # another process won the race: use its key
        with open(path, encoding="ascii") as fh:
            return fh.read().strip() or key
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


# The shortest QUIZ_AUTHOR_KEY accepted: /author's guesses are rate-limited, but a short key is
# still a guessable one.
MIN_AUTHOR_KEY = 16


class ConfigError(RuntimeError):
    pass


def _base_url(value: str | None) -> str | None:
    """QUIZ_BASE_URL without its trailing slash, or None when unset; ConfigError unless it is an
    absolute http(s) address with a host and no query or fragment."""
    value = (value or "").strip().rstrip("/")
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment \
            or "\\" in value or any(c.isspace() for c in value):
        raise ConfigError(f"QUIZ_BASE_URL must be an absolute http(s) address such as "
                          f"https://quiz.example.org, not {value[:80]!r}")
    return value


def _days(name: str, value: str | None, default: int | None) -> int | None:
    """A whole number of days (1 to 36,500), the default when unset; ConfigError otherwise."""
    value = (value or "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 36_500:
        raise ConfigError(f"{name} must be a whole number of days from 1 to 36500, not {value[:40]!r}")
    return int(value)


def _count(name: str, value: str | None, default: int) -> int:
    """A whole number (0 or more), the default when unset; ConfigError otherwise."""
    value = (value or "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number (0 or more), not {value[:40]!r}")
    return int(value)


def from_environment(instance_path: str, environ: dict[str, str] | None = None, *,
                     for_command: bool = False) -> dict[str, Any]:
    """The configuration. `for_command`: the app is made for a CLI command (`quiz check`,
    `db upgrade`), which signs nothing, so production's SECRET_KEY requirement does not apply."""
    env = os.environ if environ is None else environ
    quiz_env = env.get("QUIZ_ENV", "development")
    production = quiz_env == "production"
    secret = env.get("SECRET_KEY")
    if production and not secret:
        if not for_command:
            raise ConfigError("QUIZ_ENV=production needs SECRET_KEY set (the same value on every host)")
        secret = secrets.token_hex(32)  # never written: nothing a command does outlives it
    base_url = _base_url(env.get("QUIZ_BASE_URL"))
    if production and base_url is None and not for_command:
        # Without it, absolute links (share links, og:url, the API's url) would be built from
        # the request's Host header, which any client chooses.
        raise ConfigError("QUIZ_ENV=production needs QUIZ_BASE_URL set to the site's public address "
                          "(e.g. https://quiz.example.org)")
    author_key = env.get("QUIZ_AUTHOR_KEY") or None
    if author_key is not None and len(author_key) < MIN_AUTHOR_KEY and not for_command:
        raise ConfigError(f"QUIZ_AUTHOR_KEY must be at least {MIN_AUTHOR_KEY} characters; make one with "
                          "python3 -c 'import secrets; print(secrets.token_urlsafe(24))'")
    banks = env.get("QUIZ_BANKS") or os.path.join(ROOT, "questions")
    db_url = env.get("DATABASE_URL") or "sqlite:///" + os.path.join(instance_path, "quiz.sqlite3")
    if db_url.startswith("postgres://"):  # Heroku-style URLs name no driver
        db_url = "postgresql+psycopg://" + db_url[len("postgres://"):]
    elif db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url[len("postgresql://"):]
    return {
        "QUIZ_ENV": quiz_env,
        "SECRET_KEY": secret or _secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": db_url,
        "QUIZ_BANKS": banks,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "QUIZ_RATE_LIMIT": env.get("QUIZ_RATE_LIMIT") or "30/minute",
        "QUIZ_PROXY_HOPS": int(env.get("QUIZ_PROXY_HOPS") or 0),
        "QUIZ_AUTHOR_KEY": author_key,
        "QUIZ_BASE_URL": base_url,
        "QUIZ_PREVIEW_DIR": env.get("QUIZ_PREVIEW_DIR") or None,
        "QUIZ_RESULT_PAGE_CACHE_BYTES": int(env.get("QUIZ_RESULT_PAGE_CACHE_BYTES") or 8 * 1024 * 1024),
        "QUIZ_NORMS_MIN": _count("QUIZ_NORMS_MIN", env.get("QUIZ_NORMS_MIN"), 200),
        "QUIZ_DRAFT_DAYS": _days("QUIZ_DRAFT_DAYS", env.get("QUIZ_DRAFT_DAYS"), 7),
        "QUIZ_RESULT_DAYS": _days("QUIZ_RESULT_DAYS", env.get("QUIZ_RESULT_DAYS"), None),
        "QUIZ_OPERATOR": (env.get("QUIZ_OPERATOR") or "").strip() or None,
        "MAX_CONTENT_LENGTH": MAX_CONTENT_LENGTH,
        "MAX_FORM_MEMORY_SIZE": MAX_FORM_MEMORY_SIZE,
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": 3600 * 4,
        "DEBUG": False if production else None,
    }
