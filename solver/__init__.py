"""Crew routing on OR-Tools: a pure library (problem in, solution out). It never imports ``dispatch``."""

from solver.diagnose import NAMED_CREWS
from solver.fill import fill_solution
from solver.model import MAX_WEIGHT, PRIORITY_CLASSES, Break, Crew, Job, Model, Objective, Problem, Site, TimeWindow
from solver.search import SearchConfig, solve
from solver.solution import (
    Facts,
    Incumbent,
    Reason,
    Route,
    RouteSummary,
    SearchStats,
    Solution,
    Step,
    StepType,
    Unassigned,
)
from solver.travel import EuclideanTravel, GreatCircleTravel, MatrixTravel, TravelMatrices

__all__ = [
    "Break",
    "Crew",
    "EuclideanTravel",
    "Facts",
    "GreatCircleTravel",
    "Incumbent",
    "Job",
    "MatrixTravel",
    "Model",
    "Objective",
    "MAX_WEIGHT",
    "NAMED_CREWS",
    "PRIORITY_CLASSES",
    "Problem",
    "Reason",
    "Route",
    "RouteSummary",
    "SearchConfig",
    "SearchStats",
    "Site",
    "Solution",
    "Step",
    "StepType",
    "TimeWindow",
    "TravelMatrices",
    "fill_solution",
    "Unassigned",
    "solve",
]
