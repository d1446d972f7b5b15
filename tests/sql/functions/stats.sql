-- pgqueue.stats: job counts per queue. pending counts jobs due now, scheduled
-- those waiting for a future run_at (disjoint); oldest_pending_age is the age
-- of the oldest due job.
begin;
select plan(12);

set local timezone = 'UTC';
set local intervalstyle = 'postgres';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- The newest job with this task name (each scenario uses its own task names),
-- read as (pg_temp.job('t:x')).run_at.
create function pg_temp.job(task text)
returns pgqueue.jobs
language sql
as $$
    select j.* from pgqueue.jobs as j where j.task = job.task order by j.id desc limit 1
$$;

-- Queue sa gets a job in every state, two of them due and pending.
select pgqueue.enqueue('t:processing', queue => 'sa', run_at => '2030-01-01 11:00:00+00');
select pgqueue.enqueue('t:done', queue => 'sa', run_at => '2030-01-01 11:00:00+00');
select pgqueue.enqueue('t:failed', queue => 'sa', run_at => '2030-01-01 11:00:00+00', max_retries => 0);
select pgqueue.dequeue('w1', queues => array['sa'], batch_size => 10);
select pgqueue.complete((pg_temp.job('t:done')).id, 'w1');
select pgqueue.fail((pg_temp.job('t:failed')).id, 'w1', 'boom');
select pgqueue.enqueue('t:cancelled', queue => 'sa');
select pgqueue.cancel((pg_temp.job('t:cancelled')).id);
select pgqueue.enqueue('t:expired', queue => 'sa', run_at => '2030-01-01 11:00:00+00');
-- Expiry is the maintenance pass's job; mark it the way that pass does.
update pgqueue.jobs
set state = 'expired', finished_at = '2030-01-01 12:00:00+00'
where task = 't:expired';
select pgqueue.enqueue('t:due-old', queue => 'sa', run_at => '2030-01-01 11:50:00+00');
select pgqueue.enqueue('t:due-new', queue => 'sa', run_at => '2030-01-01 11:59:00+00');
select pgqueue.enqueue('t:scheduled', queue => 'sa', delay => '1 hour');
select pgqueue.configure_queue('empty');

select results_eq(
    $$select * from pgqueue.stats('sa')$$,
    $$
        values (
            'sa'::text, 2::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint, 1::bigint,
            interval '10 minutes'
        )
    $$,
    'stats counts each state of a queue; pending is due jobs only, scheduled the future one.'
);

select results_eq(
    $$select s.queue, s.pending, s.scheduled, s.processing, s.oldest_pending_age from pgqueue.stats() as s$$,
    $$
        values
            ('empty'::text, 0::bigint, 0::bigint, 0::bigint, null::interval),
            ('sa', 2, 1, 1, interval '10 minutes')
    $$,
    'stats() without a queue returns one row per known queue, by name, including queues without jobs.'
);

select results_eq(
    $$select * from pgqueue.stats(queue => 'empty')$$,
    $$
        values (
            'empty'::text, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
            null::interval
        )
    $$,
    'A queue without jobs has zero counts and no oldest_pending_age (queue given by name).'
);

select results_eq(
    $$select s.queue, s.pending, s.oldest_pending_age from pgqueue.stats('no-such-queue') as s$$,
    $$values ('no-such-queue'::text, 0::bigint, null::interval)$$,
    'Asking for a queue that does not exist returns a row of zeros for it.'
);

select is_empty(
    $$select from pgqueue.queues as q where q.name = 'no-such-queue'$$,
    'stats does not create the queue it is asked about.'
);

select results_eq(
    $$select s.pending + s.scheduled from pgqueue.stats('sa') as s$$,
    $$select count(*) from pgqueue.jobs as j where j.queue = 'sa' and j.state = 'pending'$$,
    'pending and scheduled are disjoint: together they count every pending job once.'
);

-- The clock moves: the scheduled job becomes due, and ages grow.
select set_config('pgqueue.fake_now', '2030-01-01 13:00:00+00', true);

select results_eq(
    $$select s.pending, s.scheduled, s.oldest_pending_age from pgqueue.stats('sa') as s$$,
    $$values (3::bigint, 0::bigint, interval '70 minutes')$$,
    'Once its run_at has come, a scheduled job counts as pending, and the oldest age grows with the clock.'
);

select pgqueue.dequeue('w2', queues => array['sa'], batch_size => 1);

select results_eq(
    $$select s.pending, s.processing, s.oldest_pending_age from pgqueue.stats('sa') as s$$,
    $$values (2::bigint, 2::bigint, interval '61 minutes')$$,
    'Claiming the oldest job moves it to processing and oldest_pending_age to the next oldest.'
);

select pgqueue.pause('sa');

select results_eq(
    $$select s.pending from pgqueue.stats('sa') as s$$,
    $$values (2::bigint)$$,
    'A paused queue still reports its pending jobs.'
);

-- Column names and types are API.
select results_eq(
    $$
        select a.attname, format_type(a.atttypid, a.atttypmod)
        from pg_attribute as a
        where a.attrelid = 'pgqueue.queue_stats'::regclass and a.attnum > 0
        order by a.attnum
    $$,
    $$
        values
            ('queue'::name, 'text'::text),
            ('pending', 'bigint'),
            ('scheduled', 'bigint'),
            ('processing', 'bigint'),
            ('done', 'bigint'),
            ('failed', 'bigint'),
            ('cancelled', 'bigint'),
            ('expired', 'bigint'),
            ('oldest_pending_age', 'interval')
    $$,
    'stats returns queue, pending, scheduled, processing, done, failed, cancelled, expired, oldest_pending_age.'
);

select function_returns(
    'pgqueue',
    'stats',
    array['text'],
    'setof pgqueue.queue_stats',
    'stats(queue) returns setof pgqueue.queue_stats.'
);

select volatility_is(
    'pgqueue',
    'stats',
    array['text'],
    'stable',
    'stats is stable: it only reads.'
);

select * from finish();
rollback;
