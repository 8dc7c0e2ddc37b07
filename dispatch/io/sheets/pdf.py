"""Printable route sheets (A4, large type so a photo or PDF on a phone stays readable).

Fonts: a sheet whose text fits Latin-1 (nearly all Indonesian text) is set in the PDF core
font Helvetica, which costs nothing to embed. If any name, address or label needs more, the
whole document is set again in DejaVu Sans, which ships inside matplotlib (offline) and
covers Latin, Greek and Cyrillic; embedding it costs ~0.2 s a document, so it is only paid
when needed. Either way nothing is lost or replaced by "?".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from dispatch.core.domain import Zone
from dispatch.io.sheets import mapdraw, qr
from dispatch.io.sheets.content import Break, PlanSheets, RouteSheet, SheetError, Stop
from dispatch.io.sheets.i18n import Labels
from dispatch.io.sheets.text import (
    legend_items,
    ppe_badge,
    ppe_note,
    progress_mark,
    service_notes,
    shift_text,
    summary_line,
    tally_line,
)

CORE_FONT = "helvetica"
UNICODE_FONT = "DejaVu"
_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
MARGIN = 14.0
QR_STOP_MM = 34.0
QR_ROUTE_MM = 58.0
MAP_W, MAP_H = 182.0, 120.0
BODY_PT = 13.0
RED = (176, 0, 32)
WHITE = (255, 255, 255)
DONE_GREEN = (30, 120, 40)

# Typographic punctuation that has a plain equivalent; anything else outside Latin-1
# switches the document to the embedded font instead.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)


class _NeedsUnicode(Exception):
    """Raised while drawing with the core font when a text needs the embedded font."""


class _SheetPDF(FPDF):
    def __init__(self, *, footer_text: str, labels: Labels, unicode: bool) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.labels = labels
        self.unicode = unicode
        self.family = UNICODE_FONT if unicode else CORE_FONT
        if unicode:
            for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf")):
                path = _FONT_DIR / name
                if not path.exists():
                    raise SheetError(f"PDF font not found: {path} (it ships with matplotlib; reinstall matplotlib)")
                self.add_font(UNICODE_FONT, style, str(path))

    def clean(self, text: str) -> str:
        if self.unicode:
            return text
        text = text.translate(_PLAIN)
        try:
            text.encode("latin-1")
        except UnicodeEncodeError:
            raise _NeedsUnicode(text) from None
        return text

    def normalize_text(self, text: str) -> str:
        return super().normalize_text(self.clean(text))

    def font(self, size: float, *, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-11)
        self.font(9)
        self.set_text_color(90, 90, 90)
        page = self.labels("label.page", page=self.page_no(), pages="{nb}")
        self.cell(0, 5, f"{self.footer_text}   {page}", align="C")


def _render(
    path: Path, *, title: str, footer: str, labels: Labels, plan: PlanSheets, body: Callable[..., None]
) -> Path:
    """Lay out the document with the core font, or with the embedded one if the text needs it."""
    for unicode in (False, True):
        pdf = _SheetPDF(footer_text=footer, labels=labels, unicode=unicode)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=16)
        pdf.set_creator("crew-dispatch")
        pdf.set_lang(labels.lang)
        if plan.created_at is not None:
            pdf.set_creation_date(plan.created_at)  # same plan, same file
        try:
            pdf.set_title(pdf.clean(title))
            pdf.add_page()
            body(pdf)
        except _NeedsUnicode:
            continue
        pdf.output(str(path))
        return path
    raise AssertionError("unreachable: the embedded font accepts any text")


@dataclass(frozen=True)
class _Para:
    text: str
    size: float = BODY_PT
    bold: bool = False
    colour: tuple[int, int, int] = (0, 0, 0)
    fill: tuple[int, int, int] | None = None
    warning: bool = False  # starts with a warning triangle


def _line_height(size: float) -> float:
    return size * 0.46


def _wrap(pdf: _SheetPDF, para: _Para, width: float) -> list[str]:
    """Greedy word wrap with the font's own advance widths.

    fpdf2's multi_cell measures character by character through its fragment machinery;
    for a few hundred stops that alone took seconds, so lines are measured and set here.
    """
    pdf.font(para.size, bold=para.bold)
    cw = pdf.current_font.cw
    unit = para.size * 0.001 / pdf.k
    ttf = pdf.is_ttf_font

    def measure(text: str) -> float:
        return (sum(cw[ord(c)] for c in text) if ttf else sum(cw[c] for c in text)) * unit

    space = measure(" ")
    lines: list[str] = []
    for raw in pdf.clean(para.text).split("\n"):
        line, line_w = "", 0.0
        for word in raw.split(" "):
            w = measure(word)
            if line and line_w + space + w <= width:
                line, line_w = f"{line} {word}", line_w + space + w
                continue
            if line:
                lines.append(line)
            while w > width and len(word) > 1:  # a word longer than the line (a long id): cut it
                cut = len(word) - 1
                while cut > 1 and measure(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
                w = measure(word)
            line, line_w = word, w
        lines.append(line)
    return lines


def _pad(para: _Para) -> float:
    return 1.2 if para.fill is not None else 0.0


def _indent(para: _Para) -> float:
    return _line_height(para.size) * 1.1 if para.warning else 0.0


def _para_height(pdf: _SheetPDF, para: _Para, width: float) -> float:
    pad = _pad(para)
    lines = _wrap(pdf, para, width - 2 * pad - _indent(para))
    return len(lines) * _line_height(para.size) + 2 * pad + 0.8


def _write_paras(pdf: _SheetPDF, paras: list[_Para], *, x: float, width: float) -> None:
    for para in paras:
        pad, indent = _pad(para), _indent(para)
        lines = _wrap(pdf, para, width - 2 * pad - indent)
        lh = _line_height(para.size)
        if para.fill is not None:
            _ensure_room(pdf, min(len(lines) * lh + 2 * pad, 60))
            pdf.set_fill_color(*para.fill)
            pdf.rect(x, pdf.get_y(), width, len(lines) * lh + 2 * pad, style="F")
        y = pdf.get_y() + pad
        if para.warning:
            _warning_sign(pdf, x=x + pad, y=y, size=lh * 0.9, colour=para.colour)
        pdf.set_text_color(*para.colour)
        for line in lines:
            if y + lh > pdf.page_break_trigger:  # only a pathologically long block gets here
                pdf.add_page()
                pdf.font(para.size, bold=para.bold)
                pdf.set_text_color(*para.colour)
                y = pdf.get_y()
            pdf.text(x + pad + indent, y + lh * 0.78, line)
            y += lh
        pdf.set_y(y + pad + 0.8)
    pdf.set_text_color(0, 0, 0)


def _warning_sign(pdf: _SheetPDF, *, x: float, y: float, size: float, colour: tuple[int, int, int]) -> None:
    """A drawn warning triangle, so it prints the same with either font."""
    pdf.set_fill_color(*colour)
    pdf.polygon([(x + size / 2, y), (x + size, y + size), (x, y + size)], style="F")
    pdf.set_draw_color(*RED)
    pdf.set_line_width(size * 0.11)
    pdf.line(x + size / 2, y + size * 0.35, x + size / 2, y + size * 0.7)
    pdf.line(x + size / 2, y + size * 0.8, x + size / 2, y + size * 0.87)


def _ensure_room(pdf: FPDF, height: float) -> None:
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _draft_para(plan: PlanSheets, labels: Labels) -> list[_Para]:
    if plan.published:
        return []
    return [_Para(labels("label.draft_warning", status=plan.status), bold=True, colour=WHITE, fill=RED, warning=True)]


def _header_paras(plan: PlanSheets, route: RouteSheet, labels: Labels) -> list[_Para]:
    breaks = ", ".join(labels.span(b.start, b.end, day=plan.day) for b in route.breaks) or labels("label.no_break")
    return [
        _Para(labels("title.crew", crew_id=route.crew_id), size=22, bold=True),
        _Para(route.crew.name, size=15, bold=True),
        *_draft_para(plan, labels),
        _Para(f"{labels('label.date')}: {labels.date(plan.day)}", bold=True),
        _Para(f"{labels('label.plan')}: {plan.plan_id} ({labels('label.revision')} {plan.revision})", size=10),
        _Para(f"{labels('label.members')}: {', '.join(route.members) or '-'}"),
        _Para(f"{labels('label.vehicle')}: {labels.vehicle(route.vehicle)}"),
        _Para(f"{labels('label.shift')}: {shift_text(route, labels, day=plan.day)}", bold=route.overtime_min > 0),
        _Para(f"{labels('label.break')}: {breaks}"),
        _Para(f"{labels('label.summary')}: {summary_line(route, labels)}", size=12, bold=True),
        *(
            [_Para(labels("label.outdoor_only"), bold=True, colour=WHITE, fill=RED, warning=True)]
            if route.outdoor_only
            else []
        ),
    ]


def _draw_legend(pdf: _SheetPDF, items: list[tuple[str, str, str]]) -> None:
    """Legend under a map: swatch + label, wrapped across the line."""
    pdf.font(9)
    x, y = MARGIN, pdf.get_y() + 1.5
    for kind, colour, text in items:
        w = 6 + pdf.get_string_width(text) + 5
        if x + w > pdf.w - MARGIN:
            x, y = MARGIN, y + 5.5
        r, g, b = mapdraw.rgb(colour)
        pdf.set_draw_color(r, g, b)
        pdf.set_fill_color(r, g, b)
        pdf.set_line_width(0.6)
        if kind == "line":
            pdf.line(x, y + 2, x + 4.5, y + 2)
        elif kind == "stop":
            pdf.set_fill_color(*WHITE)
            pdf.circle(x + 2.2, y + 2, 1.8, style="DF")
        elif kind == "hatch":
            pdf.set_fill_color(200, 200, 200)
            pdf.rect(x, y, 4.5, 4, style="F")
            pdf.set_draw_color(*mapdraw.rgb(mapdraw.HATCH_COLOUR))
            pdf.line(x, y + 4, x + 4, y)
        elif kind == "cross":
            pdf.line(x + 0.5, y + 0.5, x + 4, y + 3.5)
            pdf.line(x + 0.5, y + 3.5, x + 4, y + 0.5)
        else:
            with pdf.local_context(fill_opacity=0.45 if kind == "area" else 1.0):
                pdf.rect(x, y, 4.5, 4, style="F")
        pdf.set_text_color(0, 0, 0)
        pdf.text(x + 6, y + 3.4, text)
        x += w
    pdf.set_y(y + 7)


def _stop_paras(plan: PlanSheets, route: RouteSheet, stop: Stop, labels: Labels) -> list[_Para]:
    t = stop.ticket
    window = labels.span(stop.window_from, stop.window_to, day=plan.day)
    paras = [
        _Para(f"{stop.seq}.  {t.ticket_id}   {window}", size=17, bold=True),
        _Para(
            f"{labels('label.arrival_window')}: {window} - "
            f"{labels('label.planned_arrival', time=labels.time(stop.arrival, day=plan.day))}",
            size=11,
        ),
        _Para(
            f"{labels.category(t.category.value)} - {labels('label.priority', priority=t.priority)} - "
            + (labels("label.indoor") if stop.indoor else labels("label.outdoor"))
            + (f" - {ppe_badge(stop, labels)}" if stop.ppe_required else ""),
            bold=True,
        ),
    ]
    mark = progress_mark(stop, labels)
    if mark:  # a revision's stop already done (or under way): the crew does not go there again
        paras.insert(1, _Para(mark, bold=True, colour=WHITE, fill=DONE_GREEN if stop.done else (90, 90, 90)))
    note = ppe_note(stop, labels)
    if note:
        paras.append(_Para(note, bold=True, colour=WHITE, fill=RED, warning=True))
    paras.append(_Para(f"{labels('label.address')}: {t.address or '-'}"))
    customer = t.customer_name or "-"
    if t.phone and plan.phone_on_paper:  # paper is read at the door: phones on the phone page only
        customer += f" - {labels('label.phone')} {t.phone}"
    paras.append(_Para(f"{labels('label.customer')}: {customer}"))
    paras.append(_Para(f"{labels('label.work')}: {labels.span(stop.start, stop.end, day=plan.day)}", size=11))
    notes = service_notes(stop, labels, day=plan.day)
    if notes:
        paras.append(_Para(f"{labels('label.notes')}: " + "; ".join(notes), size=11))
    paras.append(_Para(tally_line(stop, route, labels), size=11, bold=True, fill=(235, 235, 235)))
    return paras


def _write_stop(pdf: _SheetPDF, plan: PlanSheets, route: RouteSheet, stop: Stop, labels: Labels) -> None:
    text_w = pdf.epw - QR_STOP_MM - 14
    paras = _stop_paras(plan, route, stop, labels)
    height = max(sum(_para_height(pdf, p, text_w) for p in paras), QR_STOP_MM + 6) + 4
    _ensure_room(pdf, height)
    top = pdf.get_y()
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, top, pdf.w - MARGIN, top)
    pdf.set_y(top + 2)
    start_page = pdf.page
    _write_paras(pdf, paras, x=MARGIN, width=text_w)
    end = pdf.get_y()
    if pdf.page != start_page:  # a block taller than a page: put the QR after its text
        _ensure_room(pdf, QR_STOP_MM + 10)
        top = end = pdf.get_y()
    qx = pdf.w - MARGIN - QR_STOP_MM
    qr.draw_pdf(pdf, qr.stop_qr(stop), x=qx, y=top + 2, size=QR_STOP_MM)
    pdf.font(8)
    caption = labels("label.stop_qr")
    pdf.text(qx + (QR_STOP_MM - pdf.get_string_width(caption)) / 2, top + QR_STOP_MM + 5, caption)
    # A box to tick with a pen.
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.5)
    pdf.rect(qx - 10, top + 3, 7, 7)
    pdf.set_y(max(end, top + QR_STOP_MM + 7) + 1)


def _write_break(pdf: _SheetPDF, plan: PlanSheets, item: Break, labels: Labels) -> None:
    para = _Para(
        f"{labels('label.break')}: {labels.span(item.start, item.end, day=plan.day)}",
        size=14,
        bold=True,
        fill=(220, 235, 250),
    )
    _ensure_room(pdf, _para_height(pdf, para, pdf.epw) + 2)
    _write_paras(pdf, [para], x=MARGIN, width=pdf.epw)


def _route_codes(pdf: _SheetPDF, codes: list[segno.QRCode], labels: Labels, *, x: float, y: float) -> None:
    for i, code in enumerate(codes):
        qr.draw_pdf(pdf, code, x=x, y=y, size=QR_ROUTE_MM)
        if len(codes) > 1:
            pdf.font(9)
            pdf.text(x, y + QR_ROUTE_MM + 4, labels("label.route_qr_part", part=i + 1, parts=len(codes)))
        x += QR_ROUTE_MM + 6
        if x + QR_ROUTE_MM > pdf.w - MARGIN and i + 1 < len(codes):
            x, y = MARGIN, y + QR_ROUTE_MM + 8
            if y + QR_ROUTE_MM > pdf.page_break_trigger:
                pdf.add_page()
                y = pdf.get_y()
    pdf.set_y(y + QR_ROUTE_MM + 7)


def write_crew_pdf(path: Path, *, plan: PlanSheets, route: RouteSheet, zones: list[Zone], labels: Labels) -> Path:
    title = labels("title.crew", crew_id=route.crew_id)
    codes = (
        qr.route_qrs(plan_id=plan.plan_id, crew_id=route.crew_id, day=plan.day, stops=route.stops)
        if route.stops
        else []
    )
    scene = mapdraw.build_scene(
        routes=[
            mapdraw.RouteLayer(
                colour=mapdraw.CREW_COLOURS[0],
                path=route.path or [route.depot],
                stops=[(s.lat, s.lon) for s in route.stops],
                depot=route.depot,
            )
        ],
        zones=zones,
        width=MAP_W,
        height=MAP_H,
        north=labels("label.north"),
    )

    def body(pdf: _SheetPDF) -> None:
        # One whole-route code sits beside the header; several go below the map.
        beside = len(codes) == 1
        top = pdf.get_y()
        header_w = pdf.epw - (QR_ROUTE_MM + 6 if beside else 0)
        _write_paras(pdf, _header_paras(plan, route, labels), x=MARGIN, width=header_w)
        if beside:
            qx = pdf.w - MARGIN - QR_ROUTE_MM
            qr.draw_pdf(pdf, codes[0], x=qx, y=top, size=QR_ROUTE_MM)
            pdf.font(8)
            caption = _wrap(pdf, _Para(labels("label.route_qr"), size=8), QR_ROUTE_MM)
            for i, line in enumerate(caption):
                pdf.text(qx, top + QR_ROUTE_MM + 3.5 + i * 3.6, line)
            pdf.set_y(max(pdf.get_y(), top + QR_ROUTE_MM + 3.5 + len(caption) * 3.6))
        _ensure_room(pdf, MAP_H + 20)
        pdf.font(14, bold=True)
        pdf.cell(0, 7, labels("label.map"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        used = mapdraw.draw_pdf(pdf, scene, x=MARGIN, y=pdf.get_y(), width=pdf.epw, font=pdf.family)
        pdf.set_y(pdf.get_y() + used)
        _draw_legend(pdf, legend_items(labels, scene=scene, crews=[(mapdraw.CREW_COLOURS[0], "")]))
        if codes and not beside:
            _ensure_room(pdf, QR_ROUTE_MM + 14)
            _write_paras(pdf, [_Para(labels("label.route_qr"), size=12, bold=True)], x=MARGIN, width=pdf.epw)
            _route_codes(pdf, codes, labels, x=MARGIN, y=pdf.get_y())

        pdf.add_page()
        pdf.font(16, bold=True)
        pdf.cell(0, 9, f"{labels('label.stops')} - {route.crew_id}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if not route.stops:
            _write_paras(pdf, [_Para(labels("label.no_stops"))], x=MARGIN, width=pdf.epw)
        for item in route.items:
            if isinstance(item, Stop):
                _write_stop(pdf, plan, route, item, labels)
            else:
                _write_break(pdf, plan, item, labels)

    footer = f"{title} - {plan.plan_id} ({labels('label.revision')} {plan.revision})"
    return _render(path, title=title, footer=footer, labels=labels, plan=plan, body=body)


def write_index_pdf(
    path: Path,
    *,
    plan: PlanSheets,
    zones: list[Zone],
    labels: Labels,
    layers: list[mapdraw.RouteLayer],
    unassigned_points: list[tuple[float, float]],
) -> Path:
    title = labels("title.index")
    scene = mapdraw.build_scene(
        routes=layers,
        zones=zones,
        width=MAP_W,
        height=MAP_W * 0.8,
        numbered=False,
        unassigned=unassigned_points,
        north=labels("label.north"),
    )

    def body(pdf: _SheetPDF) -> None:
        paras = [
            _Para(title, size=19, bold=True),
            _Para(f"{labels('label.date')}: {labels.date(plan.day)}", bold=True),
            *_draft_para(plan, labels),
            _Para(f"{labels('label.plan')}: {plan.plan_id} ({labels('label.revision')} {plan.revision})", size=10),
        ]
        _write_paras(pdf, paras, x=MARGIN, width=pdf.epw)
        used = mapdraw.draw_pdf(pdf, scene, x=MARGIN, y=pdf.get_y(), width=pdf.epw, font=pdf.family)
        pdf.set_y(pdf.get_y() + used)
        _draw_legend(pdf, legend_items(labels, scene=scene, crews=[(lay.colour, lay.label) for lay in layers]))

        _ensure_room(pdf, 20)
        pdf.font(15, bold=True)
        pdf.cell(0, 9, labels("label.crews"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for layer, route in zip(layers, plan.routes, strict=True):
            line = (
                f"{route.crew_id} {route.crew.name}: {summary_line(route, labels)} - "
                f"{labels('label.shift')} {labels.span(route.shift_start, route.shift_end, day=plan.day)}"
            )
            para = _Para(line, size=11)
            _ensure_room(pdf, _para_height(pdf, para, pdf.epw - 8))
            pdf.set_fill_color(*mapdraw.rgb(layer.colour))
            pdf.rect(MARGIN, pdf.get_y() + 1, 5, 4, style="F")
            _write_paras(pdf, [para], x=MARGIN + 8, width=pdf.epw - 8)

        _ensure_room(pdf, 20)
        pdf.ln(3)
        pdf.font(15, bold=True)
        pdf.cell(0, 9, f"{labels('label.unassigned')} ({len(plan.unassigned)})", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if not plan.unassigned:
            _write_paras(pdf, [_Para(labels("label.no_unassigned"), size=11)], x=MARGIN, width=pdf.epw)
        for item in plan.unassigned:
            t = item.ticket
            why = labels.unassigned_detail(item.reason, item.detail, item.facts, item.displaces, item.not_done)
            text = f"{item.ticket_id}: {labels.reason(item.reason)}" + (f" ({why})" if why else "")
            paras = [_Para(text, size=11, bold=True)]
            if t is not None:
                paras.append(_Para(f"{labels.category(t.category.value)}, P{t.priority}, {t.address}", size=10))
            _ensure_room(pdf, sum(_para_height(pdf, p, pdf.epw) for p in paras))
            _write_paras(pdf, paras, x=MARGIN, width=pdf.epw)

    footer = f"{plan.plan_id} ({labels('label.revision')} {plan.revision})"
    return _render(path, title=title, footer=footer, labels=labels, plan=plan, body=body)
