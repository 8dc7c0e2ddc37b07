"""Reading the PDFs back with pip-installed readers (no Debian poppler-utils): pypdf for the text layer
and the fonts, pypdfium2 (PDFium, the engine of Chromium's viewer) to render pages."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pypdfium2 as pdfium


def pdf_text(path: Path) -> str:
    """The text layer of every page, in reading order, pages separated by form feeds."""
    return "\f".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def pdf_fonts(path: Path) -> set[str]:
    """The base names of the fonts the pages use (subset prefixes such as ``ABCDEF+`` removed)."""
    names = set()
    for page in pypdf.PdfReader(path).pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {}).get_object()
        for font in fonts.values():
            name = str(font.get_object().get("/BaseFont", ""))
            names.add(name.lstrip("/").split("+", 1)[-1])
    return names


def render_pages(path: Path, out_prefix: Path, *, dpi: int = 40) -> list[Path]:
    """Each page as a PNG ``<out_prefix>-<n>.png`` at ``dpi``; returns the files in page order."""
    document = pdfium.PdfDocument(path)
    written = []
    try:
        for n in range(len(document)):
            image = document[n].render(scale=dpi / 72).to_pil()
            target = out_prefix.with_name(f"{out_prefix.name}-{n + 1}.png")
            image.save(target)
            written.append(target)
    finally:
        document.close()
    return written
