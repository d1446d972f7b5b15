-- The batch form of complete: one statement acknowledges a worker's finished
-- jobs, the main reason batching workers are fast. Fenced like complete.
create or replace function pgqueue.complete_many(job_ids bigint[], worker text)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    -- Once per call, not once per row: _now() is a function call.
    v_now timestamptz := pgqueue._now();
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
