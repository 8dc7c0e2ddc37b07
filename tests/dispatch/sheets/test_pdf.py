"""The crew and index PDFs: rendered to images and read back through their text layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import load_plan, route_ticket_ids, write
from .pdfread import pdf_fonts, pdf_text, render_pages

CREWS = ("C01", "C02", "C03")


def _text(pdf: Path) -> str:
    return pdf_text(pdf)


def _positions_in_order(text: str, needles: list[str]) -> bool:
    at = 0
    for needle in needles:
        found = text.find(needle, at)
        if found < 0:
            return False
        at = found + len(needle)
    return True


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_crew_pdf_renders_to_page_images(written, tmp_path: Path, lang: str) -> None:
    """PDFium renders each crew PDF (map page + stop pages) into non-empty PNG pages."""
    out_dir, _ = written[lang]
    for crew in CREWS:
        pages = render_pages(out_dir / f"{crew}.pdf", tmp_path / f"{lang}-{crew}")
        assert len(pages) >= 2, crew  # header + map, then the stops
        assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 1000 for p in pages)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_text_layer_lists_every_stop_in_route_order(written, lang: str) -> None:
    """Each crew PDF's text holds its ticket ids in the plan's visiting order, and no other crew's."""
    out_dir, _ = written[lang]
    plan = load_plan()
    for crew in CREWS:
        text = _text(out_dir / f"{crew}.pdf")
        ids = route_ticket_ids(plan, crew)
        stops_section = text[text.index("Daftar kunjungan" if lang == "id" else "Stops") :]
        assert _positions_in_order(stops_section, ids), (crew, ids)
        others = {t for c in CREWS if c != crew for t in route_ticket_ids(plan, c)}
        assert not any(t in text for t in others)


def test_indonesian_pdf_content(written) -> None:
    """C01 in Bahasa Indonesia: header facts, local date/time style, break, PPE level and instruction, tallies."""
    text = _text(written["id"][0] / "C01.pdf")
    for expected in (
        "Lembar Rute Regu C01",
        "Senin, 30 November 2026",
        "Andi Saputra, Budi Santoso",
        "Mobil",
        "08.00-16.00",
        "Istirahat: 11.00-11.30",
        "DI DALAM RUMAH",
        "DI LUAR RUMAH",
        "APD TINGKAT 3",
        "APD tingkat 3: APD lengkap",
        "Ibu Siti Aminah",
        "Jl. Kesambi No. 12, Cirebon",
        "Rumah dimasuki 2 / 8 - paparan 87 mnt / 180 mnt",
        "rencana tiba 10.12",
        "Janji dengan pelanggan: 10.30-12.00",
    ):
        assert expected in text, expected
    assert "covid" not in text.lower() and "isolasi" not in text.lower()
    assert "0812-2233-4455" not in text  # phones are on the phone page only (policy sheets.phone_on_paper)


def test_english_pdf_content(written) -> None:
    """C02 in English: motorcycle crew, PPE level 2 instruction, critical facility note, 24-hour colon time."""
    text = _text(written["en"][0] / "C02.pdf")
    for expected in (
        "Route Sheet Crew C02",
        "Monday 30 November 2026",
        "Motorcycle",
        "08:00-16:00",
        "Break: none",
        "PPE level 2: N95 mask",
        "PPE LEVEL 2",
        "CRITICAL FACILITY",
        "Homes entered 1 / 6 - exposure 48 min / 150 min",
    ):
        assert expected in text, expected


def test_ppe_from_skill_without_household_risk(written) -> None:
    """A ticket needing skill "ppe" gets PPE level 1 even though the household has no risk."""
    text = _text(written["en"][0] / "C03.pdf")
    block = text[text.index("T0007") : text.index("T0008")]
    assert "PPE LEVEL 1" in block and "PPE level 1: mask and gloves" in block
    assert "Household" not in block


@pytest.mark.parametrize("lang", ["id", "en"])
def test_index_pdf_summarises_crews_and_unassigned(written, lang: str) -> None:
    """The dispatcher's index lists every crew's one-line summary and the unassigned ticket with its reason."""
    text = _text(written[lang][0] / "index.pdf")
    for crew in CREWS:
        assert crew in text
    reason = "Batas paparan regu tercapai" if lang == "id" else "Crew exposure cap reached"
    assert "T0009" in text and reason in text
    summary = "4 kunjungan - rumah 2 / 8" if lang == "id" else "4 stops - homes 2 / 8"
    assert summary in text


def test_non_latin1_text_embeds_a_unicode_font(sheet_inputs, tmp_path: Path) -> None:
    """A name outside Latin-1 is printed as written (embedded DejaVu), not replaced by '?'."""
    from dataclasses import replace

    tickets = dict(sheet_inputs["tickets"])
    tickets["T0001"] = replace(tickets["T0001"], customer_name="Łukasz Nguyễn")
    write({**sheet_inputs, "tickets": tickets}, out_dir=tmp_path, crew_id="C01")
    text = _text(tmp_path / "C01.pdf")
    assert "Łukasz Nguyễn" in text
    assert any("DejaVu" in font for font in pdf_fonts(tmp_path / "C01.pdf"))
