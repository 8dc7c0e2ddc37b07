"""Turn the search's raw routes (orders, service starts, break starts) into steps and summaries."""

from __future__ import annotations

from solver.engine import RawRoute
from solver.model import Crew, Problem, Site
from solver.solution import Route, RouteSummary, Step, StepType


# long function: one pass over the route's visits and breaks in time order, each step's times computed
# from the one before it.
def assemble_route(problem: Problem, raw: RawRoute) -> Route:
    crew = problem.crews[raw.crew]
    breaks = sorted(((crew.breaks[k], start) for k, start in raw.breaks), key=lambda b: b[1])
    steps: list[Step] = [
        Step(
            type=StepType.START,
            arrival=raw.start_time,
            start=raw.start_time,
            end=raw.start_time,
            site_index=crew.start.index,
        )
    ]
    homes = exposure = load = 0
    distance = travel = service = waiting = customer_seconds = 0
    prev_site, prev_end = crew.start, raw.start_time
    pending = list(breaks)

    def leg(to: Site, service_start: int) -> tuple[int, int, int]:
        """Insert the breaks taken before ``service_start``; return (arrival, travel s, travel m)."""
        nonlocal pending
        t = problem.duration(crew, prev_site, to)
        arrival = prev_end + t
        keep = []
        for brk, b_start in pending:
            if b_start < service_start:
                if b_start < arrival:  # the break interrupts the drive
                    arrival += brk.duration
                steps.append(
                    Step(
                        type=StepType.BREAK,
                        arrival=b_start,
                        start=b_start,
                        end=b_start + brk.duration,
                        break_id=brk.id,
                        site_index=-1,
                        homes_entered=homes,
                        exposure=exposure,
                        load=load,
                    )
                )
            else:
                keep.append((brk, b_start))
        pending = keep
        return min(arrival, service_start), t, problem.distance(prev_site, to, crew)

    for j, start in raw.visits:
        job = problem.jobs[j]
        arrival, t, d = leg(job.site, start)
        homes += int(job.enters_home)
        exposure += job.exposure
        load += job.demand
        distance += d
        travel += t
        service += job.service
        waiting += start - arrival
        customer_seconds += job.customers * max(0, start - problem.wait_origin)
        steps.append(
            Step(
                type=StepType.VISIT,
                arrival=arrival,
                start=start,
                end=start + job.service,
                job_id=job.id,
                site_index=job.site.index,
                travel_distance=d,
                travel_time=t,
                homes_entered=homes,
                exposure=exposure,
                load=load,
            )
        )
        prev_site, prev_end = job.site, start + job.service

    end_time = max(raw.end_time, prev_end)
    arrival, t, d = leg(crew.end, end_time)
    end_time = max(end_time, arrival, *(s.end for s in steps if s.type is StepType.BREAK))
    distance += d
    travel += t
    steps.append(
        Step(
            type=StepType.END,
            arrival=arrival,
            start=end_time,
            end=end_time,
            site_index=crew.end.index,
            travel_distance=d,
            travel_time=t,
            homes_entered=homes,
            exposure=exposure,
            load=load,
        )
    )
    return Route(
        crew_id=crew.id,
        steps=tuple(steps),
        summary=RouteSummary(
            visits=len(raw.visits),
            homes_entered=homes,
            exposure=exposure,
            distance=distance,
            travel_time=travel,
            service_time=service,
            waiting_time=waiting,
            break_time=sum(b.duration for b, _ in breaks),
            duration=arrival - raw.start_time,
            customer_seconds=customer_seconds,
        ),
    )


def empty_route(problem: Problem, crew_pos: int) -> RawRoute:
    """A crew with no visits: it leaves at the start of its shift for its end and takes no break."""
    crew: Crew = problem.crews[crew_pos]
    back = problem.duration(crew, crew.start, crew.end)
    return RawRoute(crew_pos, crew.shift.start, crew.shift.start + back, (), ())
