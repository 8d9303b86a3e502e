"""`quiz stats` and `quiz export` over results stored through the real submission service."""
import csv
import io
import json
import random

from quiz import service
from quiz.web import banks


def store(app, n: int, seed: int = 1) -> list[dict]:
    rnd = random.Random(seed)
    stored = []
    with app.app_context():
        bank = banks.get("tiny")
        for _ in range(n):
            answers = {"fundamentals": rnd.randint(1, 5),
                       "first-week": rnd.choice(["read-papers", "ship-feature", "fix-pipeline"]),
                       "tools": rnd.sample(["kubeflow", "pytorch", "fastapi"], rnd.randint(1, 3)),
                       "process-work": rnd.randint(1, 5)}
            service.submit(bank, answers, lang="en")
            stored.append(answers)
    return stored


def test_stats_on_an_empty_database_is_an_empty_report(runner):
    r = runner.invoke(args=["quiz", "stats", "tiny", "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["results"] == 0 and all(i["answered"] == 0 for i in report["items"])
    r = runner.invoke(args=["quiz", "stats", "tiny"])
    assert r.exit_code == 0 and "0 stored results" in r.output


def test_stats_counts_answers_and_outcomes(app, runner):
    stored = store(app, 40)
    report = json.loads(runner.invoke(args=["quiz", "stats", "tiny", "--json"]).output)
    assert report["results"] == 40
    assert sum(report["outcomes"].values()) == 40
    items = {i["question"]: i for i in report["items"]}
    firsts = [a["first-week"] for a in stored]
    assert items["first-week"]["distribution"] == {o: firsts.count(o) for o in ("read-papers", "ship-feature", "fix-pipeline")}
    mean = sum(a["fundamentals"] for a in stored) / 40
    assert abs(items["fundamentals"]["mean"] - mean) < 1e-3
    kubeflow = sum("kubeflow" in a["tools"] for a in stored)
    assert items["tools"]["distribution"]["kubeflow"] == kubeflow
    # fundamentals is the researcher path's main item: it must move with the rest of that path
    assert items["fundamentals"]["item_rest_r"]["researcher"] is not None


def test_stats_on_an_unknown_bank_is_a_usage_error(runner):
    r = runner.invoke(args=["quiz", "stats", "nope"])
    assert r.exit_code == 2 and "no bank 'nope'" in r.output


def test_export_csv_has_a_row_per_result_and_no_secrets(app, runner):
    stored = store(app, 5)
    r = runner.invoke(args=["quiz", "export", "tiny", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert len(rows) == 5
    assert [int(row["q_fundamentals"]) for row in rows] == [a["fundamentals"] for a in stored]
    assert "token" not in rows[0] and "delete_key_hash" not in rows[0]
    assert rows[0]["primary"] in ("researcher", "engineer", "ops")


def test_export_json_is_a_valid_array(app, runner):
    store(app, 3)
    r = runner.invoke(args=["quiz", "export", "tiny", "--format", "json"])
    data = json.loads(r.output)
    assert len(data) == 3 and set(data[0]["scores"]) == {"researcher", "engineer", "ops"}
    empty = runner.invoke(args=["quiz", "export", "tiny", "--format", "json"])
    assert json.loads(empty.output)


def test_export_needs_a_format(runner):
    assert runner.invoke(args=["quiz", "export", "tiny"]).exit_code == 2


def test_stats_and_export_never_mix_versions(app, runner):
    """Results of version 1 and version 2 of a bank are reported apart: the default is the current
    version, with the others named; --version picks another, read from its stored snapshot."""
    from quiz.bank import Bank
    store(app, 5)                                   # version 1, the served bank
    with app.app_context():
        v1 = banks.get("tiny")
        data = v1.model_dump(mode="python", by_alias=True, exclude_none=True)
        data["version"] = 2
        data["title"] = {"en": "Tiny bank, second edition", "ko": "작은 문항집, 2판"}
        v2 = Bank.model_validate(data)
        for _ in range(3):
            service.submit(v2, {"fundamentals": 5, "first-week": "read-papers", "tools": ["pytorch"],
                                "process-work": 4}, lang="en")
    current = runner.invoke(args=["quiz", "stats", "tiny"])
    assert current.exit_code == 0 and "tiny version 1: 5 stored results" in current.output
    assert "version 2: 3" in current.output and "--version" in current.output
    second = json.loads(runner.invoke(args=["quiz", "stats", "tiny", "--version", "2", "--json"]).output)
    assert second["version"] == 2 and second["results"] == 3 and second["other_versions"] == {"1": 5}
    rows = json.loads(runner.invoke(args=["quiz", "export", "tiny", "--format", "json", "--version", "2"]).output)
    assert len(rows) == 3 and {r["bank_version"] for r in rows} == {2}
    missing = runner.invoke(args=["quiz", "stats", "tiny", "--version", "7"])
    assert missing.exit_code == 2 and "no stored results of tiny version 7" in missing.output


def _alpha_by_hand(rows: list[list[float]]) -> float:
    import statistics
    k = len(rows[0])
    item_vars = sum(statistics.variance([r[i] for r in rows]) for i in range(k))
    total_var = statistics.variance([sum(r) for r in rows])
    return k / (k - 1) * (1 - item_vars / total_var)


def _omega_by_minres(rows: list[list[float]]) -> float:
    """One-factor minres by alternating least squares (not the code under test's PAF)."""
    import numpy as np
    c = np.cov(np.asarray(rows), rowvar=False)
    k = c.shape[0]
    lam = np.sqrt(np.clip(np.diag(c), 1e-9, None)) * 0.7
    for _ in range(5000):  # coordinate descent on the off-diagonal residuals (Gauss-Seidel)
        before = lam.copy()
        for i in range(k):
            lam[i] = sum(c[i, j] * lam[j] for j in range(k) if j != i) / sum(lam[j] ** 2 for j in range(k) if j != i)
        if np.max(np.abs(before - lam)) < 1e-12:
            break
    lam = np.abs(lam)
    psi = np.clip(np.diag(c) - lam ** 2, 0, None)
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + psi.sum()))


def test_stats_reports_alpha_and_omega_with_intervals_matching_an_independent_computation(app, runner):
    """Takers drawn from a one-factor model on the shipped bank's engineer items; the report's
    alpha equals the textbook formula and its omega a minres fit done another way."""
    import random as rnd_module

    from quiz.engine import psychometrics
    store(app, 60, seed=3)
    report = json.loads(runner.invoke(args=["quiz", "stats", "tiny", "--json"]).output)
    rel = report["reliability"]
    assert set(rel) == {"researcher", "engineer", "ops"} and report["reliability_sample"] == 60
    with app.app_context():
        bank = banks.get("tiny")
        from quiz.store.reports import stream_results
        outcomes = [r.outcome for r in stream_results("tiny")]
    for path, entry in rel.items():
        items, x = psychometrics.item_matrix(bank, outcomes, path)
        rows = x.tolist()
        usable = len(items) >= 2 and len({tuple(r) for r in rows}) > 1
        if not usable or entry["alpha"] is None:
            continue
        assert entry["alpha"] == round(_alpha_by_hand(rows), 3)
        lo, hi = entry["alpha_ci"]
        assert lo <= entry["alpha"] <= hi
    # A clean one-factor population: omega from the report matches minres within 0.01.
    r = rnd_module.Random(5)
    rows = []
    for _ in range(400):
        f = r.gauss(0, 1)
        rows.append([0.9 * f + r.gauss(0, 0.6), 0.7 * f + r.gauss(0, 0.8), 0.5 * f + r.gauss(0, 1.0),
                     0.8 * f + r.gauss(0, 0.5)])
    import numpy as np
    ours = psychometrics.mcdonald_omega(np.asarray(rows))
    assert abs(ours - _omega_by_minres(rows)) < 0.01
    assert abs(psychometrics.cronbach_alpha(np.asarray(rows)) - _alpha_by_hand(rows)) < 1e-9
    text = runner.invoke(args=["quiz", "stats", "tiny"]).output
    assert "alpha" in text and "omega" in text and "split-half agreement" in text
