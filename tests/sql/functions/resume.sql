-- pgqueue.resume: lets dequeue hand out a paused queue's jobs again.
begin;
select plan(9);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

select pgqueue.enqueue('t:first', queue => 'rq', priority => 1);
select pgqueue.enqueue('t:second', queue => 'rq');
select pgqueue.pause('rq');
select set_config('pgqueue.fake_now', '2030-01-01 12:10:00+00', true);

select ok(
    pgqueue.resume('rq'),
    'Resuming a paused queue returns true.'
);

select results_eq(
    $$select q.paused, q.updated_at from pgqueue.queues as q where q.name = 'rq'$$,
    $$values (false, '2030-01-01 12:10:00+00'::timestamptz)$$,
    'The queue is no longer paused, and updated_at records when.'
);

select results_eq(
    $$select d.task from pgqueue.dequeue('w1', queues => array['rq'], batch_size => 10) as d$$,
    $$values ('t:first'::text), ('t:second')$$,
    'The jobs that waited during the pause are handed out, in their usual order.'
);

select ok(
    not pgqueue.resume(queue => 'rq'),
    'Resuming a queue that is not paused returns false (by name).'
);

select ok(
    pgqueue.pause('rq') and pgqueue.resume('rq'),
    'A queue can be paused and resumed again.'
);

select ok(
    not pgqueue.resume('never-seen'),
    'Resuming a queue that has no jobs yet returns false.'
);

select results_eq(
    $$select q.paused from pgqueue.queues as q where q.name = 'never-seen'$$,
    $$values (false)$$,
    'That queue exists afterwards, running, with the default settings.'
);

select throws_ok(
    $$select pgqueue.resume('')$$,
    '22023',
    'queue must not be empty',
    'An empty queue name is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.resume(null)$$,
    '22023',
    'queue must not be empty',
    'A NULL queue name is refused with 22023.'
);

select * from finish();
rollback;
