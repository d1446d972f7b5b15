-- Inserts one job and returns its id. Runs in the caller's transaction, so a
-- job enqueued next to the caller's own writes appears (and wakes a worker)
-- only if they commit. With dedup_key, an existing pending or processing job
-- of the same (queue, dedup_key) wins and its id is returned instead.
create or replace function pgqueue.enqueue(
    task text,
    payload jsonb default '{}',
    queue text default 'default',
    priority integer default 0,
    run_at timestamptz default null,
    delay interval default null,
    max_retries integer default null,
    dedup_key text default null,
    expires_at timestamptz default null
)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- Index scans whatever the table's size when the session planned this, and
-- no JIT (docs/performance.md, "Plans that survive a burst").
set enable_seqscan = off
set jit = off
as $$
#variable_conflict use_column
declare
    -- pgqueue._now() without the call on the hot path: see _now.sql.
    v_now timestamptz := case
        when pg_catalog.current_setting('pgqueue.fake_now', true) <> '' then pgqueue._now()
        else pg_catalog.now()
    end;
    v_queue text := coalesce(enqueue.queue, 'default');
    v_error text;
    v_run_at timestamptz;
    v_settings pgqueue.queues;
    v_max_retries integer;
    v_id bigint;
    v_notified text;
begin
    -- Most calls give neither delay nor max_retries; with a task and a queue
    -- that are not blank such a call is valid, and skips the nested call (5 %
    -- of a one-job enqueue). The rest go through _check_job, which words every
    -- error for enqueue and enqueue_many alike (enqueue_many takes the same
    -- shortcut per element).
    if not coalesce(
        enqueue.delay is null and enqueue.max_retries is null
        and pg_catalog.btrim(enqueue.task) <> '' and pg_catalog.btrim(v_queue) <> '',
        false
    ) then
        v_error := pgqueue._check_job(enqueue.task, v_queue, enqueue.run_at, enqueue.delay, enqueue.max_retries);
        if v_error is not null then
            raise exception using errcode = '22023', message = v_error;
        end if;
    end if;

    v_run_at := coalesce(enqueue.run_at, v_now + enqueue.delay, v_now);
    -- The queue's row, read directly: calling _queue on every enqueue cost a
    -- sixth of a one-job transaction. Only a queue's first job goes through
    -- _queue, which creates the row.
    select q.max_retries into v_max_retries from pgqueue.queues as q where q.name = v_queue;
    if not found then
        v_settings := pgqueue._queue(v_queue);
        v_max_retries := v_settings.max_retries;
    end if;
    v_max_retries := coalesce(enqueue.max_retries, v_max_retries);

    if enqueue.dedup_key is null then
        insert into pgqueue.jobs (
            queue, task, payload, priority, run_at, created_at, max_retries, expires_at
        )
        values (
            v_queue, enqueue.task, coalesce(enqueue.payload, '{}'), coalesce(enqueue.priority, 0),
            v_run_at, v_now, v_max_retries, enqueue.expires_at
        )
        returning id into v_id;
    else
        -- The partial unique index decides, so concurrent callers with the same
        -- key cannot both insert. If the winner finishes between our conflict
        -- and our lookup, the key is free again: try again.
        loop
            insert into pgqueue.jobs (
                queue, task, payload, priority, run_at, created_at, max_retries, dedup_key, expires_at
            )
            values (
                v_queue, enqueue.task, coalesce(enqueue.payload, '{}'), coalesce(enqueue.priority, 0),
                v_run_at, v_now, v_max_retries, enqueue.dedup_key, enqueue.expires_at
            )
            on conflict (queue, dedup_key) where dedup_key is not null and state in ('pending', 'processing')
            do nothing
            returning id into v_id;
            exit when v_id is not null;

            select j.id into v_id
            from pgqueue.jobs as j
            where j.queue = v_queue
                and j.dedup_key = enqueue.dedup_key
                and j.state in ('pending', 'processing');
            if v_id is not null then
                return v_id;
            end if;
        end loop;
    end if;

    -- What pgqueue._notify sends for one queue, without the nested call (a
    -- tenth of a one-job enqueue's instructions). Assigned rather than
    -- PERFORMed: PL/pgSQL evaluates an assignment's expression directly, where
    -- PERFORM starts the executor for a one-row SELECT (10,000 instructions,
    -- 4 % of a one-job enqueue, measured with callgrind). void reads as ''.
    if v_run_at <= v_now then
        v_notified := pg_catalog.pg_notify('pgqueue', v_queue);
    end if;
    return v_id;
end;
$$;

comment on function pgqueue.enqueue(text, jsonb, text, integer, timestamptz, interval, integer, text, timestamptz) is
'Enqueue a job and return its id. run_at or delay (not both) postpone it; max_retries NULL takes the queue''s default; with dedup_key, a pending or processing job of the same queue and key is returned instead of a new one. Call it inside your own transaction: the job exists only if that commits.';

revoke all on function pgqueue.enqueue(
    text, jsonb, text, integer, timestamptz, interval, integer, text, timestamptz
) from public;
grant execute on function pgqueue.enqueue(
    text, jsonb, text, integer, timestamptz, interval, integer, text, timestamptz
) to pgqueue_producer;
