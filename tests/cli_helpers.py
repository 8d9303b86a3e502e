"""Running the `flask` command as a user does, in a subprocess."""
import os
import sys

from tests.conftest import TINY_BANK

FLASK = os.path.join(os.path.dirname(sys.executable), "flask")


def quiz_env(banks: str | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["QUIZ_BANKS"] = banks or TINY_BANK
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env
