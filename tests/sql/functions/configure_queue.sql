-- pgqueue.configure_queue: sets a queue's defaults; a NULL argument leaves that
-- setting unchanged; bad values are refused before anything changes.
begin;
select plan(22);

set local timezone = 'UTC';
set local intervalstyle = 'postgres';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- The settings of a queue as one comparable row.
create function pg_temp.settings(queue text)
returns table (
    max_retries integer,
    backoff_base interval,
    backoff_max interval,
    lease interval,
    retention interval,
    cleanup_strategy text,
    paused boolean
)
language sql
as $$
    select q.max_retries, q.backoff_base, q.backoff_max, q.lease, q.retention, q.cleanup_strategy, q.paused
    from pgqueue.queues as q
    where q.name = settings.queue
$$;

select is(
    pgqueue.configure_queue('cq', max_retries => 3)::text,
    '',
    'configure_queue returns void.'
);

select results_eq(
    $$select * from pg_temp.settings('cq')$$,
    $$
        values (
            3, interval '1 second', interval '1 hour', interval '5 minutes', interval '7 days', 'delete'::text,
            false
        )
    $$,
    'Configuring a new queue creates it with the given setting and the defaults for the rest.'
);

select set_config('pgqueue.fake_now', '2030-01-01 12:01:00+00', true);
select pgqueue.configure_queue('cq', lease => '1 minute');

select results_eq(
    $$select * from pg_temp.settings('cq')$$,
    $$
        values (
            3, interval '1 second', interval '1 hour', interval '1 minute', interval '7 days', 'delete'::text,
            false
        )
    $$,
    'A second call changes only the setting it names; NULL arguments leave the others as they were.'
);

select results_eq(
    $$select q.created_at, q.updated_at from pgqueue.queues as q where q.name = 'cq'$$,
    $$values ('2030-01-01 12:00:00+00'::timestamptz, '2030-01-01 12:01:00+00'::timestamptz)$$,
    'updated_at records the change; created_at stays.'
);

select pgqueue.configure_queue(
    queue => 'cq',
    max_retries => 0,
    backoff_base => '30 seconds',
    backoff_max => '2 hours',
    lease => '10 minutes',
    retention => '1 day',
    cleanup_strategy => 'archive'
);

select results_eq(
    $$select * from pg_temp.settings('cq')$$,
    $$
        values (
            0, interval '30 seconds', interval '2 hours', interval '10 minutes', interval '1 day', 'archive'::text,
            false
        )
    $$,
    'Every setting can be given by name in one call.'
);

select pgqueue.configure_queue('cq');

select results_eq(
    $$select * from pg_temp.settings('cq')$$,
    $$
        values (
            0, interval '30 seconds', interval '2 hours', interval '10 minutes', interval '1 day', 'archive'::text,
            false
        )
    $$,
    'A call with only the queue changes nothing.'
);

select pgqueue.configure_queue('cq', cleanup_strategy => 'delete', backoff_base => '0', retention => '0');

select results_eq(
    $$select q.cleanup_strategy, q.backoff_base, q.retention from pgqueue.queues as q where q.name = 'cq'$$,
    $$values ('delete'::text, interval '0', interval '0')$$,
    'cleanup_strategy can go back to delete, and a zero backoff_base or retention is allowed.'
);

select pgqueue.pause('cq');
select pgqueue.configure_queue('cq', max_retries => 4);

select results_eq(
    $$select q.paused from pgqueue.queues as q where q.name = 'cq'$$,
    $$values (true)$$,
    'Configuring a paused queue keeps it paused.'
);

-- Bad values: 22023, nothing changes ---------------------------------------------------------

select throws_ok(
    $$select pgqueue.configure_queue('')$$,
    '22023',
    'queue must not be empty',
    'An empty queue name is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.configure_queue(null)$$,
    '22023',
    'queue must not be empty',
    'A NULL queue name is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.configure_queue('cq', max_retries => -1)$$,
    '22023',
    'max_retries must not be negative (got -1)',
    'A negative max_retries is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.configure_queue('cq', backoff_base => '-1 second')$$,
    '22023',
    'backoff_base must not be negative (got -00:00:01)',
    'A negative backoff_base is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.configure_queue('cq', backoff_max => '-1 second')$$,
    '22023',
    'backoff_max must not be negative (got -00:00:01)',
    'A negative backoff_max is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.configure_queue('cq', lease => '0')$$,
    '22023',
    'lease must be positive (got 00:00:00)',
    'A zero lease is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.configure_queue('cq', lease => '-5 minutes')$$,
    '22023',
    'lease must be positive (got -00:05:00)',
    'A negative lease is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.configure_queue('cq', retention => '-1 day')$$,
    '22023',
    'retention must not be negative (got -1 days)',
    'A negative retention is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.configure_queue('cq', cleanup_strategy => 'truncate')$$,
    '22023',
    'cleanup_strategy must be ''delete'' or ''archive'' (got truncate)',
    'An unknown cleanup_strategy is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.configure_queue('cq', cleanup_strategy => '')$$,
    '22023',
    'cleanup_strategy must be ''delete'' or ''archive'' (got )',
    'An empty cleanup_strategy is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.configure_queue('cq', max_retries => 9, cleanup_strategy => 'shred')$$,
    '22023',
    'cleanup_strategy must be ''delete'' or ''archive'' (got shred)',
    'A call with one bad value among good ones is refused as a whole.'
);

select results_eq(
    $$select * from pg_temp.settings('cq')$$,
    $$
        values (
            4, interval '0', interval '2 hours', interval '10 minutes', interval '0', 'delete'::text, true
        )
    $$,
    'Refused calls change no setting, not even the valid ones they carried.'
);

select throws_ok(
    $$select pgqueue.configure_queue('new-queue', lease => '0')$$,
    '22023',
    'lease must be positive (got 00:00:00)',
    'A refused call for a new queue is refused before the queue is created.'
);

select is_empty(
    $$select from pgqueue.queues as q where q.name in ('new-queue', '')$$,
    'Refused calls create no queue.'
);

select * from finish();
rollback;
