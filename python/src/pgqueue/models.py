"""The values pgqueue's client takes and returns: frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["CronSchedule", "EnqueueArgs", "Job", "JobRecord", "QueueStats"]


@dataclass(frozen=True)
class EnqueueArgs:
    """One job for ``enqueue_many``: the arguments of ``enqueue``, same names and defaults.

    ``delay`` is a ``timedelta`` or seconds; ``run_at`` and ``expires_at`` are
    timezone-aware datetimes; ``max_retries`` None means the queue's default.
    """

    task: str
    payload: Any = None
    queue: str = "default"
    priority: int = 0
    delay: timedelta | float | None = None
    run_at: datetime | None = None
    max_retries: int | None = None
    dedup_key: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class QueueStats:
    """Job counts of one queue, a row of ``pgqueue.stats``.

    ``pending`` counts jobs due now and ``scheduled`` those waiting for a future
    ``run_at`` (the two are disjoint); ``oldest_pending_age`` is how long the
    oldest due job has waited, None when none is due.
    """

    queue: str
    pending: int
    scheduled: int
    processing: int
    done: int
    failed: int
    cancelled: int
    expired: int
    oldest_pending_age: timedelta | None


@dataclass(frozen=True)
class CronSchedule:
    """A cron schedule, a row of ``pgqueue.list_schedules()``.

    At each fire time of ``spec`` (evaluated in ``timezone``) the database
    enqueues ``task`` with ``payload`` plus a ``"_cron"`` key naming the schedule
    and the fire time. ``last_fire_at`` is None until it first fires.
    """

    name: str
    spec: str
    timezone: str
    task: str
    queue: str
    payload: Any
    priority: int
    next_fire_at: datetime
    last_fire_at: datetime | None


@dataclass(frozen=True)
class Job:
    """A claimed job, as a handler receives it (a row of ``pgqueue.dequeue``).

    ``payload`` is decoded from JSON; ``attempt`` counts this attempt (1 the
    first time); ``lease_expires_at`` is when the job counts as stuck unless
    the worker heartbeats it (it does, for long jobs).
    """

    id: int
    queue: str
    task: str
    payload: Any
    priority: int
    attempt: int
    max_retries: int
    run_at: datetime
    created_at: datetime
    expires_at: datetime | None
    dedup_key: str | None
    locked_by: str
    lease_expires_at: datetime


@dataclass(frozen=True)
class JobRecord:
    """Everything about a job (a row of ``pgqueue.get_job`` / ``pgqueue.list_jobs``),
    including its state, result and error history: one ``{"attempt", "at", "error"}``
    dict per failed attempt, oldest first."""

    id: int
    run_at: datetime
    created_at: datetime
    priority: int
    attempt: int
    max_retries: int
    state: str
    queue: str
    task: str
    payload: Any
    dedup_key: str | None
    expires_at: datetime | None
    locked_by: str | None
    locked_at: datetime | None
    lease_expires_at: datetime | None
    finished_at: datetime | None
    result: Any
    errors: list[dict[str, Any]]
