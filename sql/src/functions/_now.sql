-- The one clock every pgqueue function reads. In production it is now(): the
-- transaction's start, so every row a statement touches shares one time. Tests
-- move it without sleeping by setting pgqueue.fake_now. Any role can set a
-- custom setting, and a fake clock would let a worker claim jobs before their
-- run_at, so it is honoured only in a superuser's session and refused
-- elsewhere.
-- The hot paths (enqueue, dequeue, complete_many) call this function only when
-- pgqueue.fake_now is set, and read now() directly otherwise: a nested
-- security-definer PL/pgSQL call costs about 19,000 instructions per
-- transaction (measured with callgrind), 5 % of a one-job enqueue.
create or replace function pgqueue._now()
returns timestamptz
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_fake text := pg_catalog.current_setting('pgqueue.fake_now', true);
begin
    if v_fake is null or v_fake = '' then
        return pg_catalog.now();
    end if;
    if not (select r.rolsuper from pg_catalog.pg_roles as r where r.rolname = session_user) then
        raise exception 'pgqueue.fake_now is for tests and may only be set by a superuser'
            using errcode = '42501';
    end if;
    return v_fake::timestamptz;
end;
$$;

comment on function pgqueue._now() is
'Internal: the current time for pgqueue, now() unless a superuser session set pgqueue.fake_now to a timestamp (tests).';

revoke all on function pgqueue._now() from public;
