"""gunicorn settings for `make run` and production (docs/deploy.md).

The command line and GUNICORN_CMD_ARGS override anything here (e.g. `--workers 8`).
"""
import gc
import multiprocessing
import os
import re
from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

# Sync workers, one request at a time each: the app's work is short CPU bursts plus a database
# round trip, so 2 × cores + 1 keeps the cores busy while some workers wait on the database.
# Capped, because every worker holds its own database pool (docs/deploy.md has the PostgreSQL
# max_connections arithmetic); WEB_CONCURRENCY sets the number outright.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 9))
worker_class = "sync"

# Load the app once in the master, then fork: the banks are parsed and validated once, a broken
# bank stops the start before any worker exists, and the workers share those pages
# copy-on-write (lower memory per worker). post_fork below keeps database connections unshared.
preload_app = True

timeout = 30           # a request running longer than this is killed (statement_timeout is 10 s)
graceful_timeout = 20  # on SIGTERM, requests in flight get this long to finish
keepalive = 5          # seconds; a load balancer reuses its connections to us
# Recycle workers now and then, so a slow leak in any library never grows without bound.
max_requests = 10000
max_requests_jitter = 1000

# One line per request, on stdout unless ACCESS_LOG names a file ("" turns it off): the client
# (and the address the proxy saw), request line, status, bytes, and time taken.
accesslog = os.environ.get("ACCESS_LOG", "-") or None
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"

# Secrets never reach the access log (docs/security.md): the values of these query parameters
# (a result's delete key on GET /r/<token>/delete?key=…, an author key tried as /author?key=…)
# are written as "[redacted]", in every atom a log format can name (the request line, the query,
# the referer, the raw environ), and these headers are never written at all. The names are
# compared case-insensitively after percent-decoding, as the app reads them.
SECRET_QUERY_PARAMS = frozenset({"key", "delete_key", "author_key", "api_key", "access_token", "password",
                                 "secret"})
SECRET_HEADERS = frozenset({"x-delete-key", "x-author-key", "authorization", "cookie", "set-cookie",
                            "proxy-authorization"})
REDACTED = "[redacted]"
# One query parameter: its name (up to "=", "&", ";", "#" or a space) and its value.
_PARAM = re.compile(r"(?P<name>[^&;#\s=]*)(?P<eq>=?)(?P<value>[^&;#\s]*)")


def redact_query(query: str) -> str:
    """A query string with the values of SECRET_QUERY_PARAMS replaced by REDACTED."""
    def one(match: re.Match) -> str:
        name = match.group("name")
        try:
            secret = unquote_plus(name).strip().lower() in SECRET_QUERY_PARAMS
        except Exception:  # noqa: BLE001 - a name that does not decode is logged as it came
            secret = False
        if secret and match.group("eq"):
            return f"{name}={REDACTED}"
        return match.group(0)
    return _PARAM.sub(one, query)


def redact_uri(text: str) -> str:
    """A request line, URI or referer with its query string passed through redact_query."""
    path, sep, rest = text.partition("?")
    if not sep:
        return text
    # In a request line the query ends at the space before the protocol.
    query, space, tail = rest.partition(" ")
    return f"{path}?{redact_query(query)}{space}{tail}"


# Atoms holding a whole query string, and atoms holding a URI (or a line with one in it).
_QUERY_ATOMS = frozenset({"q", "{query_string}e"})
_URI_ATOMS = frozenset({"r", "f", "{referer}i", "{raw_uri}e", "{request_uri}e", "{http_referer}e"})
_SECRET_ATOMS = frozenset({f"{{{h}}}i" for h in SECRET_HEADERS} | {f"{{{h}}}o" for h in SECRET_HEADERS}
                          | {"{http_%s}e" % h.replace("-", "_") for h in SECRET_HEADERS})


class RedactingLogger(Logger):
    """gunicorn's logger, with secrets taken out of every access-log atom."""

    def atoms(self, resp, req, environ, request_time):  # noqa: ANN001, ANN201
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if not isinstance(value, str):
                continue
            if name in _SECRET_ATOMS:
                atoms[name] = REDACTED
            elif name in _QUERY_ATOMS:
                atoms[name] = redact_query(value)
            elif name in _URI_ATOMS:
                atoms[name] = redact_uri(value)
        return atoms


logger_class = RedactingLogger

# The heartbeat file on tmpfs: a worker whose disk stalls must not look dead to the master.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn 24+ opens a control socket at one fixed path per user; several instances on a host
# (docs/deploy.md) would take it from each other, and nothing here uses it.
control_socket_disable = True

# Which proxies gunicorn believes about the scheme (https); the app trusts X-Forwarded-For per
# QUIZ_PROXY_HOPS (ProxyFix), not per this list.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

if "PORT" in os.environ and "--bind" not in os.environ.get("GUNICORN_CMD_ARGS", ""):
    bind = [f"127.0.0.1:{os.environ['PORT']}"]


def when_ready(server):  # noqa: ANN001, ANN201, ARG001
    # Runs in the master after the app is loaded, before the first fork. Freezing moves every
    # object loaded so far out of the garbage collector's reach, so collections in a worker don't
    # write to (and so copy) the pages it shares with the master.
    gc.collect()
    gc.freeze()


def post_fork(server, worker):  # noqa: ANN001, ANN201, ARG001
    # A connection the master opened while loading the app (a migration check, a snapshot) must
    # not be shared by two processes: each worker forgets the inherited pool without closing the
    # master's sockets (SQLAlchemy's "Using Connection Pools with Multiprocessing").
    app = getattr(server.app, "callable", None)
    extensions = getattr(app, "extensions", None) or {}
    if "sqlalchemy" not in extensions:
        return
    from quiz.extensions import db
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
