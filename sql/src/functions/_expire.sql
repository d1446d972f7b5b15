-- Pending jobs whose expires_at has passed become expired, up to 10,000 per
-- call so tick's transaction stays short (the next tick takes the rest).
-- dequeue already never hands them out; this moves them out of the claim
-- index and makes them visible as expired (and eligible for cleanup).
create or replace function pgqueue._expire()
returns integer
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
    v_count integer;
begin
    update pgqueue.jobs as j
    set
        state = 'expired',
        finished_at = v_now
    where j.id in (
        select e.id
        from pgqueue.jobs as e
        -- The NULL tests are jobs_expires_idx's predicate (pending, see tables/jobs.sql).
        where e.lease_expires_at is null
            and e.finished_at is null
            and e.state = 'pending'
            and e.expires_at <= v_now
        order by e.expires_at
        limit 10000
        for update skip locked
    );
    get diagnostics v_count = row_count;
    return v_count;
end;
$$;

comment on function pgqueue._expire() is
'Internal: turn pending jobs past their expires_at into expired; returns how many.';

revoke all on function pgqueue._expire() from public;
