"""`make no-loss`: no acknowledged result is ever lost when a server dies mid-load.

Two bounded load tests on loopback (60 s each by default):

- PostgreSQL: two gunicorn instances sharing one database (and Redis), 32 connections POSTing
  results; halfway through, one whole instance (master and workers) is killed with SIGKILL, as a
  host dies. Clients then fail over to the other instance, as a load balancer would.
- SQLite: one instance; halfway through, one worker is killed with SIGKILL (gunicorn starts a
  new one).

Every submission carries its own submission_id, so afterwards each one can be looked up whether or
not its answer arrived. Printed per scenario: sent, acknowledged (201), failed (no answer or an
error), found afterwards among the acknowledged, and stored without an acknowledgement (the
server committed, then died before answering: the client's retry with the same submission_id
gets it back). The run fails unless acknowledged == found.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import uuid
from contextlib import closing
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.run import POSTGRES_URL, SHIPPED_BANK, TINY_BANK, PostgresStore, SqliteStore, answer_sets, migrate
from bench.servers import Server, request


@dataclass
class Tally:
    sent: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # submission_id → token
    failed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, why: str) -> None:
        with self.lock:
            self.failed += 1
            self.errors[why] = self.errors.get(why, 0) + 1


def client(ports: list[int], start: int, bodies: list[dict], bank_id: str, stop: threading.Event,
           tally: Tally, sent_ids: list[str]) -> None:
    """One connection POSTing results until stopped; on a dead server it moves to the next one."""
    which = start
    conn: http.client.HTTPConnection | None = None
    rng = random.Random(start * 7919 + threading.get_ident())
    while not stop.is_set():
        submission_id = str(uuid.uuid4())
        body = json.dumps({"bank": bank_id, "answers": rng.choice(bodies), "submission_id": submission_id})
        with tally.lock:
            tally.sent += 1
            sent_ids.append(submission_id)
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", ports[which % len(ports)], timeout=30)
            conn.request("POST", "/api/results", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            raw = response.read()
            if response.status == 201:
                with tally.lock:
                    tally.acknowledged[submission_id] = json.loads(raw)["token"]
            else:
                tally.fail(f"HTTP {response.status}")
        except (OSError, http.client.HTTPException) as exc:
            tally.fail(type(exc).__name__)
            if conn is not None:
                conn.close()
            conn = None
            which += 1  # fail over, as a load balancer takes a dead backend out
            time.sleep(0.05)
    if conn is not None:
        conn.close()


def run_load(ports: list[int], connections: int, seconds: float, bodies: list[dict], bank_id: str,
             at_half) -> tuple[Tally, list[str]]:
    tally, sent_ids, stop = Tally(), [], threading.Event()
    threads = [threading.Thread(target=client, args=(ports, i, bodies, bank_id, stop, tally, sent_ids), daemon=True)
               for i in range(connections)]
    for t in threads:
        t.start()
    time.sleep(seconds / 2)
    at_half()
    time.sleep(seconds / 2)
    stop.set()
    for t in threads:
        t.join(60)
    return tally, sent_ids


def stored(store, submission_ids: list[str]) -> dict[str, str]:
    """submission_id → token for those of `submission_ids` in the database."""
    found: dict[str, str] = {}
    if isinstance(store, PostgresStore):
        with store._connect() as conn:
            for i in range(0, len(submission_ids), 5000):
                chunk = submission_ids[i:i + 5000]
                found.update(conn.execute("SELECT submission_id, token FROM result WHERE submission_id = ANY(%s)",
                                          (chunk,)).fetchall())
    else:
        with closing(store._connect()) as conn:
            for i in range(0, len(submission_ids), 500):
                chunk = submission_ids[i:i + 500]
                marks = ",".join("?" * len(chunk))
                found.update(conn.execute(f"SELECT submission_id, token FROM result WHERE submission_id IN ({marks})",
                                          chunk).fetchall())
    return found


SUMMARY: list[str] = []  # one table row per scenario, for --write-docs


def report(name: str, tally: Tally, sent_ids: list[str], in_db: dict[str, str], port: int) -> bool:
    acked = tally.acknowledged
    found = {sid for sid, token in acked.items() if in_db.get(sid) == token}
    missing = sorted(set(acked) - found)
    unacked_stored = len(set(in_db) - set(acked))
    # Through HTTP too, on the surviving instance: a sample of the acknowledged results.
    sample = random.Random(5).sample(sorted(acked.items()), min(200, len(acked)))
    http_missing = [t for _, t in sample if request(port, "GET", f"/api/results/{t}")[0] != 200]
    print(f"{name}:")
    print(f"  sent                    {tally.sent:>7,}")
    print(f"  acknowledged (201)      {len(acked):>7,}")
    print(f"  failed                  {tally.failed:>7,}  {dict(sorted(tally.errors.items()))}")
    print(f"  found afterwards        {len(found):>7,}  (of the acknowledged; "
          f"{len(sample) - len(http_missing)}/{len(sample)} of a sample also read back over HTTP)")
    print(f"  stored, not acknowledged {unacked_stored:>6,}  (committed, then the answer was lost with the server)")
    ok = not missing and not http_missing
    print(f"  {'OK: acknowledged == found' if ok else f'LOST: {len(missing)} acknowledged results are missing'}")
    failures = ", ".join(f"{n} {why}" for why, n in sorted(tally.errors.items())) or "none"
    SUMMARY.append(f"| {name} | {tally.sent:,} | {len(acked):,} | {tally.failed:,} ({failures}) | {len(found):,} "
                   f"| {unacked_stored:,} | {'✓' if ok else '✗ LOST'} |")
    return ok


def scenario_postgres(args, bodies: list[dict], banks: str, bank_id: str) -> bool:
    try:
        store = PostgresStore(POSTGRES_URL)
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL: not run ({str(exc).splitlines()[0]})")
        return not args.require_postgres
    try:
        migrate(store.url, banks)
        env = {"DATABASE_URL": store.url, "QUIZ_BANKS": banks, "SECRET_KEY": "no-loss", "QUIZ_ENV": "production", "QUIZ_BASE_URL": "http://127.0.0.1",
               "QUIZ_RATE_LIMIT": "100000000/minute", "REDIS_URL": args.redis_url}
        a = Server("A", env=env, workers=args.workers).start()
        b = Server("B", env=env, workers=args.workers).start()
        try:
            print(f"PostgreSQL: {args.connections} connections for {args.seconds:.0f} s against A and B; "
                  f"A killed (SIGKILL, master and workers) at {args.seconds / 2:.0f} s", flush=True)
            tally, sent_ids = run_load([a.port, b.port], args.connections, args.seconds, bodies, bank_id,
                                       lambda: a.kill(signal.SIGKILL))
            return report("PostgreSQL, two instances, one killed", tally, sent_ids, stored(store, sent_ids), b.port)
        finally:
            a.stop()
            b.stop()
    finally:
        store.drop()


def scenario_sqlite(args, bodies: list[dict], banks: str, bank_id: str) -> bool:
    workdir = tempfile.mkdtemp(prefix="quiz-no-loss-")
    store = SqliteStore(workdir)
    try:
        migrate(store.url, banks)
        env = {"DATABASE_URL": store.url, "QUIZ_BANKS": banks, "SECRET_KEY": "no-loss", "QUIZ_ENV": "production", "QUIZ_BASE_URL": "http://127.0.0.1",
               "QUIZ_RATE_LIMIT": "100000000/minute"}
        with Server("S", env=env, workers=args.workers) as server:
            def kill_a_worker() -> None:
                pids = server.worker_pids()
                if pids:
                    os.kill(random.Random(1).choice(pids), signal.SIGKILL)
            print(f"SQLite: {args.connections} connections for {args.seconds:.0f} s against one instance; "
                  f"one worker killed (SIGKILL) at {args.seconds / 2:.0f} s", flush=True)
            tally, sent_ids = run_load([server.port], args.connections, args.seconds, bodies, bank_id, kill_a_worker)
            return report("SQLite, one instance, a worker killed", tally, sent_ids, stored(store, sent_ids),
                          server.port)
    finally:
        store.drop()
        os.rmdir(workdir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance (default 2)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--require-postgres", action="store_true", help="fail when PostgreSQL is missing")
    parser.add_argument("--only", choices=("postgres", "sqlite"))
    parser.add_argument("--write-docs", action="store_true", help="put the counts into docs/performance.md")
    args = parser.parse_args()
    banks, bank_id = (SHIPPED_BANK, "know-yourself") if os.path.exists(SHIPPED_BANK) else (TINY_BANK, "tiny")

    # Valid answer sets, from a throwaway instance's API.
    workdir = tempfile.mkdtemp(prefix="quiz-no-loss-")
    probe_store = SqliteStore(workdir)
    migrate(probe_store.url, banks)
    with Server("probe", env={"DATABASE_URL": probe_store.url, "QUIZ_BANKS": banks, "SECRET_KEY": "x"},
                workers=1) as probe:
        bodies = answer_sets(probe.port, bank_id, 50)
    probe_store.drop()
    os.rmdir(workdir)

    ok = True
    if args.only in (None, "postgres"):
        ok &= scenario_postgres(args, bodies, banks, bank_id)
    if args.only in (None, "sqlite"):
        ok &= scenario_sqlite(args, bodies, banks, bank_id)
    if args.write_docs and SUMMARY:
        write_docs(args, SUMMARY)
    return 0 if ok else 1


def write_docs(args, rows: list[str]) -> None:
    from datetime import datetime, timezone

    from bench.run import DOC
    start, end = "<!-- no-loss:table -->", "<!-- /no-loss:table -->"
    table = "\n".join([
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d}: {args.connections} connections, {args.seconds:.0f} s per "
        f"scenario, {args.workers} workers per instance.",
        "",
        "| scenario | sent | acknowledged (201) | failed | found afterwards | stored, not acknowledged | |",
        "|---|---:|---:|---|---:|---:|---|",
        *rows,
    ])
    with open(DOC, encoding="utf-8") as fh:
        text = fh.read()
    if start not in text or end not in text:
        print(f"no-loss: {DOC} has no {start} block; not written", file=sys.stderr)
        return
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    with open(DOC, "w", encoding="utf-8") as fh:
        fh.write(f"{head}{start}\n{table}\n{end}{tail}")


if __name__ == "__main__":
    sys.exit(main())
