"""CSV cells a spreadsheet cannot run: every CSV the product writes goes through :class:`SafeWriter`.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a line break is a formula to Excel and
LibreOffice (``=HYPERLINK(...)``, ``=cmd|...``): a supervisor opening a crew's CSV would run what a
customer typed as their address. Such a cell is written with a leading apostrophe, the spreadsheets'
own "this is text" mark, which they show without it. Plain numbers (``-6.7``, ``+62812...``) are left
alone: a spreadsheet reads them as numbers, which is harmless.

The escape is undone exactly by :func:`unescape_cell` (the importers apply it), so a ``--rejects`` file
fed back after fixing imports the very values it was written from: a cell that already starts with
apostrophes before a trigger character gets one more, and loses exactly one on reading.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def _is_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` (with any leading apostrophes dropped) as a formula."""
    rest = text.lstrip("'")
    return rest.startswith(TRIGGERS) and not _NUMBER.fullmatch(rest)


def escape_cell(value: Any) -> Any:
    """``value`` as safe to write into a CSV cell; only text can need an escape."""
    if isinstance(value, str) and _is_formula(value):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The value :func:`escape_cell` was given (a cell the product never escaped is returned unchanged)."""
    if text.startswith("'") and _is_formula(text):
        return text[1:]
    return text


class SafeWriter:
    """``csv.writer`` whose every cell goes through :func:`escape_cell`."""

    def __init__(self, fh: IO[str], **options: Any) -> None:
        self._writer = csv.writer(fh, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([escape_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """``csv.DictWriter`` whose every cell, the header included, goes through :func:`escape_cell`."""

    def __init__(self, fh: IO[str], fieldnames: Sequence[str], **options: Any) -> None:
        super().__init__(fh, fieldnames=fieldnames, **options)

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: escape_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
