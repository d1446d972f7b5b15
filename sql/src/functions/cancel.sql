-- pending -> cancelled. A job already claimed cannot be cancelled: its worker
-- owns it until it completes, fails or its lease runs out.
create or replace function pgqueue.cancel(job_id bigint)
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
    if cancel.job_id is null then
        raise exception 'job_id must not be NULL' using errcode = '22023';
    end if;

    update pgqueue.jobs as j
    set
        state = 'cancelled',
        finished_at = pgqueue._now()
    where j.id = cancel.job_id and j.state = 'pending';
    return found;
end;
$$;

comment on function pgqueue.cancel(bigint) is
'Cancel a pending job; true if it was pending, false otherwise (nothing changes).';

revoke all on function pgqueue.cancel(bigint) from public;
grant execute on function pgqueue.cancel(bigint) to pgqueue_admin;
