"""Typer sub-apps, one module per command group; ``cli.py`` registers them."""
