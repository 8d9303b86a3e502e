"""Per-request CPU cost inside one process, without HTTP or other processes in the way.

    .venv/bin/python bench/inprocess.py [--postgres]

Drives the app through Flask's test client and prints the CPU time (process_time, median of
several rounds) of each kind of request beside a bare Flask "Hello, World!" measured the same
way. Steadier than `make bench` on a busy machine, and the place to look first when a page gets
slower: the numbers in docs/performance.md's "Where the time goes" come from here.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import random
import re
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.run import POSTGRES_URL, SHIPPED_BANK, TINY_BANK


def cpu_ms(fn, n: int, rounds: int) -> float:
    """Median over `rounds` of the CPU milliseconds per call of `fn`, over `n` calls each."""
    for _ in range(max(10, n // 10)):
        fn()
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(n):
            fn()
        samples.append((time.process_time() - started) * 1000 / n)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL (a private schema) instead of SQLite")
    parser.add_argument("-n", type=int, default=200, help="requests per round (default 200)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from flask import Flask

    from tests.conftest import make_app
    banks, bank_id = (SHIPPED_BANK, "know-yourself") if os.path.exists(SHIPPED_BANK) else (TINY_BANK, "tiny")
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="quiz-inprocess-"))
    url = POSTGRES_URL if args.postgres else f"sqlite:///{workdir}/quiz.sqlite3"
    app = make_app(workdir, banks=banks, database_url=url, TESTING=False, QUIZ_ENV="production",
                   QUIZ_RATE_LIMIT="100000000/minute")
    client = app.test_client()

    bank = client.get(f"/api/banks/{bank_id}").get_json()
    rng = random.Random(1)

    def answers() -> dict:
        out = {}
        for section in bank["sections"]:
            for q in section["questions"]:
                if q["type"] == "scale":
                    out[q["id"]] = rng.randint(q["scale"]["min"], q["scale"]["max"])
                elif q["type"] == "choice":
                    out[q["id"]] = rng.choice(q["options"])["id"]
                else:
                    out[q["id"]] = [rng.choice(q["options"])["id"]]
        return out

    bodies = [{"bank": bank_id, "answers": answers()} for _ in range(50)]
    tokens = [client.post("/api/results", json=b).get_json()["token"] for b in bodies for _ in range(4)]
    html = client.get(f"/quiz/{bank_id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    page = client.post(f"/quiz/{bank_id}", data={"csrf_token": csrf.group(1) if csrf else ""}).headers["Location"]

    bare = Flask("bare")
    bare.add_url_rule("/", "hello", lambda: "Hello, World!")
    bare_client = bare.test_client()
    counter = iter(range(10**9))

    def fresh_result() -> None:
        cache = app.extensions.get("result_pages")
        if cache is not None and hasattr(cache, "max_bytes"):
            cache.max_bytes = 0  # nothing is kept: every request renders
        client.get(f"/r/{tokens[next(counter) % len(tokens)]}")

    def post() -> None:
        assert client.post("/api/results", json=bodies[next(counter) % len(bodies)]).status_code == 201

    cases = [
        ("bare Flask hello", lambda: bare_client.get("/")),
        ("/healthz", lambda: client.get("/healthz")),
        ("quiz page", lambda: client.get(page)),
        ("results page, from the page cache", lambda: client.get(f"/r/{tokens[0]}")),
        ("results page, rendered", fresh_result),
        ("POST /api/results", post),
    ]
    base = None
    print(f"{'SQLite' if not args.postgres else 'PostgreSQL'}, bank {bank_id}, CPU ms per request "
          f"(median of {args.rounds} × {args.n}):")
    for name, fn in cases:
        ms = cpu_ms(fn, args.n, args.rounds)
        base = base or ms
        print(f"  {name:36s} {ms:6.3f} ms   {base / ms:5.2f} × bare")

    # Every cache is one kind (quiz.lru): how often each answered during the run above.
    from quiz.lru import caches
    print("caches (quiz.lru), over the whole run:")
    for cache in caches():
        rate = cache.hit_rate
        bound = f"{cache.max_bytes} bytes" if cache.max_bytes is not None else f"{cache.max_entries} entries"
        print(f"  {cache.name:24s} {len(cache):5d} kept (of {bound:>16s}), hit rate "
              f"{'-' if rate is None else f'{rate:.1%}'} of {cache.hits + cache.misses} lookups")

    from quiz.extensions import db
    with app.app_context():
        db.engine.dispose()
    if app.cleanup:
        app.cleanup()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
