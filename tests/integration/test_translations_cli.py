"""`quiz translations export/import`: a translator gets every text with its source, and the
translation comes back into the bank file with its comments and layout, stale rows held back."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess

from quiz.bank import load_bank
from tests.cli_helpers import FLASK, quiz_env
from tests.conftest import SHIPPED_BANKS


def flask(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([FLASK, "--app", "app", "quiz", *args], capture_output=True, text=True,
                          env=quiz_env(), timeout=120)


def exported(path) -> list[dict]:  # noqa: ANN001
    out = flask("translations", "export", str(path), "--lang", "ko")
    assert out.returncode == 0, out.stderr
    return list(csv.DictReader(io.StringIO(out.stdout)))


def test_export_lists_every_text_with_its_source(tmp_path):
    path = tmp_path / "quick-check.yaml"
    shutil.copy(f"{SHIPPED_BANKS}/quick-check.yaml", path)
    rows = exported(path)
    bank = load_bank(str(path))
    assert {r["bank"] for r in rows} == {"quick-check"} and {r["lang"] for r in rows} == {"ko"}
    title = next(r for r in rows if r["where"] == "title")
    assert title["source"] == bank.title["en"] and title["text"] == bank.title["ko"]
    assert len(rows) > 100 and all(r["source"] for r in rows)


def test_import_writes_the_translation_and_keeps_comments_and_holds_back_stale_rows(tmp_path):
    path = tmp_path / "quick-check.yaml"
    shutil.copy(f"{SHIPPED_BANKS}/quick-check.yaml", path)
    before = path.read_text(encoding="utf-8")
    rows = exported(path)
    # A no-op import leaves the file byte for byte.
    csv_path = tmp_path / "ko.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    unknown = flask("translations", "import", str(csv_path))  # the CSV's bank is not among QUIZ_BANKS here
    assert unknown.returncode == 2 and "no bank 'quick-check'" in unknown.stderr
    same = flask("translations", "import", str(csv_path), "--bank", str(path))
    assert same.returncode == 0 and path.read_text(encoding="utf-8") == before
    # The translator changes the title; meanwhile the author changed one question's English.
    for r in rows:
        if r["where"] == "title":
            r["text"] = "빠른 점검(번역 수정)"
    changed_en = next(r for r in rows if r["where"].startswith("questions[") and r["where"].endswith(".text"))
    original_en = changed_en["source"]
    path.write_text(before.replace(original_en, original_en + " (edited)", 1), encoding="utf-8")
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    back = flask("translations", "import", str(csv_path), "--bank", str(path))
    assert back.returncode == 0, back.stdout + back.stderr
    assert "1 texts written" in back.stdout and f"stale: {changed_en['where']}" in back.stderr
    after = path.read_text(encoding="utf-8")
    assert "빠른 점검(번역 수정)" in after
    assert after.splitlines()[:5] == before.splitlines()[:5] and after.count("\n#") == before.count("\n#")
    bank = load_bank(str(path))
    assert bank.title["ko"] == "빠른 점검(번역 수정)" and bank.title["en"] == load_bank(
        f"{SHIPPED_BANKS}/quick-check.yaml").title["en"]
