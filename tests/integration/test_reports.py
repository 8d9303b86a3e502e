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
