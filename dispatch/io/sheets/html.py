"""Single-file HTML route sheets for a phone, working with no signal.

Everything is inline: CSS, the tick-box script, the map and QR codes as SVG. The page holds
no http(s) reference at all, so it renders the same offline as online. Ticks are kept in the
browser's localStorage under ``dispatch-sheet|<date>|<crew>|<ticket>``, so a reload (or a
crash of the browser) keeps them, and so does a revision of the day (keyed by ticket, not plan). A
revision's stops already done when it was made come ticked and marked.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from html import escape
from pathlib import Path

from dispatch.core.domain import Zone
from dispatch.io.sheets import mapdraw, qr
from dispatch.io.sheets.content import PlanSheets, RouteSheet, Stop, Unassigned
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

STORAGE_PREFIX = "dispatch-sheet"
MAP_UNITS = 120.0  # the SVG map's own width; the page scales it to the screen (small: big markers)

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:17px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#fafafa}
main{max-width:760px;margin:0 auto;padding:12px}
h1{font-size:1.5em;margin:.2em 0}
h2{font-size:1.2em;margin:1em 0 .4em}
.card{background:#fff;border:1px solid #ccc;border-radius:10px;padding:10px 12px;margin:10px 0}
.info{display:grid;grid-template-columns:auto 1fr;gap:2px 12px}
.info .summary{grid-column:1/-1;margin-top:6px}
.draft{background:#b00020;color:#fff;font-weight:bold;padding:8px;border-radius:6px}
.summary{font-weight:bold}
svg.map{width:100%;height:auto;display:block;border:1px solid #bbb;border-radius:6px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.85em;margin-top:6px}
.legend i{display:inline-block;width:16px;height:12px;margin-right:4px;vertical-align:middle;border-radius:2px}
.legend i.line{height:4px}
.legend i.stop{border:2px solid;background:#fff;border-radius:50%;width:12px}
.legend i.hatch{background:repeating-linear-gradient(135deg,#ccc 0 3px,#b00020 3px 4px)}
.legend i.cross{background:none;border:none}
.legend i.cross:before{content:"\\00d7";font-style:normal;font-weight:bold}
svg.qr{width:150px;height:150px;display:block}
svg.qr-route{width:240px;height:240px;display:block;margin:auto}
.progress{position:sticky;top:0;z-index:2;background:#0b5394;color:#fff;font-weight:bold;
 padding:8px 12px;border-radius:8px;font-size:1.1em}
.stop{background:#fff;border:2px solid #999;border-radius:12px;padding:10px 12px;margin:12px 0}
.stop.is-done{opacity:.55;border-color:#2ca02c}
.stop.is-done .tid{text-decoration:line-through}
.tick{display:flex;align-items:center;gap:10px;font-size:1.35em;font-weight:bold;cursor:pointer}
.tick input{width:32px;height:32px;flex:none}
.seq{display:inline-flex;justify-content:center;align-items:center;min-width:1.8em;height:1.8em;
 border-radius:50%;background:#1f77b4;color:#fff;font-size:.8em}
.when{font-size:1.15em;font-weight:bold;margin:4px 0}
.when small{font-weight:normal;color:#444}
.badges{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}
.badge{padding:3px 8px;border-radius:6px;font-weight:bold;font-size:.9em;border:2px solid #333}
.badge.indoor{background:#fff3cd}
.badge.ppe{background:#b00020;color:#fff;border-color:#b00020}
.ppe-note{background:#b00020;color:#fff;font-weight:bold;padding:8px;border-radius:8px;margin:6px 0}
.stop p{margin:4px 0}
.notes{margin:4px 0;padding-left:1.2em;font-size:.92em}
.tally{background:#eee;padding:6px 8px;border-radius:6px;font-weight:bold;font-size:.92em}
.nav{display:flex;align-items:center;gap:14px;flex-wrap:wrap;margin-top:8px}
.navbtn{display:inline-block;background:#0b5394;color:#fff;text-decoration:none;font-weight:bold;
 padding:12px 18px;border-radius:8px;font-size:1.05em}
.progress-mark{background:#1e7828;color:#fff;font-weight:bold;padding:4px 8px;border-radius:6px;display:inline-block}
.break{background:#dcebfa;border-radius:10px;padding:10px 12px;font-weight:bold;margin:12px 0}
table{border-collapse:collapse;width:100%;font-size:.92em}
td,th{border-bottom:1px solid #ddd;padding:6px 4px;text-align:left;vertical-align:top}
.swatch{display:inline-block;width:14px;height:14px;border-radius:3px;vertical-align:middle}
footer{color:#555;font-size:.8em;margin:20px 0}
@media print{.progress,.navbtn{display:none}.stop{break-inside:avoid}}
"""

# A printed phone page is paper: customers' phones stay off it unless the policy allows them.
_CSS_PRINT_NO_PHONE = "@media print{.phone{display:none}}\n"

_SCRIPT = """
(function () {
  var prefix = %(prefix)s;
  var template = %(template)s;
  var store = null;
  try { store = window.localStorage; store.getItem("x"); } catch (e) { store = null; }
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.done"));
  function update() {
    var done = 0;
    boxes.forEach(function (box) {
      if (box.checked) { done += 1; }
      box.closest(".stop").classList.toggle("is-done", box.checked);
    });
    var progress = document.getElementById("progress");
    progress.textContent = template.replace("{done}", done).replace("{total}", boxes.length);
    progress.setAttribute("data-ready", "1");
  }
  boxes.forEach(function (box) {
    var key = prefix + box.getAttribute("data-ticket");
    if (store && store.getItem(key) === "1") { box.checked = true; }
    box.addEventListener("change", function () {
      if (store) {
        try { if (box.checked) { store.setItem(key, "1"); } else { store.removeItem(key); } } catch (e) {}
      }
      update();
    });
  });
  update();
})();
"""


def _js(value: object) -> str:
    """A JSON literal safe inside <script> (no closing tag can sneak in)."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _page(*, lang: str, title: str, body: str, script: str = "", css: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}{css}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n"
        + (f"<script>{script}</script>\n" if script else "")
        + "</body>\n</html>\n"
    )


def _legend(items: list[tuple[str, str, str]]) -> str:
    spans = []
    for kind, colour, text in items:
        if kind == "stop":
            style = f"border-color:{colour}"
        elif kind == "area":
            style = f"background:{colour};opacity:.45"
        elif kind in ("hatch", "cross"):
            style = ""
        else:
            style = f"background:{colour}"
        spans.append(f'<span><i class="{kind}" style="{style}"></i>{escape(text)}</span>')
    return f'<div class="legend">{"".join(spans)}</div>'


def _draft(plan: PlanSheets, labels: Labels) -> str:
    if plan.published:
        return ""
    return f'<p class="draft">{escape(labels("label.draft_warning", status=plan.status))}</p>'


def _stop_html(plan: PlanSheets, route: RouteSheet, stop: Stop, labels: Labels) -> str:
    t = stop.ticket
    window = labels.span(stop.window_from, stop.window_to, day=plan.day)
    badges = [
        f'<span class="badge{" indoor" if stop.indoor else ""}">'
        f"{escape(labels('label.indoor') if stop.indoor else labels('label.outdoor'))}</span>",
        f'<span class="badge">{escape(labels.category(t.category.value))}</span>',
        f'<span class="badge">{escape(labels("label.priority", priority=t.priority))}</span>',
    ]
    if stop.ppe_required:
        badges.append(f'<span class="badge ppe">{escape(ppe_badge(stop, labels))}</span>')
    note = ppe_note(stop, labels)
    dial = "".join(c for c in t.phone if c.isdigit() or c == "+")
    phone = f' - <a class="phone" href="tel:{escape(dial)}">{escape(t.phone)}</a>' if t.phone and dial else ""
    notes = "".join(f"<li>{escape(n)}</li>" for n in service_notes(stop, labels, day=plan.day))
    mark = progress_mark(stop, labels)  # a revision's stop already done or under way
    return (
        f'<article class="stop" id="stop-{stop.seq}" data-seq="{stop.seq}" data-ticket="{escape(t.ticket_id)}"'
        + (f' data-progress="{stop.progress.value}"' if stop.progress is not None else "")
        + ">"
        f'<label class="tick"><input type="checkbox" class="done" data-ticket="{escape(t.ticket_id)}" '
        f'aria-label="{escape(labels("label.done"))} {escape(t.ticket_id)}"{" checked" if stop.done else ""}>'
        f'<span class="seq">{stop.seq}</span><span class="tid">{escape(t.ticket_id)}</span></label>'
        + (f'<p class="progress-mark">{escape(mark)}</p>' if mark else "")
        + f'<div class="when">{escape(window)} <small>{escape(labels("label.arrival_window"))} - '
        f"{escape(labels('label.planned_arrival', time=labels.time(stop.arrival, day=plan.day)))}</small></div>"
        f'<div class="badges">{"".join(badges)}</div>'
        + (f'<div class="ppe-note">&#9888; {escape(note)}</div>' if note else "")
        + f"<p><b>{escape(labels('label.address'))}:</b> {escape(t.address or '-')}</p>"
        f"<p><b>{escape(labels('label.customer'))}:</b> {escape(t.customer_name or '-')}{phone}</p>"
        f"<p><b>{escape(labels('label.work'))}:</b> {escape(labels.span(stop.start, stop.end, day=plan.day))}</p>"
        + (f'<ul class="notes">{notes}</ul>' if notes else "")
        + f'<p class="tally">{escape(tally_line(stop, route, labels))}</p>'
        f'<div class="nav"><a class="navbtn" href="{escape(stop.nav_uri)}">{escape(labels("label.navigate"))}'
        f'</a><figure style="margin:0">{qr.to_svg(qr.stop_qr(stop))}'
        f'<figcaption style="font-size:.8em">{escape(labels("label.stop_qr"))}</figcaption></figure></div>'
        "</article>"
    )


def write_crew_html(path: Path, *, plan: PlanSheets, route: RouteSheet, zones: list[Zone], labels: Labels) -> Path:
    title = labels("title.crew", crew_id=route.crew_id)
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
        width=MAP_UNITS,
        height=MAP_UNITS * 0.8,
        north=labels("label.north"),
    )
    breaks = ", ".join(labels.span(b.start, b.end, day=plan.day) for b in route.breaks) or labels("label.no_break")
    info = [
        (labels("label.date"), labels.date(plan.day)),
        (labels("label.members"), ", ".join(route.members) or "-"),
        (labels("label.vehicle"), labels.vehicle(route.vehicle)),
        (labels("label.shift"), shift_text(route, labels, day=plan.day)),
        (labels("label.break"), breaks),
    ]
    parts = [
        f"<h1>{escape(title)}</h1>",
        f"<p><b>{escape(route.crew.name)}</b></p>",
        _draft(plan, labels),
        '<section class="card info">'
        + "".join(f"<b>{escape(k)}</b><span>{escape(v)}</span>" for k, v in info)
        + f'<div class="summary">{escape(summary_line(route, labels))}</div></section>',
        (f'<p class="draft">&#9888; {escape(labels("label.outdoor_only"))}</p>' if route.outdoor_only else ""),
        f'<p class="offline">{escape(labels("html.offline_note"))}</p>',
        f'<section class="card"><h2>{escape(labels("label.map"))}</h2>'
        + mapdraw.to_svg(scene, title=f"{labels('label.map')} {route.crew_id}")
        + _legend(legend_items(labels, scene=scene, crews=[(mapdraw.CREW_COLOURS[0], "")]))
        + "</section>",
    ]
    parts.append(f"<h2>{escape(labels('label.stops'))}</h2>")
    total = len(route.stops)
    parts.append(f'<div class="progress" id="progress">{escape(labels("label.done_count", done=0, total=total))}</div>')
    if not route.stops:
        parts.append(f"<p>{escape(labels('label.no_stops'))}</p>")
    parts.append('<div class="stops">')
    for item in route.items:
        if isinstance(item, Stop):
            parts.append(_stop_html(plan, route, item, labels))
        else:
            parts.append(
                f'<div class="break">{escape(labels("label.break"))}: '
                f"{escape(labels.span(item.start, item.end, day=plan.day))}</div>"
            )
    parts.append("</div>")
    # The whole-route code is for another phone or the printout; the crew scrolls to stops first.
    if route.stops:
        codes = qr.route_qrs(plan_id=plan.plan_id, crew_id=route.crew_id, day=plan.day, stops=route.stops)
        figs = []
        for i, code in enumerate(codes, start=1):
            caption = labels("label.route_qr_part", part=i, parts=len(codes)) if len(codes) > 1 else ""
            figs.append(
                f'<figure style="margin:6px">{qr.to_svg(code, css_class="qr-route")}'
                f"<figcaption>{escape(caption)}</figcaption></figure>"
            )
        parts.append(
            f'<section class="card"><h2>{escape(labels("label.route_qr"))}</h2>'
            f'<div style="display:flex;flex-wrap:wrap;justify-content:center">{"".join(figs)}</div></section>'
        )
    parts.append(
        f"<footer>{escape(labels('label.plan'))} {escape(plan.plan_id)} ({escape(labels('label.revision'))} "
        f"{escape(str(plan.revision))}) - {escape(route.crew_id)}</footer>"
    )
    script = _SCRIPT % {
        "prefix": _js(f"{STORAGE_PREFIX}|{plan.day.isoformat()}|{route.crew_id}|"),
        "template": _js(labels("label.done_count", done="{done}", total="{total}")),
    }
    css = "" if plan.phone_on_paper else _CSS_PRINT_NO_PHONE
    page = _page(lang=labels.lang, title=title, body="\n".join(parts), script=script, css=css)
    path.write_text(page, encoding="utf-8")
    return path


def _why(item: Unassigned, labels: Labels) -> list[str]:
    """Why a ticket is unassigned and what would give way for it, in the sheet's language where the solver named
    its values (a plan saved before it did keeps its English sentence, with the displacement translated)."""
    if labels.words_unassigned(item.reason, item.facts, item.not_done):
        return [labels.unassigned_detail(item.reason, item.detail, item.facts, item.displaces, item.not_done)]
    lines = [item.detail] if item.detail else []
    if item.displaces is not None:
        lines.append(labels("label.displaces", **asdict(item.displaces)))
    return lines


def write_index_html(
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
        width=MAP_UNITS,
        height=MAP_UNITS * 0.8,
        numbered=False,
        unassigned=unassigned_points,
        north=labels("label.north"),
    )
    rows = []
    for layer, route in zip(layers, plan.routes, strict=True):
        rows.append(
            f'<tr class="crew-row" data-crew="{escape(route.crew_id)}">'
            f'<td><span class="swatch" style="background:{layer.colour}"></span></td>'
            f'<td><a href="{escape(route.crew_id)}.html">{escape(route.crew_id)}</a><br>{escape(route.crew.name)}</td>'
            f"<td>{escape(summary_line(route, labels))}<br>{escape(labels('label.shift'))} "
            f"{escape(labels.span(route.shift_start, route.shift_end, day=plan.day))}</td></tr>"
        )
    unassigned = []
    for item in plan.unassigned:
        t = item.ticket
        what = f"{labels.category(t.category.value)}, P{t.priority}, {t.address}" if t else ""
        unassigned.append(
            f'<tr class="unassigned-row"><td>{escape(item.ticket_id)}</td><td>{escape(what)}</td>'
            f"<td>{escape(labels.reason(item.reason))}"
            + "".join(f"<br><small>{escape(line)}</small>" for line in _why(item, labels))
            + "</td></tr>"
        )
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p><b>{escape(labels.date(plan.day))}</b><br>{escape(labels('label.plan'))} {escape(plan.plan_id)} "
        f"({escape(labels('label.revision'))} {escape(str(plan.revision))})</p>",
        _draft(plan, labels),
        '<section class="card">'
        + mapdraw.to_svg(scene, title=title)
        + _legend(legend_items(labels, scene=scene, crews=[(lay.colour, lay.label) for lay in layers]))
        + "</section>",
        f"<h2>{escape(labels('label.crews'))}</h2><table>{''.join(rows)}</table>",
        f"<h2>{escape(labels('label.unassigned'))} ({len(plan.unassigned)})</h2>",
        f"<p><b>{escape(short)}</b></p>" if (short := labels.short_of(plan.short_crew_hours)) else "",
        (
            f"<table><tr><th>{escape(labels('label.ticket'))}</th><th></th><th>{escape(labels('label.reason'))}"
            f"</th></tr>{''.join(unassigned)}</table>"
            if unassigned
            else f"<p>{escape(labels('label.no_unassigned'))}</p>"
        ),
    ]
    path.write_text(_page(lang=labels.lang, title=title, body="\n".join(body)), encoding="utf-8")
    return path
