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
as $$
#variable_conflict use_column
declare
    -- NULL on the common path, where the INSERT reads now() itself: each
    -- PL/pgSQL expression is compiled again in every transaction, and a
    -- one-job enqueue is a transaction.
    v_now timestamptz;
    v_error text;
    v_id bigint;
    v_notified text;
    -- No initial values: each would be an expression evaluated on every call.
    v_queue_ensured boolean;
    v_rounds integer;
begin
    -- The common call (no delay, max_retries or dedup_key, no NULL among
    -- payload, priority and queue, a task that starts with a visible
    -- character, no infinite run_at, no fake clock) cannot be invalid and goes straight to the
    -- INSERT below. The test is deliberately coarse: whatever it lets through
    -- is valid, and the rest is checked exactly by _check_job, which words
    -- every error for enqueue and enqueue_many alike. A blank queue needs no
    -- test here: _queue gives no blank name a pgqueue.queues row, so the
    -- INSERT finds none and the loop's call of _queue refuses it. The "C"
    -- collation makes the task test a byte comparison: a first byte above space.
    if not coalesce(
        enqueue.delay is null and enqueue.max_retries is null and enqueue.dedup_key is null
        and enqueue.payload is not null and enqueue.priority is not null and enqueue.queue is not null
        and enqueue.task collate pg_catalog."C" >= '!'
        and (enqueue.run_at is null or pg_catalog.isfinite(enqueue.run_at))
        and pg_catalog.current_setting('pgqueue.fake_now', true) is null,
        false
    ) then
        v_now := case
            when pg_catalog.current_setting('pgqueue.fake_now', true) <> '' then pgqueue._now()
            else pg_catalog.now()
        end;
        -- The arguments, normalised in place, are what the common path's
        -- INSERT expects: one INSERT serves every call. run_at only once
        -- checked against delay.
        enqueue.payload := coalesce(enqueue.payload, '{}');
        enqueue.priority := coalesce(enqueue.priority, 0);
        enqueue.queue := coalesce(enqueue.queue, 'default');
        v_error := pgqueue._check_job(
            enqueue.task, enqueue.queue, enqueue.run_at, enqueue.delay, enqueue.max_retries
        );
        if v_error is not null then
            raise exception using errcode = '22023', message = v_error;
        end if;
        enqueue.run_at := coalesce(enqueue.run_at, v_now + enqueue.delay, v_now);

        if enqueue.dedup_key is not null then
            -- The partial unique index decides (over live jobs: finished_at
            -- null, see tables/jobs.sql), so concurrent callers with the
            -- same key cannot both insert. Nothing inserted means the key is
            -- taken or the queue is new. _dedup_job finds the holder; if the
            -- holder finished between our conflict and our lookup, or was a
            -- pending job past its expires_at (which _dedup_job expires), the
            -- key is free again: try again. Rounds that find neither a row
            -- nor a holder once the queue exists mean a trigger, rule or
            -- policy of the caller's dropped the row: after a few, return
            -- NULL, as an INSERT would, instead of spinning.
            loop
                insert into pgqueue.jobs (
                    queue, task, payload, priority, run_at, created_at, max_retries, dedup_key, expires_at
                )
                select
                    q.name, enqueue.task, enqueue.payload, enqueue.priority, enqueue.run_at, v_now,
                    coalesce(enqueue.max_retries, q.max_retries), enqueue.dedup_key, enqueue.expires_at
                from pgqueue.queues as q
                where q.name = enqueue.queue
                on conflict (queue, dedup_key) where dedup_key is not null and finished_at is null
                do nothing
                returning id, case when run_at <= created_at then pg_catalog.pg_notify('pgqueue', queue)::text end
                into v_id, v_notified;
                exit when found;

                v_id := pgqueue._dedup_job(enqueue.queue, enqueue.dedup_key);
                if v_id is not null then
                    return v_id;
                end if;
                if v_queue_ensured then
                    v_rounds := coalesce(v_rounds, 0) + 1;
                    if v_rounds >= 3 then
                        return null;
                    end if;
                else
                    perform pgqueue._queue(enqueue.queue);
                    v_queue_ensured := true;
                end if;
            end loop;
            return v_id;
        end if;
    end if;

    -- The queue's row is read inside the INSERT (its max_retries is the
    -- default); a queue's first job finds none, creates it through _queue
    -- (which refuses a blank name) and inserts again. The NOTIFY rides in
    -- RETURNING: one per statement, only for a job that is due now.
    loop
        insert into pgqueue.jobs (queue, task, payload, priority, run_at, created_at, max_retries, expires_at)
        select
            q.name, enqueue.task, enqueue.payload, enqueue.priority, coalesce(enqueue.run_at, pg_catalog.now()),
            coalesce(v_now, pg_catalog.now()), coalesce(enqueue.max_retries, q.max_retries), enqueue.expires_at
        from pgqueue.queues as q
        where q.name = enqueue.queue
        returning id, case when run_at <= created_at then pg_catalog.pg_notify('pgqueue', queue)::text end
        into v_id, v_notified;
        exit when found;
        -- Still nothing once the queue's row exists: a trigger, rule or policy
        -- of the caller's dropped the row. Return NULL, as an INSERT would.
        if v_queue_ensured then
            return null;
        end if;
        v_queue_ensured := true;
        -- The only thing the common path's test left unchecked is the queue
        -- name, and _queue refuses a blank one.
        perform pgqueue._queue(enqueue.queue);
    end loop;
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
