"""The HTTP edge of the crew service: the crew's page, its route as JSON, and the reports it sends.

- ``GET /c/{token}``: the crew's page (HTML, the view embedded); ``GET /c/sw.js``: its service worker.
- ``GET /api/route?since=PLAN&lang=id``: the crew's view, or ``{"current": true}`` when ``since`` is
  still the published revision.
- ``GET /api/stops/{ticket}``: one of the crew's stops in the current revision.
- ``POST /api/reports``: one report (JSON, :class:`dispatch.field.reports.CrewReport`); 200 with the
  result, also for a resend (``"duplicate": true``); 422 ``{"error": code, "detail": ...}`` when the
  ledger refuses it.

API calls carry the link's token as ``Authorization: Bearer TOKEN``. A wrong, revoked or expired token,
or another crew's stop, is answered 403 ``{"error": reason}`` and logged (logger ``dispatch.web``, with
the token's first characters only).

Reports go to a writer that records whatever has arrived meanwhile in one transaction (each report in a
savepoint of its own): one commit, one sync of the disk, for a batch, and an answer only once it is
committed. On SQLite there is one writer and every transaction (reads too: they begin IMMEDIATE) takes its
turn in this process, in arrival order, so none waits on the database's busy timeout; on PostgreSQL
``WRITERS`` writers and at most ``READERS`` reads run at once (a report id sent twice at once is stored
once: the database's unique key decides, and the second is answered from the first).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import Engine
from starlette.middleware.gzip import GZipMiddleware

from dispatch.core.policy import Policy
from dispatch.field.errors import ProblemCode, RefusalReason, Refused, ReportProblem
from dispatch.field.reports import CrewReport, ReportResult
from dispatch.io.sheets.i18n import LANGUAGES, Labels
from dispatch.usecases.field import current_plan_id, read_crew_view, submit_reports
from dispatch.web.page import SERVICE_WORKER, crew_page, refused_page

log = logging.getLogger("dispatch.web")
T = TypeVar("T")
NO_STORE = {"Cache-Control": "no-store"}
BATCH = 64  # reports recorded in one transaction at most
READERS = 8  # PostgreSQL: page and route reads at once
WRITERS = 4  # PostgreSQL: batches recorded at once (SQLite: one)


@dataclass
class _Pending:
    token: str
    report: CrewReport
    done: asyncio.Future[ReportResult | Refused | ReportProblem]


def create_app(
    *,
    engine: Engine,
    policy: Policy,
    lang: str = "id",
    poll_s: float = 60.0,
    clock: Callable[[], dt.datetime] | None = None,
) -> FastAPI:
    """The crew service on ``engine`` (a database at head), pages in ``lang`` unless a page asks for another.
    ``clock`` is the service's "now" (default this computer's clock; a replayed day brings its own)."""
    service = _Service(engine, policy, lang, poll_s, clock or _wall_clock)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, lifespan=service.lifespan)
    app.add_middleware(GZipMiddleware, minimum_size=512)
    app.add_api_route("/healthz", service.healthz, methods=["GET"])
    app.add_api_route("/c/sw.js", service.service_worker, methods=["GET"])
    app.add_api_route("/c/{token}", service.page, methods=["GET"])
    app.add_api_route("/api/route", service.route, methods=["GET"])
    app.add_api_route("/api/stops/{ticket_id}", service.stop, methods=["GET"])
    app.add_api_route("/api/reports", service.reports, methods=["POST"])
    return app


def _wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Service:
    """The endpoints and the report writers of one app, sharing its engine, policy and turn-taking."""

    def __init__(
        self, engine: Engine, policy: Policy, lang: str, poll_s: float, clock: Callable[[], dt.datetime]
    ) -> None:
        self.engine = engine
        self.now = clock
        self.policy = policy
        self.lang = lang
        self.poll_s = poll_s
        self.sqlite = engine.dialect.name == "sqlite"
        # Created in the server's event loop (asyncio primitives belong to the loop that first uses them).
        self.turn: asyncio.Semaphore
        self.writes: asyncio.Queue[_Pending]

    @asynccontextmanager
    async def lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        self.turn = asyncio.Semaphore(1 if self.sqlite else READERS)
        self.writes = asyncio.Queue()
        writers = [asyncio.create_task(self.write_reports()) for _ in range(1 if self.sqlite else WRITERS)]
        yield
        for writer in writers:
            writer.cancel()

    async def db(self, work: Callable[[], T]) -> T:
        async with self.turn:
            return await run_in_threadpool(work)

    async def write_reports(self) -> None:
        """A writer: every report waiting, up to BATCH, recorded in one transaction."""
        while True:
            batch = [await self.writes.get()]
            while len(batch) < BATCH and not self.writes.empty():
                batch.append(self.writes.get_nowait())
            items = [(p.token, p.report) for p in batch]
            work = partial(submit_reports, self.engine, items=items, now=self.now(), policy=self.policy)
            try:
                results = await (self.db(work) if self.sqlite else run_in_threadpool(work))
            except Exception as exc:  # the transaction failed (nothing of it is stored): each sender hears so
                log.error("reports not recorded (%d in the batch): %s", len(batch), exc)
                for p in batch:
                    if not p.done.done():  # a sender that hung up has cancelled its future
                        p.done.set_exception(exc)
                continue
            for p, result in zip(batch, results, strict=True):
                if not p.done.done():
                    p.done.set_result(result)

    def language(self, request: Request) -> str:
        asked = request.query_params.get("lang", self.lang)
        return asked if asked in LANGUAGES else self.lang

    @staticmethod
    def refused(request: Request, exc: Refused, token: str) -> None:
        client = request.client.host if request.client else "-"
        log.warning(
            "refused (403) %s %s: %s: %s (crew %s, token %s..., client %s)",
            request.method, request.url.path, exc.reason.value, exc, exc.crew_id or "-", token[:4], client,
        )  # fmt: skip

    @staticmethod
    def bearer(request: Request) -> str:
        value = request.headers.get("authorization", "")
        return value[7:].strip() if value[:7].lower() == "bearer " else ""

    async def healthz(self) -> Response:
        return Response("ok", media_type="text/plain")

    async def service_worker(self) -> Response:
        return Response(SERVICE_WORKER, media_type="application/javascript", headers={"Cache-Control": "no-cache"})

    async def page(self, token: str, request: Request) -> Response:
        labels = Labels(self.language(request), dt.UTC)
        engine, policy = self.engine, self.policy
        try:
            found = await self.db(
                lambda: read_crew_view(engine, token=token, now=self.now(), policy=policy, lang=labels.lang)
            )
        except Refused as exc:
            self.refused(request, exc, token)
            return HTMLResponse(refused_page(labels=labels), status_code=403, headers=NO_STORE)
        html = crew_page(
            labels=labels,
            crew_id=found.crew_id,
            day=found.day.isoformat(),
            token=token,
            view=found.view.to_json() if found.view is not None else None,
            api="../api/",  # relative: the service may sit behind a proxy under a path of its own
            poll_s=self.poll_s,
        )
        return HTMLResponse(html, headers={"Cache-Control": "no-cache"})

    async def route(self, request: Request) -> Response:
        token = self.bearer(request)
        since_text = request.query_params.get("since")
        since = int(since_text) if since_text and since_text.isdigit() else None
        engine, policy, lang = self.engine, self.policy, self.language(request)
        try:
            if since is not None:
                current = await self.db(lambda: current_plan_id(engine, token=token, now=self.now()))
                if current == since:
                    return JSONResponse({"current": True, "plan_id": current}, headers=NO_STORE)
            found = await self.db(
                lambda: read_crew_view(engine, token=token, now=self.now(), policy=policy, lang=lang, since=since)
            )
        except Refused as exc:
            self.refused(request, exc, token)
            return JSONResponse({"error": exc.reason.value}, status_code=403, headers=NO_STORE)
        if found.view is None:
            return JSONResponse({"current": True, "plan_id": None}, headers=NO_STORE)
        return JSONResponse(found.view.to_json(), headers=NO_STORE)

    async def stop(self, ticket_id: str, request: Request) -> Response:
        token = self.bearer(request)
        engine, policy, lang = self.engine, self.policy, self.language(request)
        try:
            found = await self.db(lambda: read_crew_view(engine, token=token, now=self.now(), policy=policy, lang=lang))
            items = found.view.items if found.view is not None else ()
            match = next((i for i in items if not isinstance(i, str) and i.ticket_id == ticket_id), None)
            if match is None:
                raise Refused(
                    RefusalReason.NOT_YOUR_STOP,
                    f"ticket {ticket_id} is not a stop of crew {found.crew_id} in the current revision",
                    crew_id=found.crew_id,
                )
        except Refused as exc:
            self.refused(request, exc, token)
            return JSONResponse({"error": exc.reason.value}, status_code=403, headers=NO_STORE)
        return JSONResponse(match.to_json(), headers=NO_STORE)

    async def reports(self, request: Request) -> Response:
        token = self.bearer(request)
        try:
            report = CrewReport.from_json(json.loads(await request.body()))
            pending = _Pending(token, report, asyncio.get_running_loop().create_future())
            await self.writes.put(pending)
            try:
                result = await pending.done
            except Exception:
                return JSONResponse({"error": "not_recorded"}, status_code=503, headers=NO_STORE)
            if isinstance(result, Exception):
                raise result
        except Refused as exc:
            self.refused(request, exc, token)
            return JSONResponse({"error": exc.reason.value}, status_code=403, headers=NO_STORE)
        except ValueError as exc:  # bad JSON, or a ReportProblem
            code = exc.code if isinstance(exc, ReportProblem) else ProblemCode.INVALID
            log.info("report not recorded (422): %s: %s", code.value, exc)
            return JSONResponse({"error": code.value, "detail": str(exc)}, status_code=422, headers=NO_STORE)
        return JSONResponse(result.to_json(), headers=NO_STORE)
