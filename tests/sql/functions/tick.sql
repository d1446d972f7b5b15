-- pgqueue.tick: one maintenance pass (schedules, rescue, expiry, cleanup)
-- reporting what it did; skipped while another transaction holds it.
begin;
select plan(6);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 10:00:30+00', true);

select is(
    pgqueue.tick(),
    '{"skipped": false, "scheduled": 0, "rescued": 0, "expired": 0, "cleaned": 0}'::jsonb,
    'With nothing to do, tick reports zeros.'
);

select pgqueue.configure_queue('m', retention => '1 hour');
select pgqueue.schedule('minutely', '* * * * *', 'task:cron', queue => 'm');
select pgqueue.enqueue('t:stuck', queue => 'm', max_retries => 1);
select pgqueue.enqueue('t:stale', queue => 'm', expires_at => '2030-01-01 10:00:45+00', delay => '10 seconds');
select pgqueue.enqueue('t:old', queue => 'm');
select pgqueue.dequeue('w', queues => array['m'], batch_size => 2, lease => '20 seconds');
select pgqueue.complete(j.id, 'w') from pgqueue.jobs as j
where j.task = 't:old';

select set_config('pgqueue.fake_now', '2030-01-01 11:01:00+00', true);
select is(
    pgqueue.tick(),
    '{"skipped": false, "scheduled": 1, "rescued": 1, "expired": 1, "cleaned": 1}'::jsonb,
    'One pass fires the schedule, rescues the stuck job, expires the stale one and cleans up the old one.'
);
select
    is((
        select j.state from pgqueue.jobs as j
        where j.task = 't:stuck'
    ), 'pending', 'The stuck job is pending again.');
select is((
    select j.state from pgqueue.jobs as j
    where j.task = 't:stale'
), 'expired', 'The stale job expired.');
select is_empty($$select from pgqueue.jobs as j where j.task = 't:old'$$, 'The old finished job was cleaned up.');

-- Another session holding the tick lock makes tick return at once. In one
-- transaction the lock is re-entrant, so the Python tests cover concurrency;
-- here, the report of a skipped pass is pinned by its shape.
select is(
    pgqueue.tick() ? 'skipped',
    true,
    'Every report says whether the pass was skipped.'
);

select * from finish();
rollback;
