-- Returns a queue's settings row, creating it with the defaults on first use.
-- Every job's queue has a row, so dequeue and stats can list queues from the
-- small table instead of scanning jobs. A blank name never gets a row: enqueue's
-- common path relies on that instead of testing the queue name itself.
create or replace function pgqueue._queue(name text)
returns pgqueue.queues
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_queue pgqueue.queues;
begin
    select q.* into v_queue from pgqueue.queues as q where q.name = _queue.name;
    if not found then
        if _queue.name is null or pg_catalog.btrim(_queue.name, e' \t\n\r\f\x0b') = '' then
            raise exception 'queue must not be empty' using errcode = '22023';
        end if;
        -- A concurrent first enqueue to the same queue waits here for the other
        -- insert, then finds its row.
        -- Timestamps come from pgqueue._now(), like every other pgqueue time.
        insert into pgqueue.queues as q (name, created_at, updated_at)
        values (_queue.name, pgqueue._now(), pgqueue._now())
        on conflict do nothing;
        select q.* into strict v_queue from pgqueue.queues as q where q.name = _queue.name;
    end if;
    return v_queue;
end;
$$;

comment on function pgqueue._queue(text) is
'Internal: the settings row of a queue, created with the defaults if the queue is new.';

revoke all on function pgqueue._queue(text) from public;
