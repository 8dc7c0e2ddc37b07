"""Intraday dispatch: re-plan the running day around what has happened, keeping routes stable.

A re-plan takes the day's published plan, the visits recorded so far (done or under way) and the
crews' positions, and plans the rest of the day:

- visits done or under way are *frozen*: they stay in the revision as they happened, on their crew;
- each crew starts from where it is at the re-plan time, within what is left of its shift (and its
  break if it has not taken it yet); a shift end the dispatcher moved (crew sent home sick, or
  overtime) holds, in later re-plans too;
- exposure already incurred today counts against today's caps;
- tickets opened since the plan and those left unassigned join the remaining ones;
- the search warm-starts from the current routes and pays ``move_cost_s`` for giving a stop to
  another crew and ``reorder_cost_s`` for each stop reached from a different stop than promised,
  so routes only change where it pays off;
- in storm mode P1/P2 response targets become deadlines wherever some crew can still meet them.

The pure part (:func:`make_replan`) touches no database; :func:`load_replan_inputs` and
:func:`save_replan` are the database edges, as in :mod:`dispatch.planning`."""
