"""Command line: benchmark instances, and problems in the JSON exchange format.

    python -m solver solve INSTANCE --time-limit S [--reproducible] --out FILE.sol
    python -m solver json PROBLEM.json [--time-limit S] [--reproducible] [--out SOLUTION.json]

``solve`` reads a Solomon / Gehring-Homberger VRPTW file, solves it with a distance-only objective and
writes the CVRPLIB solution format. Exit status: 0 when every customer is served and the
routes pass the real-valued check, 1 when a solution was written but is incomplete or
infeasible, 2 for bad arguments or an unreadable instance.

``json`` reads a problem in the JSON exchange format (docs/exchange-format.md) and writes the solution
JSON (to stdout without --out). Exit status: 0 when a solution was written (unassigned jobs included,
each with its reason), 2 for bad input (the message names the JSON path), as VROOM's "input" code.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from solver import vrptw


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m solver", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    solve = commands.add_parser("solve", help="solve a Solomon / Gehring-Homberger VRPTW instance")
    solve.add_argument("instance", type=Path, help="instance text file")
    solve.add_argument("--time-limit", type=float, default=10.0, help="seconds of search (default 10)")
    solve.add_argument("--reproducible", action="store_true", help="fixed amount of work: identical output run to run")
    solve.add_argument("--out", type=Path, required=True, help="CVRPLIB solution file to write")
    solve.add_argument(
        "--scale",
        type=int,
        default=vrptw.DEFAULT_SCALE,
        help=f"integer scale of coordinates and times (default {vrptw.DEFAULT_SCALE})",
    )
    solve.add_argument("--stats-json", type=Path, help="also write the run's figures as JSON here")
    exchange = commands.add_parser("json", help="solve a problem in the JSON exchange format")
    exchange.add_argument("problem", type=Path, help="problem JSON file")
    exchange.add_argument("--time-limit", type=float, default=10.0, help="seconds of search (default 10)")
    exchange.add_argument(
        "--reproducible", action="store_true", help="fixed amount of work: identical output run to run"
    )
    exchange.add_argument("--out", type=Path, help="solution JSON file to write (default: stdout)")
    return parser


def _solve(args: argparse.Namespace) -> int:
    from solver.search import solve  # imported late so `--help` stays fast

    try:
        instance = vrptw.read_instance(args.instance)
    except (OSError, vrptw.InstanceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.time_limit <= 0:
        print(f"error: --time-limit must be > 0, got {args.time_limit}", file=sys.stderr)
        return 2
    if args.scale < 1:
        print(f"error: --scale must be >= 1, got {args.scale}", file=sys.stderr)
        return 2
    problem = vrptw.build_problem(instance, scale=args.scale)
    solution = solve(problem, time_limit=args.time_limit, reproducible=args.reproducible)
    routes = vrptw.solution_routes(solution)
    cost = vrptw.route_distance(instance, routes)
    vrptw.write_solution(args.out, routes, cost)

    violations = vrptw.check_routes(instance, routes)
    served = sum(len(r) for r in routes)
    stats = solution.stats
    verdict = "feasible" if not violations else f"INVALID: {violations[0]}"
    print(
        f"{instance.name}: {len(routes)} vehicles, distance {cost:.4f}, "
        f"{served}/{len(instance.customers)} customers served, {verdict}; "
        f"{stats.wall_time:.1f} s, first solution {stats.first_solution_time:.2f} s, "
        f"{stats.solutions} solutions ({stats.strategy}) -> {args.out}"
    )
    if args.stats_json:
        figures = {
            "instance": instance.name,
            "vehicles": len(routes),
            "distance": cost,
            "served": served,
            "customers": len(instance.customers),
            "violations": violations,
            "status": stats.status,
            "objective": stats.objective,
            "wall_time": stats.wall_time,
            "first_solution_time": stats.first_solution_time,
            "solutions": stats.solutions,
            "strategy": stats.strategy,
            "reproducible": stats.reproducible,
        }
        args.stats_json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if not violations else 1


def _solve_json(args: argparse.Namespace) -> int:
    from solver.exchange import problem_from_json, solution_to_json
    from solver.search import solve

    if args.time_limit <= 0:
        print(f"error: --time-limit must be > 0, got {args.time_limit}", file=sys.stderr)
        return 2
    try:
        data = json.loads(args.problem.read_text(encoding="utf-8"))
        problem = problem_from_json(data)
    except OSError as exc:
        print(f"error: {args.problem}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error: {args.problem}: not JSON: {exc}", file=sys.stderr)
        return 2
    except RecursionError:  # the JSON parser recurses per nested array or object
        print(f"error: {args.problem}: not a problem: JSON nested too deeply", file=sys.stderr)
        return 2
    except (ValueError, UnicodeDecodeError) as exc:
        print(f"error: {args.problem}: {exc}", file=sys.stderr)
        return 2
    solution = solve(problem, time_limit=args.time_limit, reproducible=args.reproducible)
    text = json.dumps(solution_to_json(problem, solution), indent=2) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "solve":
        return _solve(args)
    if args.command == "json":
        return _solve_json(args)
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse rejects unknown ones


if __name__ == "__main__":
    sys.exit(main())
