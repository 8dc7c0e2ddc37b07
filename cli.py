"""The ``dispatch`` command: one typer app assembling the command groups of ``dispatch.commands``."""

from __future__ import annotations

import importlib
import importlib.util

import typer

from dispatch.commands.importing import import_app
from dispatch.commands.plan import demo_command, plan_app, sheets_command

app = typer.Typer(
    help="Field-crew dispatch for an electricity distribution utility.\n\nExample: dispatch demo",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(import_app, name="import")
app.add_typer(plan_app, name="plan")
app.command("sheets")(sheets_command)
app.command("demo")(demo_command)

# Command groups of the exposure ledger, scenarios and intraday dispatch.
_GROUPS = (
    ("dispatch.commands.exposure", "visits_app", "visits"),
    ("dispatch.commands.exposure", "members_app", "members"),
    ("dispatch.commands.exposure", "exposure_app", "exposure"),
    ("dispatch.commands.scenario", "scenario_app", "scenario"),
    ("dispatch.commands.intraday", "crews_app", "crews"),
    ("dispatch.commands.intraday", "tickets_app", "tickets"),
)
for module_name, attr, name in _GROUPS:
    if importlib.util.find_spec(module_name) is not None:
        module = importlib.import_module(module_name)
        if hasattr(module, attr):
            app.add_typer(getattr(module, attr), name=name)
if importlib.util.find_spec("dispatch.commands.exposure") is not None:
    _exposure = importlib.import_module("dispatch.commands.exposure")
    if hasattr(_exposure, "import_visits_command"):
        import_app.command("visits")(_exposure.import_visits_command)
if importlib.util.find_spec("dispatch.commands.intraday") is not None:
    _intraday = importlib.import_module("dispatch.commands.intraday")
    if hasattr(_intraday, "replan_command"):
        app.command("replan")(_intraday.replan_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
