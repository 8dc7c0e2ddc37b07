"""Identifiers that are safe everywhere they go: file names, URLs, HTML attributes, CSV cells, shells.

Crew, member, ticket and (later) asset ids, and skills, are restricted to ASCII letters, digits,
``.``, ``_`` and ``-``, starting with a letter or digit (never ``..``, a hidden file or an option),
at most 64 characters; a crew id also may not be a name a file system reserves (``index``, ``CON``).
"""

from __future__ import annotations

import re

MAX_ID_LENGTH = 64

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

# Names a crew's sheet files cannot take: the dispatcher's index, and Windows device names.
RESERVED_FILE_STEMS = frozenset(
    {"index", "con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)


def id_problem(value: str) -> str | None:
    """What makes ``value`` unsafe as an id, or None when it is safe."""
    if not value:
        return "required, but empty"
    if len(value) > MAX_ID_LENGTH:
        return f"longer than {MAX_ID_LENGTH} characters ({len(value)})"
    if not _SAFE.fullmatch(value) or ".." in value:
        bad = sorted({c for c in value if not (c.isascii() and (c.isalnum() or c in "._-"))})
        what = f" (not allowed: {' '.join(repr(c) for c in bad)})" if bad else ""
        return (
            f"{value!r} is not a safe id{what}: use letters A-Z, digits, '.', '_' and '-', "
            "starting with a letter or digit"
        )
    return None


def file_stem_problem(value: str) -> str | None:
    """What makes ``value`` unusable as a file name stem (a crew's sheets), or None."""
    problem = id_problem(value)
    if problem:
        return problem
    if value.split(".")[0].lower() in RESERVED_FILE_STEMS:
        return f"{value!r} is a reserved file name; choose another id"
    return None
