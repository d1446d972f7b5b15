-- One maintenance pass: fire due schedules, rescue stuck jobs, expire old
-- pending jobs, clean up one batch of finished jobs. Every worker may call it
-- every few seconds: a transaction-level advisory try-lock lets one caller
-- work while the others return at once. Without Python workers, pg_cron or a
-- shell loop calling it does the same (docs/operations.md).
create or replace function pgqueue.tick()
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_scheduled integer;
    v_rescued integer;
    v_expired integer;
    v_cleaned integer;
begin
    -- The bytes of "pgqtick" as a bigint: held until this transaction ends.
    if not pg_catalog.pg_try_advisory_xact_lock(31638934373622635) then
        return pg_catalog.jsonb_build_object('skipped', true);
    end if;
    v_scheduled := pgqueue.run_schedules();
    v_rescued := pgqueue.rescue();
    v_expired := pgqueue._expire();
    v_cleaned := pgqueue.cleanup();
    return pg_catalog.jsonb_build_object(
        'skipped', false,
        'scheduled', v_scheduled,
        'rescued', v_rescued,
        'expired', v_expired,
        'cleaned', v_cleaned
    );
end;
$$;

comment on function pgqueue.tick() is
'One maintenance pass: run_schedules, rescue, expiry, one cleanup batch. Safe to call from every worker at once: one works, the others return {"skipped": true}. Returns what it did: {"skipped", "scheduled", "rescued", "expired", "cleaned"}.';

revoke all on function pgqueue.tick() from public;
grant execute on function pgqueue.tick() to pgqueue_worker;
