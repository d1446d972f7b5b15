-- Enqueues every due schedule's job and advances its ledger row in the same
-- transaction. The row lock (skip locked) and the re-check of next_fire_at
-- that FOR UPDATE does on a row changed since the snapshot make it exactly
-- once per fire time, however many callers. A schedule that missed fire
-- times while nothing ran fires once, then continues from the next time
-- after now.
create or replace function pgqueue.run_schedules()
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_now timestamptz := pgqueue._now();
    v_schedule pgqueue.cron_schedules;
    v_count integer := 0;
begin
    for v_schedule in
        select s.*
        from pgqueue.cron_schedules as s
        where s.next_fire_at <= v_now
        order by s.next_fire_at
        for update skip locked
    loop
        perform pgqueue.enqueue(
            task => v_schedule.task,
            payload => v_schedule.payload || pg_catalog.jsonb_build_object(
                '_cron', pg_catalog.jsonb_build_object(
                    'schedule', v_schedule.name, 'fire_at', v_schedule.next_fire_at
                )
            ),
            queue => v_schedule.queue,
            priority => v_schedule.priority
        );
        update pgqueue.cron_schedules as s
        set
            last_fire_at = v_schedule.next_fire_at,
            next_fire_at = pgqueue.cron_next(v_schedule.spec, v_now, v_schedule.timezone),
            updated_at = v_now
        where s.name = v_schedule.name;
        v_count := v_count + 1;
    end loop;
    return v_count;
end;
$$;

comment on function pgqueue.run_schedules() is
'Enqueue the job of every due cron schedule, exactly once per fire time however many callers; a schedule that missed fire times fires once. Each job''s payload gets "_cron": {"schedule", "fire_at"}. Returns how many were enqueued.';

revoke all on function pgqueue.run_schedules() from public;
grant execute on function pgqueue.run_schedules() to pgqueue_admin;
