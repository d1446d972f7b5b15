-- pgqueue.list_jobs: newest first, filtered by state, queue and task (prefix
-- when the task ends in ':'), paged by before_id.
begin;
select plan(9);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

select pgqueue.enqueue('task:mail:welcome', queue => 'l');
select pgqueue.enqueue('task:mail:reset', queue => 'l');
select pgqueue.enqueue('task:report', queue => 'l');
select pgqueue.enqueue('task:mail:welcome', queue => 'other');
select pgqueue.cancel((
    select max(j.id) from pgqueue.jobs as j
    where j.task = 'task:report'
));

select results_eq(
    $$select j.task, j.queue from pgqueue.list_jobs() as j$$,
    $$
        values
            ('task:mail:welcome'::text, 'other'::text),
            ('task:report', 'l'),
            ('task:mail:reset', 'l'),
            ('task:mail:welcome', 'l')
    $$,
    'Without filters every job is listed, newest first.'
);
select results_eq(
    $$select j.task from pgqueue.list_jobs(state => 'cancelled') as j$$, $$values ('task:report'::text)$$,
    'state filters by state.'
);
select is(
    (select pg_catalog.count(*)::integer from pgqueue.list_jobs(queue => 'l')), 3, 'queue filters by queue.'
);
select is(
    (select pg_catalog.count(*)::integer from pgqueue.list_jobs(task => 'task:mail:')), 3,
    'A task ending in : matches as a prefix.'
);
select is(
    (select pg_catalog.count(*)::integer from pgqueue.list_jobs(task => 'task:mail')), 0,
    'Otherwise the task matches exactly.'
);
select results_eq(
    $$select j.task from pgqueue.list_jobs(queue => 'l', max_jobs => 2) as j$$,
    $$values ('task:report'::text), ('task:mail:reset')$$,
    'max_jobs limits the page.'
);
select results_eq(
    $$
        select j.task
        from pgqueue.list_jobs(
            queue => 'l', before_id => (select min(p.id) from pgqueue.list_jobs(queue => 'l', max_jobs => 2) as p)
        ) as j
    $$,
    $$values ('task:mail:welcome'::text)$$,
    'before_id gives the next page.'
);
select throws_ok(
    $$select * from pgqueue.list_jobs(state => 'done!')$$, '22023',
    'state must be one of pending, processing, done, failed, cancelled, expired (got done!)',
    'An unknown state is refused with 22023.'
);
select throws_ok(
    $$select * from pgqueue.list_jobs(max_jobs => 0)$$, '22023', 'max_jobs must be between 1 and 10000 (got 0)',
    'max_jobs below 1 is refused with 22023.'
);

select * from finish();
rollback;
