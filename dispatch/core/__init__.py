"""What things are: domain values, the policy, zones and the one exposure rule, the typed plan.

No database, no command line: every other package builds on this one."""
