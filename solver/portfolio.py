"""The search members: what one search process runs (a first solution, a metaheuristic and its knobs), and the
portfolios of members that ``solver.search`` runs side by side, each choice measured where it is made.

Plain values only: ``solver.engine`` turns a member into OR-Tools' search parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class SearchMember:
    """One way of searching: a first-solution strategy and a metaheuristic with its knobs."""

    name: str
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    gls_lambda: float = 0.1
    operators_on: tuple[str, ...] = ()
    operators_off: tuple[str, ...] = ()
    use_full_propagation: bool = False
    # "auto" (matrix up to solver.engine.MATRIX_TRANSIT_MAX_NODES, then a Python callback), "matrix" or "callback".
    dimension_transits: str = "auto"
    # Any other RoutingSearchParameters field by dotted name, e.g. {"ls_operator_neighbors_ratio": 0.5}.
    extra: Mapping[str, object] = field(default_factory=dict)
    # Iterated local search only: the simulated-annealing temperatures (initial, final) as fractions of the
    # problem's mean arc cost, so they keep their meaning at any cost scale; None keeps OR-Tools' automatic
    # ones, which are the same fractions 0.1 and 0.001 of a sampled mean arc cost.
    sa_temperatures: tuple[float, float] | None = None
    # Iterated local search only: the temperatures instead where routes are short (a crew could serve fewer than
    # LONG_ROUTE_VISITS of the jobs in a shift, solver.shape.visits_per_route); None: sa_temperatures everywhere.
    short_route_temperatures: tuple[float, float] | None = None
    # Iterated local search only: insert the ruined visits in random order where the problem's jobs are all
    # alike in OR-Tools' own order (as many crews allowed, the same drop penalty), as Solomon instances are.
    # OR-Tools refuses the random order beside any other, so where jobs differ (skills, urgency) the recreate
    # keeps its order: fewest crews allowed first, then the most urgent.
    random_ties: bool = False


# OR-Tools' iterated local search (9.15) cannot start from given routes, is bounded only by time in
# practice, and can loop forever inside C++ on small problems (random problems with 1-4 servable
# jobs hung in 12 of 250 tries; none of 240 with 13-60 jobs did). Warm starts, reproducible runs
# (no time limit) and problems with fewer servable jobs than this use the member's GLS fallback.
ILS_MIN_JOBS = 20
_ILS_KEYS = ("use_iterated_local_search", "iterated_local_search_parameters")


def uses_iterated_local_search(member: SearchMember) -> bool:
    return bool(member.extra.get("use_iterated_local_search"))


def guided_fallback(member: SearchMember) -> SearchMember:
    """The member as a plain guided local search: same start and GLS lambda, default operators."""
    return replace(
        member,
        metaheuristic="GUIDED_LOCAL_SEARCH",
        operators_on=(),
        operators_off=(),
        extra={k: v for k, v in member.extra.items() if k not in _ILS_KEYS},
    )


# Routes are short where a crew could serve fewer jobs than this in a shift (solver.shape.visits_per_route):
# Solomon's tight-window classes C1, R1, RC1 give 11-14, the long-route ones C2, R2, RC2 36-66.
LONG_ROUTE_VISITS = 25


# Descent operators inside the iterated local search: the cheap intra- and inter-route moves, plus
# the two that place unassigned jobs. OR-Tools' full default set made each descent after a ruin
# ~40x slower on Solomon instances (80 ms instead of 2 ms) for a worse result at 10 s.
_ILS_OPERATORS = (
    "use_relocate",
    "use_exchange",
    "use_two_opt",
    "use_or_opt",
    "use_cross",
    "use_make_active",
    "use_swap_active",
)


def iterated_local_search(
    name: str,
    *,
    first_solution: str,
    removed: int,
    max_string: int,
    gls_lambda: float = 0.1,
    sa_temperatures: tuple[float, float] | None = None,
    short_route_temperatures: tuple[float, float] | None = None,
    random_ties: bool = False,
    extra: Mapping[str, object] | None = None,
) -> SearchMember:
    """A ruin-and-recreate member: SISR ruin (Christiaens & Vanden Berghe 2020) removing about
    ``removed`` visits in strings of at most ``max_string``, local cheapest insertion to recreate,
    a short descent, simulated-annealing acceptance with temperatures derived from the mean arc cost
    (scale-free: ``sa_temperatures`` as fractions of it, else OR-Tools' automatic 0.1 and 0.001;
    ``short_route_temperatures`` instead where routes are short, see :data:`LONG_ROUTE_VISITS`).
    ``random_ties``: see :attr:`SearchMember.random_ties`.
    Warm starts, reproducible runs and small problems run the member as GLS with ``gls_lambda``
    instead (see :data:`ILS_MIN_JOBS`).
    """
    ils = {
        "perturbation_strategy": "RUIN_AND_RECREATE",
        "ruin_recreate_parameters": {
            "ruin_strategies": [
                {
                    "sisr": {
                        "avg_num_removed_visits": removed,
                        "max_removed_sequence_size": max_string,
                        "bypass_factor": 0.01,
                    }
                }
            ],
            "recreate_strategy": {"heuristic": "LOCAL_CHEAPEST_INSERTION"},
        },
        "improve_perturbed_solution": True,
        "reference_solution_acceptance_strategy": {
            "simulated_annealing": {"cooling_schedule_strategy": "EXPONENTIAL", "automatic_temperatures": True}
        },
        "best_solution_acceptance_strategy": {"greedy_descent": {}},
    }
    return SearchMember(
        name=name,
        first_solution=first_solution,
        gls_lambda=gls_lambda,
        metaheuristic="GREEDY_DESCENT",  # the descent after each ruin must end; the ILS is the metaheuristic
        operators_on=_ILS_OPERATORS,
        operators_off=("*",),
        sa_temperatures=sa_temperatures,
        short_route_temperatures=short_route_temperatures,
        random_ties=random_ties,
        extra={"use_iterated_local_search": True, "iterated_local_search_parameters": ils, **(extra or {})},
    )


# Two ruin-and-recreate searches that differ in start and ruin size. On 12 hard Solomon instances at
# 10 s (machine load 4-6), mean gap to the best known: pci-gls 7.9 %, one ILS member 1.6-2.1 %,
# the best of this pair 1.2-1.4 %. On the 1,000-ticket synthetic day ILS and GLS tie. Their GLS
# fallbacks (reproducible mode, warm starts, small problems) are exactly GLS_PORTFOLIO below.
#
# The first member (the one that runs alone on a busy machine) ruins less and anneals cooler: on the 20 R1/RC1
# Solomon instances at a fixed 1,500 solutions (about 4 s of CPU) its mean gap was 2.13 % against 2.43 % for
# 30 visits in strings of 15 at OR-Tools' automatic temperatures (R1 1.74 vs 1.92 %, RC1 2.72 vs 3.19 %);
# a smaller ruin alone gave 2.34 %, a ruin without the descent after it 2.76 %.
#
# Neither member shuffles its insertion order (random_ties). Random order in the second member, where jobs are
# all alike as in Solomon instances, helped long routes and hurt tight windows (10 s, quiet machine): the 27
# C2, R2, RC2 instances 1.06-1.09 % -> 0.75 % in process (C203/C204's four-route traps at 5 % gone), 1.46 % ->
# 1.11 % in bench/solomon.py; but R1+RC1 1.08-1.27 % -> 1.24, 1.47 and 1.60 % in three runs. The 20 tight-window
# instances are the stricter target and nearer a dispatch day, so the index order stays.
# Random order only where routes are long (a crew could serve 25+ jobs a shift: C2, R2, RC2 give 36-66, the
# tight classes 11-14) did not hold up either: on a faster machine, two runs each, the 27 long-route instances
# came out at 0.88 and 1.04 % with it against 0.82 and 0.73 % in index order (C2 0.69/1.30 against 0.18/0.13).
#
# The second member anneals as cool as the first where routes are short (short_route_temperatures): through
# solver.solve at 10 s, RC1 came out at 1.32, 1.20 and 1.27 % against 1.41, 1.53 and 1.51 % at OR-Tools'
# automatic temperatures, R1 at 0.83 and 0.75 % against 0.79 and 0.69 %: R1+RC1 0.98 against 1.04 %. On the
# long-route classes the cool member was worse in the one run made (C2 0.18, R2 1.22, RC2 1.31 % against 0.13,
# 1.10, 0.89 %), so there it keeps the automatic temperatures.
DEFAULT_PORTFOLIO = (
    iterated_local_search(
        "pci-sisr",
        first_solution="PARALLEL_CHEAPEST_INSERTION",
        removed=15,
        max_string=10,
        sa_temperatures=(0.05, 0.0013),
    ),
    iterated_local_search(
        "lci-sisr",
        first_solution="LOCAL_CHEAPEST_INSERTION",
        removed=35,
        max_string=15,
        gls_lambda=0.2,
        short_route_temperatures=(0.05, 0.0013),
    ),
)

# The guided-local-search members this portfolio replaced (kept for comparison and for callers).
GLS_PORTFOLIO = (
    SearchMember(name="pci-gls", first_solution="PARALLEL_CHEAPEST_INSERTION", gls_lambda=0.1),
    SearchMember(name="lci-gls", first_solution="LOCAL_CHEAPEST_INSERTION", gls_lambda=0.2),
)

# The fallback when every member overran: insertion never fails with optional jobs.
FIRST_SOLUTION_ONLY = SearchMember(name="pci-first", first_solution="PARALLEL_CHEAPEST_INSERTION")

# The packing members: ruin-and-recreate and guided local search, both from parallel cheapest insertion (a
# local-cheapest-insertion start left 8 more P1 unserved on that day).
PACKING_PORTFOLIO = (
    iterated_local_search("pci-sisr-pack", first_solution="PARALLEL_CHEAPEST_INSERTION", removed=30, max_string=15),
    SearchMember(name="pci-gls-pack", first_solution="PARALLEL_CHEAPEST_INSERTION", gls_lambda=0.1),
)
