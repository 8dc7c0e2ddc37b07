"""``dispatch serve`` (the crews' phone pages and reports) and ``dispatch crews links`` (each crew's link)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from sqlalchemy.engine import make_url

from dispatch.commands.common import (
    JsonOption,
    PolicyOption,
    check_lang,
    console,
    err_console,
    fail,
    load_policy,
    open_engine,
    print_json,
    reported,
)
from dispatch.store.db import database_url

if TYPE_CHECKING:
    from dispatch.io.sheets.i18n import Labels

LangOption = Annotated[str, typer.Option("--lang", callback=check_lang, help="Language of the messages: id or en.")]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        envvar="DISPATCH_BASE_URL",
        help="Where crews reach `dispatch serve`, e.g. https://dispatch.example.org (default: $DISPATCH_BASE_URL).",
    ),
]


def _labels(lang: str) -> Labels:
    """The CLI's words in ``lang``; the i18n table lives with the sheets, loaded only by these commands."""
    from dispatch.io.sheets.i18n import Labels

    return Labels(lang, dt.UTC)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    lang: Annotated[
        str, typer.Option("--lang", callback=check_lang, help="Page language unless a link asks (?lang=en): id or en.")
    ] = "id",
    poll_seconds: Annotated[
        float, typer.Option("--poll-seconds", min=1.0, max=3600.0, help="How often a page asks for a new revision.")
    ] = 60.0,
    log_level: Annotated[str, typer.Option(help="critical, error, warning, info or debug.")] = "info",
    policy_path: PolicyOption = None,
) -> None:
    """Serve each crew's phone page for the current published revision and take its status reports.

    Crews open the links of `dispatch crews links`; reports become visit records (`dispatch visits list`).

    Example: dispatch serve --host 0.0.0.0 --port 8000
    """
    from dispatch.web.server import serve  # FastAPI and uvicorn load only for this command

    labels = _labels(lang)
    if log_level not in ("critical", "error", "warning", "info", "debug"):
        fail(f"--log-level: {log_level!r} is not one of critical, error, warning, info, debug")
    policy = load_policy(policy_path)
    engine = open_engine()
    shown = make_url(database_url()).render_as_string(hide_password=True)
    err_console.print(labels("cli.serving", url=f"http://{host}:{port}/c/TOKEN", database=shown), markup=False)
    try:
        serve(engine=engine, policy=policy, host=host, port=port, lang=lang, poll_s=poll_seconds, log_level=log_level)
    finally:
        engine.dispose()


def links_command(
    date: Annotated[
        dt.datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="The shifts' date (YYYY-MM-DD; default: today)."),
    ] = None,
    base_url: BaseUrlOption = None,
    revoke: Annotated[
        str | None, typer.Option("--revoke", help="Revoke this crew's link (a lost phone) and print its new one.")
    ] = None,
    lang: LangOption = "en",
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print each crew's link to its phone page: one per crew and shift, valid until the shift ends.

    Running it again prints the same links; a crew whose shift has ended gets none.

    Example: dispatch crews links --date 2026-11-30 --base-url https://dispatch.example.org --json
    """
    from dispatch.field.errors import FieldError
    from dispatch.usecases.field import issue_links, revoke_link

    labels = _labels(lang)
    if not base_url:
        fail(labels("cli.base_url_required"), as_json=as_json)
    if not base_url.startswith(("http://", "https://")):
        fail(labels("cli.base_url_scheme", url=base_url), as_json=as_json)
    policy = load_policy(policy_path, as_json=as_json)
    tz = ZoneInfo(policy.region.timezone)
    now = dt.datetime.now(dt.UTC)
    day = date.date() if date is not None else now.astimezone(tz).date()
    engine = open_engine(as_json=as_json)
    try:
        with reported(as_json=as_json):
            try:
                if revoke is not None:
                    links = [revoke_link(engine, crew_id=revoke, day=day, base_url=base_url, now=now)]
                else:
                    links = issue_links(engine, day=day, base_url=base_url, now=now)
            except FieldError as exc:
                fail(exc.say(labels.lang), as_json=as_json)
    finally:
        engine.dispose()
    if as_json:
        print_json([link.to_json() for link in links])
        return
    if revoke is not None:
        link = links[0]
        until = f"{link.expires_at.astimezone(tz):%Y-%m-%d %H:%M}"
        console.print(labels("cli.link_reissued", crew_id=link.crew_id, until=until, url=link.url), markup=False)
        return
    table = Table(title=labels("cli.links_title", date=day.isoformat()), title_justify="left")
    for key in ("cli.col_crew", "cli.col_link", "cli.col_until"):
        table.add_column(labels(key), overflow="fold")
    for link in links:
        table.add_row(link.crew_id, link.url, f"{link.expires_at.astimezone(tz):%Y-%m-%d %H:%M}")
    console.print(table)
