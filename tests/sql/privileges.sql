-- What each role can do in practice: calls made under set local role. The
-- functions are security definer, so a role needs EXECUTE on them and nothing
-- on the tables; the tables stay closed except for admins reading them.
begin;
select plan(35);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- pgqueue_producer ----------------------------------------------------------------

set local role pgqueue_producer;

select ok(
    pgqueue.enqueue('t:by-producer', queue => 'priv') is not null,
    'A producer can enqueue.'
);

select is(
    (select count(*) from pgqueue.enqueue_many('[{"task": "t:bulk-1", "queue": "priv"}, {"task": "t:bulk-2"}]')),
    2::bigint,
    'A producer can enqueue_many.'
);

select isnt(pgqueue.version(), null, 'A producer can read the version.');

select throws_ok(
    $$select pgqueue.dequeue('w1')$$,
    '42501',
    'permission denied for function dequeue',
    'A producer cannot dequeue (42501).'
);

select throws_ok(
    $$select pgqueue.complete(1, 'w1')$$,
    '42501',
    'permission denied for function complete',
    'A producer cannot complete jobs (42501).'
);

select throws_ok(
    $$select from pgqueue.jobs$$,
    '42501',
    'permission denied for table jobs',
    'A producer cannot read pgqueue.jobs (42501).'
);

select throws_ok(
    $$insert into pgqueue.jobs (run_at, created_at, max_retries, queue, task) values (now(), now(), 0, 'q', 't')$$,
    '42501',
    'permission denied for table jobs',
    'A producer cannot insert into pgqueue.jobs directly (42501).'
);

select throws_ok(
    $$select pgqueue._queue('priv')$$,
    '42501',
    'permission denied for function _queue',
    'A producer cannot call an internal function (42501).'
);

reset role;

-- pgqueue_worker ---------------------------------------------------------------------

set local role pgqueue_worker;

select ok(
    pgqueue.enqueue('t:by-worker', queue => 'priv') is not null,
    'A worker can enqueue (it has the producer''s rights).'
);

create temp table claimed on commit drop as
select d.id
from pgqueue.dequeue('w1', queues => array['priv'], batch_size => 3) as d;

select is(
    (select count(*) from claimed),
    3::bigint,
    'A worker can dequeue.'
);

select ok(
    pgqueue.complete((select min(c.id) from claimed as c), 'w1'),
    'A worker can complete a job it holds.'
);

select is(
    pgqueue.heartbeat(array(select c.id from claimed as c), 'w1'),
    2,
    'A worker can heartbeat its jobs.'
);

select is(
    pgqueue.fail((select max(c.id) from claimed as c), 'w1', 'boom'),
    'pending',
    'A worker can fail a job it holds.'
);

select is(
    pgqueue.release(array(select c.id from claimed as c), 'w1'),
    1,
    'A worker can release its jobs.'
);

select is(
    pgqueue.complete_many(array(select c.id from claimed as c), 'w1'),
    0,
    'A worker can call complete_many.'
);

select throws_ok(
    $$select pgqueue.cancel(1)$$,
    '42501',
    'permission denied for function cancel',
    'A worker cannot cancel jobs (42501).'
);

select throws_ok(
    $$select pgqueue.retry(1)$$,
    '42501',
    'permission denied for function retry',
    'A worker cannot retry jobs (42501).'
);

select throws_ok(
    $$select * from pgqueue.stats()$$,
    '42501',
    'permission denied for function stats',
    'A worker cannot read stats (42501).'
);

select throws_ok(
    $$select pgqueue.configure_queue('priv', max_retries => 1)$$,
    '42501',
    'permission denied for function configure_queue',
    'A worker cannot configure a queue (42501).'
);

select throws_ok(
    $$select pgqueue.pause('priv')$$,
    '42501',
    'permission denied for function pause',
    'A worker cannot pause a queue (42501).'
);

select throws_ok(
    $$select from pgqueue.jobs$$,
    '42501',
    'permission denied for table jobs',
    'A worker cannot read pgqueue.jobs (42501).'
);

reset role;

-- pgqueue_admin ------------------------------------------------------------------------

set local role pgqueue_admin;

select lives_ok(
    $$
        select
            pgqueue.configure_queue('priv', max_retries => 1),
            pgqueue.pause('priv'),
            pgqueue.resume('priv'),
            pgqueue.backoff(1)
    $$,
    'An admin can configure, pause and resume a queue and compute a backoff.'
);

select ok(
    pgqueue.cancel(
        (
            select j.id
            from pgqueue.jobs as j
            where j.task = 't:bulk-2'
        )
    ),
    'An admin can cancel a job.'
);

select ok(
    pgqueue.retry(
        (
            select j.id
            from pgqueue.jobs as j
            where j.task = 't:bulk-2'
        )
    ),
    'An admin can retry a job.'
);

select results_eq(
    $$select s.queue, s.done from pgqueue.stats('priv') as s$$,
    $$values ('priv'::text, 1::bigint)$$,
    'An admin can read stats.'
);

select results_eq(
    $$select j.task from pgqueue.jobs as j order by j.id$$,
    $$values ('t:by-producer'::text), ('t:bulk-1'), ('t:bulk-2'), ('t:by-worker')$$,
    'An admin can read pgqueue.jobs.'
);

select results_eq(
    $$select q.name, q.max_retries from pgqueue.queues as q order by q.name$$,
    $$values ('default'::text, 5), ('priv', 1)$$,
    'An admin can read pgqueue.queues.'
);

select lives_ok(
    $$select from pgqueue.dequeue('w-admin', batch_size => 1)$$,
    'An admin can do what a worker does.'
);

select throws_ok(
    $$update pgqueue.jobs set priority = 99$$,
    '42501',
    'permission denied for table jobs',
    'Even an admin cannot change pgqueue.jobs except through the functions (42501).'
);

select throws_ok(
    $$select pgqueue._set_paused('priv', true)$$,
    '42501',
    'permission denied for function _set_paused',
    'An admin cannot call an internal function (42501).'
);

reset role;

-- The test clock ----------------------------------------------------------------------------

-- Any role may set a custom setting; a fake clock would let a worker claim jobs
-- before they are due, so only a superuser's session may use it.
set local session authorization pgqueue_worker;

select throws_ok(
    $$select pgqueue.dequeue('w1')$$,
    '42501',
    'pgqueue.fake_now is for tests and may only be set by a superuser',
    'A session that is not a superuser''s cannot move pgqueue''s clock with pgqueue.fake_now (42501).'
);

-- enqueue and complete_many read now() themselves unless the setting is set
-- (see _now.sql): the refusal must hold on those paths too.
select throws_ok(
    $$select pgqueue.enqueue('task:early', run_at => '2030-01-01 12:00:00+00')$$,
    '42501',
    'pgqueue.fake_now is for tests and may only be set by a superuser',
    'enqueue refuses a fake clock outside a superuser''s session (42501).'
);

select throws_ok(
    $$select pgqueue.complete_many(array[1]::bigint[], 'w1')$$,
    '42501',
    'pgqueue.fake_now is for tests and may only be set by a superuser',
    'complete_many refuses a fake clock outside a superuser''s session (42501).'
);

reset session authorization;

-- A role with no pgqueue role: only what PUBLIC has ---------------------------------------

create role pgqueue_test_outsider nologin;
set local role pgqueue_test_outsider;

select throws_ok(
    $$select pgqueue.version()$$,
    '42501',
    'permission denied for schema pgqueue',
    'A role without a pgqueue role cannot even use the schema (42501).'
);

select throws_ok(
    $$select from pgqueue.jobs$$,
    '42501',
    'permission denied for schema pgqueue',
    'A role without a pgqueue role cannot see pgqueue.jobs (42501).'
);

reset role;

select * from finish();
rollback;
