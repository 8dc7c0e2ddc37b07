"""The replayed day's crew reports through the crew service: a real uvicorn server on a loopback port
serving the replay's database (the app of `dispatch serve`), each crew posting its reports with its own
link's token over HTTP, as the phone page does.

The replayed day lies in the past, so the server runs on the replay's clock rather than this computer's:
the bench writes the replayed time to a file before each report (a phone reports as it happens) and the
server reads it as its "now" (``dispatch.web.app.create_app(clock=...)``). Tokens therefore expire at the
replayed shift ends and reports later than the replayed time are refused, as in the field. The reports
of the visits up to a re-plan's time are sent just before it.

    python bench/replay_service.py --serve URL --policy FILE --port N --clock FILE --parent PID   # the server
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from dispatch.core.plan import Plan  # noqa: E402
from dispatch.core.policy import Policy  # noqa: E402
from dispatch.intraday.model import Replan, VisitFact  # noqa: E402
from dispatch.io.importing.crews import import_crews  # noqa: E402
from dispatch.io.importing.shifts import import_shifts  # noqa: E402
from dispatch.io.importing.tickets import import_tickets  # noqa: E402
from dispatch.io.importing.zones import import_zones  # noqa: E402
from dispatch.ledger.publish import publish_plan  # noqa: E402
from dispatch.planning.persist import save_plan  # noqa: E402
from dispatch.runtime.cluster import Cluster  # noqa: E402
from dispatch.sample.columns import TICKET_COLUMNS, _write_csv  # noqa: E402
from dispatch.sample.region import SampleRegion  # noqa: E402
from dispatch.store.db import make_engine, session_scope  # noqa: E402
from dispatch.store.schema import create_schema  # noqa: E402
from dispatch.usecases.field import issue_links  # noqa: E402
from dispatch.usecases.replan import run_replan  # noqa: E402

NOT_DONE_REASONS = ("not_home", "unsafe", "needs_skill", "needs_material")


class ReplayClock:
    """The replayed time, in a file the server reads on every "now"."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, at: dt.datetime) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(at.isoformat())
        os.replace(tmp, self.path)  # the server never reads half a time

    def read(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.path.read_text())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FieldService:
    """A crew service child process on the replay's database, and the crews' reports sent to it."""

    def __init__(
        self,
        *,
        url: str,
        policy_path: Path,
        day: dt.date,
        folder: Path,
        start: dt.datetime,
        not_done: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.url, self.policy_path, self.day, self.folder = url, policy_path, day, folder
        self.not_done, self.seed = not_done, seed
        self.clock = ReplayClock(folder / "clock.txt")
        self.clock.set(start)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.tokens: dict[str, str] = {}
        self.sent: dict[str, set[str]] = {}  # ticket -> statuses acknowledged
        self.counts: Counter[str] = Counter()  # acknowledged / duplicate / refused / problem
        self.latencies: list[float] = []
        self.http = httpx.Client(base_url=self.base, timeout=30)

    def __enter__(self) -> FieldService:
        cmd = [sys.executable, __file__, "--serve", self.url, "--policy", str(self.policy_path),
               "--port", str(self.port), "--clock", str(self.clock.path), "--parent", str(os.getpid())]  # fmt: skip
        with self.log.open("ab") as handle:
            self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=handle, stderr=handle)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"crew service exited {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                if self.http.get("/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("crew service did not answer within 120 s")
        engine = make_engine(self.url)
        try:
            links = issue_links(engine, day=self.day, base_url=self.base, now=self.clock.read())
        finally:
            engine.dispose()
        self.tokens = {link.crew_id: link.token for link in links}
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.http.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def report(self, facts: dict[str, VisitFact], *, at: dt.datetime) -> int:
        """Each crew posts what ``facts`` hold that it has not reported yet (arrived, then done), each report
        when it happens (the server's clock set to its time), up to ``at``; returns the reports acknowledged."""
        before = self.counts["acknowledged"]
        events = []
        for fact in facts.values():
            sent = self.sent.setdefault(fact.ticket_id, set())
            if "arrived" not in sent:
                events.append((fact.arrived_at, 0, fact, "arrived"))
            if fact.left_at is not None and "done" not in sent:
                events.append((fact.left_at, 1, fact, "done"))
        for when, _, fact, status in sorted(events, key=lambda e: (e[0], e[1], e[2].ticket_id)):
            self.clock.set(min(when, at))
            extra: dict[str, object] = {"entered_home": fact.entered_home} if status == "done" else {}
            reason = self.failed(fact.ticket_id) if status == "done" else None
            if reason is not None:
                extra = {"reason": reason, "entered_home": False}
                self.counts[f"not_done {reason}"] += 1
            sent = self.sent[fact.ticket_id]
            self._post(fact.crew_id, fact.ticket_id, "not_done" if reason else status, when, sent, **extra)
            if reason is not None:
                sent.add("done")
        self.clock.set(at)
        return self.counts["acknowledged"] - before

    def failed(self, ticket_id: str) -> str | None:
        """The reason a share (``not_done``) of visits ends not done, fixed per ticket and seed, else None."""
        rng = random.Random(f"{self.seed}:{ticket_id}")
        return rng.choice(NOT_DONE_REASONS) if rng.random() < self.not_done else None

    def _post(
        self, crew_id: str, ticket_id: str, status: str, at: dt.datetime, sent: set[str], **extra: object
    ) -> None:
        token = self.tokens.get(crew_id)
        if token is None:
            self.counts["no link"] += 1
            return
        body = {"report_id": str(uuid.uuid4()), "ticket_id": ticket_id, "status": status, "at": at.isoformat(),
                **extra}  # fmt: skip
        for _ in range(5):  # a failed request is sent again, as the phone does
            t0 = time.monotonic()
            try:
                reply = self.http.post("/api/reports", json=body, headers={"Authorization": f"Bearer {token}"})
            except httpx.HTTPError:
                time.sleep(0.5)
                continue
            if reply.status_code >= 500:
                time.sleep(0.5)
                continue
            self.latencies.append(time.monotonic() - t0)
            if reply.status_code == 200:
                self.counts["duplicate" if reply.json().get("duplicate") else "acknowledged"] += 1
                sent.add(status)
            else:
                self.counts[f"refused {reply.status_code} {reply.json().get('error')}"] += 1
                sent.add(status)  # the phone would show the refusal; not sent again
            return
        self.counts["failed"] += 1

    def summary(self) -> str:
        lat = sorted(self.latencies)
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000 if lat else 0.0
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return f"reports through the service: {parts}; p99 latency {p99:.0f} ms"


class ServiceDay:
    """The replayed day in a database of its own, as the product keeps it: the night's plan published,
    tickets imported as they are reported, reports arriving through the crew service, each re-plan loaded
    from the database, saved and published (``dispatch replan``'s use case)."""

    def __init__(
        self,
        *,
        folder: Path,
        region: SampleRegion,
        extra: list[dict[str, str]],
        night: Plan,
        policy_path: Path,
        not_done: float = 0.0,
        seed: int = 0,
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.day = folder, night.date
        region.write(folder)
        self.url = f"sqlite:///{folder / 'service.db'}"
        self.engine = make_engine(self.url)
        create_schema(self.engine)
        policy = Policy.load(policy_path)
        tzinfo = ZoneInfo(policy.region.timezone)
        midnight = dt.datetime.combine(self.day, dt.time(0, 0), tzinfo=tzinfo)
        before = [r for r in region.tickets if dt.datetime.fromisoformat(r["reported_at"]) < midnight]
        self.pending = sorted(
            [*(r for r in region.tickets if dt.datetime.fromisoformat(r["reported_at"]) >= midnight), *extra],
            key=lambda r: dt.datetime.fromisoformat(r["reported_at"]),
        )
        _write_csv(folder / "tickets.csv", TICKET_COLUMNS, before)
        six = dt.datetime.combine(self.day, dt.time(6, 0), tzinfo=tzinfo)
        with session_scope(self.engine) as session:
            import_crews(session, folder / "crews.csv")
            import_shifts(session, folder / "shifts.csv", policy=policy)
            import_zones(session, folder / "zones.geojson")
            import_tickets(session, folder / "tickets.csv", policy=policy, now=six)
        with session_scope(self.engine) as session:
            saved = save_plan(session, plan=night, objective=0, now=six, time_limit=0, reproducible=False)
            publish_plan(session, plan_id=saved.plan_id, now=six)  # type: ignore[arg-type]
        self.night = saved
        self.service = FieldService(url=self.url, policy_path=policy_path, day=self.day, folder=folder, start=six,
                                    not_done=not_done, seed=seed)  # fmt: skip
        self.batches = 0
        self.last: Replan | None = None

    def __enter__(self) -> ServiceDay:
        self.service.__enter__()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.service.__exit__(*exc)
        self.engine.dispose()

    def import_until(self, at: dt.datetime, policy: Policy) -> int:
        """Import the tickets reported by ``at`` (as the call centre's feed would); how many."""
        due = [r for r in self.pending if dt.datetime.fromisoformat(r["reported_at"]) <= at]
        if not due:
            return 0
        self.pending = self.pending[len(due) :]
        self.batches += 1
        path = _write_csv(self.folder / f"reported-{self.batches:03d}.csv", TICKET_COLUMNS, due)
        with session_scope(self.engine) as session:
            import_tickets(session, path, policy=policy, now=at)
        return len(due)

    def replan(
        self, facts: dict[str, VisitFact], *, at: dt.datetime, policy: Policy, limit: float, overtime: bool
    ) -> tuple[Replan, Plan]:
        """Tickets reported by ``at`` imported, the crews' reports sent, the day re-planned from the database
        and the revision published; the re-plan and the saved revision."""
        self.import_until(at, policy)
        self.service.report(facts, at=at)
        run = run_replan(engine=self.engine, day=self.day, at=at, policy=policy, now=at, time_limit=limit,
                         overtime=overtime, cluster=Cluster(jobs=1))  # fmt: skip
        self.last = run.replan
        return run.replan, run.plan

    def not_done_summary(self) -> str:
        """What the last re-plan did with the stops reported not done (its revision's ``not_done``)."""
        records = self.last.revision.not_done if self.last is not None else ()
        kinds = Counter(
            f"{n.reason} {n.action}"
            + (" (placed)" if n.crew_now else " (not placed)" if n.action == "reoffered" else "")
            for n in records
        )
        return "not done at the last re-plan: " + (", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none")


def _serve(url: str, policy_path: Path, port: int, clock_path: Path, parent: int) -> None:
    def orphaned() -> None:  # the bench was killed: a server of its scratch database serves nobody
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()
    from dispatch.web.server import serve

    clock = ReplayClock(clock_path)
    engine = make_engine(url)
    serve(engine=engine, policy=Policy.load(policy_path), host="127.0.0.1", port=port, lang="en", poll_s=60,
          log_level="warning", clock=clock.read)  # fmt: skip


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serve", required=True, help="database URL")
    ap.add_argument("--policy", required=True, type=Path)
    ap.add_argument("--port", required=True, type=int)
    ap.add_argument("--clock", required=True, type=Path)
    ap.add_argument("--parent", required=True, type=int, help="the bench's process id: the server ends with it")
    a = ap.parse_args()
    _serve(a.serve, a.policy, a.port, a.clock, a.parent)
