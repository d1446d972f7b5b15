-- pgqueue.dequeue: claim order (priority, then run_at, then id), due and
-- unexpired jobs only, paused queues skipped, the queues filter, batch_size,
-- and the lease.
begin;
select plan(32);

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

-- Claim order --------------------------------------------------------------------

select pgqueue.enqueue('t:low-old', queue => 'order', priority => 0, run_at => '2030-01-01 10:00:00+00');
select pgqueue.enqueue('t:high-new', queue => 'order', priority => 10, run_at => '2030-01-01 11:59:00+00');
select pgqueue.enqueue('t:mid-newer', queue => 'order', priority => 5, run_at => '2030-01-01 11:00:00+00');
select pgqueue.enqueue('t:mid-older', queue => 'order', priority => 5, run_at => '2030-01-01 10:30:00+00');
select pgqueue.enqueue('t:tie-first', queue => 'order', priority => 1, run_at => '2030-01-01 11:00:00+00');
select pgqueue.enqueue('t:tie-second', queue => 'order', priority => 1, run_at => '2030-01-01 11:00:00+00');
select pgqueue.enqueue('t:negative', queue => 'order', priority => -1, run_at => '2030-01-01 09:00:00+00');

select results_eq(
    $$select d.task from pgqueue.dequeue('w1', queues => array['order']) as d$$,
    $$values ('t:high-new'::text)$$,
    'With the default batch_size of 1, dequeue claims the single highest-priority job.'
);

select results_eq(
    $$select d.task from pgqueue.dequeue('w1', queues => array['order'], batch_size => 10) as d$$,
    $$
        values
            ('t:mid-older'::text), ('t:mid-newer'), ('t:tie-first'), ('t:tie-second'), ('t:low-old'),
            ('t:negative')
    $$,
    'Jobs come out highest priority first, then oldest run_at, then lowest id.'
);

select is_empty(
    $$select from pgqueue.dequeue('w1', queues => array['order'], batch_size => 10)$$,
    'A job is claimed once: processing jobs are not handed out again.'
);

-- What a claim does ------------------------------------------------------------------

select pgqueue.enqueue('t:claim', queue => 'claim', payload => '{"x": 1}', dedup_key => 'dk', max_retries => 3);

create temp table claimed on commit drop as
select * from pgqueue.dequeue(worker => 'w2', queues => array['claim']);

select results_eq(
    $$
        select
            c.id, c.queue, c.task, c.payload, c.priority, c.attempt, c.max_retries, c.run_at,
            c.created_at, c.expires_at, c.dedup_key, c.locked_by, c.lease_expires_at
        from claimed as c
    $$,
    $$
        values (
            (pg_temp.job('t:claim')).id, 'claim'::text, 't:claim'::text, '{"x": 1}'::jsonb, 0, 1, 3,
            '2030-01-01 12:00:00+00'::timestamptz, '2030-01-01 12:00:00+00'::timestamptz, null::timestamptz,
            'dk'::text, 'w2'::text, '2030-01-01 12:05:00+00'::timestamptz
        )
    $$,
    'dequeue returns the claimed job: its arguments, attempt 1, the worker and a lease of the queue''s 5 minutes.'
);

select results_eq(
    $$
        select j.state, j.attempt, j.locked_by, j.locked_at, j.lease_expires_at
        from pgqueue.jobs as j
        where j.task = 't:claim'
    $$,
    $$
        values (
            'processing'::text, 1, 'w2'::text, '2030-01-01 12:00:00+00'::timestamptz,
            '2030-01-01 12:05:00+00'::timestamptz
        )
    $$,
    'The claimed job is processing, with attempt incremented, locked by the worker, leased for 5 minutes.'
);

select pgqueue.enqueue('t:explicit-lease', queue => 'lease');
select pgqueue.dequeue('w1', queues => array['lease'], lease => '30 seconds');

select is(
    (pg_temp.job('t:explicit-lease')).lease_expires_at,
    '2030-01-01 12:00:30+00'::timestamptz,
    'An explicit lease sets lease_expires_at to now + lease.'
);

select pgqueue.configure_queue('long-lease', lease => '1 hour');
select pgqueue.enqueue('t:queue-lease', queue => 'long-lease');
select pgqueue.dequeue('w1', queues => array['long-lease']);

select is(
    (pg_temp.job('t:queue-lease')).lease_expires_at,
    '2030-01-01 13:00:00+00'::timestamptz,
    'Without a lease, the queue''s configured lease applies.'
);

select pgqueue.configure_queue('lease-a', lease => '20 minutes');
select pgqueue.configure_queue('lease-b', lease => '40 minutes');
select pgqueue.enqueue('t:lease-a', queue => 'lease-a', priority => 1);
select pgqueue.enqueue('t:lease-b', queue => 'lease-b');

select results_eq(
    $$
        select d.task, d.lease_expires_at
        from pgqueue.dequeue('w1', queues => array['lease-a', 'lease-b'], batch_size => 2) as d
    $$,
    $$values
        ('t:lease-a'::text, '2030-01-01 12:20:00+00'::timestamptz),
        ('t:lease-b'::text, '2030-01-01 12:40:00+00'::timestamptz)$$,
    'One claim across queues gives each job its own queue''s lease, in claim order.'
);

-- Delayed jobs ------------------------------------------------------------------------

select pgqueue.enqueue('t:delayed', queue => 'delayed', delay => '10 minutes');

select is_empty(
    $$select from pgqueue.dequeue('w1', queues => array['delayed'])$$,
    'A delayed job is not claimed before it is due.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:09:59+00', true);

select is_empty(
    $$select from pgqueue.dequeue('w1', queues => array['delayed'])$$,
    'A delayed job is still not claimed a second before it is due.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:10:00+00', true);

select results_eq(
    $$select d.task from pgqueue.dequeue('w1', queues => array['delayed']) as d$$,
    $$values ('t:delayed'::text)$$,
    'A delayed job is claimed once its run_at has come.'
);

select is(
    (pg_temp.job('t:delayed')).lease_expires_at,
    '2030-01-01 12:15:00+00'::timestamptz,
    'The lease counts from the claim''s time, not from the enqueue.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- Expiry --------------------------------------------------------------------------------

select pgqueue.enqueue('t:expired', queue => 'expiry', expires_at => '2030-01-01 11:00:00+00');
select pgqueue.enqueue('t:expires-now', queue => 'expiry', expires_at => '2030-01-01 12:00:00+00');
select pgqueue.enqueue('t:expires-later', queue => 'expiry', expires_at => '2030-01-01 12:00:01+00');

select results_eq(
    $$select d.task from pgqueue.dequeue('w1', queues => array['expiry'], batch_size => 10) as d$$,
    $$values ('t:expires-later'::text)$$,
    'Jobs past (or at) their expires_at are not claimed; a job not yet expired is.'
);

select results_eq(
    $$select j.state from pgqueue.jobs as j where j.task in ('t:expired', 't:expires-now')$$,
    $$values ('pending'::text), ('pending')$$,
    'dequeue leaves expired jobs pending for the maintenance pass to mark.'
);

-- Paused queues ---------------------------------------------------------------------------

select pgqueue.enqueue('t:paused', queue => 'paused');
select pgqueue.enqueue('t:running', queue => 'running');
select pgqueue.pause('paused');

select is_empty(
    $$select from pgqueue.dequeue('w1', queues => array['paused'])$$,
    'A paused queue hands out no jobs, even when asked for by name.'
);

select results_eq(
    $$select d.task from pgqueue.dequeue('w1', queues => array['paused', 'running'], batch_size => 10) as d$$,
    $$values ('t:running'::text)$$,
    'Other queues are served while one is paused.'
);

select results_eq(
    $$select j.state from pgqueue.jobs as j where j.task = 't:paused'$$,
    $$values ('pending'::text)$$,
    'The paused queue''s job stays pending.'
);

select pgqueue.resume('paused');

select results_eq(
    $$select d.task from pgqueue.dequeue('w1', queues => array['paused']) as d$$,
    $$values ('t:paused'::text)$$,
    'After resume the queue''s jobs are handed out again.'
);

-- The queues filter ---------------------------------------------------------------------------

select pgqueue.enqueue('t:in-a', queue => 'a', run_at => '2030-01-01 11:00:00+00');
select pgqueue.enqueue('t:in-b', queue => 'b', run_at => '2030-01-01 11:30:00+00');
select pgqueue.enqueue('t:in-c', queue => 'c', run_at => '2030-01-01 11:15:00+00', priority => 1);

select results_eq(
    $$select d.task from pgqueue.dequeue('w1', queues => array['b']) as d$$,
    $$values ('t:in-b'::text)$$,
    'With queues given, only jobs of those queues are claimed, even if other queues have older jobs.'
);

select is_empty(
    $$select from pgqueue.dequeue('w1', queues => array['no-such-queue'])$$,
    'A queue that does not exist yields nothing.'
);

select is_empty(
    $$select from pgqueue.dequeue('w1', queues => array[]::text[])$$,
    'An empty queues array yields nothing.'
);

select results_eq(
    $$select d.task from pgqueue.dequeue('w1', batch_size => 10) as d$$,
    $$values ('t:in-c'::text), ('t:in-a')$$,
    'queues NULL means every queue, in one claim order across queues.'
);

-- batch_size ---------------------------------------------------------------------------------------

select pgqueue.enqueue_many(
    (
        select jsonb_agg(jsonb_build_object('task', 't:batch-' || g.i, 'queue', 'batch-' || (g.i % 3)))
        from generate_series(1, 7) as g (i)
    )
);

select is(
    (select count(*) from pgqueue.dequeue('w1', queues => array['batch-0', 'batch-1', 'batch-2'], batch_size => 4)),
    4::bigint,
    'dequeue claims at most batch_size jobs, across queues.'
);

select is(
    (select count(*) from pgqueue.dequeue('w1', queues => array['batch-0', 'batch-1', 'batch-2'], batch_size => 4)),
    3::bigint,
    'dequeue claims fewer than batch_size when fewer are due.'
);

select results_eq(
    $$
        select j.state, count(*)
        from pgqueue.jobs as j
        where j.queue like 'batch-%'
        group by j.state
    $$,
    $$values ('processing'::text, 7::bigint)$$,
    'Exactly the jobs returned were claimed.'
);

-- Bad input ------------------------------------------------------------------------------------------

select throws_ok(
    $$select pgqueue.dequeue('w1', batch_size => 0)$$,
    '22023',
    'batch_size must be at least 1 (got 0)',
    'batch_size 0 is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.dequeue('w1', batch_size => -5)$$,
    '22023',
    'batch_size must be at least 1 (got -5)',
    'A negative batch_size is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.dequeue('w1', batch_size => null)$$,
    '22023',
    'batch_size must be at least 1 (got NULL)',
    'A NULL batch_size is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.dequeue('')$$,
    '22023',
    'worker must not be empty',
    'An empty worker name is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.dequeue(null)$$,
    '22023',
    'worker must not be empty',
    'A NULL worker is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.dequeue('w1', lease => '0')$$,
    '22023',
    'lease must be positive (got 00:00:00)',
    'A zero lease is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.dequeue('w1', lease => '-1 minute')$$,
    '22023',
    'lease must be positive (got -00:01:00)',
    'A negative lease is refused with 22023.'
);

select * from finish();
rollback;
