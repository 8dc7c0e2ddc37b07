"""Scale benchmark: a 250,000-ticket region imported and planned, with time and peak memory of each step.

Each step runs in a fresh process (so its peak memory is its own), on a generated region whose six
depots each hold about 40,000 tickets (the partitioner must cut them), into a new SQLite file (or the
PostgreSQL database of --database-url). The plain baseline beside the import is the floor: Python's
csv module and one executemany of the raw text rows into a table of text columns, without any check.

    .venv/bin/python bench/scale.py [--tickets 250000] [--crews 12] [--time-limit 30] [--database-url URL]

Reports "measured under shared load" figures; the targets are an import under 1 GiB peak and a plan that
completes (no MemoryError) with no part above solver.max_tickets_per_solve.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DAY = "2026-11-30"

PLAIN = """
import csv, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    reader = csv.reader(f)
    header = next(reader)
    db.execute("CREATE TABLE raw (" + ", ".join(f'"{h}" TEXT' for h in header) + ")")
    db.executemany("INSERT INTO raw VALUES (" + ", ".join("?" * len(header)) + ")", reader)
db.commit()
"""


def _run(args: list[str], env: dict[str, str], tmp: Path) -> tuple[float, int, str]:
    """Seconds, peak RSS (bytes) of this one child (os.wait4), and its stdout."""
    out_path, err_path = tmp / "stdout", tmp / "stderr"
    with out_path.open("w") as out, err_path.open("w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:6])} failed:\n{err_path.read_text()[-2000:]}")
    return seconds, usage.ru_maxrss * 1024, out_path.read_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=250_000)
    parser.add_argument("--crews", type=int, default=12)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a new SQLite file)")
    args = parser.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        region = Path(tmp) / "region"
        subprocess.run(
            [py, "-m", "dispatch.sample", "--tickets", str(args.tickets), "--crews", str(args.crews), "--date", DAY,
             "--seed", "5", "--out", str(region)],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        env = {**os.environ, "DISPATCH_DATABASE_URL": url, "DISPATCH_POLICY": str(region / "dispatch.toml")}
        cli = [py, "-c", "from cli import main; main()"]
        tmp_path = Path(tmp)
        for kind, name in (("crews", "crews.csv"), ("shifts", "shifts.csv"), ("zones", "zones.geojson")):
            _run([*cli, "import", kind, str(region / name)], env, tmp_path)
        size = (region / "tickets.csv").stat().st_size
        plain_s, plain_peak, _ = _run([py, "-c", PLAIN, str(region / "tickets.csv"), f"{tmp}/plain.db"], env, tmp_path)
        import_s, import_peak, out = _run(
            [*cli, "import", "tickets", str(region / "tickets.csv"), "--json"], env, tmp_path
        )
        report = json.loads(out)
        plan = [*cli, "plan", "--date", DAY, "--time-limit", str(args.time_limit), "--json"]
        plan_s, plan_peak, out = _run(plan, env, tmp_path)
        doc = json.loads(out)
    mib = 2**20
    print(
        f"region: {args.tickets:,} tickets ({size / mib:.0f} MiB CSV), {args.crews} crews; database {url.split(':')[0]}"
    )
    print(f"{'step':<34}{'seconds':>10}{'peak MiB':>10}")
    print(f"{'import, plain csv+executemany':<34}{plain_s:>10.1f}{plain_peak / mib:>10.0f}")
    counts = f"inserted {report['inserted']:,}, merged {len(report['merged'])}, rejected {report['rejected']}"
    print(f"{'import tickets (product)':<34}{import_s:>10.1f}{import_peak / mib:>10.0f}  {counts}")
    s = doc["summary"]
    print(f"{'plan (product, --time-limit ' + str(args.time_limit) + ')':<34}{plan_s:>10.1f}{plan_peak / mib:>10.0f}  "
          f"served {s['served']:,}, unassigned {s['unassigned']:,} {s['unassigned_by_reason']}")  # fmt: skip
    print("peak MiB: the largest process of the step (ru_maxrss through wait4); measured under shared load")


if __name__ == "__main__":
    main()
