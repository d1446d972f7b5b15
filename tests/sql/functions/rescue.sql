-- pgqueue.rescue: processing jobs past their lease count a failed attempt
-- ("lease expired"): back to pending with backoff, or failed when retries are
-- exhausted; the late worker is fenced out.
begin;
select plan(12);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

create function pg_temp.job(task text)
returns pgqueue.jobs
language sql
as $$
    select j.* from pgqueue.jobs as j where j.task = job.task order by j.id desc limit 1
$$;

select pgqueue.enqueue('t:retry', queue => 'r', max_retries => 2);
select pgqueue.enqueue('t:exhausted', queue => 'r', max_retries => 0);
select pgqueue.enqueue('t:heartbeat', queue => 'r', max_retries => 2);
select pgqueue.dequeue('w1', queues => array['r'], batch_size => 3, lease => '30 seconds');

select set_config('pgqueue.fake_now', '2030-01-01 12:00:20+00', true);
select is(pgqueue.rescue(), 0, 'rescue takes back nothing while every lease runs.');
select is(
    pgqueue.heartbeat(array[(pg_temp.job('t:heartbeat')).id], 'w1', lease => '1 minute'), 1,
    'The heartbeat extends one lease.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:00:31+00', true);
select is(pgqueue.rescue(), 2, 'rescue takes back the two jobs whose lease ran out.');

select results_eq(
    $$select j.state, j.attempt, j.locked_by, j.lease_expires_at from pgqueue.jobs as j where j.task = 't:retry'$$,
    $$values ('pending'::text, 1, 'w1'::text, null::timestamptz)$$,
    'A rescued job with retries left is pending again; its attempt stays counted.'
);
select ok(
    (pg_temp.job('t:retry')).run_at between '2030-01-01 12:00:32+00' and '2030-01-01 12:00:32.25+00',
    'It runs again after the queue''s backoff for attempt 1 (1 s plus at most 25 % jitter).'
);
select is(
    (pg_temp.job('t:retry')).errors -> 0 ->> 'error', 'lease expired',
    'The rescue is recorded in the error history as "lease expired".'
);
select results_eq(
    $$select j.state, j.finished_at from pgqueue.jobs as j where j.task = 't:exhausted'$$,
    $$values ('failed'::text, '2030-01-01 12:00:31+00'::timestamptz)$$,
    'A rescued job with no retries left is dead-lettered as failed.'
);
select is((pg_temp.job('t:heartbeat')).state, 'processing', 'A heartbeated job is not rescued.');

select ok(
    not pgqueue.complete((pg_temp.job('t:retry')).id, 'w1'),
    'The worker whose lease ran out can no longer complete the job (fencing).'
);
select is(
    pgqueue.fail((pg_temp.job('t:exhausted')).id, 'w1', 'late error'), null,
    'Nor fail it.'
);

-- Claimed and lost once more: the history counts both rescues.
select set_config('pgqueue.fake_now', '2030-01-01 12:01:00+00', true);
select pgqueue.dequeue('w2', queues => array['r'], batch_size => 1, lease => '10 seconds');
select set_config('pgqueue.fake_now', '2030-01-01 12:01:11+00', true);
select is(pgqueue.rescue(), 1, 'A job re-claimed and lost again is rescued again.');
select is(
    (
        select pg_catalog.count(*)::integer
        from pg_catalog.jsonb_array_elements((pg_temp.job('t:retry')).errors) as e (value)
        where e.value ->> 'error' = 'lease expired'
    ),
    2,
    'The error history counts every rescue of the job.'
);

select * from finish();
rollback;
