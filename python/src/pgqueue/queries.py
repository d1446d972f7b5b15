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

# The columns of JobRecord, named: these functions return the table's row type,
# which a later version may widen; the client must keep reading what it knows.
_JOB_COLUMNS = """\
    j.id, j.run_at, j.created_at, j.priority, j.attempt, j.max_retries, j.state, j.queue, j.task,
    j.payload, j.dedup_key, j.expires_at, j.locked_by, j.locked_at, j.lease_expires_at, j.finished_at,
    j.result, j.errors"""

GET_JOB: Final = f"""\
select
{_JOB_COLUMNS}
from pgqueue.get_job(job_id => %(job_id)s::bigint) as j"""

LIST_JOBS: Final = f"""\
select
{_JOB_COLUMNS}
from pgqueue.list_jobs(
    state => %(state)s::text,
    queue => %(queue)s::text,
    task => %(task)s::text,
    max_jobs => %(max_jobs)s::integer,
    before_id => %(before_id)s::bigint
) as j"""

VERSION: Final = """\
select pgqueue.version()"""

# --- the worker -------------------------------------------------------------

# The channel pgqueue._notify sends on; its payload is a queue name, or '*'.
CHANNEL: Final = "pgqueue"
LISTEN: Final = "listen pgqueue"

# The columns of Job, named for the same reason: a wider pgqueue.job must not make
# a running worker fail on every batch it has just claimed.
DEQUEUE: Final = """\
select
    d.id, d.queue, d.task, d.payload, d.priority, d.attempt, d.max_retries, d.run_at, d.created_at,
    d.expires_at, d.dedup_key, d.locked_by, d.lease_expires_at
from pgqueue.dequeue(
    worker => %(worker)s::text,
    queues => %(queues)s::text[],
    batch_size => %(batch_size)s::integer,
    lease => %(lease)s::interval
) as d"""

COMPLETE_MANY: Final = """\
select pgqueue.complete_many(job_ids => %(job_ids)s::bigint[], worker => %(worker)s::text)"""

FAIL: Final = """\
select pgqueue.fail(
    job_id => %(job_id)s::bigint,
    worker => %(worker)s::text,
    error => %(error)s::text,
    retry_in => %(retry_in)s::interval
)"""

FAIL_PERMANENTLY: Final = """\
select pgqueue.fail_permanently(job_id => %(job_id)s::bigint, worker => %(worker)s::text, error => %(error)s::text)"""

HEARTBEAT: Final = """\
select pgqueue.heartbeat(job_ids => %(job_ids)s::bigint[], worker => %(worker)s::text, lease => %(lease)s::interval)"""

RELEASE: Final = """\
select pgqueue.release(job_ids => %(job_ids)s::bigint[], worker => %(worker)s::text)"""

TICK: Final = """\
select pgqueue.tick()"""
