-- pgqueue.cancel: pending -> cancelled; any other state is left alone.
begin;
select plan(12);

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

select pgqueue.enqueue('t:processing', queue => 'cx');
select pgqueue.dequeue('w1', queues => array['cx']);
select pgqueue.enqueue('t:done', queue => 'cx');
select pgqueue.complete(d.id, 'w1') from pgqueue.dequeue('w1', queues => array['cx']) as d;
select pgqueue.enqueue('t:failed', queue => 'cx', max_retries => 0);
select pgqueue.fail(d.id, 'w1', 'boom') from pgqueue.dequeue('w1', queues => array['cx']) as d;
select pgqueue.enqueue('t:pending', queue => 'cx');
select pgqueue.enqueue('t:scheduled', queue => 'cx', delay => '1 day');
select set_config('pgqueue.fake_now', '2030-01-01 12:05:00+00', true);

select ok(
    pgqueue.cancel((pg_temp.job('t:pending')).id),
    'cancel returns true for a pending job.'
);

select results_eq(
    $$select j.state, j.finished_at from pgqueue.jobs as j where j.task = 't:pending'$$,
    $$values ('cancelled'::text, '2030-01-01 12:05:00+00'::timestamptz)$$,
    'The cancelled job is cancelled and finished now.'
);

select ok(
    pgqueue.cancel(job_id => (pg_temp.job('t:scheduled')).id),
    'A job waiting for a future run_at can be cancelled too (by name).'
);

select is_empty(
    $$select from pgqueue.dequeue('w1', queues => array['cx'])$$,
    'Cancelled jobs are never claimed.'
);

select ok(
    not pgqueue.cancel((pg_temp.job('t:pending')).id),
    'Cancelling a job that is already cancelled returns false.'
);

select ok(
    not pgqueue.cancel((pg_temp.job('t:processing')).id),
    'A processing job cannot be cancelled: cancel returns false.'
);

select results_eq(
    $$select j.state, j.locked_by, j.finished_at from pgqueue.jobs as j where j.task = 't:processing'$$,
    $$values ('processing'::text, 'w1'::text, null::timestamptz)$$,
    'The refused cancel leaves the processing job to its worker.'
);

select ok(
    not pgqueue.cancel((pg_temp.job('t:done')).id),
    'A done job cannot be cancelled.'
);

select ok(
    not pgqueue.cancel((pg_temp.job('t:failed')).id),
    'A failed job cannot be cancelled.'
);

select results_eq(
    $$select j.task, j.state from pgqueue.jobs as j where j.task in ('t:done', 't:failed') order by j.task$$,
    $$values ('t:done'::text, 'done'::text), ('t:failed', 'failed')$$,
    'Refused cancels leave finished jobs as they were.'
);

select ok(
    not pgqueue.cancel(-1),
    'Cancelling an id that does not exist returns false.'
);

select throws_ok(
    $$select pgqueue.cancel(null)$$,
    '22023',
    'job_id must not be NULL',
    'A NULL job_id is refused with 22023.'
);

select * from finish();
rollback;
