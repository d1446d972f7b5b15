-- The batch form of complete: one statement acknowledges a worker's finished
-- jobs, the main reason batching workers are fast. Fenced like complete.
create or replace function pgqueue.complete_many(job_ids bigint[], worker text)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- The generic plan, always: for "id = any(job_ids)" it looks dearer than a
-- custom plan (which knows the array's length), so PL/pgSQL would plan the
-- update afresh on every call (185,000 instructions, measured with callgrind:
-- more than the update of a few jobs itself). The generic plan is the same
-- primary-key scan (tests/python/test_claim_plan.py).
set plan_cache_mode = force_generic_plan
-- Index scans whatever the table's size when the session planned this, and
-- no JIT (docs/performance.md, "Plans that survive a burst").
set enable_seqscan = off
set jit = off
as $$
declare
    -- pgqueue._now() without the call on the hot path: see _now.sql.
    v_now timestamptz := case
        when pg_catalog.current_setting('pgqueue.fake_now', true) <> '' then pgqueue._now()
        else pg_catalog.now()
    end;
    v_count integer;
begin
    if complete_many.worker is null then
        raise exception 'worker must not be NULL' using errcode = '22023';
    end if;

    update pgqueue.jobs as j
    set
        state = 'done',
        finished_at = v_now,
        lease_expires_at = null
    where j.id = any(complete_many.job_ids)
        and j.state = 'processing'
        and j.locked_by = complete_many.worker;
    get diagnostics v_count = row_count;
    return v_count;
end;
$$;

comment on function pgqueue.complete_many(bigint[], text) is
'Mark every job of job_ids that worker still holds as done; returns how many changed.';

revoke all on function pgqueue.complete_many(bigint[], text) from public;
grant execute on function pgqueue.complete_many(bigint[], text) to pgqueue_worker;
