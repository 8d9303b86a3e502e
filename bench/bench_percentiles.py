"""Percentiles from real takers at scale: the results page and the API with percentiles, for a bank
version with a million stored results, against the same page without them, in the same run.

The aggregate (quiz.store.norms) is filled directly to stand for 1,000,000 results: per path a
bell-shaped spread over every one of the 1,001 tenths and 101 whole points (the most rows a
version can have). "Without" is the same app, the same
database and the same result with QUIZ_NORMS_MIN above the count, so no percentile is shown or
summed. Prints the CPU time per request (this process's, which includes SQLite's work; a busy
machine hardly moves it), the median of alternating runs, and the ratio with/without: 1.0 means
percentiles cost the page nothing.
Run:  .venv/bin/python bench/bench_percentiles.py [--database-url postgresql+psycopg://…] [--results N]
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.bench_results import answers_for  # noqa: E402
from tests.conftest import SHIPPED_BANKS, TINY_BANK, close_app, make_app  # noqa: E402


def cpu_ms(client, url: str, n: int, before=None) -> float:
    """CPU milliseconds of this process per request (time.process_time: the database is SQLite in
    this process, so its work counts; other processes on a busy machine do not)."""
    start = time.process_time()
    for _ in range(n):
        if before:
            before()
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
    return (time.process_time() - start) / n * 1000


def fill(app, bank_id: str, version: int, paths: list[str], results: int) -> None:
    """Make the aggregate say `results` results (plus the ones already stored): each path's
    scores spread over all 1,001 bins, centred somewhere different per path."""
    import sqlalchemy as sa

    from quiz.extensions import db
    from quiz.store import models
    bins, total = models.NormBin.__table__, models.NormTotal.__table__
    with app.app_context():
        where = (bins.c.bank_id == bank_id, bins.c.bank_version == version)
        held = {(r.path, r.bin): r.takers for r in db.session.execute(sa.select(bins).where(*where))}
        rows = []
        for i, path in enumerate(paths):
            centre, spread = 300 + 200 * i, 180.0
            weights = [math.exp(-((b - centre) / spread) ** 2 / 2) + 1e-3 for b in range(1001)]
            scale = results / sum(weights)
            counts = [int(w * scale) for w in weights]
            counts[centre] += results - sum(counts)  # exactly `results` per path
            points = [0] * 101  # whole points (bin -1 - point), as quiz.store.norms counts them too
            for b, n in enumerate(counts):
                points[b // 10] += n
            rows += [{"bank_id": bank_id, "bank_version": version, "path": path, "bin": b,
                      "takers": n + held.get((path, b), 0)} for b, n in enumerate(counts)]
            rows += [{"bank_id": bank_id, "bank_version": version, "path": path, "bin": -1 - p,
                      "takers": n + held.get((path, -1 - p), 0)} for p, n in enumerate(points)]
        db.session.execute(sa.delete(bins).where(*where))
        db.session.execute(sa.insert(bins), rows)
        db.session.execute(sa.update(total).where(total.c.bank_id == bank_id, total.c.bank_version == version)
                           .values(takers=total.c.takers + results))
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--results", type=int, default=1_000_000, help="results the aggregate stands for")
    parser.add_argument("--runs", type=int, default=7, help="alternating runs per route (default 7)")
    args = parser.parse_args()

    shipped = os.path.isdir(SHIPPED_BANKS) and any(n.endswith(".yaml") for n in os.listdir(SHIPPED_BANKS))
    app = make_app(Path(tempfile.mkdtemp()), banks=SHIPPED_BANKS if shipped else TINY_BANK,
                   database_url=args.database_url)
    client = app.test_client()
    bank_id = "know-yourself" if shipped else "tiny"
    body = client.post("/api/results", json={"bank": bank_id, "answers": answers_for(client, bank_id)}).get_json()
    token, version, paths = body["token"], body["bank"]["version"], list(body["scores"])
    fill(app, bank_id, version, paths, args.results)

    from quiz.web import results

    def cold_page() -> None:
        with app.app_context():
            results.page_cache().forget(token)

    def show(shown: bool) -> None:
        app.config["QUIZ_NORMS_MIN"] = 200 if shown else 10 ** 12
        page = client.get(f"/r/{token}?lang=en").get_data(as_text=True)
        assert ("people who took this version" in page) == shown
        assert (client.get(f"/api/results/{token}").get_json()["percentiles"] is not None) == shown

    routes = [("GET /r/<token>, rendered each time", f"/r/{token}?lang=ko", 50, cold_page),
              ("GET /r/<token>, from the page cache", f"/r/{token}?lang=ko", 300, None),
              ("GET /api/results/<token>", f"/api/results/{token}", 200, None)]
    runs: dict[tuple[str, bool], list[float]] = {}
    for shown in (False, True):  # warm up
        show(shown)
        for name, url, n, before in routes:
            cpu_ms(client, url, n // 5, before)
    # Without and with alternate, run by run, so drift on a shared machine falls on both alike.
    for _ in range(args.runs):
        for shown in (False, True):
            show(shown)
            for name, url, n, before in routes:
                runs.setdefault((name, shown), []).append(cpu_ms(client, url, n, before))
    dialect = "PostgreSQL" if (args.database_url or "").startswith("postgresql") else "SQLite"
    print(f"bank: {bank_id} version {version}; {args.results:,} results in the aggregate; {dialect}; "
          f"CPU ms per request in this process, median of {args.runs} alternating runs (Flask test client)")
    print(f"{'':42s} {'without':>10s} {'with':>10s}   with/without")
    for name, *_ in routes:
        off, on = statistics.median(runs[(name, False)]), statistics.median(runs[(name, True)])
        print(f"{name:42s} {off:8.3f}ms {on:8.3f}ms   {on / off:6.2f}")
    close_app(app)


if __name__ == "__main__":
    main()
