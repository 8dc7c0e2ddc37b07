"""The crew's phone page: one small HTML file (inline CSS and script from ``static/``, no framework), offline first.

The server embeds the crew's view (:class:`dispatch.field.view.CrewView`) and the page's words in the
crew's language; the script draws the stops, and keeps in the browser's localStorage, under a key of the
crew and shift date (not the plan, so ticks survive a revision):

- the reports not yet acknowledged (each with an id made on the phone, so a resend is applied once),
  sent in order whenever the server answers, shown as "N reports waiting to be sent";
- the newest view it has seen, so a page reloaded without signal (the service worker keeps the page
  itself) shows the newest revision it knew;
- what the crew reported per ticket.

It asks the server every ``poll_s`` seconds (and when the signal returns) whether a newer revision is
published, and if so draws it and says what changed for this crew.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

from dispatch.io.sheets.i18n import Labels

# Words the script needs, by its own short name -> i18n key.
_WORDS = {
    "on_the_way": "serve.on_the_way",
    "arrived": "serve.arrived",
    "done": "serve.done",
    "not_done": "serve.not_done",
    "entered": "serve.entered_home",
    "minutes": "serve.in_home_min",
    "position": "serve.send_position",
    "send": "serve.send",
    "cancel": "serve.cancel",
    "call": "serve.call",
    "navigate": "label.navigate",
    "address": "label.address",
    "customer": "label.customer",
    "already_done": "label.already_done",
    "under_way": "label.under_way",
    "queue": "serve.queue",
    "synced": "serve.synced",
    "offline": "serve.offline",
    "revision": "serve.revision",
    "refused": "serve.refused",
    "link_invalid": "serve.link_invalid",
    "no_plan": "serve.no_plan",
    "st_on_the_way": "serve.status.on_the_way",
    "st_arrived": "serve.status.arrived",
    "st_done": "serve.status.done",
    "st_not_done": "serve.status.not_done",
    "r_not_home": "serve.reason.not_home",
    "r_unsafe": "serve.reason.unsafe",
    "r_needs_skill": "serve.reason.needs_skill",
    "r_needs_material": "serve.reason.needs_material",
    "p_invalid": "serve.problem.invalid",
    "p_future": "serve.problem.future",
    "p_closed": "serve.problem.closed",
    "p_conflict": "serve.problem.conflict",
    "p_other": "serve.problem.other",
    "p_not_your_stop": "serve.problem.not_your_stop",
    "sep": "fmt.time_sep",
}

STATIC = Path(__file__).with_name("static")
_CSS = (STATIC / "page.css").read_text(encoding="utf-8")
_SCRIPT = (STATIC / "page.js").read_text(encoding="utf-8")
# Keeps the page itself for a reload without signal (the data comes from localStorage).
SERVICE_WORKER = (STATIC / "sw.js").read_text(encoding="utf-8")


def _json(value: object) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def crew_page(
    *,
    labels: Labels,
    crew_id: str,
    day: str,
    token: str,
    view: dict[str, object] | None,
    api: str,
    poll_s: float,
) -> str:
    """The page of one crew: its view (None: no published plan yet), the words, and where to report."""
    data = {
        "s": {short: labels(key) for short, key in _WORDS.items()},
        "token": token,
        "crew": crew_id,
        "day": day,
        "lang": labels.lang,
        "api": api,
        "poll": poll_s,
        "view": view,
    }
    title = labels("serve.title", crew_id=crew_id)
    position = escape(labels("serve.send_position"))
    return (
        f'<!DOCTYPE html><html lang="{labels.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>"
        f'<label><input type="checkbox" id="pos"> {position}</label><div id="m"></div></main>'
        f'<script id="d" type="application/json">{_json(data)}</script><script>{_SCRIPT}</script></body></html>'
    )


def refused_page(*, labels: Labels) -> str:
    """What a wrong, revoked or expired link shows (HTTP 403)."""
    text = escape(labels("serve.link_invalid"))
    return (
        f'<!DOCTYPE html><html lang="{labels.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{text}</title></head><body><p>{text}</p></body></html>"
    )
