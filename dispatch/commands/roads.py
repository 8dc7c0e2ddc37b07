"""``dispatch roads build``: road tiles from an OpenStreetMap extract, for ``travel.engine = "roads"``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from dispatch.commands.common import JsonOption, PolicyOption, console, err_console, fail, load_policy, print_json
from dispatch.planning.roads import RoadsError, build_road_tiles

roads_app = typer.Typer(
    help="The road network travel is planned on.\n\nExample: dispatch roads build west-java.osm.pbf --tiles roads",
    no_args_is_help=True,
)

DEFAULT_TILES = "roads"


@roads_app.command("build")
def build_command(
    extract: Annotated[Path, typer.Argument(help="An OpenStreetMap extract (.osm.pbf) of the region.")],
    tiles: Annotated[
        Path | None,
        typer.Option("--tiles", help=f"Folder for the tiles (default: policy travel.tiles, else ./{DEFAULT_TILES})."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even when the extract has not changed.")] = False,
    policy_path: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Build routing tiles from EXTRACT once; run again after the extract changes (an unchanged
    extract is not rebuilt). Then set travel.engine = "roads" and travel.tiles in the policy.

    Example: dispatch roads build data/sample-roads.osm.pbf --tiles roads
    """
    policy = load_policy(policy_path, as_json=as_json)
    folder = tiles or Path(policy.travel.tiles or DEFAULT_TILES)
    started = time.perf_counter()
    lines = 0

    def progress(line: str) -> None:
        nonlocal lines
        lines += 1
        if not as_json:
            err_console.print(f"  {line}", markup=False, style="dim")

    if not as_json:
        err_console.print(f"Building road tiles from {extract} into {folder} ...", markup=False)
    try:
        built_tiles, built = build_road_tiles(extract, folder, force=force, progress=progress)
    except RoadsError as exc:
        fail(exc.problems, as_json=as_json)
    except KeyboardInterrupt:
        fail("interrupted: the old tiles (if any) are unchanged", code=130, as_json=as_json)
    seconds = round(time.perf_counter() - started, 1)
    if as_json:
        print_json(
            {
                "ok": True,
                "tiles": str(built_tiles.directory),
                "built": built,
                "build_id": built_tiles.build_id,
                "seconds": seconds,
            }  # fmt: skip
        )
        return
    if built:
        console.print(f"Built road tiles in {built_tiles.directory} ({seconds} s).", markup=False)
    else:
        console.print(f"{built_tiles.directory} is up to date with {extract}: nothing to build.", markup=False)
    console.print(f'Plan on them with, in the policy: [travel] engine = "roads", tiles = "{folder}"', markup=False)
