"""How much a crew's phone downloads: the `dispatch serve` page against the offline phone sheet (baseline).

For one crew with ``--stops`` stops (address, customer and phone filled like real tickets), prints the bytes
of the service's page (HTML with its inline script, style and the crew's view), as sent (gzip) and raw, the
poll answer when nothing changed, a whole new revision's JSON, and a report's request, beside the offline
phone sheet of `dispatch sheets` for the same route (inline SVG map and QR codes).

    .venv/bin/python bench/serve_page_size.py --stops 12
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from serve_load import build_day  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from dispatch.core.policy import Policy  # noqa: E402
from dispatch.io.sheets import write_sheets  # noqa: E402
from dispatch.io.sheets.i18n import Labels  # noqa: E402
from dispatch.store.db import make_engine  # noqa: E402
from dispatch.store.models import TicketRow, load_crews  # noqa: E402
from dispatch.store.models.plans import plan_of, published_plan  # noqa: E402
from dispatch.store.schema import upgrade  # noqa: E402
from dispatch.usecases.field import read_crew_view  # noqa: E402
from dispatch.web.page import crew_page  # noqa: E402


def sizes(data: bytes) -> tuple[int, int]:
    return len(data), len(gzip.compress(data, compresslevel=6))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=12, help="stops of the crew (default 12)")
    parser.add_argument("--lang", default="id")
    args = parser.parse_args()
    policy = Policy()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'size.db'}"
        engine = make_engine(url)
        upgrade(engine)
        tokens, stops = build_day(url, crews=1, stops=args.stops)
        with Session(engine) as session:
            for i, row in enumerate(session.exec(select(TicketRow))):
                row.address = f"Jl. Siliwangi Gg. Melati No. {i + 12}, RT 03/RW 05, Kel. Kesambi, Cirebon"
                row.customer_name = f"Ibu Siti Aminah {i}"
                row.phone = f"0812-2233-{4400 + i}"
                row.customers_affected = 3
                session.add(row)
            session.commit()
        [(crew, token)] = tokens.items()
        now = dt.datetime.now(dt.UTC)
        page = read_crew_view(engine, token=token, now=now, policy=policy, lang=args.lang)
        assert page.view is not None
        html = crew_page(labels=Labels(args.lang, dt.UTC), crew_id=crew, day=page.day.isoformat(), token=token,
                         view=page.view.to_json(), api="../api/", poll_s=60).encode()  # fmt: skip
        view = json.dumps(page.view.to_json(), ensure_ascii=False, separators=(",", ":")).encode()
        poll = json.dumps({"current": True, "plan_id": page.view.plan_id}).encode()
        sent = {"report_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "ticket_id": stops[crew][0], "status": "done",
                "at": now.isoformat(), "entered_home": True, "in_home_min": 18}  # fmt: skip
        report = json.dumps(sent).encode()
        with Session(engine) as session:
            plan = plan_of(published_plan(session, day=page.day))  # type: ignore[arg-type]
            tickets = {r.ticket_id: r.to_domain() for r in session.exec(select(TicketRow))}
            crews = {c.crew_id: c for c in load_crews(session)}
        out = Path(scratch) / "sheets"
        write_sheets(plan=plan, tickets=tickets, crews=crews, zones=[], policy=policy, out_dir=out, lang=args.lang,
                     crew_id=crew)  # fmt: skip
        sheet = (out / f"{crew}.html").read_bytes()
        engine.dispose()
    print(f"one crew, {args.stops} stops, language {args.lang}: bytes raw / gzip (as `dispatch serve` sends it)")
    rows = [
        ("baseline: offline phone sheet (dispatch sheets)", sheet),
        ("service page (HTML + script + style + view)", html),
        ("  of which the crew's view (JSON)", view),
        ("poll, no new revision (JSON)", poll),
        ("a report sent (JSON request body)", report),
    ]
    for name, data in rows:
        raw, packed = sizes(data)
        print(f"  {name:<50} {raw:>8,} / {packed:>7,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
