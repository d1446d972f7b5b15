-- pgqueue.fail: the error history, back to pending after the backoff (or
-- retry_in) while retries remain, failed once attempt > max_retries, fenced.
begin;
select plan(29);

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

-- Retries with the default backoff until retries run out ----------------------------

select pgqueue.enqueue('t:retry', queue => 'f', max_retries => 2);
select pgqueue.dequeue('w1', queues => array['f']);

select is(
    pgqueue.fail((pg_temp.job('t:retry')).id, 'w1', 'boom 1'),
    'pending',
    'The first failure of a job with retries left returns pending.'
);

select results_eq(
    $$
        select j.state, j.attempt, j.lease_expires_at, j.finished_at
        from pgqueue.jobs as j
        where j.task = 't:retry'
    $$,
    $$values ('pending'::text, 1, null::timestamptz, null::timestamptz)$$,
    'The failed job is pending again, keeps its attempt count and holds no lease.'
);

select ok(
    (pg_temp.job('t:retry')).run_at between '2030-01-01 12:00:01+00' and '2030-01-01 12:00:01.25+00',
    'After attempt 1 the job is due after the backoff: base 1 s, plus at most 25 % jitter.'
);

select results_eq(
    $$
        select e.attempt, e.at, e.error
        from jsonb_to_recordset((pg_temp.job('t:retry')).errors) as e (attempt integer, at timestamptz, error text)
    $$,
    $$values (1, '2030-01-01 12:00:00+00'::timestamptz, 'boom 1'::text)$$,
    'The error is recorded with its attempt number and time.'
);

select results_eq(
    $$select k.key from jsonb_object_keys((pg_temp.job('t:retry')).errors -> 0) as k (key) order by k.key$$,
    $$values ('at'::text), ('attempt'), ('error')$$,
    'An error history entry has exactly the keys attempt, at and error.'
);

select is_empty(
    $$select from pgqueue.dequeue('w1', queues => array['f'])$$,
    'The retried job is not claimed before its backoff has passed.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:01:00+00', true);
select pgqueue.dequeue('w1', queues => array['f']);

select is(
    pgqueue.fail((pg_temp.job('t:retry')).id, 'w1', 'boom 2'),
    'pending',
    'The second failure, with one retry left, returns pending.'
);

select ok(
    (pg_temp.job('t:retry')).run_at between '2030-01-01 12:01:02+00' and '2030-01-01 12:01:02.5+00',
    'After attempt 2 the backoff doubles: 2 s plus at most 25 %.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:02:00+00', true);
select pgqueue.dequeue('w1', queues => array['f']);

create temp table before_last on commit drop as
select j.run_at
from pgqueue.jobs as j
where j.task = 't:retry';

select is(
    pgqueue.fail((pg_temp.job('t:retry')).id, 'w1', 'boom 3'),
    'failed',
    'The failure of attempt 3 with max_retries 2 (attempt > max_retries) returns failed.'
);

select results_eq(
    $$
        select j.state, j.attempt, j.finished_at, j.lease_expires_at
        from pgqueue.jobs as j
        where j.task = 't:retry'
    $$,
    $$values ('failed'::text, 3, '2030-01-01 12:02:00+00'::timestamptz, null::timestamptz)$$,
    'The dead-lettered job is failed, finished now, with no lease.'
);

select is(
    (pg_temp.job('t:retry')).run_at,
    (select b.run_at from before_last as b),
    'A job that fails for good keeps its last run_at.'
);

select results_eq(
    $$
        select (e.value ->> 'attempt')::integer, (e.value ->> 'at')::timestamptz, e.value ->> 'error'
        from jsonb_array_elements((pg_temp.job('t:retry')).errors) with ordinality as e (value, ord)
        order by e.ord
    $$,
    $$
        values
            (1, '2030-01-01 12:00:00+00'::timestamptz, 'boom 1'::text),
            (2, '2030-01-01 12:01:00+00', 'boom 2'),
            (3, '2030-01-01 12:02:00+00', 'boom 3')
    $$,
    'The error history keeps every attempt, oldest first.'
);

select set_config('pgqueue.fake_now', '2030-01-01 13:00:00+00', true);

select is_empty(
    $$select from pgqueue.dequeue('w1', queues => array['f'])$$,
    'A failed job is never claimed again.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- max_retries 0 and the queue default ------------------------------------------------

select pgqueue.enqueue('t:once', queue => 'f0', max_retries => 0);
select pgqueue.dequeue('w1', queues => array['f0']);

select is(
    pgqueue.fail((pg_temp.job('t:once')).id, 'w1', 'only try'),
    'failed',
    'A job with max_retries 0 fails for good on its first failure.'
);

select pgqueue.enqueue('t:five', queue => 'f5');

-- Claim and fail it six times in a row, recording what fail returns.
create temp table outcomes (attempt integer, state text) on commit drop;

do $$
begin
    for v_try in 1..6 loop
        insert into outcomes
        select v_try, pgqueue.fail(d.id, 'w1', 'again', retry_in => '0')
        from pgqueue.dequeue('w1', queues => array['f5']) as d;
    end loop;
end
$$;

select results_eq(
    $$select o.state from outcomes as o order by o.attempt$$,
    $$values ('pending'::text), ('pending'), ('pending'), ('pending'), ('pending'), ('failed')$$,
    'With the queue default of 5 retries a job runs 6 times before it fails for good.'
);

-- retry_in -----------------------------------------------------------------------------

select pgqueue.enqueue('t:retry-in', queue => 'fr');
select pgqueue.dequeue('w1', queues => array['fr']);
select pgqueue.fail((pg_temp.job('t:retry-in')).id, 'w1', 'rate limited', retry_in => '10 minutes');

select is(
    (pg_temp.job('t:retry-in')).run_at,
    '2030-01-01 12:10:00+00'::timestamptz,
    'retry_in replaces the backoff: the job is due exactly retry_in from now.'
);

select pgqueue.enqueue('t:retry-now', queue => 'fz');
select pgqueue.dequeue('w1', queues => array['fz']);
select pgqueue.fail((pg_temp.job('t:retry-now')).id, 'w1', 'try again', retry_in => '0');

select results_eq(
    $$select d.task, d.attempt from pgqueue.dequeue('w1', queues => array['fz']) as d$$,
    $$values ('t:retry-now'::text, 2)$$,
    'With retry_in 0 the job is due at once and is claimed again as attempt 2.'
);

-- The queue's backoff settings ----------------------------------------------------------

select pgqueue.configure_queue('slow', backoff_base => '10 seconds', backoff_max => '15 seconds');
select pgqueue.enqueue('t:slow', queue => 'slow');
select pgqueue.dequeue('w1', queues => array['slow']);
select pgqueue.fail((pg_temp.job('t:slow')).id, 'w1', 'slow 1');

select ok(
    (pg_temp.job('t:slow')).run_at between '2030-01-01 12:00:10+00' and '2030-01-01 12:00:12.5+00',
    'The queue''s backoff_base sets the first delay: 10 s plus at most 25 %.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:01:00+00', true);
select pgqueue.dequeue('w1', queues => array['slow']);
select pgqueue.fail((pg_temp.job('t:slow')).id, 'w1', 'slow 2');

select ok(
    (pg_temp.job('t:slow')).run_at between '2030-01-01 12:01:15+00' and '2030-01-01 12:01:18.75+00',
    'The queue''s backoff_max caps the delay (20 s becomes 15 s) before jitter.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- Fencing ----------------------------------------------------------------------------------

select pgqueue.enqueue('t:fenced', queue => 'ff');
select pgqueue.dequeue('w1', queues => array['ff']);

select is(
    pgqueue.fail((pg_temp.job('t:fenced')).id, 'w2', 'not mine'),
    null,
    'A worker that does not hold the job cannot fail it: fail returns NULL.'
);

select results_eq(
    $$
        select j.state, j.locked_by, j.errors, j.lease_expires_at
        from pgqueue.jobs as j
        where j.task = 't:fenced'
    $$,
    $$values ('processing'::text, 'w1'::text, '[]'::jsonb, '2030-01-01 12:05:00+00'::timestamptz)$$,
    'The refused fail records no error and leaves the job processing under its worker.'
);

select pgqueue.enqueue('t:pending', queue => 'fp');

select is(
    pgqueue.fail((pg_temp.job('t:pending')).id, 'w1', 'never claimed'),
    null,
    'A pending job cannot be failed: fail returns NULL.'
);

select is(
    (pg_temp.job('t:pending')).errors,
    '[]'::jsonb,
    'Failing a pending job records nothing.'
);

select is(
    pgqueue.fail(-1, 'w1', 'no such job'),
    null,
    'Failing an id that does not exist returns NULL.'
);

select is(
    pgqueue.fail((pg_temp.job('t:retry')).id, 'w1', 'too late'),
    null,
    'A job that already failed for good cannot be failed again.'
);

-- Bad input --------------------------------------------------------------------------------------

select throws_ok(
    $$select pgqueue.fail(null, 'w1', 'boom')$$,
    '22023',
    'job_id must not be NULL',
    'A NULL job_id is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.fail(1, null, 'boom')$$,
    '22023',
    'worker must not be NULL',
    'A NULL worker is refused with 22023.'
);

select throws_ok(
    format($$select pgqueue.fail(%s, 'w1', 'boom', retry_in => '-1 second')$$, (pg_temp.job('t:fenced')).id),
    '22023',
    'retry_in must not be negative (got -00:00:01)',
    'A negative retry_in is refused with 22023.'
);

select results_eq(
    $$select j.state, j.errors from pgqueue.jobs as j where j.task = 't:fenced'$$,
    $$values ('processing'::text, '[]'::jsonb)$$,
    'A refused fail leaves the job as it was.'
);

select * from finish();
rollback;
