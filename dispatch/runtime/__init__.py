"""How independent work runs: fanned out to processes on this machine (the seam a cluster engine replaces)."""
