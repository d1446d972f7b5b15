-- pgqueue.complete: processing -> done, only for the worker that holds the job
-- (fencing); false and no change otherwise.
begin;
select plan(15);

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

select pgqueue.enqueue('t:done', queue => 'c');
select pgqueue.enqueue('t:with-result', queue => 'c');
select pgqueue.enqueue('t:fenced', queue => 'c');
select pgqueue.enqueue('t:pending', queue => 'c', delay => '1 hour');
select pgqueue.dequeue('w1', queues => array['c'], batch_size => 3);
select set_config('pgqueue.fake_now', '2030-01-01 12:01:00+00', true);

select ok(
    pgqueue.complete((pg_temp.job('t:done')).id, 'w1'),
    'complete returns true for a job the worker holds.'
);

select results_eq(
    $$
        select j.state, j.finished_at, j.lease_expires_at, j.result, j.locked_by, j.attempt
        from pgqueue.jobs as j
        where j.task = 't:done'
    $$,
    $$values ('done'::text, '2030-01-01 12:01:00+00'::timestamptz, null::timestamptz, null::jsonb, 'w1'::text, 1)$$,
    'The completed job is done, finished now, with no lease; locked_by keeps who ran it.'
);

select ok(
    pgqueue.complete((pg_temp.job('t:with-result')).id, 'w1', result => '{"sent": true}'),
    'complete accepts a result by name.'
);

select is(
    (pg_temp.job('t:with-result')).result,
    '{"sent": true}'::jsonb,
    'The result is stored on the job.'
);

select ok(
    not pgqueue.complete((pg_temp.job('t:done')).id, 'w1'),
    'Completing a job that is already done returns false.'
);

select is(
    (pg_temp.job('t:done')).finished_at,
    '2030-01-01 12:01:00+00'::timestamptz,
    'A second complete changes nothing.'
);

-- Fencing --------------------------------------------------------------------------

select ok(
    not pgqueue.complete((pg_temp.job('t:fenced')).id, 'w2'),
    'Another worker cannot complete a job it does not hold: complete returns false.'
);

select results_eq(
    $$select j.state, j.locked_by, j.finished_at from pgqueue.jobs as j where j.task = 't:fenced'$$,
    $$values ('processing'::text, 'w1'::text, null::timestamptz)$$,
    'The refused complete leaves the job processing under its worker.'
);

-- The lease of w1 runs out and the job goes back to pending (as rescue does);
-- w2 claims it again.
update pgqueue.jobs
set state = 'pending', lease_expires_at = null
where task = 't:fenced';
select set_config('pgqueue.fake_now', '2030-01-01 12:10:00+00', true);
select pgqueue.dequeue('w2', queues => array['c']);

select ok(
    not pgqueue.complete((pg_temp.job('t:fenced')).id, 'w1'),
    'A worker whose job was claimed again by another cannot complete it.'
);

select results_eq(
    $$select j.state, j.locked_by, j.attempt from pgqueue.jobs as j where j.task = 't:fenced'$$,
    $$values ('processing'::text, 'w2'::text, 2)$$,
    'The stale complete leaves the new claim untouched.'
);

select ok(
    pgqueue.complete((pg_temp.job('t:fenced')).id, 'w2'),
    'The worker that holds the job now completes it.'
);

select ok(
    not pgqueue.complete((pg_temp.job('t:pending')).id, 'w1'),
    'A pending job cannot be completed.'
);

select ok(
    not pgqueue.complete(-1, 'w1'),
    'Completing an id that does not exist returns false.'
);

-- Bad input ---------------------------------------------------------------------------

select throws_ok(
    $$select pgqueue.complete(null, 'w1')$$,
    '22023',
    'job_id must not be NULL',
    'A NULL job_id is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.complete(1, null)$$,
    '22023',
    'worker must not be NULL',
    'A NULL worker is refused with 22023.'
);

select * from finish();
rollback;
