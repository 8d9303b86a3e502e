"""The WSGI entry point: `gunicorn 'app:app'`, `flask --app app …`."""
import sys

from quiz import create_app
from quiz.bank import BankError
from quiz.config import ConfigError

try:
    app = create_app()
except (ConfigError, BankError) as exc:
    # An operator's mistake, not a crash: say what is wrong, once, without a traceback.
    print(f"Know Yourself cannot start:\n{exc}", file=sys.stderr)
    sys.exit(1)
