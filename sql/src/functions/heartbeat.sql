-- Extends the lease of long-running jobs so rescue does not take them back.
-- Fenced: only jobs still processing under worker are extended.
create or replace function pgqueue.heartbeat(job_ids bigint[], worker text, lease interval default null)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- The generic plan, always: see complete_many.sql.
set plan_cache_mode = force_generic_plan
-- Index scans whatever the table's size when the session planned this, and
-- no JIT (docs/performance.md, "Plans that survive a burst").
set enable_seqscan = off
set jit = off
as $$
declare
    -- Once per call, not once per row: _now() is a function call.
    v_now timestamptz := pgqueue._now();
    v_count integer;
begin
    if heartbeat.worker is null then
        raise exception 'worker must not be NULL' using errcode = '22023';
    end if;
    if heartbeat.lease <= interval '0' then
        raise exception 'lease must be positive (got %)', heartbeat.lease using errcode = '22023';
    end if;

    update pgqueue.jobs as j
    set lease_expires_at = v_now + coalesce(heartbeat.lease, q.lease)
    from pgqueue.queues as q
    where j.id = any(heartbeat.job_ids)
        and j.state = 'processing'
        and j.locked_by = heartbeat.worker
        and q.name = j.queue;
    get diagnostics v_count = row_count;
    return v_count;
end;
$$;

comment on function pgqueue.heartbeat(bigint[], text, interval) is
'Extend to now + lease (NULL: the queue''s) the leases of the jobs of job_ids that worker still holds; returns how many.';

revoke all on function pgqueue.heartbeat(bigint[], text, interval) from public;
grant execute on function pgqueue.heartbeat(bigint[], text, interval) to pgqueue_worker;
