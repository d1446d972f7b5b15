-- pgqueue.pause: stops dequeue from handing out a queue's jobs; enqueue goes
-- on and claimed jobs finish normally.
begin;
select plan(11);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

select pgqueue.enqueue('t:claimed', queue => 'pq');
select pgqueue.dequeue('w1', queues => array['pq']);
select pgqueue.enqueue('t:waiting', queue => 'pq');

select ok(
    pgqueue.pause('pq'),
    'Pausing a running queue returns true.'
);

select results_eq(
    $$select q.paused, q.updated_at from pgqueue.queues as q where q.name = 'pq'$$,
    $$values (true, '2030-01-01 12:00:00+00'::timestamptz)$$,
    'The queue is marked paused, and updated_at records when.'
);

select ok(
    not pgqueue.pause(queue => 'pq'),
    'Pausing a paused queue returns false (by name).'
);

select is_empty(
    $$select from pgqueue.dequeue('w1', queues => array['pq'], batch_size => 10)$$,
    'dequeue hands out nothing from a paused queue.'
);

select is_empty(
    $$select from pgqueue.dequeue('w1', batch_size => 10)$$,
    'dequeue over every queue skips the paused one.'
);

select ok(
    pgqueue.enqueue('t:enqueued-while-paused', queue => 'pq') is not null,
    'Jobs can still be enqueued to a paused queue.'
);

select ok(
    pgqueue.complete(
        (
            select j.id
            from pgqueue.jobs as j
            where j.task = 't:claimed'
        ),
        'w1'
    ),
    'A job claimed before the pause can still be completed.'
);

select ok(
    pgqueue.pause('never-seen'),
    'Pausing a queue that has no jobs yet creates it paused and returns true.'
);

select results_eq(
    $$select q.paused, q.max_retries from pgqueue.queues as q where q.name = 'never-seen'$$,
    $$values (true, 5)$$,
    'The queue created by pause has the default settings and is paused.'
);

select throws_ok(
    $$select pgqueue.pause('')$$,
    '22023',
    'queue must not be empty',
    'An empty queue name is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.pause(null)$$,
    '22023',
    'queue must not be empty',
    'A NULL queue name is refused with 22023.'
);

select * from finish();
rollback;
