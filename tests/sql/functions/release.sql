-- pgqueue.release: gives claimed jobs back to pending without counting the
-- attempt (graceful shutdown); fenced like complete.
begin;
select plan(10);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

select pgqueue.enqueue_many(
    '[{"task": "t:a", "queue": "rel", "priority": 2},
      {"task": "t:b", "queue": "rel", "priority": 1, "run_at": "2030-01-01T11:00:00Z"}]'
);
select pgqueue.dequeue('w1', queues => array['rel'], batch_size => 2);
select pgqueue.enqueue('t:other', queue => 'rel');
select pgqueue.dequeue('w2', queues => array['rel']);
select pgqueue.enqueue('t:pending', queue => 'rel', delay => '1 hour');

create temp table ids on commit drop as
select array_agg(j.id order by j.id) as all_jobs
from pgqueue.jobs as j;

select set_config('pgqueue.fake_now', '2030-01-01 12:01:00+00', true);

select is(
    pgqueue.release((select i.all_jobs from ids as i), 'w1'),
    2,
    'release gives back only the jobs the worker holds and returns how many.'
);

select results_eq(
    $$
        select j.task, j.state, j.attempt, j.locked_by, j.lease_expires_at, j.run_at
        from pgqueue.jobs as j
        order by j.task
    $$,
    $$
        values
            (
                't:a'::text, 'pending'::text, 0, null::text, null::timestamptz,
                '2030-01-01 12:00:00+00'::timestamptz
            ),
            ('t:b', 'pending', 0, null, null, '2030-01-01 11:00:00+00'),
            ('t:other', 'processing', 1, 'w2', '2030-01-01 12:05:00+00', '2030-01-01 12:00:00+00'),
            ('t:pending', 'pending', 0, null, null, '2030-01-01 13:00:00+00')
    $$,
    'Released jobs are pending, unlocked, with the attempt not counted and run_at unchanged; others are untouched.'
);

select results_eq(
    $$select d.task, d.attempt from pgqueue.dequeue('w3', queues => array['rel'], batch_size => 5) as d$$,
    $$values ('t:a'::text, 1), ('t:b', 1)$$,
    'Released jobs are claimed again at once, in their usual order, as attempt 1 again.'
);

select is(
    pgqueue.release((select i.all_jobs from ids as i), 'w1'),
    0,
    'A worker cannot release jobs another worker has claimed since.'
);

select results_eq(
    $$select j.locked_by from pgqueue.jobs as j where j.task in ('t:a', 't:b')$$,
    $$values ('w3'::text), ('w3')$$,
    'The refused release leaves the new claims in place.'
);

select is(
    pgqueue.release(
        array(
            select j.id
            from pgqueue.jobs as j
            where j.task = 't:pending'
        ),
        'w1'
    ),
    0,
    'A pending job cannot be released.'
);

select is(
    pgqueue.release(array[]::bigint[], 'w1'),
    0,
    'An empty array releases nothing.'
);

select is(
    pgqueue.release(null, 'w1'),
    0,
    'A NULL array releases nothing.'
);

select is(
    pgqueue.release(array[-1], 'w1'),
    0,
    'An id that does not exist is ignored.'
);

select throws_ok(
    $$select pgqueue.release(array[1], null)$$,
    '22023',
    'worker must not be NULL',
    'A NULL worker is refused with 22023.'
);

select * from finish();
rollback;
