-- Sets a queue's defaults. A NULL argument leaves that setting as it is, so a
-- caller changes only what it names. Invalid values are refused before any
-- change.
create or replace function pgqueue.configure_queue(
    queue text,
    max_retries integer default null,
    backoff_base interval default null,
    backoff_max interval default null,
    lease interval default null,
    retention interval default null,
    cleanup_strategy text default null
)
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if configure_queue.queue is null or pg_catalog.btrim(configure_queue.queue, e' \t\n\r\f\x0b') = '' then
        raise exception 'queue must not be empty' using errcode = '22023';
    end if;
    if configure_queue.max_retries < 0 then
        raise exception 'max_retries must not be negative (got %)', configure_queue.max_retries
            using errcode = '22023';
    end if;
    if configure_queue.backoff_base < interval '0' then
        raise exception 'backoff_base must not be negative (got %)', configure_queue.backoff_base
            using errcode = '22023';
    end if;
    if configure_queue.backoff_max < interval '0' then
        raise exception 'backoff_max must not be negative (got %)', configure_queue.backoff_max
            using errcode = '22023';
    end if;
    if configure_queue.lease <= interval '0' then
        raise exception 'lease must be positive (got %)', configure_queue.lease using errcode = '22023';
    end if;
    if configure_queue.retention < interval '0' then
        raise exception 'retention must not be negative (got %)', configure_queue.retention
            using errcode = '22023';
    end if;
    if configure_queue.cleanup_strategy not in ('delete', 'archive') then
        raise exception 'cleanup_strategy must be ''delete'' or ''archive'' (got %)',
            configure_queue.cleanup_strategy
            using errcode = '22023';
    end if;

    perform pgqueue._queue(configure_queue.queue);
    update pgqueue.queues as q
    set
        max_retries = coalesce(configure_queue.max_retries, q.max_retries),
        backoff_base = coalesce(configure_queue.backoff_base, q.backoff_base),
        backoff_max = coalesce(configure_queue.backoff_max, q.backoff_max),
        lease = coalesce(configure_queue.lease, q.lease),
        retention = coalesce(configure_queue.retention, q.retention),
        cleanup_strategy = coalesce(configure_queue.cleanup_strategy, q.cleanup_strategy),
        updated_at = pgqueue._now()
    where q.name = configure_queue.queue;
end;
$$;

comment on function pgqueue.configure_queue(text, integer, interval, interval, interval, interval, text) is
'Set a queue''s defaults: max_retries, backoff_base, backoff_max, lease, retention, cleanup_strategy (delete or archive). NULL leaves a setting unchanged.';

revoke all on function pgqueue.configure_queue(text, integer, interval, interval, interval, interval, text) from public;
grant execute on function pgqueue.configure_queue(
    text, integer, interval, interval, interval, interval, text
) to pgqueue_admin;
