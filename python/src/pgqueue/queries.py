"""Every statement the package sends, in one place.

Each is a single call of a ``pgqueue.*`` function in named notation, so a
reader sees the whole contract between the driver and the database here. The
package never reads or writes pgqueue's tables: the functions are the API.
Parameters are cast to the function's parameter types, so the call resolves to
one signature whatever type psycopg picks for a Python value (an ``int`` may be
sent as ``int8``, a ``str`` as ``unknown``).
"""

from __future__ import annotations

from typing import Final

ENQUEUE: Final = """\
select pgqueue.enqueue(
    task => %(task)s::text,
    payload => %(payload)s::jsonb,
    queue => %(queue)s::text,
    priority => %(priority)s::integer,
    run_at => %(run_at)s::timestamptz,
    delay => %(delay)s::interval,
    max_retries => %(max_retries)s::integer,
    dedup_key => %(dedup_key)s::text,
    expires_at => %(expires_at)s::timestamptz
)"""

ENQUEUE_MANY: Final = """\
select pgqueue.enqueue_many(jobs => %(jobs)s::jsonb)"""

CANCEL: Final = """\
select pgqueue.cancel(job_id => %(job_id)s::bigint)"""

RETRY: Final = """\
select pgqueue.retry(job_id => %(job_id)s::bigint)"""

STATS: Final = """\
select
    s.queue,
    s.pending,
    s.scheduled,
    s.processing,
    s.done,
    s.failed,
    s.cancelled,
    s.expired,
    s.oldest_pending_age
from pgqueue.stats(queue => %(queue)s::text) as s"""

SCHEDULE: Final = """\
select pgqueue.schedule(
    name => %(name)s::text,
    spec => %(spec)s::text,
    task => %(task)s::text,
    payload => %(payload)s::jsonb,
    queue => %(queue)s::text,
    priority => %(priority)s::integer,
    timezone => %(timezone)s::text
)"""

UNSCHEDULE: Final = """\
select pgqueue.unschedule(name => %(name)s::text)"""

LIST_SCHEDULES: Final = """\
select
    s.name,
    s.spec,
    s.timezone,
    s.task,
    s.queue,
    s.payload,
    s.priority,
    s.next_fire_at,
    s.last_fire_at
from pgqueue.list_schedules() as s"""
