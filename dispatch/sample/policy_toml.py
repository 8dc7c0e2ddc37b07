"""The sample region's commented policy file."""

from __future__ import annotations

POLICY_TOML = """\
# Dispatch policy for the sample region (UP3 Cirebon). Every key is optional: a missing key keeps
# the default in dispatch/policy.py, an unknown key is an error. Load with Policy.load("dispatch.toml").

[region]
name = "UP3 Cirebon (sample)"
timezone = "Asia/Jakarta"
# How many minutes ahead of this computer's clock a reported time may be (a phone's clock running
# fast): a ticket report, a visit or a crew position later than that is refused as in the future.
max_clock_skew_min = 10.0
# [min_lat, min_lon, max_lat, max_lon]: tickets, depots and crew positions outside are refused
# (a mistyped or swapped coordinate); [] turns the check off.
bbox = [-7.08, 107.86, -6.24, 108.86]

[exposure]
# Per-shift caps for each crew member: homes entered, and weighted minutes spent inside homes.
max_homes_per_shift = 8
max_exposure_min_per_shift = 180.0
# Minutes inside a suspected / isolating household count this many times.
suspected_multiplier = 2.0
isolating_multiplier = 4.0
# After entering an isolating household a crew enters no further homes that shift.
isolating_ends_home_entries = true
# Rolling caps per worker over the last rolling_days days.
max_exposure_min_7d = 900.0
max_homes_7d = 40
rolling_days = 7
# A crew below this many available members does not go out.
min_crew_members = 2
cohort_cooling_off_days = 14
# Overrun margin: plans count each home entry's in-home minutes times this quantile (0..1) of the
# ledger's actual / planned in-home minutes for its category, learned from at least
# overrun_min_visits actual visits of the category (0 = no margin).
overrun_quantile = 0.9
overrun_min_visits = 20

[travel]
# Road distance = straight line x circuity; speeds outside congested zones (zones.geojson sets its own).
circuity = 1.35
car_speed_kmh = 30.0
motorcycle_speed_kmh = 36.0

[response]
# A ticket of these priorities still within its response target when a plan or re-plan starts is an
# emergency: it outranks every other ticket (older ones already past their target included), goes to
# the crew that reaches it first, and keeps that rank once dispatched.
emergency_priorities = [1]
# An emergency's waiting counts like an outage of this many customers.
emergency_customers = 100
# A re-plan may extend a crew's shift by up to this many minutes, by itself, so it reaches an
# emergency no shift could otherwise take today (0: never; replan --no-overtime refuses it, an
# explicit --end-shift wins). Caps never relax.
emergency_overtime_min = 60
# Per worker: the most overtime minutes in a day, and in a week (Monday to Sunday).
overtime_max_min_per_day = 120
overtime_max_min_per_week = 600

[response.target_hours]
# Report-to-arrival targets per priority class.
1 = 3.0
2 = 8.0
3 = 24.0
4 = 72.0

[category]
# Share of an indoor visit's service time spent inside the home.
indoor_share = 0.6

# Defaults by category, used where a ticket row leaves the field empty.
[category.priority]
line_down = 1
pole = 1
no_power = 2
tree = 2
voltage = 2
partial_power = 3
meter = 4
other = 4

[category.service_min]
line_down = 60
pole = 90
no_power = 45
tree = 60
voltage = 40
partial_power = 40
meter = 25
other = 30

[category.indoor]
line_down = false
pole = false
no_power = true
tree = false
voltage = true
partial_power = true
meter = true
other = true

[category.skills]
line_down = ["mv"]
pole = ["mv"]

[solver]
time_limit_s = 30.0
travel_time_weight = 1
# Cost per customer-second waited: big, urgent outages are reached early.
wait_weight = 1
# How many priority n+1 tickets one priority n ticket outweighs.
priority_ratio = 1000
# Larger plans are split by depot.
max_tickets_per_solve = 1500

[storm]
# Storm mode: with enabled = true the standby crews of shifts.csv are called in (call_standby).
enabled = false
call_standby = true

[intraday]
# A stop planned to start before a re-plan's --at that no crew reported: "keep" (crews on paper or
# reporting late: it stays with its crew, frozen as unconfirmed, and counts against today's exposure;
# at night its ticket goes back to open with reason "unconfirmed") or "not_done" (crews always report:
# the stop is planned again).
unreported = "keep"
[outage]
# Wide outages: open no_power / partial_power tickets grouped by the network (dispatch import assets).
# A transformer is out with at least min_reports reporting customers or min_share of its customers,
# counted within window_min minutes;
# A feeder section whose transformers go dark together (3/4 of its customers, under min_children
# of its children) within window_min is the outage instead.
# Each outage is one outdoor job at the asset; its tickets are not visited at home.
enabled = true
min_reports = 3
min_share = 0.3
# ... counting reports within this many minutes of each other (customers call within minutes of a trip).
window_min = 60
# In a storm, two customers of a transformer reporting within pair_min minutes of each other put it out,
# while at least storm_min_out transformers (anywhere) are out by the counts above within window_min of
# the pair (0: off). On a quiet day two neighbours may share a fault of their own.
pair_min = 15
storm_min_out = 10
# A report with a missing, unknown or far-off transformer_id joins the nearest transformer within this
# many metres (0: trust transformer_id alone).
link_max_m = 300.0
min_children = 2
# The asset job's priority: the more urgent of this and its most urgent report's.
priority = 1
# An asset job behind at least this many customers (a feeder section's outage) is an emergency: it
# outranks every ticket, line-down and pole work included (0: never).
emergency_min_customers = 0
# An asset job counts as one job of its priority per this many customers behind it (at least one) when
# not every job of the class fits: a feeder section's outage of 1,500 customers weighs like 15 line-down
# or pole jobs reported hours ago. Emergencies stay ahead (0: every asset job counts as one).
customers_per_job = 100
skills = { transformer = ["mv"], feeder_section = ["mv"] }
service_min = { transformer = 60, feeder_section = 90 }
# A customer still without power after the asset job is done gets a home visit again.
reopen_still_dark = true

[skills]
# Every skill a crew may have or a ticket may need; an import naming any other is refused (a typo
# such as "mvv" would leave tickets unassigned). category.skills must use these.
known = ["lv", "mv", "ppe"]

[sheets]
# Route sheets are read at the door, by neighbours too. Customers' phone numbers are shown on the
# phone page only (tap to call), not on paper, the CSV or the GeoJSON, unless this is true.
phone_on_paper = false

[sheets.ppe]
# Sheets print a protection level (0 none, 1 basic, 2 enhanced, 3 full PPE), never the household's
# risk: the highest of the household's level, the zone's and the skill's.
household = { none = 0, suspected = 2, isolating = 3 }
# A stop inside a zone with a risk weight of at least zone_weight needs at least zone_level.
zone_weight = 1.5
zone_level = 1
# A ticket needing the skill "ppe" needs at least this level.
skill_level = 1
"""
