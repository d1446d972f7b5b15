-- Lets dequeue hand out a paused queue's jobs again.
create or replace function pgqueue.resume(queue text)
returns boolean
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
    select pgqueue._set_paused(resume.queue, false)
$$;

comment on function pgqueue.resume(text) is
'Hand out jobs of a paused queue again; true if it was paused.';

revoke all on function pgqueue.resume(text) from public;
grant execute on function pgqueue.resume(text) to pgqueue_admin;
