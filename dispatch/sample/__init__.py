"""The synthetic sample region generator (towns, crews, shifts, tickets, zones, policy)."""
