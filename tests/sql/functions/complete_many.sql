-- pgqueue.complete_many: the batch form of complete, fenced the same way;
-- returns how many jobs changed.
begin;
select plan(9);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- The newest job with this task name (each scenario uses its own task names),
-- read as (pg_temp.job('t:x')).run_at.
create function pg_temp.job(task text)
returns pgqueue.jobs
language sql
as $$
    select j.* from pgqueue.jobs as j where j.task = job.task order by j.id desc limit 1
$$;

select pgqueue.enqueue_many(
    '[{"task": "t:w1-a", "queue": "cm"}, {"task": "t:w1-b", "queue": "cm"}, {"task": "t:w1-c", "queue": "cm"}]'
);
select pgqueue.dequeue('w1', queues => array['cm'], batch_size => 3);
select pgqueue.enqueue('t:w2', queue => 'cm');
select pgqueue.dequeue('w2', queues => array['cm']);
select pgqueue.enqueue('t:pending', queue => 'cm');
select set_config('pgqueue.fake_now', '2030-01-01 12:02:00+00', true);

create temp table all_ids on commit drop as
select array_agg(j.id order by j.id) as ids
from pgqueue.jobs as j;

select is(
    pgqueue.complete_many((select a.ids from all_ids as a), 'w1'),
    3,
    'complete_many completes only the jobs the worker holds and returns how many.'
);

select results_eq(
    $$select j.task, j.state, j.finished_at from pgqueue.jobs as j order by j.task$$,
    $$
        values
            ('t:pending'::text, 'pending'::text, null::timestamptz),
            ('t:w1-a', 'done', '2030-01-01 12:02:00+00'),
            ('t:w1-b', 'done', '2030-01-01 12:02:00+00'),
            ('t:w1-c', 'done', '2030-01-01 12:02:00+00'),
            ('t:w2', 'processing', null)
    $$,
    'The worker''s jobs are done and finished now; another worker''s and pending jobs are unchanged.'
);

select is_empty(
    $$select from pgqueue.jobs as j where j.state = 'done' and j.lease_expires_at is not null$$,
    'Completed jobs no longer have a lease.'
);

select is(
    pgqueue.complete_many((select a.ids from all_ids as a), 'w1'),
    0,
    'Completing the same jobs again changes nothing and returns 0.'
);

select is(
    pgqueue.complete_many(
        array[(pg_temp.job('t:w2')).id, (pg_temp.job('t:w2')).id],
        'w2'
    ),
    1,
    'An id given twice is completed once.'
);

select is(
    pgqueue.complete_many(array[]::bigint[], 'w1'),
    0,
    'An empty array completes nothing.'
);

select is(
    pgqueue.complete_many(null, 'w1'),
    0,
    'A NULL array completes nothing.'
);

select is(
    pgqueue.complete_many(array[-1, -2], 'w1'),
    0,
    'Ids that do not exist are ignored.'
);

select throws_ok(
    $$select pgqueue.complete_many(array[1], null)$$,
    '22023',
    'worker must not be NULL',
    'A NULL worker is refused with 22023.'
);

select * from finish();
rollback;
