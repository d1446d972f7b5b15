-- Takes back jobs whose worker crashed or hung: every processing job past its
-- lease counts a failed attempt ("lease expired") exactly as if its worker had
-- called fail, so the retry-or-dead-letter rule has one implementation. The
-- late worker is fenced out: its complete or fail finds the job no longer its.
create or replace function pgqueue.rescue()
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
    v_count integer;
begin
    with stuck as (
        select j.id, j.locked_by
        from pgqueue.jobs as j
        where j.state = 'processing'
            and j.lease_expires_at < pgqueue._now()
        order by j.lease_expires_at
        -- Bounded, so tick's transaction stays short after a mass crash; the
        -- next call takes the rest.
        limit 1000
        -- A job being completed right now is not stuck: skip, don't wait.
        for update skip locked
    )

    select pg_catalog.count(pgqueue.fail(s.id, s.locked_by, 'lease expired'))::integer into v_count
    from stuck as s;
    return v_count;
end;
$$;

comment on function pgqueue.rescue() is
'Jobs processing past their lease (a crashed or hung worker), up to 1,000 per call, count a failed attempt, error "lease expired": back to pending with backoff, or failed when retries are exhausted. Returns how many.';

revoke all on function pgqueue.rescue() from public;
grant execute on function pgqueue.rescue() to pgqueue_admin;
