"""Hostile files: each gives one clear, catalogued error, quickly and in bounded memory.

Time is guarded by a generous timeout that catches a hang (timings are the benchmark's job:
bench/bench_validate.py prints them); memory by tracemalloc's peak, which is deterministic."""
import subprocess
import tracemalloc

import pytest

from quiz.bank import check_file
from tests.cli_helpers import FLASK, quiz_env
from tests.conftest import ROOT
from tests.hostile import HOSTILE, materialise

PEAK_LIMIT = 32 * 1024 * 1024


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_gives_a_catalogued_error_in_bounded_memory(name, tmp_path):
    path = materialise(name, str(tmp_path))
    tracemalloc.start()
    try:
        bank, problems = check_file(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert bank is None
    codes = [p.code.name for p in problems if p.severity == "error"]
    assert HOSTILE[name][1] in codes, [p.render() for p in problems]
    assert peak < PEAK_LIMIT, f"peak {peak / 1e6:.1f} MB"


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_through_the_cli_exits_1_without_a_traceback(name, tmp_path):
    path = materialise(name, str(tmp_path))
    r = subprocess.run([FLASK, "--app", "app", "quiz", "check", path], cwd=ROOT, env=quiz_env(),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"error[{HOSTILE[name][1]}]" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
