-- pgqueue.heartbeat: extends the leases of jobs the worker still holds, to
-- now + lease (default: the queue's lease); fenced like complete.
begin;
select plan(11);

set local timezone = 'UTC';
set local intervalstyle = 'postgres';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

select pgqueue.enqueue_many('[{"task": "t:a", "queue": "hb"}, {"task": "t:b", "queue": "hb"}]');
select pgqueue.dequeue('w1', queues => array['hb'], batch_size => 2);
select pgqueue.enqueue('t:other', queue => 'hb');
select pgqueue.dequeue('w2', queues => array['hb']);
select pgqueue.enqueue('t:pending', queue => 'hb');

create temp table ids on commit drop as
select array_agg(j.id order by j.id) as all_jobs
from pgqueue.jobs as j;

select set_config('pgqueue.fake_now', '2030-01-01 12:03:00+00', true);

select is(
    pgqueue.heartbeat((select i.all_jobs from ids as i), 'w1'),
    2,
    'heartbeat extends only the jobs the worker holds and returns how many.'
);

select results_eq(
    $$select j.task, j.state, j.lease_expires_at from pgqueue.jobs as j order by j.task$$,
    $$
        values
            ('t:a'::text, 'processing'::text, '2030-01-01 12:08:00+00'::timestamptz),
            ('t:b', 'processing', '2030-01-01 12:08:00+00'),
            ('t:other', 'processing', '2030-01-01 12:05:00+00'),
            ('t:pending', 'pending', null)
    $$,
    'The worker''s leases now end the queue''s 5 minutes from now; other jobs are untouched.'
);

select is(
    pgqueue.heartbeat((select i.all_jobs from ids as i), 'w1', lease => '30 seconds'),
    2,
    'heartbeat accepts an explicit lease by name.'
);

select results_eq(
    $$select j.lease_expires_at from pgqueue.jobs as j where j.locked_by = 'w1' order by j.id$$,
    $$values ('2030-01-01 12:03:30+00'::timestamptz), ('2030-01-01 12:03:30+00')$$,
    'An explicit lease sets the lease to now + lease, even when that is shorter than before.'
);

select pgqueue.configure_queue('hb', lease => '1 hour');

select is(
    pgqueue.heartbeat((select i.all_jobs from ids as i), 'w2'),
    1,
    'Another worker extends only its own job.'
);

select results_eq(
    $$select j.lease_expires_at from pgqueue.jobs as j where j.task = 't:other'$$,
    $$values ('2030-01-01 13:03:00+00'::timestamptz)$$,
    'Without a lease, heartbeat uses the queue''s configured lease.'
);

select is(
    pgqueue.heartbeat(array[]::bigint[], 'w1'),
    0,
    'An empty array extends nothing.'
);

select is(
    pgqueue.heartbeat(array[-1], 'w1'),
    0,
    'An id that does not exist is ignored.'
);

select throws_ok(
    $$select pgqueue.heartbeat(array[1], null)$$,
    '22023',
    'worker must not be NULL',
    'A NULL worker is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.heartbeat(array[1], 'w1', lease => '0')$$,
    '22023',
    'lease must be positive (got 00:00:00)',
    'A zero lease is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.heartbeat(array[1], 'w1', lease => '-1 minute')$$,
    '22023',
    'lease must be positive (got -00:01:00)',
    'A negative lease is refused with 22023.'
);

select * from finish();
rollback;
