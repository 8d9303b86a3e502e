"""`quiz init`: a starter bank that passes `check` and `simulate` at once, in the languages asked
for, never overwriting a file (CONTRACT §3)."""
from __future__ import annotations

import subprocess

import pytest

from tests.cli_helpers import FLASK, quiz_env


def flask(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([FLASK, "--app", "app", "quiz", *args], capture_output=True, text=True,
                          env=quiz_env(), timeout=120)


@pytest.mark.parametrize("languages", ["en,ko", "en", "ko", "en,fr"])
def test_init_writes_a_bank_that_passes_check_and_simulate(tmp_path, languages):
    path = tmp_path / "careers-101.yaml"
    made = flask("init", str(path), "--languages", languages)
    assert made.returncode == 0, made.stderr
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=bank.schema.json")
    assert "id: careers-101" in text and f"languages: [{languages.replace(',', ', ')}]" in text
    checked = flask("check", str(path))
    assert checked.returncode == 0 and "0 errors, 0 warnings" in checked.stdout, checked.stdout
    audited = flask("simulate", str(path), "--n", "500")
    assert audited.returncode == 0 and "Findings\n  none" in audited.stdout, audited.stdout
    if "fr" in languages:  # a language the starter has no words for: English, marked to translate
        assert "TODO translate (fr)" in text


def test_init_never_overwrites_and_refuses_bad_languages(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("id: mine\n", encoding="utf-8")
    again = flask("init", str(path))
    assert again.returncode == 2 and "never overwrites" in again.stderr
    assert path.read_text(encoding="utf-8") == "id: mine\n"
    bad = flask("init", str(tmp_path / "x.yaml"), "--languages", "en,EN!")
    assert bad.returncode == 2 and "--languages" in bad.stderr


def test_schema_for_a_bank_knows_its_ids_and_languages(tmp_path):
    import json

    import jsonschema
    import yaml
    path = tmp_path / "mine.yaml"
    assert flask("init", str(path)).returncode == 0
    out = flask("schema", "--bank", str(path))
    assert out.returncode == 0, out.stderr
    schema = json.loads(out.stdout)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)                                  # the bank itself passes
    data["questions"][0]["weights"] = {"thinkr": 2}                    # a misspelt path id
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["title"] = {"en": "Only English"}                             # a language missing
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    assert flask("schema", "--bank", str(tmp_path / "missing.yaml")).returncode != 0
