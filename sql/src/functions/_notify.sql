-- Wakes idle workers: one notification on channel pgqueue whose payload is the
-- queue name, or '*' when jobs of several queues became due. PostgreSQL folds
-- identical notifications of one transaction into one, and delivers them only
-- at commit, so a rolled-back enqueue wakes nobody.
-- PL/pgSQL rather than SQL on purpose: a SQL-language function called from
-- PL/pgSQL is parsed and planned again in every transaction, which cost a
-- one-job enqueue about 100 us; a PL/pgSQL function stays compiled per session.
create or replace function pgqueue._notify(queues text[])
returns void
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    if pg_catalog.cardinality(_notify.queues) > 0 then
        perform pg_catalog.pg_notify(
            'pgqueue',
            case when pg_catalog.cardinality(_notify.queues) = 1 then _notify.queues[1] else '*' end
        );
    end if;
end;
$$;

comment on function pgqueue._notify(text[]) is
'Internal: NOTIFY pgqueue with the queue whose jobs became due (''*'' for several); nothing for an empty array.';

revoke all on function pgqueue._notify(text[]) from public;
