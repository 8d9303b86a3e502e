"""Know Yourself: the application factory."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask

# NumPy's OpenBLAS starts a thread per core for every matrix call. The engine's matrices are
# small (scoring tables, the reliability fits on /author), where those threads cost more than they
# save: the bootstrap of one bank took 28 s of CPU with them and 2 s without, and a web worker
# should not compete with its neighbours for every core. One thread, unless the operator says
# otherwise; this runs before anything in the package imports NumPy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from quiz import config as config_module  # noqa: E402


def create_app(config: dict[str, Any] | None = None) -> Flask:
    root = config_module.ROOT
    app = Flask(__name__, instance_relative_config=True,
                template_folder=os.path.join(root, "templates"),
                static_folder=os.path.join(root, "quiz", "static"))
    os.makedirs(app.instance_path, exist_ok=True)
    import click
    for_command = click.get_current_context(silent=True) is not None
    app.config.update(config_module.from_environment(app.instance_path, for_command=for_command))
    if config:
        app.config.update(config)
    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis down must not stop submissions: each process counts in memory until Redis is back,
    # and an unreachable Redis costs a request at most a second, not a hang (docs/deploy.md).
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if app.config.get("REDIS_URL"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})

    from quiz import store, web
    store.init_app(app)   # the database, its pool and its housekeeping
    web.init_app(app)     # banks, languages, security headers, error pages, the blueprints

    from quiz import cli
    cli.init_app(app)
    return app
