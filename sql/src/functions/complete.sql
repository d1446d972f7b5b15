-- processing -> done, fenced: only the worker that still holds the job may
-- complete it. A worker whose lease ran out and whose job was claimed again
-- gets false and changes nothing.
create or replace function pgqueue.complete(job_id bigint, worker text, result jsonb default null)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- Index scans whatever the table's size when the session planned this, and
-- no JIT (docs/performance.md, "Plans that survive a burst").
set enable_seqscan = off
set jit = off
as $$
begin
    if complete.job_id is null then
        raise exception 'job_id must not be NULL' using errcode = '22023';
    end if;
    if complete.worker is null then
        raise exception 'worker must not be NULL' using errcode = '22023';
    end if;

    update pgqueue.jobs as j
    set
        state = 'done',
        finished_at = pgqueue._now(),
        lease_expires_at = null,
        result = complete.result
    where j.id = complete.job_id
        and j.state = 'processing'
        and j.locked_by = complete.worker;
    return found;
end;
$$;

comment on function pgqueue.complete(bigint, text, jsonb) is
'Mark a job done (with an optional result) if worker still holds it; false, and no change, otherwise.';

revoke all on function pgqueue.complete(bigint, text, jsonb) from public;
grant execute on function pgqueue.complete(bigint, text, jsonb) to pgqueue_worker;
