-- The installed schema version. Each release replaces this function, so the
-- version recorded is always the version of the functions installed; the
-- plain install script reads it to decide which upgrade steps to run.
create or replace function pgqueue.version()
returns text
language sql
immutable
security definer
set search_path = pg_catalog, pg_temp
as $$
    select '0.3.0'::text
$$;

comment on function pgqueue.version() is
'The installed pgqueue schema version.';

revoke all on function pgqueue.version() from public;
grant execute on function pgqueue.version() to pgqueue_producer;
