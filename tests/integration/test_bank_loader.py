"""The loader on real files: the problems an author meets, each at its line, all in one run."""
import os

from quiz.bank import Bank, BankRegistry, check_bytes, load_bank
from quiz.bank.errors import BankError, ErrorCode
from tests.conftest import SHIPPED_BANKS, TINY_BANK

TINY = open(TINY_BANK, encoding="utf-8").read()


def problems_of(text: str):
    return check_bytes(text.encode("utf-8"), "bank.yaml")[1]


def line_of(text: str, needle: str, nth: int = 1) -> int:
    pos = -1
    for _ in range(nth):
        pos = text.index(needle, pos + 1)
    return text.count("\n", 0, pos) + 1


def test_tiny_bank_loads_into_a_frozen_model():
    bank = load_bank(TINY_BANK)
    assert isinstance(bank, Bank)
    assert bank.path_ids == ("researcher", "engineer", "ops")
    assert [s.id if s else None for s, _ in bank.pages] == ["one", "two"]
    assert bank.content_hash.startswith("sha256:")
    try:
        bank.id = "other"
    except Exception as exc:  # noqa: BLE001
        assert "frozen" in str(exc).lower()
    else:
        raise AssertionError("a bank must be immutable")


def test_every_shipped_bank_loads():
    files = [f for f in os.listdir(SHIPPED_BANKS) if f.endswith(".yaml")]
    assert files
    registry = BankRegistry.from_spec(SHIPPED_BANKS)
    assert len(registry) == len(files)
    assert registry.get("know-yourself") is not None


def test_comments_and_layout_do_not_change_the_content_hash():
    a = check_bytes(TINY.encode(), "a.yaml")[0]
    b = check_bytes(("# a comment\n" + TINY.replace("hybrid_margin: 10", "hybrid_margin:   10   # margin")).encode(), "b.yaml")[0]
    assert a.content_hash == b.content_hash
    c = check_bytes(TINY.replace("weights: {engineer: 1, ops: 1}", "weights: {engineer: 2, ops: 1}").encode(), "c.yaml")[0]
    assert c.content_hash != a.content_hash


def test_snapshot_round_trip_gives_an_equal_bank():
    bank = load_bank(TINY_BANK)
    assert Bank.from_snapshot(bank.canonical_json) == bank


def test_syntax_error_points_at_the_line():
    text = TINY.replace('title: {en: "Tiny bank", ko: "작은 문항집"}', 'title: {en: "Tiny bank", ko: "작은 문항집"')
    (p,) = problems_of(text)
    assert p.code is ErrorCode.YAML_001
    assert p.line in (line_of(text, "title:"), line_of(text, "title:") + 1)


def test_duplicate_key_is_an_error_not_last_wins():
    text = TINY.replace("version: 1\n", "version: 1\nversion: 2\n")
    (p,) = problems_of(text)
    assert p.code is ErrorCode.YAML_002 and p.line == line_of(text, "version: 2")
    assert "first given on line 3" in p.message


def test_unknown_key_suggests_the_right_one():
    text = TINY.replace("    section: two\n    type: multi", "    secton: two\n    type: multi")
    (p,) = problems_of(text)
    assert p.code is ErrorCode.SCHEMA_002 and p.line == line_of(text, "secton")
    assert "did you mean 'section'?" in p.message


def test_duplicate_question_id():
    text = TINY.replace("id: first-week", "id: fundamentals")
    codes = [(p.code, p.line) for p in problems_of(text)]
    assert (ErrorCode.BANK_001, line_of(text, "id: fundamentals", 2)) in codes


def test_reference_to_an_unknown_path():
    text = TINY.replace("weights: {engineer: 1, ops: 1}", "weights: {engineer: 1, opps: 1}")
    (p,) = problems_of(text)
    assert p.code is ErrorCode.BANK_002 and p.line == line_of(text, "opps")
    assert "did you mean 'ops'?" in p.message


def test_missing_korean_text():
    text = TINY.replace('text: {en: "Which have you used?", ko: "써 본 것은?"}', 'text: {en: "Which have you used?"}')
    (p,) = problems_of(text)
    assert p.code is ErrorCode.BANK_007 and p.line == line_of(text, "Which have you used?")
    assert "'ko'" in p.message


def test_all_problems_are_reported_in_one_run():
    text = (TINY.replace("version: 1\n", "version: 1\nversion: 2\n")
            .replace("hybrid_margin: 10", "hybrid_margn: 10")
            .replace("weights: {engineer: 1, ops: 1}", "weights: {engineer: 1, opps: 1}")
            .replace("value: kubeflow", "value: kubeflo"))
    codes = {p.code for p in problems_of(text)}
    assert {ErrorCode.YAML_002, ErrorCode.SCHEMA_002, ErrorCode.BANK_002, ErrorCode.BANK_005} <= codes


def test_yaml11_words_stay_strings():
    # an option id `no` and a section id `on` are strings, not booleans
    text = TINY.replace("id: read-papers", "id: no").replace("value: read-papers", "value: no")
    bank, problems = check_bytes(text.encode(), "b.yaml")
    assert not [p for p in problems if p.severity == "error"], [p.render() for p in problems]
    assert bank.question_by_id["first-week"].options[0].id == "no"
    text = TINY.replace("id: read-papers", "id: 0755").replace("value: read-papers", "value: 0755")
    bank, problems = check_bytes(text.encode(), "b.yaml")
    assert bank is not None and bank.question_by_id["first-week"].options[0].id == "0755"


def test_rule_operator_must_fit_the_question_type():
    text = TINY.replace('op: contains, value: kubeflow', 'op: ">=", value: kubeflow')
    (p,) = problems_of(text)
    assert p.code is ErrorCode.BANK_009 and "contains" in p.message


def test_load_bank_raises_with_every_problem():
    import pytest
    with pytest.raises(BankError) as info:
        load_bank(os.path.join(os.path.dirname(TINY_BANK), "does-not-exist.yaml"))
    assert info.value.problems[0].code is ErrorCode.FILE_001


def test_a_broken_bank_stops_the_server_start(tmp_path):
    import pytest

    from quiz import create_app
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.replace("version: 1", "version: one"), encoding="utf-8")
    with pytest.raises(BankError) as info:
        create_app({"QUIZ_BANKS": str(bad), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "SECRET_KEY": "x"})
    assert "SCHEMA_004" in str(info.value)
