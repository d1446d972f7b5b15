-- The one implementation behind pause and resume: flips a queue's paused flag
-- and says whether it changed.
create or replace function pgqueue._set_paused(queue text, paused boolean)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if _set_paused.queue is null or pg_catalog.btrim(_set_paused.queue, e' \t\n\r\f\x0b') = '' then
        raise exception 'queue must not be empty' using errcode = '22023';
    end if;

    perform pgqueue._queue(_set_paused.queue);
    update pgqueue.queues as q
    set
        paused = _set_paused.paused,
        updated_at = pgqueue._now()
    where q.name = _set_paused.queue and q.paused <> _set_paused.paused;
    return found;
end;
$$;

comment on function pgqueue._set_paused(text, boolean) is
'Internal: set a queue''s paused flag; true if it changed.';

revoke all on function pgqueue._set_paused(text, boolean) from public;
