"""Real gunicorn instances on loopback, for the benchmarks and the multi-process tests.

Each instance runs this repository's gunicorn.conf.py (or the same settings for the bare Flask
baseline) in its own process group, so a test or a benchmark can stop, or SIGKILL, all of it.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, body: Any = None, headers: dict | None = None,
            timeout: float = 30) -> tuple[int, dict, bytes]:
    """One HTTP request on a fresh connection: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = None
        hdrs = dict(headers or {})
        if body is not None:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=payload, headers=hdrs)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@dataclass
class Server:
    """A gunicorn master and its workers serving `app` on 127.0.0.1:port."""

    name: str
    env: dict[str, str] = field(default_factory=dict)
    app: str = "app:app"
    workers: int = 2
    port: int = 0
    config: str = os.path.join(ROOT, "gunicorn.conf.py")
    log_path: str | None = None
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen | None = None

    def start(self, ready_path: str = "/healthz", timeout: float = 60) -> Server:
        self.port = self.port or free_port()
        env = dict(os.environ)
        env.update(self.env)
        env.setdefault("ACCESS_LOG", "")  # quiet unless a test asks for the access log
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        args = [PYTHON, "-m", "gunicorn", "-c", self.config, "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers), *self.extra_args, self.app]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        if log is not subprocess.DEVNULL:
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} while starting"
                                   + (f"; see {self.log_path}" if self.log_path else ""))
            try:
                status, _, _ = request(self.port, "GET", ready_path, timeout=5)
                if status < 500:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {ready_path} within {timeout:.0f} s")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children", encoding="ascii") as fh:
                return [int(p) for p in fh.read().split()]
        except OSError:
            return []

    def memory_mb(self) -> list[dict[str, float]]:
        """RSS and PSS (shared pages split between the processes sharing them) per worker."""
        out = []
        for pid in self.worker_pids():
            fields = {}
            try:
                with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
                    for line in fh:
                        key, _, rest = line.partition(":")
                        if key in ("Rss", "Pss", "Private_Clean", "Private_Dirty"):
                            fields[key] = int(rest.split()[0]) / 1024
            except OSError:
                continue
            out.append({"pid": pid, "rss": fields.get("Rss", 0), "pss": fields.get("Pss", 0),
                        "uss": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)})
        return out

    def cpu_seconds(self) -> float:
        """CPU time used so far by the master and its workers (living and reaped)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.pid, *self.worker_pids()]:
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # utime, stime, and for the master cutime, cstime: workers it has already reaped
            total += int(fields[11]) + int(fields[12])
            if pid == self.pid:
                total += int(fields[13]) + int(fields[14])
        return total / ticks

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole instance (master and workers) at once, as a crash would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.pid, sig)

    def stop(self, timeout: float = 20) -> None:
        if not self.process or self.process.poll() is not None:
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(5)
        except ProcessLookupError:
            pass

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def upgrade_database(url: str, banks: str | None = None) -> None:
    """`flask --app app db upgrade` on `url`, as an operator runs it."""
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=os.environ.get("SECRET_KEY", "bench"))
    if banks:
        env["QUIZ_BANKS"] = banks
    subprocess.run([PYTHON, "-m", "flask", "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
