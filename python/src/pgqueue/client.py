"""``Client`` and ``AsyncClient``: enqueue jobs and manage them, one SQL call per method.

Both are thin: the arguments are checked and encoded by :mod:`pgqueue._common`,
the statements are in :mod:`pgqueue.queries`, and the two classes differ only in
whether they wait for the database with ``await``.

A client takes a conninfo string, and then owns a small connection pool that it
opens on first use (or on ``open()`` / entering ``with``) and closes on
``close()``; or an existing pool, which it uses but never opens or closes.

Opening its own pool, a client first makes one connection and closes it. A pool
retries a connection that fails in the background, logging each attempt, and a
caller waiting for one gets a ``PoolTimeout`` after 30 s that does not say why; so
a wrong database, password or host would hang every first call. The test
connection raises libpq's error (``psycopg.OperationalError``) at once instead.

Methods that take ``conn=`` run on that connection, inside the caller's
transaction, and do not commit: the job exists only if the caller's own writes
commit with it (the transactional outbox). Without ``conn`` the call runs on a
pooled connection and commits.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, TypeVar, cast

import psycopg
from psycopg.rows import BaseRowFactory, class_row, scalar_row
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from pgqueue import queries
from pgqueue._common import (
    check_conninfo,
    enqueue_many_params,
    enqueue_params,
    job_id_params,
    list_jobs_params,
    schedule_name_params,
    schedule_params,
    stats_params,
    translate_errors,
)
from pgqueue.errors import InvalidArgument, PgQueueError
from pgqueue.models import CronSchedule, EnqueueArgs, JobRecord, QueueStats

__all__ = ["AsyncClient", "Client"]

T = TypeVar("T")

# The pool a client opens for a conninfo: enqueueing is short, so a few
# connections serve many threads or tasks.
POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 4


def _closed_error() -> PgQueueError:
    return PgQueueError("the client is closed")


def _run(conn: psycopg.Connection[Any], query: str, params: Mapping[str, Any], rows: BaseRowFactory[T]) -> list[T]:
    with conn.cursor(row_factory=rows) as cur:
        cur.execute(query, params)
        return cur.fetchall()


async def _arun(
    conn: psycopg.AsyncConnection[Any], query: str, params: Mapping[str, Any], rows: BaseRowFactory[T]
) -> list[T]:
    async with conn.cursor(row_factory=rows) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


Pool = TypeVar("Pool", ConnectionPool[Any], AsyncConnectionPool[Any])


def _pool(owner: str, conninfo_or_pool: object, pool_class: type[Pool]) -> tuple[Pool, str | None]:
    """The pool a client uses, and its conninfo if the client owns it: a small pool of its
    own for a conninfo (opened on first use), or the one it was given (None)."""
    if isinstance(conninfo_or_pool, str):
        conninfo = check_conninfo(conninfo_or_pool)
        pool = pool_class(conninfo, min_size=POOL_MIN_SIZE, max_size=POOL_MAX_SIZE, open=False, name="pgqueue")
        return pool, conninfo
    if isinstance(conninfo_or_pool, pool_class):
        return conninfo_or_pool, None
    raise InvalidArgument(
        f"{owner} takes a conninfo str or a psycopg_pool.{pool_class.__name__} (got {type(conninfo_or_pool).__name__})"
    )


class Client:
    """A synchronous pgqueue client; safe to share between threads."""

    def __init__(self, conninfo_or_pool: str | ConnectionPool[Any]) -> None:
        self._pool, self._conninfo = _pool("Client", conninfo_or_pool, ConnectionPool)
        self._opened = self._conninfo is None  # a pool given is the caller's to open
        self._closed = False
        self._lock = threading.Lock()

    def open(self) -> None:
        """Open the pool the client owns (done on first use otherwise)."""
        with self._lock:
            if self._closed:
                raise _closed_error()
            if self._conninfo is not None and not self._opened:
                psycopg.connect(self._conninfo).close()  # fails fast: see the module docstring
                self._pool.open()
                self._opened = True

    def close(self) -> None:
        """Close the pool the client owns; a pool it was given stays open."""
        with self._lock:
            if self._conninfo is not None and not self._closed:
                self._pool.close()
            self._closed = True

    def __enter__(self) -> Client:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        if not self._opened or self._closed:
            self.open()
        with self._pool.connection() as conn:
            yield conn

    def _fetch(
        self,
        query: str,
        params: Mapping[str, Any],
        rows: BaseRowFactory[T],
        conn: psycopg.Connection[Any] | None = None,
    ) -> list[T]:
        with translate_errors():
            if conn is not None:
                return _run(conn, query, params, rows)
            with self._connection() as pooled:
                return _run(pooled, query, params, rows)

    def enqueue(
        self,
        task: str,
        payload: Any = None,
        *,
        queue: str = "default",
        priority: int = 0,
        delay: timedelta | float | None = None,
        run_at: datetime | None = None,
        max_retries: int | None = None,
        dedup_key: str | None = None,
        expires_at: datetime | None = None,
        conn: psycopg.Connection[Any] | None = None,
    ) -> int:
        """Enqueue a job and return its id (an existing job's id when ``dedup_key`` is taken).

        ``payload`` is any JSON-serializable value (None: ``{}``). ``delay`` (a
        timedelta or seconds) or ``run_at`` (not both) postpone the job;
        ``max_retries`` None takes the queue's default. With ``conn``, the job is
        inserted in that connection's transaction, which the caller commits.
        """
        params = enqueue_params(
            task=task,
            payload=payload,
            queue=queue,
            priority=priority,
            delay=delay,
            run_at=run_at,
            max_retries=max_retries,
            dedup_key=dedup_key,
            expires_at=expires_at,
        )
        (job_id,) = self._fetch(queries.ENQUEUE, params, scalar_row, conn)
        return int(job_id)

    def enqueue_many(
        self,
        jobs: Sequence[Mapping[str, Any] | EnqueueArgs],
        *,
        conn: psycopg.Connection[Any] | None = None,
    ) -> list[int]:
        """Enqueue many jobs in one statement; their ids in input order.

        Each job is an :class:`EnqueueArgs` or a mapping whose keys are
        ``enqueue``'s parameter names. No jobs, no call.
        """
        params = enqueue_many_params(jobs)
        if params["jobs"] == "[]":
            return []
        return [int(job_id) for job_id in self._fetch(queries.ENQUEUE_MANY, params, scalar_row, conn)]

    def cancel(self, job_id: int) -> bool:
        """Cancel a pending job; False (and no change) if it is not pending."""
        (cancelled,) = self._fetch(queries.CANCEL, job_id_params(job_id), scalar_row)
        return bool(cancelled)

    def retry(self, job_id: int) -> bool:
        """Make a failed, cancelled or expired job pending again, due now; False otherwise."""
        (retried,) = self._fetch(queries.RETRY, job_id_params(job_id), scalar_row)
        return bool(retried)

    def stats(self, queue: str | None = None) -> list[QueueStats]:
        """Job counts of one queue, or of every queue when None, ordered by queue name."""
        return self._fetch(queries.STATS, stats_params(queue), class_row(QueueStats))

    def get_job(self, job_id: int) -> JobRecord | None:
        """Everything about one job, its error history included; None if there is no such job."""
        rows = self._fetch(queries.GET_JOB, job_id_params(job_id), class_row(JobRecord))
        return rows[0] if rows else None

    def list_jobs(
        self,
        state: str | None = None,
        queue: str | None = None,
        task: str | None = None,
        limit: int = 100,
        before_id: int | None = None,
    ) -> list[JobRecord]:
        """Up to ``limit`` (at most 10,000) jobs, newest first; None filters nothing.

        A ``task`` ending in ``:`` matches as a prefix, as in routing. For the next
        page, pass the last id seen as ``before_id``.
        """
        params = list_jobs_params(state, queue, task, limit, before_id)
        return self._fetch(queries.LIST_JOBS, params, class_row(JobRecord))

    def schedule_cron(
        self,
        spec: str,
        name: str,
        task: str,
        payload: Any = None,
        *,
        queue: str = "default",
        priority: int = 0,
        timezone: str = "UTC",
    ) -> datetime:
        """Create or replace the cron schedule ``name``; returns its next fire time.

        ``spec`` is a 5-field cron spec, a macro (``@hourly``, ``@daily``, ...) or
        ``@every <interval>``, evaluated in the IANA ``timezone``. Each fire time
        enqueues ``task`` once, however many workers run ``tick()``.
        """
        params = schedule_params(
            spec=spec, name=name, task=task, payload=payload, queue=queue, priority=priority, timezone=timezone
        )
        (next_fire_at,) = self._fetch(queries.SCHEDULE, params, scalar_row)
        return cast(datetime, next_fire_at)

    def list_cron(self) -> list[CronSchedule]:
        """Every cron schedule, by name, with its next and last fire time."""
        return self._fetch(queries.LIST_SCHEDULES, {}, class_row(CronSchedule))

    def remove_cron(self, name: str) -> bool:
        """Remove the cron schedule ``name``; False if there was none. Its jobs stay."""
        (removed,) = self._fetch(queries.UNSCHEDULE, schedule_name_params(name), scalar_row)
        return bool(removed)


class AsyncClient:
    """The asyncio twin of :class:`Client`: the same methods, awaited."""

    def __init__(self, conninfo_or_pool: str | AsyncConnectionPool[Any]) -> None:
        self._pool, self._conninfo = _pool("AsyncClient", conninfo_or_pool, AsyncConnectionPool)
        self._opened = self._conninfo is None  # a pool given is the caller's to open
        self._closed = False
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Open the pool the client owns (done on first use otherwise)."""
        async with self._lock:
            if self._closed:
                raise _closed_error()
            if self._conninfo is not None and not self._opened:
                await (await psycopg.AsyncConnection.connect(self._conninfo)).close()  # fails fast, as Client's
                await self._pool.open()
                self._opened = True

    async def close(self) -> None:
        """Close the pool the client owns; a pool it was given stays open."""
        async with self._lock:
            if self._conninfo is not None and not self._closed:
                await self._pool.close()
            self._closed = True

    async def __aenter__(self) -> AsyncClient:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if not self._opened or self._closed:
            await self.open()
        async with self._pool.connection() as conn:
            yield conn

    async def _fetch(
        self,
        query: str,
        params: Mapping[str, Any],
        rows: BaseRowFactory[T],
        conn: psycopg.AsyncConnection[Any] | None = None,
    ) -> list[T]:
        with translate_errors():
            if conn is not None:
                return await _arun(conn, query, params, rows)
            async with self._connection() as pooled:
                return await _arun(pooled, query, params, rows)

    async def enqueue(
        self,
        task: str,
        payload: Any = None,
        *,
        queue: str = "default",
        priority: int = 0,
        delay: timedelta | float | None = None,
        run_at: datetime | None = None,
        max_retries: int | None = None,
        dedup_key: str | None = None,
        expires_at: datetime | None = None,
        conn: psycopg.AsyncConnection[Any] | None = None,
    ) -> int:
        """See :meth:`Client.enqueue`."""
        params = enqueue_params(
            task=task,
            payload=payload,
            queue=queue,
            priority=priority,
            delay=delay,
            run_at=run_at,
            max_retries=max_retries,
            dedup_key=dedup_key,
            expires_at=expires_at,
        )
        (job_id,) = await self._fetch(queries.ENQUEUE, params, scalar_row, conn)
        return int(job_id)

    async def enqueue_many(
        self,
        jobs: Sequence[Mapping[str, Any] | EnqueueArgs],
        *,
        conn: psycopg.AsyncConnection[Any] | None = None,
    ) -> list[int]:
        """See :meth:`Client.enqueue_many`."""
        params = enqueue_many_params(jobs)
        if params["jobs"] == "[]":
            return []
        return [int(job_id) for job_id in await self._fetch(queries.ENQUEUE_MANY, params, scalar_row, conn)]

    async def cancel(self, job_id: int) -> bool:
        """See :meth:`Client.cancel`."""
        (cancelled,) = await self._fetch(queries.CANCEL, job_id_params(job_id), scalar_row)
        return bool(cancelled)

    async def retry(self, job_id: int) -> bool:
        """See :meth:`Client.retry`."""
        (retried,) = await self._fetch(queries.RETRY, job_id_params(job_id), scalar_row)
        return bool(retried)

    async def stats(self, queue: str | None = None) -> list[QueueStats]:
        """See :meth:`Client.stats`."""
        return await self._fetch(queries.STATS, stats_params(queue), class_row(QueueStats))

    async def get_job(self, job_id: int) -> JobRecord | None:
        """See :meth:`Client.get_job`."""
        rows = await self._fetch(queries.GET_JOB, job_id_params(job_id), class_row(JobRecord))
        return rows[0] if rows else None

    async def list_jobs(
        self,
        state: str | None = None,
        queue: str | None = None,
        task: str | None = None,
        limit: int = 100,
        before_id: int | None = None,
    ) -> list[JobRecord]:
        """See :meth:`Client.list_jobs`."""
        params = list_jobs_params(state, queue, task, limit, before_id)
        return await self._fetch(queries.LIST_JOBS, params, class_row(JobRecord))

    async def schedule_cron(
        self,
        spec: str,
        name: str,
        task: str,
        payload: Any = None,
        *,
        queue: str = "default",
        priority: int = 0,
        timezone: str = "UTC",
    ) -> datetime:
        """See :meth:`Client.schedule_cron`."""
        params = schedule_params(
            spec=spec, name=name, task=task, payload=payload, queue=queue, priority=priority, timezone=timezone
        )
        (next_fire_at,) = await self._fetch(queries.SCHEDULE, params, scalar_row)
        return cast(datetime, next_fire_at)

    async def list_cron(self) -> list[CronSchedule]:
        """See :meth:`Client.list_cron`."""
        return await self._fetch(queries.LIST_SCHEDULES, {}, class_row(CronSchedule))

    async def remove_cron(self, name: str) -> bool:
        """See :meth:`Client.remove_cron`."""
        (removed,) = await self._fetch(queries.UNSCHEDULE, schedule_name_params(name), scalar_row)
        return bool(removed)
