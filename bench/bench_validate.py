"""Validating a generated 1,000-question bank (target: under 1 s), and the hostile files.

Prints the median of several runs and ratios against baselines measured in the same run:
PyYAML's plain C-accelerated safe_load of the same text (what parsing alone costs), and
json.loads of the same data. Run:  .venv/bin/python bench/bench_validate.py
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from quiz.bank import check_bytes, check_file
from tests.hostile import HOSTILE, materialise

PATHS = ["researcher", "engineer", "ops"]


def generated_bank(n_questions: int = 1000) -> str:
    lines = ["# yaml-language-server: $schema=bank.schema.json", "id: big", "version: 1",
             "languages: [en, ko]", 'title: {en: "A big bank", ko: "큰 문항집"}', "paths:"]
    for p in PATHS:
        lines += [f"  - id: {p}", f"    title: {{en: {p}, ko: {p}}}", "    summary: {en: s, ko: 요약}",
                  "    advice: {en: a, ko: 조언}"]
    lines.append("sections:")
    for s in range(20):
        lines += [f"  - id: s{s}", f'    title: {{en: "Section {s}", ko: "{s}단계"}}']
    lines.append("questions:")
    for i in range(n_questions):
        sec = f"s{i % 20}"
        kind = ("scale", "choice", "multi")[i % 3]
        lines += [f"  - id: q{i}", f"    section: {sec}", f"    type: {kind}",
                  f'    text: {{en: "Question {i}: what do you do when the pipeline breaks?", ko: "{i}번: 파이프라인이 멈추면 무엇을 하나요?"}}',
                  f'    source: "003 Step one, item {i}"']
        if kind == "scale":
            lines += ['    scale: {min: 1, max: 5, labels: {1: {en: "Not at all", ko: "전혀"}, 5: {en: "Very much", ko: "매우"}}}',
                      f"    weights: {{{PATHS[i % 3]}: 2, {PATHS[(i + 1) % 3]}: -1}}"]
        else:
            lines.append("    options:")
            for o in range(4):
                lines += [f"      - id: o{o}", f'        text: {{en: "Option {o}", ko: "선택지 {o}"}}',
                          f"        points: {{{PATHS[o % 3]}: {o % 3 + 1}}}"]
    lines.append("rules:")
    for r in range(50):
        q = r * 3
        lines += [f"  - id: r{r}", f'    when: {{all: [{{question: q{q}, op: ">=", value: 4}}, {{question: q{q + 1}, op: "==", value: o1}}]}}',
                  f"    then: {{points: {{{PATHS[r % 3]}: 1}}, flag: f{r % 5}}}"]
    return "\n".join(lines) + "\n"


def median_seconds(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    text = generated_bank()
    raw = text.encode()
    bank, problems = check_bytes(raw, "big.yaml")
    assert bank is not None and len(bank.questions) == 1000, [p.render() for p in problems[:5]]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader)
    as_json = json.dumps(data)
    t_check = median_seconds(lambda: check_bytes(raw, "big.yaml"))
    t_yaml = median_seconds(lambda: yaml.load(text, Loader=loader))
    t_json = median_seconds(lambda: json.loads(as_json))
    print(f"1,000-question bank ({len(raw) / 1024:.0f} KiB, {len(bank.rules)} rules)")
    print(f"{'what':<42}{'median':>10}{'× safe_load':>14}")
    for name, t in (("quiz check (parse + shape + meaning)", t_check), ("yaml.load, CSafeLoader (baseline)", t_yaml),
                    ("json.loads of the same data", t_json)):
        print(f"{name:<42}{t * 1000:>8.1f}ms{t / t_yaml:>13.2f}×")
    print(f"target < 1 s: {'met' if t_check < 1 else 'MISSED'} ({t_check:.3f} s)")
    print("\nhostile files (each must be refused with a catalogued error)")
    with tempfile.TemporaryDirectory() as tmp:
        for name in HOSTILE:
            path = materialise(name, tmp)
            t = time.perf_counter()
            _, problems = check_file(path)
            dt = time.perf_counter() - t
            codes = [p.code.name for p in problems if p.severity == "error"]
            code = HOSTILE[name][1] if HOSTILE[name][1] in codes else (codes[0] if codes else "NONE")
            print(f"  {name:<18}{code:<12}{dt * 1000:>8.1f}ms  (target < 2 s: {'met' if dt < 2 else 'MISSED'})")


if __name__ == "__main__":
    main()
