-- lease_expires_at and finished_at stay in step with state through every
-- transition: lease_expires_at is set exactly while a job is processing,
-- finished_at exactly while it is done, failed, cancelled or expired. The
-- partial indexes of pgqueue.jobs select their rows by these NULL tests
-- (sql/src/tables/jobs.sql), so a function that left one of them behind would
-- hide a pending job from dequeue, or keep a finished one in the claim index.
begin;
select plan(18);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- Jobs whose columns are out of step with their state, as "id state".
create function pg_temp.out_of_step()
returns text[]
language sql
as $$
    select coalesce(pg_catalog.array_agg(j.id || ' ' || j.state order by j.id), '{}')
    from pgqueue.jobs as j
    where (j.state = 'processing') is distinct from (j.lease_expires_at is not null)
        or (j.state in ('done', 'failed', 'cancelled', 'expired')) is distinct from (j.finished_at is not null)
$$;

create function pg_temp.id(task text)
returns bigint
language sql
as $$
    select j.id from pgqueue.jobs as j where j.task = id.task
$$;

create function pg_temp.state(task text)
returns text
language sql
as $$
    select j.state from pgqueue.jobs as j where j.task = state.task
$$;

select pgqueue.enqueue('t:complete', queue => 's');
select pgqueue.enqueue('t:complete-many', queue => 's');
select pgqueue.enqueue('t:retry-later', queue => 's', max_retries => 3);
select pgqueue.enqueue('t:exhausted', queue => 's', max_retries => 0);
select pgqueue.enqueue('t:permanent', queue => 's');
select pgqueue.enqueue('t:release', queue => 's');
select pgqueue.enqueue('t:stuck', queue => 's', max_retries => 1);
select pgqueue.enqueue(
    't:expire', queue => 's', expires_at => '2030-01-01 12:00:30+00', run_at => '2030-01-01 13:00:00+00'
);
select pgqueue.enqueue('t:dedup', queue => 's', dedup_key => 'k');
-- Enqueued last, it is the due job the claim of eight leaves pending.
select pgqueue.enqueue('t:cancel', queue => 's');
select is(pg_temp.out_of_step(), '{}', 'Enqueued jobs are pending with neither column set.');

select is(
    (select count(*)::integer from pgqueue.dequeue('w1', queues => array['s'], batch_size => 8, lease => '1 minute')),
    8,
    'dequeue claims the eight due jobs.'
);
select is(pg_temp.out_of_step(), '{}', 'Claimed jobs are processing with a lease.');

select ok(pgqueue.complete(pg_temp.id('t:complete'), 'w1'), 'complete finishes a job.');
select is(
    pgqueue.complete_many(array[pg_temp.id('t:complete-many')], 'w1'), 1, 'complete_many finishes a job.'
);
select is(
    pgqueue.heartbeat(array[pg_temp.id('t:release')], 'w1', lease => '2 minutes'), 1, 'heartbeat extends a lease.'
);
select is(pgqueue.release(array[pg_temp.id('t:release')], 'w1'), 1, 'release hands a job back.');
select pgqueue.fail(pg_temp.id('t:retry-later'), 'w1', 'boom');
select pgqueue.fail(pg_temp.id('t:exhausted'), 'w1', 'boom');
select pgqueue.fail_permanently(pg_temp.id('t:permanent'), 'w1', 'bad input');
select ok(pgqueue.cancel(pg_temp.id('t:cancel')), 'cancel cancels a pending job.');
select is(
    array[
        pg_temp.state('t:complete'), pg_temp.state('t:complete-many'), pg_temp.state('t:release'),
        pg_temp.state('t:retry-later'), pg_temp.state('t:exhausted'), pg_temp.state('t:permanent'),
        pg_temp.state('t:cancel')
    ],
    array['done', 'done', 'pending', 'pending', 'failed', 'failed', 'cancelled'],
    'Each job reached the state its call leads to.'
);
select is(pg_temp.out_of_step(), '{}', 'After complete, complete_many, heartbeat, release, fail and cancel.');

select set_config('pgqueue.fake_now', '2030-01-01 12:02:00+00', true);
select is(pgqueue.rescue(), 2, 'rescue takes back the two jobs whose lease ran out.');
select is(
    array[pg_temp.state('t:stuck'), pg_temp.state('t:dedup')], array['pending', 'pending'],
    'Both have a retry left, so they are pending again.'
);
select is(pgqueue._expire(), 1, 'Expiry expires the job past its expires_at.');
select is(pg_temp.state('t:expire'), 'expired', 'It is expired.');
select is(pg_temp.out_of_step(), '{}', 'After rescue and expiry.');

select ok(pgqueue.retry(pg_temp.id('t:exhausted')), 'retry brings a failed job back.');
select ok(pgqueue.retry(pg_temp.id('t:cancel')), 'retry brings a cancelled job back.');
select pgqueue.retry(pg_temp.id('t:expire'));
select is(pg_temp.out_of_step(), '{}', 'After retry of failed, cancelled and expired jobs.');

select * from finish();
rollback;
