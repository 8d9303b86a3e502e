"""`make bench-hostile` (and the last part of `make bench`): hostile input against a real worker.

    .venv/bin/python bench/hostile.py [--json]

Issue 12's budget: a 1 MiB hostile paste (to /author) and a 2 MiB hostile API body (POST
/api/results) each take < 1 s of CPU and keep the worker's memory within 50 MB of its start, and
each answer is < 1 MB.

It starts the project under gunicorn.conf.py with one worker (production settings, an author key,
SQLite, the shipped banks), warms the worker with one ordinary request of each kind, then sends
each kind of hostile input once, one at a time, and reads from /proc, per request, the worker's
CPU seconds (user + system) and its memory over the resident set it had at the start: after the
request (VmRSS) and at its peak during the request (VmHWM, reset before each request through
/proc/<pid>/clear_refs; where the kernel refuses, the peak since the worker started). It prints a
table and exits 1 when any request breaks a limit (or gets a 5xx, or kills the worker).

The inputs are plain functions (PASTES, API_BODIES), so tests/integration/test_hostile_server.py
sends the same ones.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.servers import ROOT, Server, request, upgrade_database

MIB = 1024 * 1024
PASTE_BYTES = MIB              # /author takes at most 1 MiB (quiz.web.author.MAX_PASTE)
API_BYTES = 2 * MIB            # MAX_CONTENT_LENGTH: the largest body the app reads
CPU_LIMIT_S = 1.0
MEMORY_LIMIT_MB = 50.0
RESPONSE_LIMIT = 1_000_000
AUTHOR_KEY = "bench-author-key-" + "x" * 16
SHIPPED_BANKS = os.path.join(ROOT, "questions")


# --- hostile pastes (each at most 1 MiB) ---------------------------------------------------------

def _fill(head: str, item: Callable[[int], str], tail: str = "", size: int = PASTE_BYTES, sep: str = "") -> str:
    """`head` + as many `item(i)` (joined by `sep`) as fit in `size` bytes with `tail`."""
    parts, total, i = [], len(head.encode()) + len(tail.encode()), 0
    while True:
        piece = item(i)
        extra = len(piece.encode()) + (len(sep) if parts else 0)
        if total + extra > size:
            break
        parts.append(piece)
        total += extra
        i += 1
    return head + sep.join(parts) + tail


def paste_one_line() -> str:
    """One line: a flow mapping of ~9,500 long unknown keys, each a problem whose excerpt is the
    whole line (an 84 KB paste of this kind once gave a 403 MB page)."""
    return _fill("{", lambda i: f"k{i:06d}{'x' * 100}: 1", "}", sep=", ")


def paste_many_problems() -> str:
    """~9,000 lines, each an unknown key: thousands of problems, each with its excerpt."""
    return _fill("", lambda i: f"unknown_{i:06d}_{'y' * 96}: 1\n")


def paste_many_short_lines() -> str:
    """~100,000 short lines of values: past the 20,000 values a bank may hold."""
    return _fill("id: many\n", lambda i: f"- {i}\n")


def paste_deep_nesting() -> str:
    """Flow sequences and mappings nested 150,000 deep (a sequence holding a mapping, over and over)."""
    depth = (PASTE_BYTES - 16) // 7
    return "id: deep\nx: " + "[{a: " * depth + "1" + "}]" * depth + "\n"


def paste_alias_bomb() -> str:
    """The "billion laughs": each anchor aliased ten times by the next."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 20)]
    return _fill("\n".join(lines) + "\n", lambda i: f"# {'z' * 70}\n")


def _paths(n: int) -> list[str]:
    return [f"  - {{id: p{p}, title: P{p}, summary: S, advice: A}}" for p in range(n)]


def paste_many_rules_and_options() -> str:
    """Thousands of rules, questions of hundreds of options: over every count the format allows."""
    out = ["id: wide", "version: 1", "languages: [en]", "title: Wide", "paths:", *_paths(16), "questions:"]
    for q in range(40):
        opts = ", ".join(f"{{id: o{o}, text: O{o}, points: {{p{o % 16}: 1}}}}" for o in range(400))
        out.append(f"  - {{id: q{q}, type: multi, text: Q{q}, options: [{opts}]}}")
    out.append("rules:")
    head = "\n".join(out) + "\n"
    return _fill(head, lambda r: (f"  - {{id: r{r}, when: {{any: [{{question: q{r % 40}, op: contains, "
                                  f"value: o{r % 400}}}]}}, then: {{points: {{p{r % 16}: 1}}}}}}\n"))


def paste_enumeration_heavy() -> str:
    """A bank within every limit, but costly to bound exactly: 16 paths, five scale questions of 11
    points and a multi question of 16 options, read together by 100 rules (nested all/any/not):
    161,051 joint scale answers × 65,536 option sets before the work cap. Advice texts fill it up
    to 1 MiB."""
    paths, scales = 16, 5
    out = ["id: heavy", "version: 1", "languages: [en]", "title: Heavy", "paths:"]
    out += [f"  - {{id: p{p}, title: P{p}, summary: S, advice: ADVICE}}" for p in range(paths)]
    out.append("questions:")
    for q in range(scales):
        w = ", ".join(f"p{p}: {((p + q) % 5) - 2}" for p in range(paths))
        out.append(f"  - {{id: q{q}, type: scale, text: Q{q}, scale: {{min: 1, max: 11}}, weights: {{{w}}}}}")
    opts = ", ".join(f"{{id: o{o}, text: O{o}, points: {{p{o}: {(o % 7) - 3}}}}}" for o in range(16))
    out.append(f"  - {{id: m, type: multi, text: M, options: [{opts}]}}")
    out.append("rules:")
    for r in range(99):
        leaves = [f'{{question: q{(r + k) % scales}, op: ">=", value: {1 + (r + k) % 11}}}' for k in range(scales)]
        cond = (f"{{all: [{{any: [{', '.join(leaves[:3])}, {{question: m, op: contains, value: o{r % 16}}}]}}, "
                f"{{not: {{all: [{', '.join(leaves[3:])}]}}}}]}}")
        out.append(f"  - {{id: r{r}, when: {cond}, then: {{points: {{p{r % paths}: 1}}}}}}")
    leaves = ", ".join(f"{{question: m, op: contains, value: o{o}}}" for o in range(16))
    out.append(f"  - {{id: rm, when: {{any: [{leaves}]}}, then: {{points: {{p0: 1}}}}}}")
    text = "\n".join(out) + "\n"
    room = (PASTE_BYTES - len(text.encode())) // paths + len("ADVICE")
    return text.replace("ADVICE", "a" * room)


PASTES: dict[str, Callable[[], str]] = {
    "one line, 9,500 unknown keys": paste_one_line,
    "9,000 lines, a problem on each": paste_many_problems,
    "100,000 short lines": paste_many_short_lines,
    "nested 150,000 deep": paste_deep_nesting,
    "alias bomb": paste_alias_bomb,
    "thousands of rules and options": paste_many_rules_and_options,
    "enumeration-heavy conditions": paste_enumeration_heavy,
}


# --- hostile API bodies (each at most 2 MiB) -----------------------------------------------------

@dataclass(frozen=True)
class BankFacts:
    """What the bodies are built from: a served bank's id, question ids and one multi question."""
    id: str
    questions: tuple[str, ...]
    multi: str
    option: str


def bank_facts(port: int, bank_id: str) -> BankFacts:
    status, _, body = request(port, "GET", f"/api/banks/{bank_id}")
    if status != 200:
        raise RuntimeError(f"GET /api/banks/{bank_id} answered {status}")
    bank = json.loads(body)
    questions = [q for s in bank["sections"] for q in s["questions"]]
    multi = next(q for q in questions if q["type"] == "multi")
    return BankFacts(bank["id"], tuple(q["id"] for q in questions), multi["id"], multi["options"][0]["id"])


def _body(bank: BankFacts, answers_json: str, **extra: str) -> bytes:
    rest = "".join(f', "{k}": {v}' for k, v in extra.items())
    return f'{{"bank": "{bank.id}", "answers": {answers_json}{rest}}}'.encode()


def _fill_json(bank: BankFacts, item: Callable[[int], str], opening: str = "{", closing: str = "}") -> bytes:
    frame = len(_body(bank, opening + closing))
    return _body(bank, _fill(opening, item, closing, size=API_BYTES - frame, sep=", "))


def api_near_miss_keys(bank: BankFacts) -> bytes:
    """~60,000 keys, each a question id with a digit added: each one a "did you mean" candidate."""
    qs = bank.questions
    return _fill_json(bank, lambda i: f'"{qs[i % len(qs)]}{i}": 1')


def _huge_list(bank: BankFacts, valid: bool) -> bytes:
    """One multi question answered with ~200,000 unknown option ids, or its first option over and over."""
    head = f'{{"{bank.multi}": ['
    frame = len(_body(bank, head + "]}"))
    item = (lambda i: f'"{bank.option}"') if valid else (lambda i: f'"o{i}"')
    return _body(bank, _fill(head, item, "]}", size=API_BYTES - frame, sep=", "))


def api_huge_valid_list(bank: BankFacts) -> bytes:
    """One multi question answered with its first option ~250,000 times over."""
    return _huge_list(bank, True)


def api_deep_nesting(bank: BankFacts) -> bytes:
    """An answer nested a million lists deep."""
    depth = (API_BYTES - 200) // 2
    return _body(bank, f'{{"{bank.multi}": ' + "[" * depth + "]" * depth + "}")


def api_deep_objects(bank: BankFacts) -> bytes:
    """Answers nested 300,000 objects deep."""
    depth = (API_BYTES - 200) // 7
    return _body(bank, '{"a": ' * depth + "1" + "}" * depth)


def api_long_key(bank: BankFacts) -> bytes:
    """One answer key of 2 MB."""
    return _body(bank, '{"' + "k" * (API_BYTES - 200) + '": 1}')


def api_long_option(bank: BankFacts) -> bytes:
    """One answer: an option id of 2 MB."""
    return _body(bank, f'{{"{bank.questions[0]}": "' + "v" * (API_BYTES - 300) + '"}')


def api_long_bank_lang_and_id(bank: BankFacts) -> bytes:
    """A 700 KB bank id, language and submission id each."""
    third = (API_BYTES - 300) // 3
    return (f'{{"bank": "{"b" * third}", "answers": {{}}, "lang": "{"l" * third}", '
            f'"submission_id": "{"s" * third}"}}').encode()


def api_many_top_level_keys(bank: BankFacts) -> bytes:
    """~100,000 unknown keys beside bank and answers."""
    frame = len(_body(bank, "{}")) + 2
    extra = _fill("", lambda i: f'"x{i}": 0', "", size=API_BYTES - frame, sep=", ")
    return _body(bank, "{}")[:-1] + b", " + extra.encode() + b"}"


API_BODIES: dict[str, Callable[[BankFacts], bytes]] = {
    "60,000 near-miss keys": api_near_miss_keys,
    "200,000 unknown options": lambda bank: _huge_list(bank, False),
    "250,000 copies of an option": api_huge_valid_list,
    "lists a million deep": api_deep_nesting,
    "objects 300,000 deep": api_deep_objects,
    "a 2 MB key": api_long_key,
    "a 2 MB option": api_long_option,
    "700 KB bank, lang and id": api_long_bank_lang_and_id,
    "100,000 unknown top-level keys": api_many_top_level_keys,
}


# --- the worker, from /proc --------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MB."""
    out = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0]) / 1024
    return out


def reset_peak(pid: int) -> bool:
    """Reset the process's VmHWM to its VmRSS (Linux 4.0+); False where that is refused."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


# --- requests -------------------------------------------------------------------------------------

def multipart(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = "bench" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                     + value.encode() + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    body, kind = multipart(fields)
    boundary = kind.split("=", 1)[1]
    part = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: application/x-yaml\r\n\r\n").encode() + data + b"\r\n"
    return body[:-len(f"--{boundary}--\r\n")] + part + f"--{boundary}--\r\n".encode(), kind


class Author:
    """A browser on /author: the key once (a header), then the session's flag and the form token."""

    def __init__(self, port: int):
        self.port = port
        status, headers, body = request(port, "GET", "/author/", headers={"X-Author-Key": AUTHOR_KEY})
        if status != 200:
            raise RuntimeError(f"GET /author/ answered {status}: {body[:300]!r}")
        self.cookie = headers.get("set-cookie", "").split(";", 1)[0]
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
        self.csrf = found.group(1).decode() if found else ""

    def check(self, source: str, as_file: bool = True) -> tuple[int, bytes]:
        """Check `source` as an uploaded file (the default: a form field over MAX_FORM_MEMORY_SIZE,
        500 KB, is refused with a 413 before the app reads it) or as the pasted text."""
        if as_file:
            body, kind = upload({"csrf_token": self.csrf}, "bank.yaml", source.encode())
        else:
            body, kind = multipart({"csrf_token": self.csrf, "source": source})
        status, _, answer = request(self.port, "POST", "/author/", body,
                                    headers={"Content-Type": kind, "Cookie": self.cookie}, timeout=60)
        return status, answer


@dataclass
class Row:
    target: str
    what: str
    sent: int
    status: int
    answer: int
    cpu_s: float
    rss_after_mb: float
    peak_mb: float
    wall_s: float

    def broken(self) -> list[str]:
        out = []
        if self.status >= 500 or self.status == 0:
            out.append(f"status {self.status}")
        if self.cpu_s >= CPU_LIMIT_S:
            out.append(f"CPU {self.cpu_s:.2f} s")
        if max(self.rss_after_mb, self.peak_mb) >= MEMORY_LIMIT_MB:
            out.append(f"memory +{max(self.rss_after_mb, self.peak_mb):.0f} MB")
        if self.answer >= RESPONSE_LIMIT:
            out.append(f"answer {self.answer:,} bytes")
        return out


class Probe:
    """One gunicorn worker, measured around each request."""

    def __init__(self, server: Server):
        self.server = server
        [self.pid] = server.worker_pids()
        self.start_rss = 0.0
        self.peak_resets = True

    def baseline(self) -> None:
        self.start_rss = memory_mb(self.pid)["VmRSS"]

    def measure(self, target: str, what: str, sent: int, send: Callable[[], tuple[int, bytes]]) -> Row:
        self.peak_resets = reset_peak(self.pid) and self.peak_resets
        cpu0, wall0 = cpu_seconds(self.pid), time.perf_counter()
        try:
            status, answer = send()
        except OSError:  # the worker died, or hung past the timeout
            status, answer = 0, b""
        wall = time.perf_counter() - wall0
        if self.server.worker_pids() != [self.pid]:
            return Row(target, what, sent, 0, len(answer), float("inf"), float("inf"), float("inf"), wall)
        cpu = cpu_seconds(self.pid) - cpu0
        mem = memory_mb(self.pid)
        return Row(target, what, sent, status, len(answer), cpu, mem["VmRSS"] - self.start_rss,
                   mem["VmHWM"] - self.start_rss, wall)


def serve(workdir: str, banks: str = SHIPPED_BANKS) -> Server:
    """The project under gunicorn.conf.py, one worker, production settings, on a fresh SQLite file."""
    url = f"sqlite:///{workdir}/quiz.sqlite3"
    upgrade_database(url, banks)
    env = {"DATABASE_URL": url, "QUIZ_BANKS": banks, "SECRET_KEY": "bench-secret", "QUIZ_ENV": "production",
           "QUIZ_BASE_URL": "http://127.0.0.1", "QUIZ_AUTHOR_KEY": AUTHOR_KEY,
           "QUIZ_RATE_LIMIT": "100000000/minute", "ACCESS_LOG": "", "QUIZ_PREVIEW_DIR": f"{workdir}/previews"}
    return Server("quiz, one worker", env=env, workers=1, log_path=f"{workdir}/gunicorn.log")


def warm(port: int, author: Author, bank: BankFacts) -> None:
    """One ordinary request of each kind, so the start is a worker that has served them."""
    for _ in range(2):
        request(port, "GET", f"/quiz/{bank.id}")
        author.check("id: warm\nversion: 1\n")
        author.check(paste_many_problems()[:20_000])
        request(port, "POST", "/api/results", {"bank": bank.id, "answers": {"nope": 1}})
        request(port, "POST", "/api/results", {"bank": bank.id, "answers": {bank.questions[0]: 1}})


def run(server: Server, bank_id: str, pastes: dict | None = None, bodies: dict | None = None) -> tuple[list[Row], Probe]:
    """Every hostile input once against a started one-worker server: the rows, and the probe."""
    probe = Probe(server)
    author = Author(server.port)
    bank = bank_facts(server.port, bank_id)
    warm(server.port, author, bank)
    probe.baseline()
    rows = []
    for what, make in (PASTES if pastes is None else pastes).items():
        source = make()
        assert len(source.encode()) <= PASTE_BYTES, (what, len(source.encode()))
        rows.append(probe.measure("POST /author/", what, len(source.encode()), lambda s=source: author.check(s)))
    for what, make in (API_BODIES if bodies is None else bodies).items():
        body = make(bank)
        assert len(body) <= API_BYTES, (what, len(body))
        rows.append(probe.measure("POST /api/results", what, len(body),
                                  lambda b=body: request(server.port, "POST", "/api/results", b, timeout=60)[::2]))
    return rows, probe


def table(rows: list[Row], probe: Probe) -> str:
    peak = "peak MB" if probe.peak_resets else "peak MB*"
    out = [f"worker {probe.pid}: {probe.start_rss:.1f} MB resident at the start; limits: CPU < {CPU_LIMIT_S:g} s, "
           f"memory < +{MEMORY_LIMIT_MB:g} MB, answer < {RESPONSE_LIMIT:,} bytes",
           f"{'request':<18} {'input':<32} {'sent':>9} {'status':>6} {'answer':>8} {'CPU s':>6} "
           f"{'RSS MB':>7} {peak:>8}  verdict"]
    for r in rows:
        broken = r.broken()
        out.append(f"{r.target:<18} {r.what:<32} {r.sent:>9,} {r.status:>6} {r.answer:>8,} {r.cpu_s:>6.2f} "
                   f"{r.rss_after_mb:>+7.1f} {r.peak_mb:>+8.1f}  {'; '.join(broken) or 'ok'}")
    if not probe.peak_resets:
        out.append("* the kernel refused to reset the peak: the peak since the worker started, over its start")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    parser.add_argument("--banks", default=SHIPPED_BANKS, help="QUIZ_BANKS for the server (default: questions/)")
    parser.add_argument("--bank", default="know-yourself", help="the bank the API bodies name")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="quiz-hostile-") as workdir:
        server = serve(workdir, args.banks)
        try:
            with server:
                rows, probe = run(server, args.bank)
        except (OSError, RuntimeError):
            with open(f"{workdir}/gunicorn.log", encoding="utf-8", errors="replace") as fh:
                print("".join(fh.readlines()[-120:]), file=sys.stderr)
            raise
    if args.json:
        print(json.dumps({"start_rss_mb": probe.start_rss, "peak_resets": probe.peak_resets,
                          "rows": [asdict(r) for r in rows]}, indent=1))
    else:
        print(table(rows, probe))
    broken = [(r.what, r.broken()) for r in rows if r.broken()]
    if broken:
        print(f"\n{len(broken)} hostile input(s) broke a limit: {broken}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
