"""The README's two commands (pip install -e '.[dev]', pytest) are the whole set-up of the test suite."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Debian programs a bare machine lacks; tests read PDFs with pypdf/pypdfium2 instead. (Chromium is the
# one outside program the suite uses, and its tests skip with a reason where it is missing.)
DEBIAN_ONLY = ("pdftoppm", "pdftotext", "pdffonts", "pdfinfo", "pdftocairo", "mutool", "gs", "convert")


def test_no_test_runs_a_program_pip_does_not_install() -> None:
    """No test file runs poppler-utils, MuPDF, Ghostscript or ImageMagick (they broke `pytest` on a bare machine)."""
    names = "|".join(DEBIAN_ONLY)
    pattern = re.compile(rf"""["'](?:/usr/bin/)?({names})["']""")
    found = [
        f"{path.relative_to(ROOT)}:{n}: {match[1]}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if (match := pattern.search(line))
    ]
    assert found == []
