-- pgqueue.list_schedules: the rows of the view pgqueue.schedules, by name, for
-- clients that call functions only.
begin;
select plan(2);

set local timezone = 'UTC';
select set_config('pgqueue.fake_now', '2030-01-01 10:00:30+00', true);

select is_empty($$select * from pgqueue.list_schedules()$$, 'Without schedules, the list is empty.');

select pgqueue.schedule('zeta', '@hourly', 'task:z');
select pgqueue.schedule('alpha', '@daily', 'task:a', timezone => 'America/New_York');
select results_eq(
    $$select s.name, s.spec, s.next_fire_at from pgqueue.list_schedules() as s$$,
    $$
        values
            ('alpha'::text, '@daily'::text, '2030-01-02 05:00:00+00'::timestamptz),
            ('zeta', '@hourly', '2030-01-01 11:00:00+00')
    $$,
    'Every schedule is listed, by name, with its next fire time.'
);

select * from finish();
rollback;
