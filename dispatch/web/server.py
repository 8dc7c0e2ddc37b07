"""Run the crew service on uvicorn: one process (on SQLite its writes take turns inside it)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import uvicorn
from sqlalchemy import Engine

from dispatch.core.policy import Policy
from dispatch.web.app import create_app


def use_wal(engine: Engine) -> None:
    """Put a SQLite database in write-ahead-log mode (it stays so): a commit is one sync of the log instead of
    the rollback journal's several, so many small report transactions go through several times faster, and
    readers do not wait for the writer. Still durable: synchronous stays FULL."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
    finally:
        raw.close()


def serve(
    *,
    engine: Engine,
    policy: Policy,
    host: str,
    port: int,
    lang: str,
    poll_s: float,
    log_level: str = "info",
    clock: Callable[[], dt.datetime] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM end it cleanly). No access log: URLs hold the crews' tokens;
    refusals are logged by ``dispatch.web`` with a token's first characters only. ``clock``: the service's
    "now" (default this computer's; ``bench/day_replay.py`` serves a replayed day on its own clock)."""
    web_log = logging.getLogger("dispatch.web")
    if not web_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        web_log.addHandler(handler)
        web_log.setLevel(log_level.upper())
    if engine.dialect.name == "sqlite":
        use_wal(engine)
    app = create_app(engine=engine, policy=policy, lang=lang, poll_s=poll_s, clock=clock)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, server_header=False)
