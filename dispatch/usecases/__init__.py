"""Use cases shared by the command line and the benches: lock, load, solve, save, publish, write sheets."""
