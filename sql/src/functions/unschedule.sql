-- Removes a cron schedule. Jobs it already enqueued are not touched.
create or replace function pgqueue.unschedule(name text)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from pgqueue.cron_schedules as s where s.name = unschedule.name;
    return found;
end;
$$;

comment on function pgqueue.unschedule(text) is
'Remove the cron schedule name; true if it existed. Jobs it already enqueued stay.';

revoke all on function pgqueue.unschedule(text) from public;
grant execute on function pgqueue.unschedule(text) to pgqueue_admin;
