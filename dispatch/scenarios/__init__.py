"""What-if scenarios: change a copy of a day's world, plan it in isolation, compare the KPIs.

A scenario is a TOML file of changes on top of the live data of a base date. It is applied to a
copy of the :class:`PlanInputs` read from the database (one read-only transaction), planned with
the solver's reproducible mode, and only the result is stored (table ``scenario_run``, one short
write transaction at the end). Live tickets, plans and the exposure ledger are never written.

Scenario file (every table is optional; unknown keys and bad values are errors naming the file,
the key and the problem)::

    name = "storm-surge"                      # required: how the run is listed and found again
    description = "A storm doubles the tickets around Sumber"
    base_date = 2026-11-30                    # the day planned (or "2026-11-30"); --date overrides

    [policy]                                  # any dispatch.toml value, by dotted key ...
    "exposure.max_homes_per_shift" = 6
    [policy.travel]                           # ... or as nested tables
    car_speed_kmh = 25.0

    [crews]
    remove = ["C01", "C07"]                   # or [[crews.remove]] with crew_id = "C01" or skill = "mv"

    [[crews.add]]                             # a full crew row (as crews.csv) with its shift that day
    crew_id = "X01"
    name = "Yantek bantuan UP3 1"
    depot = [-6.7051, 108.5555]               # [lat, lon]; optional end = [lat, lon]
    skills = ["lv", "mv"]
    vehicle = "car"                           # or "motorcycle"
    members = ["X001", "X002", "X003"]
    shift = { start = "07:00", end = "15:00", break_start = "11:30", break_end = "13:30", break_min = 60 }

    [[crews.on_call]]                         # an on-call crew for some hours (no break)
    skills = ["mv"]                           # required, with start and end; members = 2 (a count)
    start = "14:00"
    end = "22:00"
    at_crew = "C06"                           # that crew's depot, or depot = [lat, lon]

    [[crews.lend]]                            # crews work from another ULP's depot
    crews = ["C03", "C04"]
    to_depot = [-6.3258, 108.3225]            # [lat, lon], or to_crew = "C06" (that crew's depot)

    [members]
    quarantine = ["M001", "M002"]             # these workers are unavailable; a crew below
    reason = "household contact"              # exposure.min_crew_members stays home

    [[shifts]]                                # or a single [shifts] table
    crews = ["C01", "C02"]                    # default: every crew with a shift that day
    hours = 10                                # stretch to N hours from the start (or end = "HH:MM")
    start = "07:00"                           # optional new start
    break_start = "11:30"                     # change the break window and minutes ...
    break_end = "13:30"
    break_min = 45
    no_break = false                          # ... or remove the break
    standby = false                           # call standby crews in (or send a crew to standby)

    [[tickets.surge]]                         # extra tickets from the sample generator
    factor = 2.0                              # double the open tickets (or n = 150)
    around = [-6.7596, 108.4812]              # [lat, lon] with radius_km (default 5) ...
    radius_km = 6
    zone = "Kel. Kalijaga (zona merah)"       # ... or inside a named zone (not both)
    seed = 11                                 # default 1; ids are <prefix>-000001 ...
    prefix = "STORM"                          # default SURGE<k>

    [[tickets.add]]                           # a ticket row as in tickets.csv (lat and lon required)
    ticket_id = "X-1"
    reported_at = 2026-11-29T20:15:00+07:00
    category = "line_down"
    lat = -6.72
    lon = 108.55

    [[zones.change]]                          # a zone valid on the base date, by name
    name = "Kel. Kalijaga (zona merah)"
    closed = true                             # and/or risk_weight = 3.0, speed_kmh = 10

Search effort: runs are reproducible, so the work is a solution count, not wall time. A time limit
is turned into ``max(20, time_limit x 5000 / max(tickets, 50))`` solutions (10 s on the 300-ticket
sample: 167 solutions, about 3.5 s of CPU; the search slows steeply past that, see
docs/scenarios.md); ``solution_limit`` sets it directly. Each run searches with one solver
process (``workers=1``), so the numbers do not depend on the machine's cores and a sweep can run
one plan per core."""
