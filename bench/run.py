"""`make bench`: the project against a bare Flask "Hello, World!" under identical gunicorn settings.

One run, loopback only, stops by itself (about 5 minutes on 2 cores):

1. the bare app (bench/hello.py) under gunicorn.conf.py, driven by wrk: the baseline;
2. the project on SQLite, then on PostgreSQL, each: a quiz page, the results page with about
   1,000 stored results, `POST /api/results` (a Lua script posting valid answer sets), and the
   results page again after bulk-loading up to 1,000,000 results (executemany in one transaction
   on SQLite, COPY on PostgreSQL);
3. the baseline again (its mean is the divisor: the two show how noisy the machine was);
4. memory per worker (RSS, and PSS: shared pages split between the processes sharing them).

It prints one table, each figure also as a ratio to the bare baseline, with the targets from
docs/performance.md. `--write-docs` puts the table into docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.servers import ROOT, Server, request

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SHIPPED_BANK = os.path.join(ROOT, "questions", "know-yourself.yaml")
TINY_BANK = os.path.join(ROOT, "tests", "data", "tiny.yaml")
DOC = os.path.join(ROOT, "docs", "performance.md")
TARGETS = {"quiz page": 0.6, "results page": 0.5, "results page, one result": 0.5, "POST /api/results": 0.35}
TARGET_1M = 0.8
TARGET_RSS_MB = 80
RESULT_COLUMNS = ("token", "delete_key_hash", "submission_id", "bank_id", "bank_version", "bank_hash", "lang",
                  "answers", "outcome", "primary_path", "created_at")


# --- wrk --------------------------------------------------------------------------------------

def find_wrk() -> str:
    """wrk on PATH, or installed from the Debian package when this machine allows it."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if apt and sudo is not None:
        print("wrk is missing: installing the Debian package", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run([*sudo, apt, "install", "-y", "-qq", "wrk"], env=env).returncode != 0:
            subprocess.run([*sudo, apt, "update", "-qq"], env=env)
            subprocess.run([*sudo, apt, "install", "-y", "-qq", "wrk"], env=env)
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench: wrk is needed (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)")
    return found


@dataclass
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers plus socket errors: a run with errors is not a result
    cpu_ms: float | None = None  # server CPU per request (master + workers): steady when rps is noisy

    def fmt(self) -> tuple[str, str, str]:
        return f"{self.rps:,.0f}", f"{self.p50_ms:.1f}", f"{self.p99_ms:.1f}"


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


class Wrk:
    def __init__(self, binary: str, duration: int, connections: int, threads: int, warmup: int, workdir: str):
        self.binary, self.duration, self.connections, self.threads = binary, duration, connections, threads
        self.warmup, self.workdir = warmup, workdir

    def lua(self, name: str, text: str) -> str:
        path = os.path.join(self.workdir, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return path

    def run(self, url: str, script: str | None = None, headers: dict[str, str] | None = None,
            server: Server | None = None) -> Measure:
        args = [self.binary, "-t", str(self.threads), "-c", str(self.connections), "--latency"]
        for key, value in (headers or {}).items():
            args += ["-H", f"{key}: {value}"]
        if script:
            args += ["-s", script]
        if self.warmup:  # first requests compile templates and fill caches in every worker
            subprocess.run([*args, "-d", f"{self.warmup}s", url], capture_output=True, timeout=self.warmup + 60)
        cpu_before = server.cpu_seconds() if server else None
        out = subprocess.run([*args, "-d", f"{self.duration}s", url], capture_output=True, text=True,
                             timeout=self.duration + 60).stdout
        cpu = server.cpu_seconds() - cpu_before if server else None
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
        p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
        total = int(re.search(r"(\d+) requests in", out).group(1))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
        return Measure(rps, p50, p99, total, errors, cpu * 1000 / total if cpu is not None and total else None)


def random_path_script(paths: list[str]) -> str:
    listed = ",\n".join(f'  "{p}"' for p in paths)
    return (f"local paths = {{\n{listed}\n}}\n"
            "local n = 0\n"
            "setup = function(thread) n = n + 1; thread:set('seed', n) end\n"
            "init = function(args) math.randomseed(seed * 7919) end\n"
            "request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n")


def post_script(bodies: list[str]) -> str:
    listed = ",\n".join(f"  [==[{b}]==]" for b in bodies)
    return (f"local bodies = {{\n{listed}\n}}\n"
            "local i = 0\n"
            "local headers = {['Content-Type'] = 'application/json'}\n"
            "request = function()\n"
            "  i = i % #bodies + 1\n"
            "  return wrk.format('POST', '/api/results', headers, bodies[i])\n"
            "end\n")


# --- the app under test ---------------------------------------------------------------------

def answer_sets(port: int, bank_id: str, n: int, seed: int = 7) -> list[dict]:
    """Valid, varied answer sets, built from the bank as the API shows it to a taker."""
    status, _, body = request(port, "GET", f"/api/banks/{bank_id}")
    if status != 200:
        raise RuntimeError(f"GET /api/banks/{bank_id} answered {status}")
    rng = random.Random(seed)
    questions = [q for s in json.loads(body)["sections"] for q in s["questions"]]
    sets = []
    for _ in range(n):
        answers = {}
        for q in questions:
            if q["type"] == "scale":
                answers[q["id"]] = rng.randint(q["scale"]["min"], q["scale"]["max"])
            elif q["type"] == "choice":
                answers[q["id"]] = rng.choice(q["options"])["id"]
            else:
                k = rng.randint(1, min(len(q["options"]), q.get("max_choices") or 2))
                answers[q["id"]] = [o["id"] for o in rng.sample(q["options"], k)]
        sets.append(answers)
    return sets


def start_draft(port: int, bank_id: str) -> tuple[str, str]:
    """Press Start as a browser does; return (page 1's path, the session cookie)."""
    status, headers, body = request(port, "GET", f"/quiz/{bank_id}")
    if status != 200:
        raise RuntimeError(f"GET /quiz/{bank_id} answered {status}")
    html = body.decode()
    match = (re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
             or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html))
    cookie = headers.get("set-cookie", "").split(";")[0]
    form = urlencode({"csrf_token": match.group(1) if match else ""})
    status, headers, _ = request(port, "POST", f"/quiz/{bank_id}", form.encode(),
                                 headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    if status != 303:
        raise RuntimeError(f"POST /quiz/{bank_id} (Start) answered {status}")
    cookie = headers.get("set-cookie", cookie).split(";")[0] or cookie
    path = re.sub(r"^https?://[^/]+", "", headers["location"])
    status, _, _ = request(port, "GET", path, headers={"Cookie": cookie})
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    return path, cookie


# --- bulk loading -----------------------------------------------------------------------------

def _copies(seeds: list[tuple], count: int):
    """`count` new results copied from stored ones: fresh tokens, no submission id, dates over the
    past year in arrival order. The tokens are generated first and handed out sorted, so the
    unique index on them is built by appending; a lookup by token walks the same B-tree either way."""
    now = datetime.now(timezone.utc)
    tokens = sorted(secrets.token_urlsafe(24) for _ in range(count))
    step = 365 * 86400 / max(count, 1)
    for i, token in enumerate(tokens):
        row = list(seeds[i % len(seeds)])
        row[0] = token
        row[2] = None
        row[10] = now - timedelta(seconds=(count - i) * step)
        yield tuple(row)


class SqliteStore:
    label = "SQLite"

    def __init__(self, workdir: str, name: str = "bench"):
        self.path = os.path.join(workdir, f"{name}.sqlite3")
        self.url = f"sqlite:///{self.path}"

    def copy_results_from(self, other: SqliteStore) -> None:
        """The other store's bank snapshots and results (a migrated, empty store)."""
        with closing(self._connect()) as conn:
            conn.execute("ATTACH DATABASE ? AS other", (other.path,))
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bank_snapshot SELECT * FROM other.bank_snapshot")
            conn.execute("INSERT INTO result SELECT * FROM other.result")
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE other")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=60000")
        return conn

    def count(self) -> int:
        with closing(self._connect()) as conn:
            return conn.execute("SELECT count(*) FROM result").fetchone()[0]

    def fill(self, total: int) -> float:
        """Copy stored results until there are `total`, in one transaction. Call it with no server
        running: the load writes straight to the file (rollback journal, no fsync) instead of
        through the WAL, then the file goes back to WAL mode."""
        started = time.monotonic()
        conn = self._connect()
        cols = ", ".join(RESULT_COLUMNS)
        seeds = conn.execute(f"SELECT {cols} FROM result ORDER BY id LIMIT 200").fetchall()
        missing = total - conn.execute("SELECT count(*) FROM result").fetchone()[0]
        if missing > 0:
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA cache_size=-200000")
            rows = ((*r[:10], r[10].strftime("%Y-%m-%d %H:%M:%S.%f")) for r in _copies(seeds, missing))
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(f"INSERT INTO result ({cols}) VALUES ({', '.join('?' * len(RESULT_COLUMNS))})", rows)
            conn.execute("COMMIT")
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("ANALYZE")
        conn.close()
        return time.monotonic() - started

    def sample_tokens(self, n: int) -> list[str]:
        with closing(self._connect()) as conn:
            low, high = conn.execute("SELECT min(id), max(id) FROM result").fetchone()
            ids = random.Random(3).sample(range(low, high + 1), min(n, high - low + 1))
            marks = ",".join("?" * len(ids))
            return [t for (t,) in conn.execute(f"SELECT token FROM result WHERE id IN ({marks})", ids)]

    def drop(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(self.path + suffix)
            except FileNotFoundError:
                pass


class PostgresStore:
    label = "PostgreSQL"

    def __init__(self, base_url: str):
        import psycopg
        self.plain = base_url.replace("+psycopg", "")
        self.schema = "bench_" + uuid.uuid4().hex[:10]
        with psycopg.connect(self.plain, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE SCHEMA "{self.schema}"')
        sep = "&" if "?" in base_url else "?"
        self.url = f"{base_url}{sep}options=-csearch_path%3D{self.schema}"

    def copy_results_from(self, other: PostgresStore) -> None:
        """The other store's bank snapshots and results (a migrated, empty store)."""
        with self._connect() as conn, conn.transaction():
            conn.execute(f'INSERT INTO bank_snapshot SELECT * FROM "{other.schema}".bank_snapshot')
            conn.execute(f'INSERT INTO result SELECT * FROM "{other.schema}".result')
            conn.execute("SELECT setval(pg_get_serial_sequence('result', 'id'), (SELECT max(id) FROM result))")

    def _connect(self):
        import psycopg
        return psycopg.connect(self.plain, autocommit=True, options=f"-csearch_path={self.schema}")

    def count(self) -> int:
        with self._connect() as conn:
            return conn.execute("SELECT count(*) FROM result").fetchone()[0]

    def fill(self, total: int) -> float:
        """Copy stored results until there are `total`, with COPY in one transaction. The
        secondary indexes are dropped first and built again afterwards (a sort each, much faster
        than a million random inserts); the schema ends exactly as the migrations made it."""
        started = time.monotonic()
        cols = ", ".join(RESULT_COLUMNS)
        with self._connect() as conn:
            seeds = conn.execute(f"SELECT {cols} FROM result ORDER BY id LIMIT 200").fetchall()
            seeds = [(*r[:7], json.dumps(r[7]), json.dumps(r[8]), *r[9:]) for r in seeds]
            missing = total - conn.execute("SELECT count(*) FROM result").fetchone()[0]
            if missing > 0:
                with conn.transaction():
                    conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
                    indexes = conn.execute(
                        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                        "WHERE i.indrelid = 'result'::regclass AND NOT i.indisprimary "
                        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)").fetchall()
                    uniques = conn.execute(
                        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                        "WHERE conrelid = 'result'::regclass AND contype = 'u'").fetchall()
                    for name, _ in indexes:
                        conn.execute(f"DROP INDEX {name}")
                    for name, _ in uniques:
                        conn.execute(f'ALTER TABLE result DROP CONSTRAINT "{name}"')
                    with conn.cursor() as cur, cur.copy(f"COPY result ({cols}) FROM STDIN") as copy:
                        for row in _copies(seeds, missing):
                            copy.write_row(row)
                    for name, definition in uniques:
                        conn.execute(f'ALTER TABLE result ADD CONSTRAINT "{name}" {definition}')
                    for _, definition in indexes:
                        conn.execute(definition)
            conn.execute("ANALYZE result")
        return time.monotonic() - started

    def sample_tokens(self, n: int) -> list[str]:
        with self._connect() as conn:
            low, high = conn.execute("SELECT min(id), max(id) FROM result").fetchone()
            ids = random.Random(3).sample(range(low, high + 1), min(n, high - low + 1))
            return [t for (t,) in conn.execute("SELECT token FROM result WHERE id = ANY(%s)", (ids,))]

    def drop(self) -> None:
        import psycopg
        with psycopg.connect(self.plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


def postgres_problem() -> str | None:
    try:
        import psycopg
        with psycopg.connect(POSTGRES_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def migrate(url: str, banks: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, QUIZ_BANKS=banks, SECRET_KEY="bench")
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=300)


# --- the run ------------------------------------------------------------------------------------

@dataclass
class Row:
    what: str
    db: str
    m: Measure | None
    note: str = ""


def bench_store(make_store, wrk: Wrk, args, banks: str, bank_id: str, env_extra: dict) -> tuple[list[Row], dict]:
    """The project on one kind of database.

    Two databases of that kind: one with about `--small` results, one with `--large`. Their two
    servers run side by side and the results-page runs alternate between them (small, large,
    small, large), so a change in the machine's load over the minutes hits both alike. Bulk loads
    happen with no server running; every server starts with empty page caches.
    """
    rows: list[Row] = []
    store = make_store("small")
    stores = [store]
    try:
        migrate(store.url, banks)
        env = {"QUIZ_BANKS": banks, "SECRET_KEY": "bench-secret", "QUIZ_ENV": "production", "QUIZ_BASE_URL": "http://127.0.0.1",
               "QUIZ_RATE_LIMIT": "100000000/minute", "ACCESS_LOG": "", **env_extra}

        def server(on) -> Server:
            return Server(f"quiz on {on.label}", env={**env, "DATABASE_URL": on.url}, workers=args.workers,
                          log_path=args.server_log)
        memory: dict = {"workers": []}

        with server(store) as s:
            try:
                draft = start_draft(s.port, bank_id)  # kept in the database for the quiz-page run
            except (RuntimeError, KeyError) as exc:
                draft = exc
            bodies = [json.dumps({"bank": bank_id, "answers": a}) for a in answer_sets(s.port, bank_id, 50)]
            for body in bodies:  # real submissions: the rows the bulk loads copy
                status, _, text = request(s.port, "POST", "/api/results", body.encode())
                if status != 201:
                    raise RuntimeError(f"POST /api/results answered {status}: {text[:300]!r}")

        large_store = None
        loaded = 0.0
        if args.large:
            large_store = make_store("large")
            stores.append(large_store)
            migrate(large_store.url, banks)
            large_store.copy_results_from(store)
            loaded = large_store.fill(args.large)
        store.fill(args.small)

        tokens = store.sample_tokens(1000)
        results = wrk.lua(f"results-{store.label}.lua", random_path_script([f"/r/{t}" for t in tokens]))
        post = wrk.lua(f"post-{store.label}.lua", post_script(bodies))
        with server(store) as s:
            base = f"http://127.0.0.1:{s.port}"
            large_server = server(large_store).start() if large_store else None
            try:
                if large_server:
                    large_tokens = large_store.sample_tokens(1000)
                    large_results = wrk.lua(f"results-large-{store.label}.lua",
                                             random_path_script([f"/r/{t}" for t in large_tokens]))
                    large_base = f"http://127.0.0.1:{large_server.port}"
                    # Four short runs each, alternated, rather than one long one: the machine's
                    # other load changes over minutes and must fall on both alike.
                    half = Wrk(wrk.binary, max(1, wrk.duration // 2), wrk.connections, wrk.threads, 1, wrk.workdir)
                    runs = [(half.run(base + "/", results, server=s),
                             half.run(large_base + "/", large_results, server=large_server)) for _ in range(4)]
                    small, large = mean_measure([r[0] for r in runs]), mean_measure([r[1] for r in runs])
                else:
                    small, large = wrk.run(base + "/", results, server=s), None
            finally:
                if large_server:
                    large_server.stop()
            rows.append(Row("results page", store.label, small,
                            f"{store.count():,} stored; {len(tokens)} different results at random"))
            rows.append(Row("results page, one result", store.label, wrk.run(f"{base}/r/{tokens[0]}", server=s),
                            "the same shared link over and over: the page cache's best case"))
            rows.append(Row("POST /api/results", store.label, wrk.run(base + "/api/results", post, server=s),
                            f"{len(bodies)} different valid answer sets; 201 expected"))
            if isinstance(draft, Exception):
                rows.insert(0, Row("quiz page", store.label, None, f"not measured: {draft}"))
            else:
                page, cookie = draft
                rows.insert(0, Row("quiz page", store.label,
                                   wrk.run(base + page, headers={"Cookie": cookie}, server=s),
                                   "page 1 of a draft, with the taker's session cookie"))
            # After quiz pages, results pages and submissions: a worker that has done everything.
            memory["workers"] = s.memory_mb()
        if large:
            rows.append(Row("results page, large", store.label, large,
                            f"{large_store.count():,} stored (bulk load {loaded:.0f} s); "
                            f"{large.rps / small.rps:.2f}× the rps, {small.cpu_ms / large.cpu_ms:.2f}× the CPU "
                            f"efficiency of the page at {args.small:,} (runs alternated, four each)"))
        return rows, memory
    finally:
        for each in stores:
            each.drop()


def mean_measure(runs: list[Measure]) -> Measure:
    n = len(runs)
    cpu = [r.cpu_ms for r in runs if r.cpu_ms is not None]
    return Measure(sum(r.rps for r in runs) / n, sum(r.p50_ms for r in runs) / n, max(r.p99_ms for r in runs),
                   sum(r.requests for r in runs), sum(r.errors for r in runs), sum(cpu) / len(cpu) if cpu else None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load first (default 2)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py's)")
    parser.add_argument("--small", type=int, default=1000, help="stored results for the results page (1,000)")
    parser.add_argument("--large", type=int, default=1_000_000, help="stored results for the large case; 0 skips")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--server-log", default=None, help="append the servers' output to this file")
    parser.add_argument("--write-docs", action="store_true", help="put the table into docs/performance.md")
    args = parser.parse_args()
    if args.workers is None:
        import multiprocessing
        args.workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 9))

    workdir = tempfile.mkdtemp(prefix="quiz-bench-")
    wrk = Wrk(find_wrk(), args.duration, args.connections, args.threads, args.warmup, workdir)
    if os.path.exists(SHIPPED_BANK):
        banks, bank_id = SHIPPED_BANK, "know-yourself"
    else:
        banks, bank_id = TINY_BANK, "tiny"
    started = time.monotonic()
    print(f"bench: {args.workers} gunicorn workers, wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
          f"bank {bank_id}, {os.cpu_count()} CPUs", flush=True)

    bare_env = {"ACCESS_LOG": ""}
    rows: list[Row] = []
    memory: dict[str, dict] = {}
    with Server("bare Flask", env=bare_env, app="bench.hello:app", workers=args.workers, log_path=args.server_log) as bare:
        first = wrk.run(f"http://127.0.0.1:{bare.port}/", server=bare)
        memory["bare Flask"] = {"workers": bare.memory_mb()}
    print(f"  bare Flask: {first.rps:,.0f} rps", flush=True)

    factories = [("SQLite", lambda name: SqliteStore(workdir, name), {})]
    if not args.no_postgres:
        problem = postgres_problem()
        if problem:
            rows.append(Row("(all)", "PostgreSQL", None, f"not measured: {problem}"))
        else:
            extra = {}
            try:
                import redis
                redis.Redis(socket_connect_timeout=1).ping()
                extra = {"REDIS_URL": "redis://127.0.0.1:6379/14"}  # as several instances would run
            except Exception:  # noqa: BLE001
                pass
            factories.append(("PostgreSQL", lambda name: PostgresStore(POSTGRES_URL), extra))
    try:
        for label, factory, extra in factories:
            got, mem = bench_store(factory, wrk, args, banks, bank_id, extra)
            rows.extend(got)
            memory[f"quiz on {label}"] = mem
            for r in got:
                if r.m:
                    print(f"  {r.what} on {r.db}: {r.m.rps:,.0f} rps", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    with Server("bare Flask", env=bare_env, app="bench.hello:app", workers=args.workers) as bare:
        last = wrk.run(f"http://127.0.0.1:{bare.port}/", server=bare)
    baseline = (first.rps + last.rps) / 2
    table = render(rows, first, last, baseline, memory, args, bank_id, time.monotonic() - started)
    print()
    print(table)
    if args.write_docs:
        write_docs(table)
    failed = [r for r in rows if r.m and r.m.errors]
    return 1 if failed else 0


def render(rows: list[Row], first: Measure, last: Measure, baseline: float, memory: dict, args,
           bank_id: str, seconds: float) -> str:
    bare_cpu = ((first.cpu_ms or 0) + (last.cpu_ms or 0)) / 2

    def cells(m: Measure) -> str:
        rps, p50, p99 = m.fmt()
        cpu = f"{m.cpu_ms:.2f} | {bare_cpu / m.cpu_ms:.2f}" if m.cpu_ms else "— | —"
        return f"{rps} | {p50} | {p99} | {m.rps / baseline:.2f} | {cpu}"

    lines = [
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d} on {os.cpu_count()} CPUs ({platform.machine()}), "
        f"Python {platform.python_version()}; gunicorn.conf.py with {args.workers} sync workers for every "
        f"server; wrk -t{args.threads} -c{args.connections}, {args.duration} s per run after {args.warmup} s of "
        f"warm-up, on the same machine; bank `{bank_id}`; whole run {seconds / 60:.1f} min. "
        "\"× bare\" divides by the mean of the two bare runs; \"CPU ms/req\" is the servers' CPU time "
        "(master and workers) per request, and its ratio the steadier figure on a busy machine.",
        "",
        "| page | database | rps | p50 ms | p99 ms | × bare | CPU ms/req | × bare (CPU) | target | errors | notes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for label, m in (("bare Flask \"Hello, World!\" (first)", first), ("bare Flask \"Hello, World!\" (last)", last)):
        lines.append(f"| {label} | — | {cells(m)} | | {m.errors} | |")
    small: dict[str, Measure] = {}
    for r in rows:
        if r.m is None:
            lines.append(f"| {r.what} | {r.db} | — | — | — | — | — | — | | | {r.note} |")
            continue
        if r.what == "results page":
            small[r.db] = r.m
        if r.what == "results page, large":
            ratio = r.m.rps / small[r.db].rps if r.db in small else float("nan")
            target = f"≥ {TARGET_1M} × the page at {args.small:,} {'✓' if ratio >= TARGET_1M else '✗'}"
        else:
            goal = TARGETS.get(r.what)
            target = f"≥ {goal} {'✓' if r.m.rps / baseline >= goal else '✗'}" if goal else ""
        lines.append(f"| {r.what} | {r.db} | {cells(r.m)} | {target} | {r.m.errors} | {r.note} |")
    lines += ["", "| memory per worker (after the runs) | RSS MB (max) | PSS MB (mean) | private MB (mean) | target |",
              "|---|---:|---:|---:|---|"]
    for name, mem in memory.items():
        workers = mem.get("workers") or []
        if not workers:
            continue
        rss = max(w["rss"] for w in workers)
        pss = sum(w["pss"] for w in workers) / len(workers)
        uss = sum(w["uss"] for w in workers) / len(workers)
        target = "" if name.startswith("bare") else f"RSS ≤ {TARGET_RSS_MB} {'✓' if rss <= TARGET_RSS_MB else '✗'}"
        lines.append(f"| {name} | {rss:.0f} | {pss:.0f} | {uss:.0f} | {target} |")
    return "\n".join(lines)


def write_docs(table: str) -> None:
    start, end = "<!-- bench:table -->", "<!-- /bench:table -->"
    with open(DOC, encoding="utf-8") as fh:
        text = fh.read()
    if start not in text or end not in text:
        print(f"bench: {DOC} has no {start} … {end} block; table not written", file=sys.stderr)
        return
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    with open(DOC, "w", encoding="utf-8") as fh:
        fh.write(f"{head}{start}\n{table}\n{end}{tail}")
    print(f"bench: table written to {os.path.relpath(DOC, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
