-- pgqueue.cleanup: removes finished jobs older than the retention (given, or
-- each queue's), deleting or archiving them, one bounded batch per call; never
-- pending or processing jobs.
begin;
select plan(16);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 00:00:00+00', true);

select pgqueue.configure_queue('kept', retention => '30 days', cleanup_strategy => 'archive');
select pgqueue.configure_queue('short', retention => '1 hour');

-- Finished on 2030-01-01: done, failed, cancelled and expired jobs, plus live ones.
select pgqueue.enqueue('t:done', queue => 'short');
select pgqueue.enqueue('t:failed', queue => 'short', max_retries => 0);
select pgqueue.enqueue('t:cancelled', queue => 'short');
select pgqueue.enqueue('t:expired', queue => 'short', expires_at => '2030-01-01 00:00:01+00');
select pgqueue.enqueue('t:archived', queue => 'kept');
select pgqueue.enqueue('t:processing', queue => 'short');
select pgqueue.enqueue('t:pending', queue => 'short', delay => '1 year');
select pgqueue.cancel((
    select j.id from pgqueue.jobs as j
    where j.task = 't:cancelled'
));
select pgqueue.dequeue('w', batch_size => 10);
select pgqueue.complete(j.id, 'w') from pgqueue.jobs as j
where j.task in ('t:done', 't:archived');
select pgqueue.fail(j.id, 'w', 'boom') from pgqueue.jobs as j
where j.task = 't:failed';
select pgqueue.release(array_agg(j.id), 'w') from pgqueue.jobs as j
where j.task = 't:expired';
select set_config('pgqueue.fake_now', '2030-01-01 00:00:02+00', true);
select pgqueue.tick();

select throws_ok(
    $$select pgqueue.cleanup(strategy => 'shred')$$, '22023',
    'strategy must be ''delete'' or ''archive'' (got shred)',
    'An unknown strategy is refused with 22023.'
);
select throws_ok(
    $$select pgqueue.cleanup(retention => '-1 day')$$, '22023',
    'retention must not be negative (got -1 days)',
    'A negative retention is refused with 22023.'
);

select is(pgqueue.cleanup(), 0, 'Nothing is removed before any queue''s retention has passed.');

select set_config('pgqueue.fake_now', '2030-01-01 02:00:00+00', true);
select is(pgqueue.cleanup(), 4, 'Past the short queue''s 1 hour, its four finished jobs go.');
select set_eq(
    $$select j.task from pgqueue.jobs as j$$,
    array['t:archived', 't:processing', 't:pending'],
    'Pending and processing jobs stay, and so does the job whose queue keeps 30 days.'
);
select is(
    (select pg_catalog.count(*)::integer from pgqueue.jobs_archive), 0,
    'The short queue deletes: nothing was archived.'
);

select set_config('pgqueue.fake_now', '2030-02-01 00:00:00+00', true);
select is(pgqueue.cleanup(), 1, 'Past 30 days the kept queue''s done job goes too.');
select results_eq(
    $$select a.task, a.state, a.archived_at from pgqueue.jobs_archive as a$$,
    $$values ('t:archived'::text, 'done'::text, '2030-02-01 00:00:00+00'::timestamptz)$$,
    'The kept queue archives: the job is in pgqueue.jobs_archive with archived_at.'
);

-- Explicit retention and strategy override the queues'.
select pgqueue.enqueue('t:override', queue => 'short');
select pgqueue.dequeue('w', queues => array['short'], batch_size => 10);
select pgqueue.complete(j.id, 'w') from pgqueue.jobs as j
where j.task = 't:override';
select set_config('pgqueue.fake_now', '2030-02-01 00:10:00+00', true);
select is(pgqueue.cleanup('5 minutes', 'archive'), 1, 'An explicit retention overrides the queue''s.');
select ok(
    exists (
        select from pgqueue.jobs_archive as a
        where a.task = 't:override'
    ),
    'An explicit strategy overrides the queue''s: the job was archived.'
);
select set_eq(
    $$select j.task from pgqueue.jobs as j$$,
    array['t:processing', 't:pending'],
    'Only the live jobs are left.'
);

-- An id already in the archive does not make a job vanish: the newer row wins.
select pgqueue.enqueue('t:again', queue => 'kept');
insert into pgqueue.jobs_archive (
    id, run_at, created_at, priority, attempt, max_retries, state, queue, task, payload, errors, archived_at
)
select
    j.id,
    j.run_at,
    j.created_at,
    0 as priority,
    9 as attempt,
    0 as max_retries,
    'failed' as state,
    'kept' as queue,
    't:stale-copy' as task,
    '{}'::jsonb as payload,
    '[]'::jsonb as errors,
    '2029-01-01'::timestamptz as archived_at
from pgqueue.jobs as j
where j.task = 't:again';
select pgqueue.dequeue('w', queues => array['kept'], batch_size => 10);
select pgqueue.complete(j.id, 'w') from pgqueue.jobs as j
where j.task = 't:again';
select set_config('pgqueue.fake_now', '2030-03-15 00:00:00+00', true);
select is(pgqueue.cleanup(), 1, 'A job whose id is already archived is still cleaned up.');
select results_eq(
    $$select a.task, a.state, a.attempt from pgqueue.jobs_archive as a where a.task in ('t:again', 't:stale-copy')$$,
    $$values ('t:again'::text, 'done'::text, 1)$$,
    'and archived: the newer row replaced the stale copy.'
);

-- One call is one bounded batch.
insert into pgqueue.jobs (queue, task, run_at, created_at, max_retries, state, finished_at)
select
    'short' as queue,
    't:bulk' as task,
    '2029-01-01'::timestamptz as run_at,
    '2029-01-01'::timestamptz as created_at,
    0 as max_retries,
    'done' as state,
    '2029-01-01'::timestamptz + g * interval '1 second' as finished_at
from pg_catalog.generate_series(1, 10005) as g;
select is(pgqueue.cleanup(), 10000, 'One call removes at most one batch of 10,000 jobs.');
select is(pgqueue.cleanup(), 5, 'The next call removes the rest.');
select is(pgqueue.cleanup(), 0, 'Then there is nothing left to remove.');

select * from finish();
rollback;
