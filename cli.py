"""The ``dispatch`` command: one typer app assembling the command groups of ``dispatch.commands``."""

from __future__ import annotations

import sys

import typer

from dispatch.commands.db import db_app
from dispatch.commands.exposure import exposure_app, import_visits_command, members_app, visits_app
from dispatch.commands.importing import import_app
from dispatch.commands.intraday import crews_app, replan_command, tickets_app
from dispatch.commands.outages import outages_app
from dispatch.commands.plan import demo_command, plan_app, sheets_command
from dispatch.commands.roads import roads_app
from dispatch.commands.scenario import scenario_app
from dispatch.commands.serve import links_command, serve_command

app = typer.Typer(
    help="Field-crew dispatch for an electricity distribution utility.\n\nExample: dispatch demo",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# The nightly job.
import_app.command("visits")(import_visits_command)
app.add_typer(import_app, name="import")
app.add_typer(plan_app, name="plan")
app.command("sheets")(sheets_command)
app.command("demo")(demo_command)
# The exposure ledger: visits as reported, crew members, exposure reports and tracing.
app.add_typer(visits_app, name="visits")
app.add_typer(members_app, name="members")
app.add_typer(exposure_app, name="exposure")
# What-if scenarios.
app.add_typer(scenario_app, name="scenario")
# The running day.
app.command("replan")(replan_command)
crews_app.command("links")(links_command)
app.add_typer(crews_app, name="crews")
# The crews' phone pages and their status reports.
app.command("serve")(serve_command)
app.add_typer(tickets_app, name="tickets")
# Wide outages grouped by the network.
app.add_typer(outages_app, name="outages")
# The road network travel is planned on (travel.engine = "roads").
app.add_typer(roads_app, name="roads")
# The database schema (Alembic migrations).
app.add_typer(db_app, name="db")


def main() -> None:
    # The last guard: a command that runs out of memory or recursion depth stops with one line, not a
    # traceback (each command's own transaction has been rolled back by then).
    try:
        app()
    except MemoryError:
        print("error: out of memory: the input is larger than this machine can hold", file=sys.stderr)
        sys.exit(1)
    except RecursionError:
        print("error: the input is nested too deeply to read", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
