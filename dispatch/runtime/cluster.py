"""Where fanned-out work runs: in this process, on a local Dask cluster, or on an existing one.

:class:`Cluster` says where (``--scheduler``/``DISPATCH_DASK_SCHEDULER``, ``--jobs``) and whom to tell;
:func:`session` opens it for a number of tasks and :meth:`Session.map` runs plain-data tasks on it (a
built problem, a scenario and its inputs; never a database session). The rules, in one place:

- One task, or one slot (``--jobs 1``), and no scheduler named: the work runs in this process. A local
  cluster costs seconds to start (measured in ``bench/dask_scale.py``), so it is started only when two or
  more tasks can run side by side.
- No scheduler named: a ``LocalCluster`` of ``--jobs`` worker processes (default one per core, never
  more than the tasks), one thread each, started for the run and closed after it. Its workers are
  non-daemonic, so a part's solver portfolio can start its own search processes, and forked (a worker
  is ready in about a third of the time a spawned one takes: it does not re-import the solver).
- A scheduler address (``tcp://host:8786``): the tasks go to that cluster. Its workers must have this
  project installed and run non-daemonic (``DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker ...``).

A worker that dies mid-task has its task run again elsewhere (the scheduler's own rescheduling, up to
``distributed.scheduler.allowed-failures`` times); a task that raises is retried :data:`RETRIES` times.
A task that still fails cancels the others and raises :class:`TaskFailed` naming it, before the caller
has saved anything. A killed caller takes its local cluster with it (the workers end when their parent
does, their search processes with them); on a remote cluster the scheduler drops the caller's tasks when
its connection goes, and a worker kills the process of a running task that was dropped, so no search
goes on for nobody. (Each task runs in a process of its own on its worker: the solver holds the
interpreter lock for seconds at a time, and the worker must stay free to hear its scheduler.)
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection

from solver.lifeline import die_with_parent
from solver.search import available_cores, process_context

SCHEDULER_ENV = "DISPATCH_DASK_SCHEDULER"
# ``--scheduler local``: a local cluster even where DISPATCH_DASK_SCHEDULER names one.
LOCAL = "local"
# Retries of a task that raised (a worker that died is rescheduled by the scheduler on top of these).
RETRIES = 1
# Seconds to reach a remote scheduler before giving up.
CONNECT_TIMEOUT_S = 10
# Seconds a run waits with no worker on its cluster before it fails (workers lost, none started).
NO_WORKERS_S = 60.0
# How often a worker checks that its running task is still wanted (seconds).
WATCH_S = 0.5


class ClusterError(RuntimeError):
    """The cluster could not be reached or started."""


class TaskFailed(RuntimeError):
    """A task failed for good (after the retries); nothing of the run was saved."""

    def __init__(self, name: str, cause: str) -> None:
        super().__init__(f"{name} failed: {cause}")
        self.name = name


@dataclass(frozen=True)
class ClusterInfo:
    """A cluster a run is using: where its scheduler and dashboard are, how many tasks run at once."""

    scheduler: str
    dashboard: str | None
    slots: int
    local: bool

    def sentence(self) -> str:
        where = "local Dask cluster" if self.local else "Dask cluster"
        board = f", dashboard {self.dashboard}" if self.dashboard else ""
        return f"{where} at {self.scheduler}: {self.slots} worker slots{board}"


@dataclass(frozen=True)
class Cluster:
    """Where fanned-out work runs. ``scheduler``: a Dask scheduler address, ``"local"``, or ``None`` for
    ``DISPATCH_DASK_SCHEDULER`` if set, else a local cluster; ``jobs``: the local cluster's size (default
    one worker per core); ``announce`` is told when a cluster is in use (e.g. to print its dashboard)."""

    scheduler: str | None = None
    jobs: int | None = None
    announce: Callable[[ClusterInfo], None] | None = None

    def address(self) -> str | None:
        """The remote scheduler's address, or ``None`` for local work."""
        named = self.scheduler if self.scheduler is not None else os.environ.get(SCHEDULER_ENV, "").strip()
        return None if not named or named == LOCAL else named

    def local_slots(self, tasks: int) -> int:
        """Local worker processes for ``tasks`` tasks: ``jobs`` (default one per core), at most the tasks."""
        return max(1, min(self.jobs or available_cores(), tasks))


IN_PROCESS = Cluster(scheduler=LOCAL, jobs=1)
# Local clusters started by this process (their sizes): only the first forks its workers.
_STARTED: list[int] = []


class Session:
    """An open place to run tasks: :meth:`map` them; ``slots`` run at once; ``cluster`` is ``None`` in-process."""

    def __init__(self, slots: int, client: object | None = None, cluster: ClusterInfo | None = None) -> None:
        self.slots = slots
        self.cluster = cluster
        self._client = client

    def map[T, R](
        self,
        run: Callable[[T], R],
        tasks: Sequence[T],
        *,
        names: Sequence[str] | None = None,
        order: Sequence[int] | None = None,
        on_done: Callable[[int, R], None] | None = None,
        on_wait: Callable[[], None] | None = None,
        poll_s: float = 0.2,
    ) -> list[R]:
        """``[run(t) for t in tasks]``, side by side on the session's slots.

        ``names`` name the tasks in errors (default ``task 1 of 3``...); ``order`` is the order to submit in
        (e.g. the largest first); ``on_done(i, result)`` is called here as each task ends, ``on_wait()``
        every ``poll_s`` seconds while tasks run (for progress displays).
        """
        labels = list(names) if names is not None else [f"task {i + 1} of {len(tasks)}" for i in range(len(tasks))]
        sequence = list(order) if order is not None else list(range(len(tasks)))
        if self._client is None:
            return _map_here(run, tasks, labels, sequence, on_done)
        return _map_dask(self._client, run, tasks, labels, sequence, on_done, on_wait, poll_s)


@contextmanager
def session(cluster: Cluster | Session | None, tasks: int) -> Iterator[Session]:
    """Open ``cluster`` for ``tasks`` tasks (see the module doc for which place that is); an open
    :class:`Session` is used as it is (several rounds of work on one cluster)."""
    if isinstance(cluster, Session):
        yield cluster
        return
    where = cluster or Cluster()
    address = where.address()
    if address is None and where.local_slots(tasks) <= 1:
        yield Session(1)
        return
    from distributed import Client

    if address is not None:
        try:
            client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        with client:
            slots = max(1, sum(client.nthreads().values()))
            yield _opened(where, client, address, slots, local=False)
        return
    with _local_cluster(where.local_slots(tasks)) as (client, address):
        yield _opened(where, client, address, where.local_slots(tasks), local=True)


def _opened(where: Cluster, client: object, address: str, slots: int, *, local: bool) -> Session:
    info = ClusterInfo(address, getattr(client, "dashboard_link", None), slots, local)
    if where.announce is not None:
        where.announce(info)
    return Session(slots, client, info)


@contextmanager
def _local_cluster(workers: int) -> Iterator[tuple[object, str]]:
    import dask
    from distributed import Client, LocalCluster

    # Forked workers start in a third of the time, but only the first cluster of a process may fork: the
    # workers of a second one, forked from a process that ran the first, were dropped by their scheduler
    # at start (seen in bench/dask_scale.py); later clusters spawn theirs.
    fork = "fork" in mp.get_all_start_methods() and not _STARTED
    _STARTED.append(workers)
    settings = {
        "distributed.worker.daemon": False,  # a part's solver portfolio starts processes of its own
        "distributed.worker.multiprocessing-method": "fork" if fork else "spawn",
        # Each worker process dies with this one, even killed by SIGKILL (its pipes and the lock go with it).
        "distributed.worker.preload": ["dispatch.runtime.workerlife"],
    }
    try:
        with dask.config.set(settings):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                scheduler_port=0,
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
            )
    except (OSError, RuntimeError) as exc:
        raise ClusterError(f"cannot start a local Dask cluster of {workers} workers: {exc}") from exc
    with cluster, Client(cluster, set_as_default=False) as client:
        yield client, cluster.scheduler_address


def _map_here[T, R](
    run: Callable[[T], R],
    tasks: Sequence[T],
    names: Sequence[str],
    sequence: Sequence[int],
    on_done: Callable[[int, R], None] | None,
) -> list[R]:
    results: dict[int, R] = {}
    for i in sequence:
        try:
            results[i] = run(tasks[i])
        except Exception as exc:
            raise TaskFailed(names[i], f"{type(exc).__name__}: {exc}") from exc
        if on_done is not None:
            on_done(i, results[i])
    return [results[i] for i in range(len(tasks))]


def _map_dask[T, R](
    client: object,
    run: Callable[[T], R],
    tasks: Sequence[T],
    names: Sequence[str],
    sequence: Sequence[int],
    on_done: Callable[[int, R], None] | None,
    on_wait: Callable[[], None] | None,
    poll_s: float,
) -> list[R]:
    run_id = uuid.uuid4().hex[:12]
    futures = {
        i: client.submit(  # type: ignore[attr-defined]
            _on_worker, run, tasks[i], key=f"dispatch-{run_id}-{i}", retries=RETRIES, pure=False
        )
        for i in sequence
    }
    results: dict[int, R] = {}
    lonely: list[float] = [time.monotonic(), 0.0]  # [last check, since when without workers (0: has some)]
    try:
        while len(results) < len(tasks):
            for i, future in futures.items():
                if i in results or not future.done():
                    continue
                if future.status != "finished":
                    raise TaskFailed(names[i], _cause(future))
                results[i] = future.result()
                if on_done is not None:
                    on_done(i, results[i])
            if len(results) < len(tasks):
                if on_wait is not None:
                    on_wait()
                lonely = _check_workers(client, lonely)
                time.sleep(poll_s)
    finally:
        client.cancel([f for i, f in futures.items() if i not in results])  # type: ignore[attr-defined]
    return [results[i] for i in range(len(tasks))]


def _check_workers(client: object, lonely: list[float]) -> list[float]:
    """Fail the run once its cluster has had no worker for :data:`NO_WORKERS_S` (checked every 2 s)."""
    now = time.monotonic()
    if now - lonely[0] < 2:
        return lonely
    if client.nthreads():  # type: ignore[attr-defined]
        return [now, 0.0]
    since = lonely[1] or now
    if now - since > NO_WORKERS_S:
        raise ClusterError(f"the Dask cluster has had no worker for {NO_WORKERS_S:.0f} s")
    return [now, since]


def _cause(future: object) -> str:
    try:
        exc = future.exception(timeout=5)  # type: ignore[attr-defined]
    except Exception as err:  # cancelled, or the scheduler went away
        return f"{type(err).__name__}: {err}"
    return f"{type(exc).__name__}: {exc}"


def _on_worker[T, R](run: Callable[[T], R], task: T) -> R:
    """``run(task)`` on a Dask worker, in a process of its own that ends should the task be dropped.

    The solver holds the interpreter lock for seconds at a time; in a child process it leaves the worker
    free to answer its scheduler, and a task dropped while it runs (its caller gone) is ended by killing
    the child. The child ends with the worker, and its own search processes with it."""
    if mp.current_process().daemon:
        raise ClusterError(
            "this Dask worker is daemonic, so a plan's search processes cannot start: "
            "run the workers with DASK_DISTRIBUTED__WORKER__DAEMON=False"
        )
    from distributed import get_worker

    worker = get_worker()
    key = worker.get_current_task()
    ctx = process_context()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_in_child, args=(send, run, task, os.getpid()), name=f"dispatch-{key}")
    child.start()
    send.close()
    try:
        while not receive.poll(WATCH_S):
            state = worker.state.tasks.get(key)  # forgotten, or cancelled, once its caller is gone
            if state is None or state.state in ("cancelled", "released", "forgotten"):
                raise ClusterError(f"{key} was dropped by its caller")
            if not child.is_alive() and not receive.poll():
                raise ClusterError(f"the process of {key} ended with code {child.exitcode}")
        ok, value = receive.recv()
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if not ok:
        raise value
    return value


def _in_child[T, R](send: Connection, run: Callable[[T], R], task: T, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    try:
        result: tuple[bool, object] = (True, run(task))
    except Exception as exc:  # sent back, raised by the worker (and retried there)
        result = (False, exc)
    send.send(result)
    send.close()
