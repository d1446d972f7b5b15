-- pgqueue.unschedule: remove a schedule; the jobs it enqueued stay.
begin;
select plan(4);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 10:00:30+00', true);
select pgqueue.schedule('minutely', '* * * * *', 'task:tick');
select set_config('pgqueue.fake_now', '2030-01-01 10:01:00+00', true);
select pgqueue.run_schedules();

select ok(pgqueue.unschedule('minutely'), 'unschedule returns true for an existing schedule.');
select is_empty($$select from pgqueue.schedules$$, 'The schedule is gone.');
select is(
    (
        select pg_catalog.count(*)::integer from pgqueue.jobs as j
        where j.task = 'task:tick'
    ), 1,
    'The job it already enqueued stays.'
);
select ok(not pgqueue.unschedule('minutely'), 'unschedule returns false when there is no such schedule.');

select * from finish();
rollback;
