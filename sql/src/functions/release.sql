-- Gives claimed jobs back without counting the attempt: a worker shutting down
-- releases what it claimed but did not start, so another worker takes it now.
create or replace function pgqueue.release(job_ids bigint[], worker text)
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
    v_queues text[];
    v_count integer;
begin
    if release.worker is null then
        raise exception 'worker must not be NULL' using errcode = '22023';
    end if;

    with released as (
        update pgqueue.jobs as j
        set
            state = 'pending',
            attempt = j.attempt - 1,
            locked_by = null,
            locked_at = null,
            lease_expires_at = null
        where j.id = any(release.job_ids)
            and j.state = 'processing'
            and j.locked_by = release.worker
        returning j.queue, j.run_at
    )

    select pg_catalog.count(*), pg_catalog.array_agg(distinct r.queue) filter (where r.run_at <= pgqueue._now())
    into v_count, v_queues
    from released as r;

    perform pgqueue._notify(coalesce(v_queues, '{}'));
    return v_count;
end;
$$;

comment on function pgqueue.release(bigint[], text) is
'Return the jobs of job_ids that worker holds to pending without counting the attempt (graceful shutdown); returns how many.';

revoke all on function pgqueue.release(bigint[], text) from public;
grant execute on function pgqueue.release(bigint[], text) to pgqueue_worker;
