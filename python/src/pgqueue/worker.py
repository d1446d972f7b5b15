"""The worker: claims jobs, runs their handlers, acknowledges them, and survives.

:class:`AsyncWorker` is the one implementation; :class:`Worker` runs it on an
event loop of its own for programs that are not async. Every database action is
one call of a ``pgqueue.*`` function (see :mod:`pgqueue.queries`):

* **claiming**: ``dequeue`` for as many jobs as there are free slots (at most
  ``batch_size``), again at once while the queue has more, else when a
  ``NOTIFY`` says a job is due or after ``poll_interval`` (delayed and rescued
  jobs are found by that poll);
* **running**: ``async def`` handlers on the loop, ``def`` handlers in a thread
  pool, at most ``concurrency`` at a time;
* **acknowledging**: completions are sent with ``complete_many``. While one call
  is in flight the next completions collect, so they are batched under load
  without ever being held back by a timer. Failures go one by one (``fail``);
* **heartbeats**: a job that has used a third of its lease gets it extended;
* **maintenance**: ``tick()`` every ``tick_interval`` (cron, rescue, expiry,
  cleanup);
* **outages**: each connection reconnects with backoff; the outage is logged
  once; owed acknowledgements are re-sent (fencing makes a late one harmless);
* **shutdown**: on SIGINT/SIGTERM (or :meth:`AsyncWorker.stop`) it stops
  claiming, lets running jobs finish for up to ``shutdown_timeout``, then
  ``release``\\ s the rest without counting their attempt. A second signal exits
  at once.

Four connections per worker: claiming, acknowledging, maintenance (heartbeats
and tick) and LISTEN.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import logging
import os
import queue
import signal
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import psycopg
from psycopg.rows import BaseRowFactory, class_row, scalar_row

from pgqueue import queries
from pgqueue._common import check_conninfo, duration
from pgqueue.errors import InvalidArgument, PermanentError, PgQueueError, Retry
from pgqueue.models import Job
from pgqueue.mux import ServeMux, SyncHandler

__all__ = ["AsyncWorker", "Worker", "run_processes"]

log = logging.getLogger("pgqueue.worker")

T = TypeVar("T")

# Reconnection backoff: from RECONNECT_MIN doubling to RECONNECT_MAX seconds.
RECONNECT_MIN = 0.05
RECONNECT_MAX = 5.0
# How often running jobs are checked for a heartbeat (a DB call only when due).
HEARTBEAT_CHECK_SECONDS = 0.5
# A job is heartbeated once this fraction of its lease has passed.
HEARTBEAT_FRACTION = 1 / 3
# Error text kept per failed attempt in the job's history.
MAX_ERROR_CHARS = 8000


def _seconds(
    name: str, value: timedelta | float | None, *, allow_none: bool = True, positive: bool = False
) -> float | None:
    """A non-negative (or ``positive``) duration option in seconds; the type checks are the client's."""
    checked = duration(name, value)
    if checked is None:
        if allow_none:
            return None
        raise InvalidArgument(f"{name} must be given")
    if positive and checked <= timedelta(0):
        raise InvalidArgument(f"{name} must be positive (got {value!r})")
    if checked < timedelta(0):
        raise InvalidArgument(f"{name} must not be negative (got {value!r})")
    return checked.total_seconds()


def default_worker_id() -> str:
    """host:pid:random - unique per process, which fencing relies on."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def describe(error: BaseException) -> str:
    """The error text recorded in the job's history: the exception first (what a person
    scanning failures reads), then its traceback."""
    headline = "".join(traceback.format_exception_only(error)).strip()
    text = headline + "\n\n" + "".join(traceback.format_exception(error)).rstrip()
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 20] + "\n... (truncated)"


class _Link:
    """One autocommit connection that reconnects with backoff and logs an outage once."""

    def __init__(self, conninfo: str, name: str, worker: AsyncWorker) -> None:
        self.conninfo = conninfo
        self.name = name
        self.worker = worker
        self.conn: psycopg.AsyncConnection[Any] | None = None
        self.lock = asyncio.Lock()

    async def connection(self) -> psycopg.AsyncConnection[Any]:
        if self.conn is None or self.conn.closed:
            self.conn = await psycopg.AsyncConnection.connect(
                self.conninfo, autocommit=True, application_name=f"pgqueue worker {self.name}"
            )
        return self.conn

    async def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                await self.conn.close()
            self.conn = None

    async def fetch(
        self, query: str, params: dict[str, Any], rows: BaseRowFactory[T], *, give_up: Callable[[], bool]
    ) -> list[T] | None:
        """Run one statement, retrying through outages until it succeeds or
        ``give_up()`` is true (then None)."""
        delay = RECONNECT_MIN
        async with self.lock:
            while True:
                try:
                    conn = await self.connection()
                    async with conn.cursor(row_factory=rows) as cur:
                        await cur.execute(query, params)
                        result = await cur.fetchall()
                    self.worker._database_back(self.name)
                    return result
                except psycopg.OperationalError as error:
                    await self.close()
                    self.worker._database_lost(self.name, error)
                    if give_up():
                        return None
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RECONNECT_MAX)


class _DaemonThreadPool(Executor):
    """Runs ``def`` handlers: up to ``max_workers`` reused threads, like
    ``ThreadPoolExecutor``, but daemon threads. The interpreter joins a
    ``ThreadPoolExecutor``'s threads at exit, so a handler still running after
    ``shutdown_timeout`` (its job already released to other workers) kept the
    process alive - and the job running twice at once - until it returned.
    Daemon threads end with the process."""

    def __init__(self, max_workers: int, name: str) -> None:
        self._max_workers = max_workers
        self._name = name
        self._work: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._shut_down = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._shut_down:
                raise RuntimeError("cannot schedule new futures after shutdown")
            self._work.put((future, functools.partial(fn, *args, **kwargs)))
            if self._idle:
                self._idle -= 1
            elif len(self._threads) < self._max_workers:
                thread = threading.Thread(target=self._serve, name=f"{self._name}_{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        return future

    def _serve(self) -> None:
        while (item := self._work.get()) is not None:
            future, call = item
            del item
            if future.set_running_or_notify_cancel():
                try:
                    result = call()
                except BaseException as error:
                    future.set_exception(error)
                else:
                    future.set_result(result)
            del future, call
            with self._lock:
                self._idle += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shut_down = True
        if cancel_futures:
            with contextlib.suppress(queue.Empty):
                while (item := self._work.get_nowait()) is not None:
                    item[0].cancel()
        for _ in self._threads:
            self._work.put(None)  # each thread ends after its current call
        if wait:
            for thread in self._threads:
                thread.join()


@dataclass
class _Running:
    job: Job
    task: asyncio.Task[None]
    next_heartbeat: float
    heartbeat_every: float


# A failure owed: the job, the error text, retry_in (None: the backoff), permanent.
_Failure = tuple[Job, str, float | None, bool]


@dataclass
class _Acks:
    """What the worker owes the database: completions and failures not yet sent, and
    those being sent (``sending``, by job id: None for a completion)."""

    completed: list[int] = field(default_factory=list)
    failed: list[_Failure] = field(default_factory=list)
    sending: dict[int, _Failure | None] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def __bool__(self) -> bool:
        return bool(self.completed or self.failed)

    def answer(self, job_id: int) -> bool:
        """Whether the job, just claimed again, has a run here that ended but whose
        acknowledgement has not arrived: that acknowledgement then answers the new
        claim, since fencing checks only the worker id. One not yet sent goes after
        the claim anyway. One being sent may have arrived before the claim (and been
        refused), so it is owed again; sent twice, the second finds nothing to do."""
        if job_id in self.completed or any(failure[0].id == job_id for failure in self.failed):
            return True
        if job_id not in self.sending:
            return False
        failure = self.sending[job_id]
        if failure is None:
            self.completed.append(job_id)
        else:
            self.failed.append(failure)
        self.ready.set()
        return True


class AsyncWorker:
    """Runs jobs of ``queues`` (None: every queue) through ``mux``; see the module docstring.

    ``lease`` (timedelta or seconds; None: each queue's lease) is how long a job
    stays claimed without a heartbeat; the worker heartbeats long jobs itself.

    ``processed`` counts the jobs it ran; ``last_ack_at`` is the ``time.time()`` of
    its last acknowledgement (for health checks). The statements it sends are
    class attributes, so a benchmark can run the same loop against other SQL.
    """

    DEQUEUE = queries.DEQUEUE
    COMPLETE_MANY = queries.COMPLETE_MANY
    FAIL = queries.FAIL
    FAIL_PERMANENTLY = queries.FAIL_PERMANENTLY
    HEARTBEAT = queries.HEARTBEAT
    RELEASE = queries.RELEASE
    TICK = queries.TICK
    LISTEN = queries.LISTEN

    def __init__(
        self,
        conninfo: str,
        mux: ServeMux,
        *,
        concurrency: int = 10,
        queues: Sequence[str] | None = None,
        batch_size: int = 10,
        poll_interval: timedelta | float = 5.0,
        lease: timedelta | float | None = None,
        shutdown_timeout: timedelta | float = 30.0,
        tick_interval: timedelta | float | None = 5.0,
        listen: bool = True,
        worker_id: str | None = None,
    ) -> None:
        if not isinstance(mux, ServeMux):
            raise InvalidArgument(f"mux must be a pgqueue.ServeMux (got {type(mux).__name__})")
        for name, value in (("concurrency", concurrency), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidArgument(f"{name} must be an int of at least 1 (got {value!r})")
        if queues is not None and (
            isinstance(queues, str) or not queues or not all(isinstance(q, str) and q for q in queues)
        ):
            raise InvalidArgument(f"queues must be a non-empty list of queue names, or None (got {queues!r})")
        self.conninfo = check_conninfo(conninfo)
        self.mux = mux
        self.concurrency = concurrency
        self.queues = list(queues) if queues is not None else None
        self.batch_size = batch_size
        # Positive: with 0 an idle worker would call dequeue in a busy loop.
        self.poll_interval = _seconds("poll_interval", poll_interval, allow_none=False, positive=True) or 0.0
        self.lease = _seconds("lease", lease, positive=True)
        self.shutdown_timeout = _seconds("shutdown_timeout", shutdown_timeout, allow_none=False) or 0.0
        self.tick_interval = _seconds("tick_interval", tick_interval)
        self.listen = listen
        self.worker_id = worker_id or default_worker_id()

        self._running: dict[int, _Running] = {}
        self._acks = _Acks()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._slot_freed = asyncio.Event()
        self._outage: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        # Guards _loop: stop() from another thread must see either no loop (then run()
        # sees _stopping) or the loop to call into.
        self._control = threading.Lock()
        self._executor: _DaemonThreadPool | None = None
        self._signals = 0
        self._ack_deadline: float | None = None
        self.processed = 0
        self.last_ack_at: float | None = None

    # --- control -------------------------------------------------------------

    def stop(self) -> None:
        """Stop gracefully: no more claims, running jobs finish. Safe from any thread;
        before ``run()``, ``run()`` then returns at once."""
        with self._control:
            loop = self._loop
            if loop is None:
                self._stopping.set()  # no loop waits on it yet: run() will see it
                return
        with contextlib.suppress(RuntimeError):  # the loop is closed: run() is over
            loop.call_soon_threadsafe(self._begin_stop)

    def _begin_stop(self) -> None:
        if not self._stopping.is_set():
            log.info("worker %s stopping: no new jobs; %d running", self.worker_id, len(self._running))
        self._stopping.set()
        self._wake.set()
        self._slot_freed.set()

    def _on_signal(self, signum: int) -> None:
        self._signals += 1
        if self._signals > 1:
            log.warning("second %s: exiting now", signal.Signals(signum).name)
            os._exit(1)
        log.info("%s received", signal.Signals(signum).name)
        self._begin_stop()

    def _database_lost(self, link: str, error: Exception) -> None:
        if not self._outage:
            log.warning("database unavailable (%s): %s; reconnecting", link, str(error).strip())
        self._outage.add(link)

    def _database_back(self, link: str) -> None:
        if link in self._outage:
            self._outage.discard(link)
            if not self._outage:
                log.info("database reachable again")

    # --- running ---------------------------------------------------------------

    async def run(self, *, handle_signals: bool = True) -> None:
        """Work until stopped (``stop()``, SIGINT or SIGTERM), then shut down gracefully.

        A worker runs once. Cancelling the task that runs it (a TaskGroup, ``asyncio.timeout``)
        skips the wait for running jobs but still releases them.
        """
        with self._control:
            if self._loop is not None:
                raise PgQueueError("a worker runs once: create another one to run again")
            self._loop = asyncio.get_running_loop()
        self._executor = _DaemonThreadPool(self.concurrency, "pgqueue-job")
        claim = _Link(self.conninfo, "claim", self)
        acks = _Link(self.conninfo, "ack", self)
        maintenance = _Link(self.conninfo, "maintenance", self)
        installed: list[signal.Signals] = []
        if handle_signals and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._loop.add_signal_handler(signum, self._on_signal, signum)
                installed.append(signum)
        log.info(
            "worker %s started: queues %s, concurrency %d, batch %d, handlers %s",
            self.worker_id,
            ", ".join(self.queues) if self.queues else "(all)",
            self.concurrency,
            self.batch_size,
            ", ".join(self.mux.patterns) or "(none)",
        )
        ack_task = asyncio.create_task(self._ack_loop(acks), name="pgqueue-ack")
        helpers = [asyncio.create_task(self._maintenance_loop(maintenance), name="pgqueue-maintenance")]
        if self.listen:
            helpers.append(asyncio.create_task(self._listen_loop(), name="pgqueue-listen"))
        try:
            await self._claim_loop(claim)
            await self._drain(claim)
        except asyncio.CancelledError:
            # No time for running jobs to finish, but left claimed they would wait
            # for their lease (minutes) before anyone ran them again.
            log.info("worker %s cancelled: releasing %d running jobs", self.worker_id, len(self._running))
            await self._release(claim)
            raise
        finally:
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            await self._stop_acks(ack_task)
            for link in (claim, maintenance):
                await link.close()
            self._executor.shutdown(wait=False, cancel_futures=True)
            for signum in installed:
                self._loop.remove_signal_handler(signum)
            log.info("worker %s stopped after %d jobs", self.worker_id, self.processed)

    async def _claim_loop(self, link: _Link) -> None:
        while not self._stopping.is_set():
            free = self.concurrency - len(self._running)
            if free <= 0:
                self._slot_freed.clear()
                await self._slot_freed.wait()
                await asyncio.sleep(0)  # let the other jobs finishing now free their slots too
                continue
            wanted = min(free, self.batch_size)
            self._wake.clear()
            jobs = await link.fetch(
                self.DEQUEUE,
                {"worker": self.worker_id, "queues": self.queues, "batch_size": wanted, "lease": self._lease()},
                class_row(Job),
                give_up=self._stopping.is_set,
            )
            if jobs is None:
                break
            for job in jobs:
                self._start(job)
            if len(jobs) < wanted and not self._stopping.is_set():
                # Caught up (the queues had fewer due jobs than we asked for): wait
                # for a notification, the poll, or a stop.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)

    def _lease(self) -> timedelta | None:
        return timedelta(seconds=self.lease) if self.lease is not None else None

    def _start(self, job: Job) -> None:
        remaining = max((job.lease_expires_at - datetime.now(timezone.utc)).total_seconds(), 1.0)
        every = remaining * HEARTBEAT_FRACTION
        running = self._running.get(job.id)
        if running is not None:
            # Claimed again while it still runs here: its lease ran out (an outage longer
            # than the lease, a blocked event loop) and rescue made it pending. A second
            # run would run the job twice at once. The run goes on under the new claim:
            # it keeps its slot, is heartbeated on the new lease, and its acknowledgement,
            # fenced by this worker's id only, answers the new claim.
            log.warning(
                "job %s was claimed again (attempt %s) while it runs here: the run goes on under the new claim",
                job.id,
                job.attempt,
            )
            running.next_heartbeat = time.monotonic() + every
            running.heartbeat_every = every
            return
        if self._acks.answer(job.id):
            log.warning(
                "job %s was claimed again (attempt %s) before its acknowledgement arrived: that answers the claim",
                job.id,
                job.attempt,
            )
            return
        task = asyncio.create_task(self._run_job(job), name=f"pgqueue-job-{job.id}")
        self._running[job.id] = _Running(job, task, time.monotonic() + every, every)

    async def _run_sync(self, handler: SyncHandler, job: Job) -> Any:
        assert self._loop is not None
        assert self._executor is not None
        context = contextvars.copy_context()
        return await self._loop.run_in_executor(self._executor, functools.partial(context.run, handler, job))

    async def _run_job(self, job: Job) -> None:
        try:
            await self.mux.dispatch(job, self._run_sync)
        except asyncio.CancelledError:
            raise  # shutdown: released by _drain
        except Retry as retry:
            try:
                retry_in = _seconds("Retry delay", retry.delay)
            except InvalidArgument as error:  # a bad delay must not lose the failure
                self._owe_failure(job, f"{retry}; {error}", None, permanent=False)
            else:
                self._owe_failure(job, str(retry), retry_in, permanent=False)
        except PermanentError as error:
            self._owe_failure(job, describe(error), None, permanent=True)
        except Exception as error:
            self._owe_failure(job, describe(error), None, permanent=False)
        else:
            self.processed += 1
            self._acks.completed.append(job.id)
            self._acks.ready.set()
        finally:
            self._running.pop(job.id, None)
            self._slot_freed.set()

    def _owe_failure(self, job: Job, error: str, retry_in: float | None, *, permanent: bool) -> None:
        # PostgreSQL text cannot hold NUL; an exception message may.
        error = error.replace("\x00", "\\x00")
        self.processed += 1
        self._acks.failed.append((job, error, retry_in, permanent))
        self._acks.ready.set()

    # --- acknowledging -----------------------------------------------------------

    def _ack_deadline_passed(self) -> bool:
        return self._ack_deadline is not None and time.monotonic() > self._ack_deadline

    async def _ack_loop(self, link: _Link) -> None:
        """Send what is owed as it comes. At shutdown (a deadline is set) it sends the
        rest, retrying through an outage until the deadline, and returns: it is never
        cancelled mid-call, so no acknowledgement is dropped on the floor."""
        try:
            while True:
                await self._acks.ready.wait()
                self._acks.ready.clear()
                await self._send_acks(link, give_up=self._ack_deadline_passed)
                if self._ack_deadline is not None and (not self._acks or self._ack_deadline_passed()):
                    return
        finally:
            await link.close()

    async def _send_acks(self, link: _Link, *, give_up: Callable[[], bool]) -> None:
        """Send what is owed. An outage is retried (``give_up`` decides for how long);
        any other error drops only the acknowledgement that caused it, logged, so one
        bad call cannot stop the worker from acknowledging: that job runs again after
        its lease."""
        while self._acks:
            completed, self._acks.completed = self._acks.completed, []
            failed, self._acks.failed = self._acks.failed, []
            # What is on its way, for a claim of one of these jobs meanwhile (_Acks.answer);
            # each leaves once its call has returned. Put back as owed, it is found there.
            self._acks.sending = {job_id: None for job_id in completed}
            self._acks.sending.update((failure[0].id, failure) for failure in failed)
            if completed:
                try:
                    sent = await link.fetch(
                        self.COMPLETE_MANY,
                        {"job_ids": completed, "worker": self.worker_id},
                        scalar_row,
                        give_up=give_up,
                    )
                except psycopg.Error:
                    log.exception("could not complete jobs %s; they will run again after their lease", completed)
                    sent = []
                if sent is None:
                    self._acks.completed[:0] = completed
                    self._acks.failed[:0] = failed
                    return
                self.last_ack_at = time.time()
                for job_id in completed:
                    self._acks.sending.pop(job_id, None)
            for index, (job, error, retry_in, permanent) in enumerate(failed):
                params: dict[str, Any] = {"job_id": job.id, "worker": self.worker_id, "error": error}
                if not permanent:
                    params["retry_in"] = timedelta(seconds=retry_in) if retry_in is not None else None
                query = self.FAIL_PERMANENTLY if permanent else self.FAIL
                try:
                    if await link.fetch(query, params, scalar_row, give_up=give_up) is None:
                        self._acks.failed[:0] = failed[index:]
                        return
                except psycopg.Error:
                    log.exception("could not record the failure of job %s; it will run again after its lease", job.id)
                self.last_ack_at = time.time()
                self._acks.sending.pop(job.id, None)

    async def _stop_acks(self, ack_task: asyncio.Task[None]) -> None:
        """Let the ack loop send what is owed, retrying through an outage for up to
        shutdown_timeout, and finish."""
        self._ack_deadline = time.monotonic() + max(self.shutdown_timeout, 1.0)
        self._acks.ready.set()
        await ack_task
        if self._acks:
            log.warning(
                "worker %s exits owing %d acknowledgements: their jobs will run again after their lease",
                self.worker_id,
                len(self._acks.completed) + len(self._acks.failed),
            )

    # --- shutdown --------------------------------------------------------------------

    async def _drain(self, link: _Link) -> None:
        """Let running jobs finish for up to shutdown_timeout, then release the rest."""
        running = [r.task for r in self._running.values()]
        if running:
            log.info("waiting up to %.0f s for %d running jobs", self.shutdown_timeout, len(running))
            await asyncio.wait(running, timeout=self.shutdown_timeout)
        await self._release(link)

    async def _release(self, link: _Link) -> None:
        """Cancel the jobs still running and release them: pending again, attempt not counted."""
        unfinished = list(self._running.values())
        if not unfinished:
            return
        for entry in unfinished:
            entry.task.cancel()  # async handlers stop; a thread cannot be stopped, its result is fenced out
        await asyncio.wait([e.task for e in unfinished], timeout=1.0)
        ids = [e.job.id for e in unfinished]
        deadline = time.monotonic() + 5.0
        await link.fetch(
            self.RELEASE,
            {"job_ids": ids, "worker": self.worker_id},
            scalar_row,
            give_up=lambda: time.monotonic() > deadline,
        )
        log.info("released %d unfinished jobs: %s", len(ids), ", ".join(map(str, ids)))
        self._running.clear()

    # --- background loops --------------------------------------------------------------

    async def _maintenance_loop(self, link: _Link) -> None:
        next_tick = time.monotonic()
        while True:
            try:
                next_tick = await self._maintain(link, next_tick)
            except psycopg.Error:
                # A role without the right to tick, say: log it, keep heartbeating.
                log.exception("maintenance call failed")
                next_tick = time.monotonic() + (self.tick_interval or 0.0)
            await asyncio.sleep(HEARTBEAT_CHECK_SECONDS)

    async def _maintain(self, link: _Link, next_tick: float) -> float:
        """Heartbeat the running jobs that are due, and tick when it is time; returns
        when to tick next."""
        now = time.monotonic()
        due = [r for r in self._running.values() if r.next_heartbeat <= now]
        if due:
            await link.fetch(
                self.HEARTBEAT,
                {"job_ids": [r.job.id for r in due], "worker": self.worker_id, "lease": self._lease()},
                scalar_row,
                give_up=lambda: True,
            )
            for entry in due:
                entry.next_heartbeat = time.monotonic() + entry.heartbeat_every
        if self.tick_interval is not None and now >= next_tick:
            report = await link.fetch(self.TICK, {}, scalar_row, give_up=lambda: True)
            if report and isinstance(report[0], dict) and not report[0].get("skipped"):
                done = {k: v for k, v in report[0].items() if k != "skipped" and v}
                if done:
                    log.info("maintenance: %s", ", ".join(f"{k} {v}" for k, v in done.items()))
            next_tick = time.monotonic() + self.tick_interval
        return next_tick

    async def _listen_loop(self) -> None:
        delay = RECONNECT_MIN
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, application_name="pgqueue worker listen"
                ) as conn:
                    await conn.execute(self.LISTEN)
                    self._database_back("listen")
                    delay = RECONNECT_MIN
                    self._wake.set()  # anything enqueued while we were not listening
                    async for notify in conn.notifies():
                        if self.queues is None or notify.payload == "*" or notify.payload in self.queues:
                            self._wake.set()
            except psycopg.OperationalError as error:
                self._database_lost("listen", error)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX)


class Worker:
    """The synchronous face of :class:`AsyncWorker`, with the same arguments: ``run()``
    blocks until the worker is stopped by ``stop()`` (from another thread, or before
    ``run()``), SIGINT or SIGTERM. A worker runs once."""

    def __init__(
        self,
        conninfo: str,
        mux: ServeMux,
        *,
        concurrency: int = 10,
        queues: Sequence[str] | None = None,
        batch_size: int = 10,
        poll_interval: timedelta | float = 5.0,
        lease: timedelta | float | None = None,
        shutdown_timeout: timedelta | float = 30.0,
        tick_interval: timedelta | float | None = 5.0,
        listen: bool = True,
        worker_id: str | None = None,
    ) -> None:
        # Made (and its arguments checked) now, in the caller's thread; asyncio's
        # primitives bind to the loop that first waits on them, run()'s.
        self._worker = AsyncWorker(
            conninfo,
            mux,
            concurrency=concurrency,
            queues=queues,
            batch_size=batch_size,
            poll_interval=poll_interval,
            lease=lease,
            shutdown_timeout=shutdown_timeout,
            tick_interval=tick_interval,
            listen=listen,
            worker_id=worker_id,
        )

    @property
    def worker_id(self) -> str:
        return self._worker.worker_id

    def run(self, *, handle_signals: bool = True) -> None:
        asyncio.run(self._worker.run(handle_signals=handle_signals))

    def stop(self) -> None:
        self._worker.stop()


def run_processes(processes: int, target: Callable[[], None]) -> int:
    """Run ``target`` (which runs one worker) in ``processes`` forked processes, for CPU-bound
    handlers. SIGINT/SIGTERM (and SIGHUP) are passed on; a process that dies is started again
    until the first signal. Returns 0 when every process exited cleanly after a signal.

    Each process runs in a process group of its own, so it gets a signal once, from here: a
    terminal's Ctrl-C reaches only this supervisor. (Under systemd, use ``KillMode=mixed``:
    a signal sent to every process as well as passed on would count as a second signal.)"""
    import multiprocessing

    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise InvalidArgument(f"processes must be an int of at least 1 (got {processes!r})")
    context = multiprocessing.get_context("fork")
    stopping = threading.Event()
    children: list[multiprocessing.process.BaseProcess] = []

    def run_child() -> None:
        # In the supervisor's process group a Ctrl-C reached each worker twice, from the
        # terminal and passed on, and the second meant "exit now": running jobs abandoned.
        os.setpgid(0, 0)
        for signum, handler in previous.items():  # not forward(), inherited through fork
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        target()

    def start() -> multiprocessing.process.BaseProcess:
        child = context.Process(target=run_child, daemon=False)
        child.start()
        return child

    def forward(signum: int, _frame: object) -> None:
        first = not stopping.is_set()
        stopping.set()
        for child in children:
            if child.pid is not None and child.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signum)
        if not first:
            os._exit(1)

    # SIGHUP too: a hangup of the terminal no longer reaches the workers' process groups.
    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        children.extend(start() for _ in range(processes))
        while any(child.is_alive() for child in children) or not stopping.is_set():
            for index, child in enumerate(children):
                child.join(timeout=0.2)
                if not child.is_alive() and not stopping.is_set():
                    log.warning("worker process %s exited with %s; starting another", child.pid, child.exitcode)
                    children[index] = start()
        return max((child.exitcode or 0) for child in children)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
