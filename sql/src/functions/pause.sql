-- Stops dequeue from handing out the queue's jobs; enqueue goes on, and jobs
-- already claimed finish normally.
create or replace function pgqueue.pause(queue text)
returns boolean
language sql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
    select pgqueue._set_paused(pause.queue, true)
$$;

comment on function pgqueue.pause(text) is
'Stop handing out jobs of a queue (enqueue still works); true if it was running.';

revoke all on function pgqueue.pause(text) from public;
grant execute on function pgqueue.pause(text) to pgqueue_admin;
