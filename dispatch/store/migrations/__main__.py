"""Write the next revision from the models: ``python -m dispatch.store.migrations revision "add outcome table"``.

A scratch SQLite database is migrated to head (or ``--url`` names a database already at head, e.g. a
PostgreSQL one), Alembic's autogenerate compares it with the models and writes
``versions/NNNN_<message>.py``, numbered after head. It is a draft: review it (README.md here says what
to look for), then add its upgrade-test case.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlmodel import SQLModel

from dispatch.store import schema
from dispatch.store.db import make_engine
from dispatch.store.migrations import alembic_config


def write_revision(message: str, *, url: str | None = None) -> tuple[Path, list[str]]:
    """Autogenerate the revision after head from the models: the path of the new file, and the differences
    it was written from (none: an empty revision, for changes autogenerate cannot see)."""
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(url or f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            if url is None:
                schema.upgrade(engine)
            state = schema.schema_state(engine)
            if state.status is not schema.SchemaStatus.CURRENT:
                raise SystemExit(f"{url}: {state.problem() or 'empty'}: autogenerate compares with a database at head")
            with engine.begin() as conn:
                found = schema.differences(conn, SQLModel.metadata)
                script = command.revision(
                    alembic_config(conn),
                    message=message,
                    autogenerate=True,
                    rev_id=f"{int(schema.head_revision()) + 1:04d}",
                )
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    path = Path(script.path)
    # House style for the new file, when ruff is installed (the dev extra).
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(path)], check=False, capture_output=True)
    return path, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dispatch.store.migrations", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    revision = commands.add_parser("revision", help="write the next revision from the models (autogenerate)")
    revision.add_argument("message", help='what the revision changes, e.g. "add outcome table"')
    revision.add_argument("--url", help="a database at head to compare with (default: a scratch SQLite file)")
    args = parser.parse_args(argv)
    path, found = write_revision(args.message, url=args.url)
    print(f"wrote {path}, from {len(found)} difference(s) between head and the models:")
    for difference in found:
        print(f"  {difference}")
    if not found:
        print("  none: write the operations by hand (data changes, or what autogenerate cannot see)")
    print(
        "next: review it (renames come out as drop + add; data is not moved), then add the ROWS_AT case in "
        "tests/dispatch/store/test_upgrade_keeps_rows.py and run tests/dispatch/store on SQLite and PostgreSQL"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
