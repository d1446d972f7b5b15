-- The one clock every pgqueue function reads. In production it is now(): the
-- transaction's start, so every row a statement touches shares one time. Tests
-- move it without sleeping by setting pgqueue.fake_now for their transaction.
create or replace function pgqueue._now()
returns timestamptz
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(
        nullif(pg_catalog.current_setting('pgqueue.fake_now', true), '')::timestamptz,
        pg_catalog.now()
    )
$$;

comment on function pgqueue._now() is
'Internal: the current time for pgqueue, now() unless the setting pgqueue.fake_now holds a timestamp (tests).';

revoke all on function pgqueue._now() from public;
