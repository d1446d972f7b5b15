-- pgqueue.run_schedules: enqueue each due schedule once per fire time, with
-- the schedule name and fire time in the payload; missed fire times fire once.
begin;
select plan(11);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 10:00:30+00', true);
select pgqueue.schedule('minutely', '* * * * *', 'task:minutely', '{"k": 1}', queue => 'cron', priority => 3);
select pgqueue.schedule('quarterly', '*/15 * * * *', 'task:quarterly');

select is(pgqueue.run_schedules(), 0, 'Nothing is due before the first fire time.');

select set_config('pgqueue.fake_now', '2030-01-01 10:01:00+00', true);
select is(pgqueue.run_schedules(), 1, 'At 10:01 the minutely schedule fires.');
select is(pgqueue.run_schedules(), 0, 'Called again at the same time, it does not fire twice.');
select results_eq(
    $$select j.task, j.queue, j.priority, j.payload, j.state from pgqueue.jobs as j$$,
    $$
        values (
            'task:minutely'::text, 'cron'::text, 3,
            '{"k": 1, "_cron": {"fire_at": "2030-01-01T10:01:00+00:00", "schedule": "minutely"}}'::jsonb,
            'pending'::text
        )
    $$,
    'The job has the schedule''s task, queue and priority, and its payload names the schedule and fire time.'
);
select results_eq(
    $$select s.last_fire_at, s.next_fire_at from pgqueue.schedules as s where s.name = 'minutely'$$,
    $$values ('2030-01-01 10:01:00+00'::timestamptz, '2030-01-01 10:02:00+00'::timestamptz)$$,
    'The ledger row advanced to the next fire time.'
);

-- Nothing ran for 47 minutes: each schedule fires once, then continues from now.
select set_config('pgqueue.fake_now', '2030-01-01 10:48:10+00', true);
select is(pgqueue.run_schedules(), 2, 'After missed fire times, each due schedule fires once.');
select is(
    (
        select pg_catalog.count(*)::integer from pgqueue.jobs as j
        where j.task = 'task:minutely'
    ), 2,
    'The minutely schedule enqueued one job for all the minutes it missed.'
);
select is(
    (
        select j.payload -> '_cron' ->> 'fire_at'
        from pgqueue.jobs as j
        where j.task = 'task:quarterly'
    ),
    '2030-01-01T10:15:00+00:00',
    'The job of a missed schedule carries the first fire time it missed.'
);
select results_eq(
    $$select s.name, s.next_fire_at from pgqueue.schedules as s order by s.name$$,
    $$
        values
            ('minutely'::text, '2030-01-01 10:49:00+00'::timestamptz),
            ('quarterly', '2030-01-01 11:00:00+00')
    $$,
    'Each schedule continues from the next fire time after now.'
);

-- The enqueued job is an ordinary job: it wakes workers like any due job.
select is(
    (select pg_catalog.count(*)::integer from pgqueue.dequeue('w', queues => array['cron'], batch_size => 10)), 2,
    'The cron jobs are claimable like any job.'
);
select set_config('pgqueue.fake_now', '2030-01-01 10:49:00+00', true);
select is(pgqueue.run_schedules(), 1, 'The next minute fires again.');

select * from finish();
rollback;
