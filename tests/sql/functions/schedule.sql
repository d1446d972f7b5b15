-- pgqueue.schedule: create or replace a named cron schedule, returning its
-- next fire time; validation of spec and time zone is cron_next's.
begin;
select plan(13);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 10:07:30+00', true);

select is(
    pgqueue.schedule('report', '*/15 * * * *', 'task:report', '{"kind": "sales"}'),
    '2030-01-01 10:15:00+00'::timestamptz,
    'schedule returns the next fire time after now.'
);
select results_eq(
    $$
        select s.spec, s.timezone, s.task, s.queue, s.payload, s.priority, s.next_fire_at, s.last_fire_at
        from pgqueue.schedules as s
        where s.name = 'report'
    $$,
    $$
        values (
            '*/15 * * * *'::text, 'UTC'::text, 'task:report'::text, 'default'::text, '{"kind": "sales"}'::jsonb,
            0, '2030-01-01 10:15:00+00'::timestamptz, null::timestamptz
        )
    $$,
    'The view pgqueue.schedules shows the schedule with its defaults and next fire time.'
);

select is(
    pgqueue.schedule(
        'report', '0 9 * * *', 'task:report:daily', queue => 'reports', priority => 5, timezone => 'Europe/Berlin'
    ),
    '2030-01-02 08:00:00+00'::timestamptz,
    'Replacing a schedule recomputes its next fire time in its time zone (09:00 Berlin is 08:00 UTC in winter).'
);
select results_eq(
    $$select s.spec, s.task, s.queue, s.priority, s.timezone from pgqueue.schedules as s$$,
    $$values ('0 9 * * *'::text, 'task:report:daily'::text, 'reports'::text, 5, 'Europe/Berlin'::text)$$,
    'There is still one schedule of that name, with the new settings.'
);
select is(
    pgqueue.schedule('every-90s', '@every 90 seconds', 'task:poll'),
    '2030-01-01 10:09:00+00'::timestamptz,
    '@every schedules fire on a fixed grid from the epoch.'
);
select ok(
    exists (
        select from pgqueue.queues as q
        where q.name = 'reports'
    ),
    'The queue of a schedule is registered like an enqueue would.'
);

select throws_ok(
    $$select pgqueue.schedule('', '* * * * *', 'task:x')$$, '22023', 'name must not be empty',
    'An empty name is refused with 22023.'
);
select throws_ok(
    $$select pgqueue.schedule('x', '* * * * *', ' ')$$, '22023', 'task must not be empty',
    'An empty task is refused with 22023.'
);
select throws_ok(
    $$select pgqueue.schedule('x', '* * * * *', 'task:x', queue => '')$$, '22023', 'queue must not be empty',
    'An empty queue is refused with 22023.'
);
select throws_ok(
    $$select pgqueue.schedule('x', '* * * * *', 'task:x', '[1, 2]')$$, '22023',
    'payload must be a JSON object (got array)',
    'A payload that is not an object is refused with 22023 (the job gets a "_cron" key).'
);
select throws_ok(
    $$select pgqueue.schedule('x', '61 * * * *', 'task:x')$$, '22023', null,
    'An invalid spec is refused with 22023.'
);
select throws_ok(
    $$select pgqueue.schedule('x', '* * * * *', 'task:x', timezone => 'Mars/Olympus')$$, '22023', null,
    'An unknown time zone is refused with 22023.'
);
select is(
    (
        select pg_catalog.count(*)::integer from pgqueue.schedules as s
        where s.name = 'x'
    ), 0,
    'A refused schedule is not created.'
);

select * from finish();
rollback;
