-- pgqueue.enqueue: defaults, named notation, delays, per-queue max_retries,
-- deduplication, and the 22023 errors that leave nothing behind.
begin;
select plan(52);

set local timezone = 'UTC';
set local intervalstyle = 'postgres';

-- The common path ------------------------------------------------------------

-- Before this session ever sets pgqueue.fake_now, a call without delay,
-- max_retries or dedup_key whose task starts with a visible character skips
-- _check_job and the clock's function (enqueue.sql). These pin that path; the
-- rest of the file runs on the test clock, which takes the checked path.
select pgqueue.configure_queue('common-two', max_retries => 2);
select pgqueue.enqueue('t:common', queue => 'common-two');
select pgqueue.enqueue('t:common-later', queue => 'common-new', run_at => now() + interval '1 hour');
select pgqueue.enqueue(' t:common-padded', queue => 'common-new');

select results_eq(
    $$
        select j.queue, j.run_at, j.created_at, j.max_retries, j.state
        from pgqueue.jobs as j
        where j.task = 't:common'
    $$,
    $$values ('common-two'::text, now(), now(), 2, 'pending'::text)$$,
    'The common path: due now, created now, the queue''s configured max_retries.'
);

select results_eq(
    $$
        select j.run_at, j.max_retries
        from pgqueue.jobs as j
        where j.task = 't:common-later'
    $$,
    $$values (now() + interval '1 hour', 5)$$,
    'The common path keeps a given run_at, and a new queue gets its row and the default of 5 retries.'
);

select is(
    (
        select count(*) from pgqueue.queues as q
        where q.name = 'common-new'
    ),
    1::bigint,
    'A new queue''s first two jobs created one settings row.'
);

select is(
    (
        select count(*) from pgqueue.jobs as j
        where j.task = ' t:common-padded'
    ),
    1::bigint,
    'A task that starts with a space but is not blank is stored as given.'
);

select pgqueue.enqueue('t:common-nulls', payload => null, queue => null, priority => null);

select results_eq(
    $$select j.queue, j.payload, j.priority from pgqueue.jobs as j where j.task = 't:common-nulls'$$,
    $$values ('default'::text, '{}'::jsonb, 0)$$,
    'Without the test clock too, explicit NULLs for payload, queue and priority mean their defaults.'
);

select throws_ok(
    $$select pgqueue.enqueue('  ', queue => 'common-two')$$,
    '22023',
    'task must not be empty',
    'A blank task is refused on the common path too.'
);

select throws_ok(
    $$select pgqueue.enqueue('t:common-bad', queue => '  ')$$,
    '22023',
    'queue must not be empty',
    'A blank queue name is refused: no queue row has one, so the common path checks it.'
);

select throws_ok(
    $$select pgqueue.enqueue('t:common-bad', queue => '')$$,
    '22023',
    'queue must not be empty',
    'An empty queue name is refused on the common path.'
);

select throws_ok(
    $$select pgqueue.enqueue('t:common-bad', run_at => '-infinity')$$,
    '22023',
    'run_at must be a finite time (got -infinity)',
    'A run_at of -infinity is refused on the common path (it would break every age computed from it).'
);

select throws_ok(
    $$select pgqueue.enqueue('t:common-bad', run_at => 'infinity')$$,
    '22023',
    'run_at must be a finite time (got infinity)',
    'A run_at of infinity, a job that could never run, is refused.'
);

select throws_ok(
    $$select pgqueue.enqueue(e'\t\n')$$,
    '22023',
    'task must not be empty',
    'A task of tabs and newlines is blank.'
);

select throws_ok(
    $$select pgqueue.enqueue('t:common-bad', queue => e'\t')$$,
    '22023',
    'queue must not be empty',
    'A queue name of a tab is blank.'
);

select is_empty(
    $$select from pgqueue.jobs as j where j.task in ('t:common-bad', '  ', e'\t\n')$$,
    'The refused common-path calls left no job behind.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- The newest job with this task name (each scenario uses its own task names),
-- read as (pg_temp.job('t:x')).run_at.
create function pg_temp.job(task text)
returns pgqueue.jobs
language sql
as $$
    select j.* from pgqueue.jobs as j where j.task = job.task order by j.id desc limit 1
$$;

-- Defaults --------------------------------------------------------------------

select ok(
    pgqueue.enqueue('t:defaults') > 0,
    'enqueue returns the id of the new job.'
);

select results_eq(
    $$
        select
            j.queue, j.payload, j.priority, j.run_at, j.created_at, j.attempt,
            j.max_retries, j.state, j.dedup_key, j.expires_at, j.errors, j.locked_by
        from pgqueue.jobs as j
        where j.task = 't:defaults'
    $$,
    $$
        values (
            'default'::text, '{}'::jsonb, 0, '2030-01-01 12:00:00+00'::timestamptz,
            '2030-01-01 12:00:00+00'::timestamptz, 0, 5, 'pending'::text, null::text,
            null::timestamptz, '[]'::jsonb, null::text
        )
    $$,
    'A job given only a task is pending in queue default, due now, priority 0, 5 retries, empty payload.'
);

select results_eq(
    $$select q.max_retries from pgqueue.queues as q where q.name = 'default'$$,
    $$values (5)$$,
    'The first enqueue to a queue creates its settings row with the default of 5 retries.'
);

select pgqueue.enqueue('t:nulls', payload => null, queue => null, priority => null);

select results_eq(
    $$select j.queue, j.payload, j.priority from pgqueue.jobs as j where j.task = 't:nulls'$$,
    $$values ('default'::text, '{}'::jsonb, 0)$$,
    'Explicit NULLs for payload, queue and priority mean their defaults.'
);

-- Named notation and every argument ---------------------------------------------

select pgqueue.enqueue(
    task => 't:all',
    payload => '{"to": "a@b.c"}',
    queue => 'mail',
    priority => 7,
    run_at => '2030-01-02 00:00:00+00',
    max_retries => 2,
    dedup_key => 'k-all',
    expires_at => '2030-01-03 00:00:00+00'
);

select results_eq(
    $$
        select j.queue, j.payload, j.priority, j.run_at, j.max_retries, j.dedup_key, j.expires_at
        from pgqueue.jobs as j
        where j.task = 't:all'
    $$,
    $$
        values (
            'mail'::text, '{"to": "a@b.c"}'::jsonb, 7, '2030-01-02 00:00:00+00'::timestamptz, 2,
            'k-all'::text, '2030-01-03 00:00:00+00'::timestamptz
        )
    $$,
    'Every argument given by name is stored on the job.'
);

select pgqueue.enqueue('t:delay', delay => '5 min');

select is(
    (pg_temp.job('t:delay')).run_at,
    '2030-01-01 12:05:00+00'::timestamptz,
    'delay => ''5 min'' makes the job due five minutes from now.'
);

select is(
    (pg_temp.job('t:delay')).created_at,
    '2030-01-01 12:00:00+00'::timestamptz,
    'created_at is the time of the enqueue, not the time the job is due.'
);

select pgqueue.enqueue('t:zero-delay', delay => '0');

select is(
    (pg_temp.job('t:zero-delay')).run_at,
    '2030-01-01 12:00:00+00'::timestamptz,
    'A zero delay makes the job due now.'
);

select pgqueue.enqueue('t:past', run_at => '2029-12-31 00:00:00+00');

select is(
    (pg_temp.job('t:past')).run_at,
    '2029-12-31 00:00:00+00'::timestamptz,
    'A run_at in the past is kept as given (the job is overdue, so it runs first among equals).'
);

select pgqueue.enqueue('t:negative-priority', priority => -3);

select is(
    (pg_temp.job('t:negative-priority')).priority,
    -3,
    'A negative priority is allowed (it runs after priority 0).'
);

-- max_retries: the queue's default unless given ------------------------------

select pgqueue.configure_queue('retry-twice', max_retries => 2);
select pgqueue.enqueue('t:queue-default', queue => 'retry-twice');
select pgqueue.enqueue('t:queue-default-null', queue => 'retry-twice', max_retries => null);
select pgqueue.enqueue('t:explicit-retries', queue => 'retry-twice', max_retries => 9);
select pgqueue.enqueue('t:no-retries', max_retries => 0);

select is(
    (pg_temp.job('t:queue-default')).max_retries,
    2,
    'Without max_retries a job takes its queue''s configured max_retries.'
);

select is(
    (pg_temp.job('t:queue-default-null')).max_retries,
    2,
    'max_retries => NULL also takes the queue''s configured max_retries.'
);

select is(
    (pg_temp.job('t:explicit-retries')).max_retries,
    9,
    'An explicit max_retries overrides the queue''s default.'
);

select is(
    (pg_temp.job('t:no-retries')).max_retries,
    0,
    'max_retries => 0 is allowed: the job gets one attempt.'
);

-- Deduplication ---------------------------------------------------------------

select pgqueue.enqueue('t:dedup', queue => 'dd', dedup_key => 'k');

select is(
    pgqueue.enqueue('t:dedup-again', queue => 'dd', dedup_key => 'k'),
    (pg_temp.job('t:dedup')).id,
    'Enqueueing a dedup_key that a pending job holds returns that job''s id.'
);

select results_eq(
    $$select j.task from pgqueue.jobs as j where j.queue = 'dd'$$,
    $$values ('t:dedup'::text)$$,
    'The duplicate enqueue inserts nothing and leaves the existing job as it was.'
);

select isnt(
    pgqueue.enqueue('t:dedup-other-queue', queue => 'dd2', dedup_key => 'k'),
    (pg_temp.job('t:dedup')).id,
    'The same dedup_key in another queue is a different job.'
);

select pgqueue.dequeue('w1', queues => array['dd']);

select is(
    pgqueue.enqueue('t:dedup-while-processing', queue => 'dd', dedup_key => 'k'),
    (pg_temp.job('t:dedup')).id,
    'While the job holding the dedup_key is processing, enqueue still returns its id.'
);

select pgqueue.complete((pg_temp.job('t:dedup')).id, 'w1');

select isnt(
    pgqueue.enqueue('t:dedup-after-done', queue => 'dd', dedup_key => 'k'),
    (pg_temp.job('t:dedup')).id,
    'Once the job holding the dedup_key is done, the key is free and a new job is inserted.'
);

select results_eq(
    $$select j.task, j.state from pgqueue.jobs as j where j.queue = 'dd' order by j.id$$,
    $$values ('t:dedup'::text, 'done'::text), ('t:dedup-after-done', 'pending')$$,
    'The done job and its successor both exist, and only the new one is pending.'
);

select pgqueue.cancel((pg_temp.job('t:dedup-after-done')).id);

select isnt(
    pgqueue.enqueue('t:dedup-after-cancel', queue => 'dd', dedup_key => 'k'),
    (pg_temp.job('t:dedup-after-done')).id,
    'A cancelled job does not hold its dedup_key either.'
);

-- A pending holder past its expires_at will never run: it must not answer for the key.
select pgqueue.enqueue('t:dedup-expiring', queue => 'dd', dedup_key => 'k-exp', expires_at => '2030-01-01 12:01:00+00');
select set_config('pgqueue.fake_now', '2030-01-01 12:05:00+00', true);

select isnt(
    pgqueue.enqueue('t:dedup-after-expiry', queue => 'dd', dedup_key => 'k-exp'),
    (pg_temp.job('t:dedup-expiring')).id,
    'A pending job past its expires_at does not hold its dedup_key: a new job is inserted.'
);

select results_eq(
    $$
        select j.task, j.state, j.finished_at
        from pgqueue.jobs as j
        where j.dedup_key = 'k-exp'
        order by j.id
    $$,
    $$
        values
            ('t:dedup-expiring'::text, 'expired'::text, '2030-01-01 12:05:00+00'::timestamptz),
            ('t:dedup-after-expiry', 'pending', null)
    $$,
    'The dead holder is expired then and there, and the new job holds the key.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- A trigger of the caller's that drops the row: enqueue returns NULL, as an
-- INSERT would, with a dedup_key too (it once retried forever).
create function pg_temp.drop_job() returns trigger language plpgsql as $$
begin
    return case when new.task = 't:dropped' then null else new end;
end;
$$;
create trigger drop_job before insert on pgqueue.jobs for each row execute function pg_temp.drop_job();
set local statement_timeout = '10s';

select is(
    pgqueue.enqueue('t:dropped', queue => 'dd', dedup_key => 'k-dropped'),
    null,
    'A row dropped by a trigger: enqueue with a dedup_key returns NULL instead of retrying forever.'
);

select is(
    pgqueue.enqueue('t:dropped', queue => 'dd'),
    null,
    'Without a dedup_key too.'
);

drop trigger drop_job on pgqueue.jobs;
reset statement_timeout;

-- Bad input: SQLSTATE 22023, a message naming the parameter, nothing inserted ----

select throws_ok(
    $$select pgqueue.enqueue('')$$,
    '22023',
    'task must not be empty',
    'An empty task is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue('   ')$$,
    '22023',
    'task must not be empty',
    'A task of only blanks is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue(null)$$,
    '22023',
    'task must not be empty',
    'A NULL task is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue('t:bad', queue => '')$$,
    '22023',
    'queue must not be empty',
    'An empty queue name is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue('t:bad', run_at => '2030-01-02 00:00:00+00', delay => '1 min')$$,
    '22023',
    'run_at and delay are mutually exclusive: give one of them',
    'Giving both run_at and delay is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue('t:bad', delay => '-5 min')$$,
    '22023',
    'delay must not be negative (got -00:05:00)',
    'A negative delay is refused with 22023 and the message shows it.'
);

select throws_ok(
    $$select pgqueue.enqueue('t:bad', max_retries => -1)$$,
    '22023',
    'max_retries must not be negative (got -1)',
    'A negative max_retries is refused with 22023 and the message shows it.'
);

select throws_ok(
    $$select pgqueue.enqueue('t:bad', queue => 'never-created', delay => '-1 second')$$,
    '22023',
    'delay must not be negative (got -00:00:01)',
    'A bad enqueue to a new queue is refused too.'
);

select is_empty(
    $$select from pgqueue.jobs as j where j.task in ('t:bad', '', '   ')$$,
    'No refused enqueue left a job behind.'
);

select is_empty(
    $$select from pgqueue.queues as q where q.name = 'never-created'$$,
    'A refused enqueue does not create its queue.'
);

-- The real clock ----------------------------------------------------------------

-- Without pgqueue.fake_now, pgqueue's clock is the transaction's now().
select set_config('pgqueue.fake_now', '', true);
select pgqueue.enqueue('t:real-clock', delay => '1 minute');

select results_eq(
    $$select j.created_at, j.run_at from pgqueue.jobs as j where j.task = 't:real-clock'$$,
    $$values (now(), now() + interval '1 minute')$$,
    'Without the test clock, created_at is now() and run_at is now() + delay.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- Ids and queues -------------------------------------------------------------

select cmp_ok(
    pgqueue.enqueue('t:later'),
    '>',
    (pg_temp.job('t:defaults')).id,
    'Ids increase: a later job has a larger id.'
);

select is_empty(
    $$select from pgqueue.jobs as j where j.state = 'pending' and j.attempt <> 0$$,
    'Every newly enqueued job has attempt 0.'
);

select results_eq(
    $$select q.name, q.lease from pgqueue.queues as q order by q.name$$,
    $$
        values
            ('common-new'::text, interval '5 minutes'),
            ('common-two', interval '5 minutes'),
            ('dd', interval '5 minutes'),
            ('dd2', interval '5 minutes'),
            ('default', interval '5 minutes'),
            ('mail', interval '5 minutes'),
            ('retry-twice', interval '5 minutes')
    $$,
    'Each queue enqueued to has one settings row, with the default lease of 5 minutes.'
);

select * from finish();
rollback;
