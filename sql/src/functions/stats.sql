-- Counts per queue, for dashboards and alerts. pending counts jobs due now,
-- scheduled those waiting for a future run_at; the two are disjoint. One pass
-- over the jobs of the queues asked for.
create or replace function pgqueue.stats(queue text default null)
returns setof pgqueue.queue_stats
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
    with clock as (
        select pgqueue._now() as now
    ),

    names as (
        select q.name from pgqueue.queues as q where stats.queue is null
        union
        select stats.queue where stats.queue is not null
    )

    select
        n.name,
        pg_catalog.count(*) filter (where j.state = 'pending' and j.run_at <= c.now),
        pg_catalog.count(*) filter (where j.state = 'pending' and j.run_at > c.now),
        pg_catalog.count(*) filter (where j.state = 'processing'),
        pg_catalog.count(*) filter (where j.state = 'done'),
        pg_catalog.count(*) filter (where j.state = 'failed'),
        pg_catalog.count(*) filter (where j.state = 'cancelled'),
        pg_catalog.count(*) filter (where j.state = 'expired'),
        c.now - pg_catalog.min(j.run_at) filter (where j.state = 'pending' and j.run_at <= c.now)
    from names as n
    cross join clock as c
    left join pgqueue.jobs as j on j.queue = n.name
    group by n.name, c.now
    order by n.name
$$;

comment on function pgqueue.stats(text) is
'Job counts per queue (one queue, or every known queue when NULL): pending (due now), scheduled (future run_at), processing, done, failed, cancelled, expired, and the age of the oldest due job.';

revoke all on function pgqueue.stats(text) from public;
grant execute on function pgqueue.stats(text) to pgqueue_admin;
