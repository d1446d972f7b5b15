-- pgqueue.retry: failed, cancelled or expired -> pending, due now, with the
-- attempts counted afresh and the error history kept.
begin;
select plan(18);

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

select pgqueue.enqueue('t:failed', queue => 'rt', max_retries => 1, run_at => '2030-01-01 11:00:00+00');
select pgqueue.fail(d.id, 'w1', 'first') from pgqueue.dequeue('w1', queues => array['rt']) as d;
select set_config('pgqueue.fake_now', '2030-01-01 12:30:00+00', true);
select pgqueue.fail(d.id, 'w1', 'second') from pgqueue.dequeue('w1', queues => array['rt']) as d;
select set_config('pgqueue.fake_now', '2030-01-01 13:00:00+00', true);

select results_eq(
    $$select j.state, j.attempt from pgqueue.jobs as j where j.task = 't:failed'$$,
    $$values ('failed'::text, 2)$$,
    'Set-up: the job failed for good after 2 attempts.'
);

select ok(
    pgqueue.retry((pg_temp.job('t:failed')).id),
    'retry returns true for a failed job.'
);

select results_eq(
    $$
        select j.state, j.attempt, j.run_at, j.finished_at, j.locked_by, j.lease_expires_at, j.result
        from pgqueue.jobs as j
        where j.task = 't:failed'
    $$,
    $$
        values (
            'pending'::text, 0, '2030-01-01 13:00:00+00'::timestamptz, null::timestamptz, null::text,
            null::timestamptz, null::jsonb
        )
    $$,
    'The retried job is pending, due now, unlocked, with attempt back to 0.'
);

select is(
    jsonb_array_length((pg_temp.job('t:failed')).errors),
    2,
    'The error history of the earlier attempts is kept.'
);

select results_eq(
    $$select d.task, d.attempt from pgqueue.dequeue('w1', queues => array['rt']) as d$$,
    $$values ('t:failed'::text, 1)$$,
    'The retried job is claimed at once, as attempt 1.'
);

select is(
    pgqueue.fail((pg_temp.job('t:failed')).id, 'w1', 'third'),
    'pending',
    'Retries are counted afresh: the retried job has its max_retries again.'
);

-- Cancelled and expired jobs ----------------------------------------------------------

select pgqueue.enqueue('t:cancelled', queue => 'rc', delay => '1 day');
select pgqueue.cancel((pg_temp.job('t:cancelled')).id);

select ok(
    pgqueue.retry(job_id => (pg_temp.job('t:cancelled')).id),
    'A cancelled job can be retried (by name).'
);

select results_eq(
    $$select j.state, j.run_at from pgqueue.jobs as j where j.task = 't:cancelled'$$,
    $$values ('pending'::text, '2030-01-01 13:00:00+00'::timestamptz)$$,
    'The retried cancelled job is due now, not at its original run_at.'
);

select pgqueue.enqueue('t:expired', queue => 're', expires_at => '2030-01-01 13:00:01+00');
select set_config('pgqueue.fake_now', '2030-01-01 14:00:00+00', true);
-- Expiry is the maintenance pass's job; mark it the way that pass does.
update pgqueue.jobs
set state = 'expired', finished_at = '2030-01-01 13:00:01+00'
where task = 't:expired';

select ok(
    pgqueue.retry((pg_temp.job('t:expired')).id),
    'An expired job can be retried.'
);

select results_eq(
    $$select d.task from pgqueue.dequeue('w1', queues => array['re']) as d$$,
    $$values ('t:expired'::text)$$,
    'The retried expired job is claimed: its passed expires_at no longer holds it back.'
);

-- Other states -------------------------------------------------------------------------

select pgqueue.enqueue('t:pending', queue => 'ro');

select ok(
    not pgqueue.retry((pg_temp.job('t:pending')).id),
    'A pending job cannot be retried: retry returns false.'
);

select ok(
    not pgqueue.retry((pg_temp.job('t:expired')).id),
    'A processing job cannot be retried.'
);

select pgqueue.complete((pg_temp.job('t:expired')).id, 'w1');

select ok(
    not pgqueue.retry((pg_temp.job('t:expired')).id),
    'A done job cannot be retried.'
);

select results_eq(
    $$select j.task, j.state from pgqueue.jobs as j where j.task in ('t:pending', 't:expired') order by j.task$$,
    $$values ('t:expired'::text, 'done'::text), ('t:pending', 'pending')$$,
    'Refused retries leave the jobs as they were.'
);

select ok(
    not pgqueue.retry(-1),
    'Retrying an id that does not exist returns false.'
);

-- A dedup_key taken in the meantime ------------------------------------------------------

select pgqueue.enqueue('t:dedup-old', queue => 'rd', dedup_key => 'k', max_retries => 0);
select pgqueue.fail(d.id, 'w1', 'boom') from pgqueue.dequeue('w1', queues => array['rd']) as d;
select pgqueue.enqueue('t:dedup-new', queue => 'rd', dedup_key => 'k');

select throws_ok(
    format('select pgqueue.retry(%s)', (pg_temp.job('t:dedup-old')).id),
    '23505',
    format(
        'job %s cannot be retried: another pending or processing job has its dedup_key',
        (pg_temp.job('t:dedup-old')).id
    ),
    'A failed job whose dedup_key a live job holds cannot be retried: 23505 names the job.'
);

select results_eq(
    $$select j.task, j.state from pgqueue.jobs as j where j.queue = 'rd' order by j.task$$,
    $$values ('t:dedup-new'::text, 'pending'::text), ('t:dedup-old', 'failed')$$,
    'The refused retry leaves the failed job failed and the live one pending.'
);

select throws_ok(
    $$select pgqueue.retry(null)$$,
    '22023',
    'job_id must not be NULL',
    'A NULL job_id is refused with 22023.'
);

select * from finish();
rollback;
