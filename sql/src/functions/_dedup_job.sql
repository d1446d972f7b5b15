-- The live (pending or processing) job that holds a queue's dedup_key, or
-- NULL. enqueue asks only after its INSERT ... ON CONFLICT found the key
-- taken. A pending holder already past its expires_at will never run: it is
-- expired here, as tick would expire it, and the key is free (NULL), so the
-- caller's job is inserted instead of being answered with a dead one.
-- A function of its own so that only this lookup runs with the planner
-- settings below; enqueue's common path runs without them (each SET on a
-- function costs every call, ~2,300 instructions of a one-job enqueue).
create or replace function pgqueue._dedup_job(queue text, dedup_key text)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- Index scans whatever the table's size when the session planned this, and
-- no JIT (docs/performance.md, "Plans that survive a burst").
set enable_seqscan = off
set jit = off
as $$
declare
    v_now timestamptz := pgqueue._now();
    v_id bigint;
    v_pending boolean;
    v_expires_at timestamptz;
begin
    -- finished_at null (live) is part of jobs_dedup_idx's predicate: the
    -- planner can use the index only if the query says so (tables/jobs.sql).
    select j.id, j.lease_expires_at is null, j.expires_at
    into v_id, v_pending, v_expires_at
    from pgqueue.jobs as j
    where j.queue = _dedup_job.queue
        and j.dedup_key = _dedup_job.dedup_key
        and j.finished_at is null;
    if v_pending and v_expires_at <= v_now then
        update pgqueue.jobs as j
        set
            state = 'expired',
            finished_at = v_now
        where j.id = v_id and j.lease_expires_at is null and j.finished_at is null;
        return null;
    end if;
    return v_id;
end;
$$;

comment on function pgqueue._dedup_job(text, text) is
'Internal: the id of the pending or processing job of queue that holds dedup_key, or NULL; a pending holder past its expires_at is expired instead, freeing the key.';

revoke all on function pgqueue._dedup_job(text, text) from public;
