"""bench/serve_load.py, reduced: concurrent crews' phones against a real server killed (SIGKILL) and restarted
half-way lose nothing acknowledged and store nothing twice, with no "database is locked"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_DATABASE_ENV

ROOT = Path(__file__).resolve().parents[3]


def test_killed_and_restarted_server_loses_nothing_acknowledged() -> None:
    """20 crews x 4 reports at once (plus a resend each), the server SIGKILLed at half-way and restarted: every
    report stored exactly once, one visit per stop, each resend answered as a duplicate."""
    pg = os.environ.get(TEST_DATABASE_ENV)
    args = ["--crews", "20", "--reports", "4", "--kill", "--no-baseline", "--json"]
    args += ["--db", "postgresql", "--pg-url", pg] if pg else ["--db", "sqlite"]
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "serve_load.py"), *args], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    [result] = json.loads(run.stdout)
    check = result["check"]
    assert result["killed_at_s"] is not None
    assert (check["reports_sent"], check["acknowledged"], check["stored"]) == (80, 80, 80)
    assert (check["lost"], check["duplicated"], check["refused"], check["database_is_locked"]) == (0, 0, 0, 0)
    assert check["visit_records"] == check["visit_records_expected"] == 40
    assert check["resends_answered_duplicate"] >= 20
