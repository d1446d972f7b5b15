-- Creates or replaces a named cron schedule and returns its next fire time.
-- Replacing recomputes the next fire time from now with the new spec; the
-- last fire time is kept. Validation (spec, time zone) is cron_next's.
create or replace function pgqueue.schedule(
    name text,
    spec text,
    task text,
    payload jsonb default '{}',
    queue text default 'default',
    priority integer default 0,
    timezone text default 'UTC'
)
returns timestamptz
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_now timestamptz := pgqueue._now();
    v_next timestamptz;
begin
    if schedule.name is null or pg_catalog.btrim(schedule.name, e' \t\n\r\f\x0b') = '' then
        raise exception 'name must not be empty' using errcode = '22023';
    end if;
    if schedule.task is null or pg_catalog.btrim(schedule.task, e' \t\n\r\f\x0b') = '' then
        raise exception 'task must not be empty' using errcode = '22023';
    end if;
    if schedule.queue is null or pg_catalog.btrim(schedule.queue, e' \t\n\r\f\x0b') = '' then
        raise exception 'queue must not be empty' using errcode = '22023';
    end if;
    if pg_catalog.jsonb_typeof(coalesce(schedule.payload, '{}')) <> 'object' then
        raise exception 'payload must be a JSON object (got %)', pg_catalog.jsonb_typeof(schedule.payload)
            using errcode = '22023';
    end if;

    v_next := pgqueue.cron_next(schedule.spec, v_now, coalesce(schedule.timezone, 'UTC'));
    perform pgqueue._queue(schedule.queue);

    insert into pgqueue.cron_schedules as s (
        name, spec, timezone, task, payload, queue, priority, next_fire_at, created_at, updated_at
    )
    values (
        schedule.name, schedule.spec, coalesce(schedule.timezone, 'UTC'), schedule.task,
        coalesce(schedule.payload, '{}'), schedule.queue, coalesce(schedule.priority, 0), v_next, v_now, v_now
    )
    on conflict (name) do update
    set
        spec = excluded.spec,
        timezone = excluded.timezone,
        task = excluded.task,
        payload = excluded.payload,
        queue = excluded.queue,
        priority = excluded.priority,
        next_fire_at = excluded.next_fire_at,
        updated_at = excluded.updated_at;
    return v_next;
end;
$$;

comment on function pgqueue.schedule(text, text, text, jsonb, text, integer, text) is
'Create or replace the cron schedule name: spec (5 fields, @hourly/@daily/..., or @every <interval>) evaluated in timezone enqueues task with payload to queue at each fire time. Returns the next fire time.';

revoke all on function pgqueue.schedule(text, text, text, jsonb, text, integer, text) from public;
grant execute on function pgqueue.schedule(text, text, text, jsonb, text, integer, text) to pgqueue_admin;
