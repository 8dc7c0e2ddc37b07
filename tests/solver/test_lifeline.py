"""Worker processes end with the process that started them (solver.lifeline), by the kernel and by the watcher."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# A parent that starts one worker the way the solver does (fork, die_with_parent first), prints the
# worker's pid, then waits to be killed.
PARENT = """
import multiprocessing as mp, os, sys, time
from solver.lifeline import die_with_parent

def worker(parent_pid, kernel):
    die_with_parent(parent_pid, kernel=kernel)
    while True:
        sum(range(10_000))

if __name__ == "__main__":
    ctx = mp.get_context("fork")
    p = ctx.Process(target=worker, args=(os.getpid(), sys.argv[1] == "kernel"), daemon=True)
    p.start()
    print(p.pid, flush=True)
    time.sleep(60)
"""


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie awaiting its reaper counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", ["kernel", "watcher"])
def test_worker_dies_within_a_second_of_its_parent(how: str, tmp_path: Path) -> None:
    """SIGKILL of the parent ends its busy worker within a second: PR_SET_PDEATHSIG, or the pid watcher."""
    root = Path(__file__).resolve().parents[2]
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    parent = subprocess.Popen(
        [sys.executable, str(script), how],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    worker = int(parent.stdout.readline())  # type: ignore[union-attr]
    time.sleep(0.3)  # the worker is past die_with_parent and busy
    assert _alive(worker)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    killed = time.monotonic()
    while _alive(worker) and time.monotonic() - killed < 5:
        time.sleep(0.05)
    assert not _alive(worker), f"worker {worker} outlived its parent by 5 s ({how})"
    assert time.monotonic() - killed < 1.5
