-- The schedules for clients that call functions only (the Python driver's
-- list_cron): the same rows as the view pgqueue.schedules.
create or replace function pgqueue.list_schedules()
returns setof pgqueue.schedules
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
    select s.* from pgqueue.schedules as s order by s.name
$$;

comment on function pgqueue.list_schedules() is
'Every cron schedule with its next and last fire time, by name (the rows of the view pgqueue.schedules).';

revoke all on function pgqueue.list_schedules() from public;
grant execute on function pgqueue.list_schedules() to pgqueue_admin;
