-- Removes finished jobs (done, failed, cancelled, expired) older than the
-- retention, deleting them or moving them to pgqueue.jobs_archive. One call
-- handles one bounded batch (10,000 jobs), oldest first, so a backlog of
-- millions never becomes one huge transaction: call again until it returns 0
-- (tick does one batch per pass). Pending and processing jobs are never touched.
create or replace function pgqueue.cleanup(retention interval default null, strategy text default null)
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
    if cleanup.retention < interval '0' then
        raise exception 'retention must not be negative (got %)', cleanup.retention using errcode = '22023';
    end if;
    if cleanup.strategy not in ('delete', 'archive') then
        raise exception 'strategy must be ''delete'' or ''archive'' (got %)', cleanup.strategy
            using errcode = '22023';
    end if;

    with batch as (
        select j.id, coalesce(cleanup.strategy, q.cleanup_strategy) as strategy
        from pgqueue.queues as q
        cross join lateral (
            select f.id
            from pgqueue.jobs as f
            where f.state in ('done', 'failed', 'cancelled', 'expired')
                and f.queue = q.name
                and f.finished_at < v_now - coalesce(cleanup.retention, q.retention)
            order by f.finished_at
            limit 10000
            for update skip locked
        ) as j
        limit 10000
    ),

    removed as (
        delete from pgqueue.jobs as j
        using batch as b
        where j.id = b.id
        returning j.*, b.strategy
    ),

    archived as (
        insert into pgqueue.jobs_archive (
            id, run_at, created_at, priority, attempt, max_retries, state, queue, task, payload,
            dedup_key, expires_at, locked_by, locked_at, lease_expires_at, finished_at, result,
            errors, archived_at
        )
        select
            r.id, r.run_at, r.created_at, r.priority, r.attempt, r.max_retries, r.state, r.queue,
            r.task, r.payload, r.dedup_key, r.expires_at, r.locked_by, r.locked_at,
            r.lease_expires_at, r.finished_at, r.result, r.errors, v_now
        from removed as r
        where r.strategy = 'archive'
        -- An id already archived (a restored backup, a reset sequence) must not
        -- make the job vanish: the newer row wins.
        on conflict (id) do update
        set
            run_at = excluded.run_at, created_at = excluded.created_at, priority = excluded.priority,
            attempt = excluded.attempt, max_retries = excluded.max_retries, state = excluded.state,
            queue = excluded.queue, task = excluded.task, payload = excluded.payload,
            dedup_key = excluded.dedup_key, expires_at = excluded.expires_at, locked_by = excluded.locked_by,
            locked_at = excluded.locked_at, lease_expires_at = excluded.lease_expires_at,
            finished_at = excluded.finished_at, result = excluded.result, errors = excluded.errors,
            archived_at = excluded.archived_at
    )

    select pg_catalog.count(*) into v_count from removed;
    return v_count;
end;
$$;

comment on function pgqueue.cleanup(interval, text) is
'Remove one batch (up to 10,000) of finished jobs older than retention (NULL: each queue''s), oldest first: strategy delete, or archive into pgqueue.jobs_archive (NULL: each queue''s). Returns how many; call until 0 to clear a backlog.';

revoke all on function pgqueue.cleanup(interval, text) from public;
grant execute on function pgqueue.cleanup(interval, text) to pgqueue_admin;
