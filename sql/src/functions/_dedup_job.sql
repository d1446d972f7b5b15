-- The live (pending or processing) job that holds a queue's dedup_key, or
-- NULL. enqueue asks only after its INSERT ... ON CONFLICT found the key
-- taken. A function of its own so that only this lookup runs with the planner
-- settings below; enqueue's common path runs without them (each SET on a
-- function costs every call, ~2,300 instructions of a one-job enqueue).
create or replace function pgqueue._dedup_job(queue text, dedup_key text)
returns bigint
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
-- Index scans whatever the table's size when the session planned this, and
-- no JIT (docs/performance.md, "Plans that survive a burst").
set enable_seqscan = off
set jit = off
as $$
begin
    -- finished_at null (live) is part of jobs_dedup_idx's predicate: the
    -- planner can use the index only if the query says so (tables/jobs.sql).
    return (
        select j.id
        from pgqueue.jobs as j
        where j.queue = _dedup_job.queue
            and j.dedup_key = _dedup_job.dedup_key
            and j.finished_at is null
    );
end;
$$;

comment on function pgqueue._dedup_job(text, text) is
'Internal: the id of the pending or processing job of queue that holds dedup_key, or NULL.';

revoke all on function pgqueue._dedup_job(text, text) from public;
