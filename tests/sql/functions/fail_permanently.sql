-- pgqueue.fail_permanently: dead-letter a job at once, whatever retries it has
-- left; fenced like fail.
begin;
select plan(6);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

create function pg_temp.job(task text)
returns pgqueue.jobs
language sql
as $$
    select j.* from pgqueue.jobs as j where j.task = job.task order by j.id desc limit 1
$$;

select pgqueue.enqueue('t:bad-payload', queue => 'p', max_retries => 5);
select pgqueue.dequeue('w1', queues => array['p']);

select is(
    pgqueue.fail_permanently((pg_temp.job('t:bad-payload')).id, 'w2', 'not mine'), null,
    'A worker that does not hold the job gets NULL.'
);
select is((pg_temp.job('t:bad-payload')).state, 'processing', 'and the job is unchanged.');

select is(
    pgqueue.fail_permanently((pg_temp.job('t:bad-payload')).id, 'w1', 'payload has no "to"'), 'failed',
    'fail_permanently returns failed although 5 retries were left.'
);
select results_eq(
    $$
        select j.state, j.finished_at, j.lease_expires_at, j.errors
        from pgqueue.jobs as j
        where j.task = 't:bad-payload'
    $$,
    $$
        values (
            'failed'::text, '2030-01-01 12:00:00+00'::timestamptz, null::timestamptz,
            '[{"at": "2030-01-01T12:00:00+00:00", "error": "payload has no \"to\"", "attempt": 1}]'::jsonb
        )
    $$,
    'The job is dead-lettered now, with the error in its history.'
);
select ok(pgqueue.retry((pg_temp.job('t:bad-payload')).id), 'A permanently failed job can still be retried.');
select throws_ok(
    $$select pgqueue.fail_permanently(null, 'w1', 'x')$$, '22023', 'job_id must not be NULL',
    'A NULL job_id is refused with 22023.'
);

select * from finish();
rollback;
