-- pgqueue.enqueue_many: ids in input order, enqueue's defaults per element,
-- deduplication, and all-or-nothing validation of the JSON input.
begin;
select plan(35);

set local timezone = 'UTC';
set local intervalstyle = 'postgres';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

-- The newest job with this task name (each scenario uses its own task names),
-- read as (pg_temp.job('t:x')).run_at.
create function pg_temp.job(task text)
returns pgqueue.jobs
language sql
as $$
    select j.* from pgqueue.jobs as j where j.task = job.task order by j.id desc limit 1
$$;

-- Ids in input order ---------------------------------------------------------

create temp table returned on commit drop as
select
    r.id,
    r.ord
from pgqueue.enqueue_many(
    '[
        {"task": "t:c"},
        {"task": "t:a", "queue": "bulk", "priority": 5, "payload": {"n": 1}},
        {"task": "t:b", "delay": "10 minutes", "max_retries": 1},
        {"task": "t:d", "run_at": "2030-02-01T00:00:00Z", "dedup_key": "dk",
         "expires_at": "2030-03-01T00:00:00Z"}
    ]'
) with ordinality as r (id, ord);

select results_eq(
    $$select r.id from returned as r order by r.ord$$,
    $$
        select (pg_temp.job(t.task)).id
        from unnest(array['t:c', 't:a', 't:b', 't:d']) with ordinality as t (task, ord)
        order by t.ord
    $$,
    'enqueue_many returns one id per element, in input order.'
);

select results_eq(
    $$
        select j.task, j.queue, j.priority, j.payload, j.run_at, j.max_retries, j.dedup_key, j.expires_at, j.state
        from pgqueue.jobs as j
        order by j.task
    $$,
    $$
        values
            (
                't:a'::text, 'bulk'::text, 5, '{"n": 1}'::jsonb, '2030-01-01 12:00:00+00'::timestamptz, 5,
                null::text, null::timestamptz, 'pending'::text
            ),
            ('t:b', 'default', 0, '{}', '2030-01-01 12:10:00+00', 1, null, null, 'pending'),
            ('t:c', 'default', 0, '{}', '2030-01-01 12:00:00+00', 5, null, null, 'pending'),
            ('t:d', 'default', 0, '{}', '2030-02-01 00:00:00+00', 5, 'dk', '2030-03-01 00:00:00+00', 'pending')
    $$,
    'Each element is stored like enqueue would store it: its keys, or enqueue''s defaults.'
);

select results_eq(
    $$select q.name from pgqueue.queues as q order by q.name$$,
    $$values ('bulk'::text), ('default')$$,
    'Every queue named in the input gets its settings row.'
);

select is_empty(
    $$select from pgqueue.enqueue_many('[]')$$,
    'An empty array enqueues nothing and returns no ids.'
);

select pgqueue.configure_queue('three-retries', max_retries => 3);

select pgqueue.enqueue_many(
    '[{"task": "t:queue-default", "queue": "three-retries"},
      {"task": "t:null-default", "queue": "three-retries", "max_retries": null},
      {"task": "t:explicit", "queue": "three-retries", "max_retries": 0}]'
);

select results_eq(
    $$
        select j.task, j.max_retries
        from pgqueue.jobs as j
        where j.queue = 'three-retries'
        order by j.task
    $$,
    $$values ('t:explicit'::text, 0), ('t:null-default', 3), ('t:queue-default', 3)$$,
    'Elements without max_retries (or with null) take their queue''s configured max_retries.'
);

select pgqueue.enqueue_many('[{"task": "t:nulls", "payload": null, "queue": null, "priority": null}]');

select results_eq(
    $$select j.queue, j.payload, j.priority from pgqueue.jobs as j where j.task = 't:nulls'$$,
    $$values ('default'::text, '{}'::jsonb, 0)$$,
    'JSON nulls mean enqueue''s defaults, as NULL arguments do.'
);

-- Deduplication ---------------------------------------------------------------

select results_eq(
    $$
        select r.id
        from pgqueue.enqueue_many(
            '[{"task": "t:dup-1", "dedup_key": "dk"}, {"task": "t:fresh"}, {"task": "t:dup-2", "dedup_key": "dk"}]'
        ) with ordinality as r (id, ord)
        order by r.ord
    $$,
    $$
        values
            ((pg_temp.job('t:d')).id),
            ((pg_temp.job('t:fresh')).id),
            ((pg_temp.job('t:d')).id)
    $$,
    'An element whose dedup_key a pending job holds gets that job''s id, in its place in the output.'
);

select is_empty(
    $$select from pgqueue.jobs as j where j.task in ('t:dup-1', 't:dup-2')$$,
    'Elements whose dedup_key was taken insert nothing.'
);

create temp table same_batch on commit drop as
select
    r.id,
    r.ord
from pgqueue.enqueue_many(
    '[{"task": "t:batch-1", "dedup_key": "new"}, {"task": "t:batch-2", "dedup_key": "new"}]'
) with ordinality as r (id, ord);

select results_eq(
    $$select r.id from same_batch as r order by r.ord$$,
    $$values ((pg_temp.job('t:batch-1')).id), ((pg_temp.job('t:batch-1')).id)$$,
    'Two elements with the same new dedup_key in one call yield one job, whose id is returned twice.'
);

select is_empty(
    $$select from pgqueue.jobs as j where j.task = 't:batch-2'$$,
    'The second element of a duplicate pair inserts nothing.'
);

-- Bad input: 22023, nothing inserted ----------------------------------------------

select throws_ok(
    $$select pgqueue.enqueue_many('{"task": "t:bad"}')$$,
    '22023',
    'jobs must be a JSON array of objects (got object)',
    'A JSON object instead of an array is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('"t:bad"')$$,
    '22023',
    'jobs must be a JSON array of objects (got string)',
    'A JSON string instead of an array is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many(null)$$,
    '22023',
    'jobs must be a JSON array of objects (got NULL)',
    'NULL instead of an array is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok"}, 3]')$$,
    '22023',
    'jobs[1] must be a JSON object (got number)',
    'An element that is not an object is refused with 22023, naming its 0-based position.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok"}, ["t:bad"]]')$$,
    '22023',
    'jobs[1] must be a JSON object (got array)',
    'An element that is an array is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok"}, {"task": "t:bad", "retries": 3}]')$$,
    '22023',
    'jobs[1] has an unknown key "retries" (keys are enqueue''s parameter names)',
    'An element with a key that is not a parameter of enqueue is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok"}, {"task": "t:bad", "priority": "high"}]')$$,
    '22023',
    'jobs[1].priority has an invalid value: invalid input syntax for type integer: "high"',
    'A value of the wrong type is refused with 22023, naming the element and the key.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad", "run_at": "soon"}]')$$,
    '22023',
    'jobs[0].run_at has an invalid value: invalid input syntax for type timestamp with time zone: "soon"',
    'A run_at that is not a timestamp is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:ok"}, {"task": "t:bad", "max_retries": 3, "delay": "1 fortnight"}]')$$,
    '22023',
    'jobs[1].delay has an invalid value: invalid input syntax for type interval: "1 fortnight"',
    'The key named is the one whose value is wrong, not the first of the element.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok"}, {"task": {"name": "t:bad"}}]')$$,
    '22023',
    'jobs[1].task must be a JSON string (got object)',
    'A task that is not a JSON string is refused, not turned into the text of its JSON.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok", "queue": ["q"]}]')$$,
    '22023',
    'jobs[0].queue must be a JSON string (got array)',
    'A queue that is not a JSON string is refused.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok"}, {"task": "t:bad-ok", "dedup_key": 5}]')$$,
    '22023',
    'jobs[1].dedup_key must be a JSON string (got number)',
    'A dedup_key that is not a JSON string is refused.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok"}, {"task": "t:bad", "run_at": "-infinity"}]')$$,
    '22023',
    'jobs[1]: run_at must be a finite time (got -infinity)',
    'An infinite run_at is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many(e'[{"task": "t:bad-ok"}, {"task": "\\t\\n"}]')$$,
    '22023',
    'jobs[1]: task must not be empty',
    'A task of tabs and newlines is blank.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok"}, {"task": ""}]')$$,
    '22023',
    'jobs[1]: task must not be empty',
    'An element with an empty task is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok"}, {"task": "t:bad-ok", "queue": "   "}]')$$,
    '22023',
    'jobs[1]: queue must not be empty',
    'An element whose queue is only blanks is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"queue": "q"}]')$$,
    '22023',
    'jobs[0]: task must not be empty',
    'An element without a task is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad", "queue": ""}]')$$,
    '22023',
    'jobs[0]: queue must not be empty',
    'An element with an empty queue is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad", "run_at": "2030-02-01T00:00:00Z", "delay": "1 minute"}]')$$,
    '22023',
    'jobs[0]: run_at and delay are mutually exclusive: give one of them',
    'An element with both run_at and delay is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad-ok"}, {"task": "t:bad", "delay": "-1 minute"}]')$$,
    '22023',
    'jobs[1]: delay must not be negative (got -00:01:00)',
    'An element with a negative delay is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad", "max_retries": -2}]')$$,
    '22023',
    'jobs[0]: max_retries must not be negative (got -2)',
    'An element with a negative max_retries is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.enqueue_many('[{"task": "t:bad", "queue": "new-queue"}, {"task": ""}]')$$,
    '22023',
    'jobs[1]: task must not be empty',
    'A batch with one bad element is refused as a whole.'
);

select is_empty(
    $$select from pgqueue.jobs as j where j.task in ('t:bad', 't:bad-ok')$$,
    'A refused batch inserts nothing, not even its valid elements.'
);

select is_empty(
    $$select from pgqueue.queues as q where q.name in ('new-queue', 'q')$$,
    'A refused batch creates no queue.'
);

-- A pending holder past its expires_at will never run: it must not answer for
-- an element's dedup_key.
select * from pgqueue.enqueue_many(
    '[{"task": "t:exp-holder", "dedup_key": "k-exp", "expires_at": "2030-01-01 12:01:00+00"}]'
);
select set_config('pgqueue.fake_now', '2030-01-01 12:05:00+00', true);

create temporary table successor on commit drop as
select e.id from pgqueue.enqueue_many('[{"task": "t:exp-successor", "dedup_key": "k-exp"}]') as e (id);

select results_eq(
    $$select j.task, j.state from pgqueue.jobs as j inner join successor as s on s.id = j.id$$,
    $$values ('t:exp-successor'::text, 'pending'::text)$$,
    'An element whose dedup_key a dead (expired) pending job holds gets a new job.'
);

select * from finish();
rollback;
