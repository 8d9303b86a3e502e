"""Property tests for the loader: valid banks round-trip; mutated banks only ever yield
catalogued problems, never an exception."""
import random

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quiz.bank import Bank, check_bytes, dump_yaml
from quiz.bank.errors import ErrorCode
from tests.bank_strategies import banks
from tests.conftest import TINY_BANK

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(banks())
def test_generated_banks_round_trip_to_an_equal_model(data):
    bank = Bank.model_validate(data)
    text = dump_yaml(bank)
    loaded, problems = check_bytes(text.encode("utf-8"), "generated.yaml")
    assert [p for p in problems if p.severity == "error"] == [], [p.render() for p in problems] + [text]
    assert loaded == bank
    assert loaded.content_hash == bank.content_hash


JUNK = [None, True, "no", 0, -1, 3.5, "", "x" * 3, [], [1, "a"], {}, {"en": 1}, {"zz": "?"}]


def _all_paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _all_paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _all_paths(v, path + (i,))


def _mutate_data(data, rnd: random.Random):
    paths = [p for p in _all_paths(data) if p]
    for _ in range(rnd.randint(1, 4)):
        path = rnd.choice(paths)
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        action = rnd.choice(["delete", "junk", "rename", "duplicate"])
        try:
            if action == "delete":
                del parent[key]
            elif action == "junk":
                parent[key] = rnd.choice(JUNK)
            elif action == "rename" and isinstance(parent, dict):
                parent[str(key) + "x"] = parent.pop(key)
            elif action == "duplicate" and isinstance(parent, list):
                parent.append(parent[key])
        except (KeyError, IndexError, TypeError):
            pass
        paths = [p for p in _all_paths(data) if p]
        if not paths:
            break
    return data


def _assert_only_catalogued(raw: bytes):
    bank, problems = check_bytes(raw, "mutated.yaml")
    for p in problems:
        assert isinstance(p.code, ErrorCode)
        assert p.line >= 1 and p.col >= 1
        assert p.render()
    assert (bank is None) == any(p.severity == "error" for p in problems)


@SETTINGS
@given(banks(), st.integers(0, 2**32 - 1))
def test_data_mutations_yield_only_catalogued_problems(data, seed):
    mutated = _mutate_data(data, random.Random(seed))
    raw = yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False).encode("utf-8")
    _assert_only_catalogued(raw)


TINY_TEXT = open(TINY_BANK, encoding="utf-8").read()
SPECIAL = list(":{}[]-&*!#'\"|>%@`,?\t\n ") + ["no", "0755", "~", "---", "...", "<<: *a", "가"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(TINY_TEXT)), st.integers(0, 8), st.sampled_from(SPECIAL)),
                min_size=1, max_size=6))
def test_text_mutations_yield_only_catalogued_problems(edits):
    text = TINY_TEXT
    for pos, cut, insert in edits:
        pos = min(pos, len(text))
        text = text[:pos] + insert + text[pos + cut:]
    _assert_only_catalogued(text.encode("utf-8"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_yield_only_catalogued_problems(raw):
    _assert_only_catalogued(raw)
