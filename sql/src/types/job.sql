-- What dequeue hands a worker: the job's identity, its arguments and the
-- attempt bookkeeping a handler may want. A type of its own, so the table can
-- change without changing the API.
create type pgqueue.job as (
    id bigint,
    queue text,
    task text,
    payload jsonb,
    priority integer,
    attempt integer,
    max_retries integer,
    run_at timestamptz,
    created_at timestamptz,
    expires_at timestamptz,
    dedup_key text,
    locked_by text,
    lease_expires_at timestamptz
);

comment on type pgqueue.job is
'A claimed job as returned by pgqueue.dequeue: attempt counts this attempt, lease_expires_at is when it counts as stuck unless heartbeated.';
