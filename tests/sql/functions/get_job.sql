-- pgqueue.get_job: one job by id, every column; no row when there is none.
begin;
select plan(3);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 12:00:00+00', true);

select pgqueue.enqueue('t:get', '{"n": 1}', queue => 'g');

select results_eq(
    $$
        select j.task, j.queue, j.payload, j.state, j.errors
        from pgqueue.get_job((select max(m.id) from pgqueue.jobs as m)) as j
    $$,
    $$values ('t:get'::text, 'g'::text, '{"n": 1}'::jsonb, 'pending'::text, '[]'::jsonb)$$,
    'get_job returns the job with its payload, state and error history.'
);
select is_empty($$select * from pgqueue.get_job(-1)$$, 'get_job returns no row for an unknown id.');
select is_empty($$select * from pgqueue.get_job(null)$$, 'get_job returns no row for NULL.');

select * from finish();
rollback;
