"""Extensions created unbound and bound to the app in the factory (microblog's habit)."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
babel = Babel()
# Limits are declared per route (submissions); storage is Redis when REDIS_URL is set, so every
# process and host shares one count.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


@limiter.request_filter
def _never_limited() -> bool:
    """Safe requests skip Flask-Limiter's per-request resolution of limits (about a tenth of a
    millisecond on every page). Every limit declared is for POST (the submission routes); a
    limit on a GET route would need this filter changed."""
    from flask import request
    return request.method in ("GET", "HEAD", "OPTIONS")
