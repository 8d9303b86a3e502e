"""Security findings of issue 12 answered by configuration: production needs QUIZ_BASE_URL
(finding 10), and `make install` upgrades setuptools in the virtualenv (finding 15). The web side
of each is in tests/integration/test_security_web.py."""
from __future__ import annotations

import os
import re

import pytest

from quiz.config import ConfigError, from_environment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRODUCTION = {"QUIZ_ENV": "production", "SECRET_KEY": "s"}


# -- 10 ---------------------------------------------------------------------------------------

def test_finding_10_production_needs_a_base_url_in_one_clear_line(tmp_path):
    with pytest.raises(ConfigError) as refused:
        from_environment(str(tmp_path), dict(PRODUCTION))
    assert "QUIZ_BASE_URL" in str(refused.value) and "\n" not in str(refused.value)
    with pytest.raises(ConfigError):
        from_environment(str(tmp_path), dict(PRODUCTION, QUIZ_BASE_URL="  "))


def test_finding_10_a_missing_secret_key_is_still_said_first(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        from_environment(str(tmp_path), {"QUIZ_ENV": "production"})


def test_finding_10_commands_and_development_need_no_base_url(tmp_path):
    assert from_environment(str(tmp_path), dict(PRODUCTION), for_command=True)["QUIZ_BASE_URL"] is None
    assert from_environment(str(tmp_path), {"SECRET_KEY": "s"})["QUIZ_BASE_URL"] is None


def test_finding_10_the_base_url_is_kept_without_its_trailing_slash(tmp_path):
    config = from_environment(str(tmp_path), dict(PRODUCTION, QUIZ_BASE_URL="https://quiz.example.org/"))
    assert config["QUIZ_BASE_URL"] == "https://quiz.example.org"
    config = from_environment(str(tmp_path), dict(PRODUCTION, QUIZ_BASE_URL="https://example.org/quiz"))
    assert config["QUIZ_BASE_URL"] == "https://example.org/quiz"


@pytest.mark.parametrize("bad", ["quiz.example.org", "/quiz", "ftp://quiz.example.org", "https://",
                                 "https://quiz.example.org/?x=1", "https://quiz.example.org/#top",
                                 "javascript:alert(1)", "https://quiz.example.org\\@evil.example",
                                 "https://quiz example.org"])
def test_finding_10_a_base_url_that_is_not_an_absolute_http_address_is_refused(tmp_path, bad):
    with pytest.raises(ConfigError, match="QUIZ_BASE_URL"):
        from_environment(str(tmp_path), dict(PRODUCTION, QUIZ_BASE_URL=bad))


# -- 15 ---------------------------------------------------------------------------------------

def test_finding_15_make_install_upgrades_pip_and_setuptools_in_the_virtualenv():
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as fh:
        makefile = fh.read()
    recipe = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "the Makefile has no $(STAMP) recipe"
    upgrades = [line for line in recipe.group(1).splitlines()
                if "pip install" in line and "--upgrade" in line.split()]
    assert upgrades, "the $(STAMP) recipe upgrades nothing"
    words = upgrades[0].split()
    assert words[0] == "$(BIN)/python" and {"pip", "setuptools"} <= set(words)
