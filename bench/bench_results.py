"""The results routes, in process, against a bare Flask "Hello, World!" measured in the same run.

What it shows: a cached results page costs about what the JSON API does (a row lookup, then the
kept HTML), a fresh render several times more; a PNG preview is drawn once (tens of ms) and then
served from disk. Prints the median of several runs per route and its ratio to hello.
Run:  .venv/bin/python bench/bench_results.py
"""
from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask import Flask

from tests.conftest import SHIPPED_BANKS, TINY_BANK, make_app


def ms_per_request(client, url: str, n: int, before=None, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            if before:
                before()
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
        runs.append((time.perf_counter() - start) / n * 1000)
    return statistics.median(runs)


def answers_for(client, bank_id: str) -> dict:
    bank = client.get(f"/api/banks/{bank_id}").get_json()
    rnd = random.Random(1)
    out = {}
    for section in bank["sections"]:
        for q in section["questions"]:
            if q["type"] == "scale":
                out[q["id"]] = rnd.randint(q["scale"]["min"], q["scale"]["max"])
            elif q["type"] == "choice":
                out[q["id"]] = rnd.choice(q["options"])["id"]
            else:
                out[q["id"]] = [q["options"][0]["id"]]
    return out


def main() -> None:
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello, World!")
    hello_client = hello.test_client()

    shipped = os.path.isdir(SHIPPED_BANKS) and any(n.endswith(".yaml") for n in os.listdir(SHIPPED_BANKS))
    app = make_app(Path(tempfile.mkdtemp()), banks=SHIPPED_BANKS if shipped else TINY_BANK)
    client = app.test_client()
    bank_id = "know-yourself" if shipped else "tiny"
    token = client.post("/api/results", json={"bank": bank_id, "answers": answers_for(client, bank_id)}).get_json()["token"]

    from quiz.web import card as preview
    from quiz.web import results

    def cold_page() -> None:
        with app.app_context():
            results.page_cache().forget(token)

    def cold_png() -> None:
        with app.app_context():
            preview.forget(results.preview_dir(), token)

    ms_per_request(hello_client, "/", 200, repeat=1)  # warm up
    base = ms_per_request(hello_client, "/", 2000)
    rows = [
        ("bare Flask hello", base),
        ("GET /r/<token>, rendered each time", ms_per_request(client, f"/r/{token}?lang=ko", 100, cold_page)),
        ("GET /r/<token>, from the page cache", ms_per_request(client, f"/r/{token}?lang=ko", 500)),
        ("GET /api/results/<token>", ms_per_request(client, f"/api/results/{token}", 500)),
        ("GET /r/<token>.png, drawn each time", ms_per_request(client, f"/r/{token}.png?lang=ko", 10, cold_png)),
        ("GET /r/<token>.png, from the disk cache", ms_per_request(client, f"/r/{token}.png?lang=ko", 300)),
    ]
    print(f"bank: {bank_id}; median of 5 runs, in process (Flask test client)")
    for name, ms in rows:
        print(f"{name:42s} {ms:8.3f} ms/request  {ms / base:7.1f} × hello")


if __name__ == "__main__":
    main()
