-- The instant a wall-clock time means in a time zone, for cron. For an
-- ordinary time that is the obvious instant. For a time skipped by a
-- spring-forward gap (02:30 on 2026-03-29 in Europe/Berlin) it is the end of
-- the gap, the first valid instant after it (03:00 local, 01:00 UTC). For a
-- time a fall-back repeats (02:30 on 2026-10-25 in Berlin) it is the first
-- occurrence (00:30 UTC), or with `later` the second (01:30 UTC). Either way
-- the mapping never goes backwards as `wall` grows, which cron_next relies on.
--
-- PostgreSQL's own `wall at time zone` resolves a gap with the offset from
-- before it and a repeated time as its later occurrence, so this corrects the
-- gap always and the repeat unless `later`: a gap is found by the round trip,
-- its end by bisection to the second (tz transitions are on whole seconds),
-- and an earlier occurrence by trying the offset that held 24 hours before.
-- Assumes at most one transition in any 24 hours, true of every zone in
-- practice.
create or replace function pgqueue._cron_at(wall timestamp, timezone text, later boolean)
returns timestamptz
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_at timestamptz := _cron_at.wall at time zone _cron_at.timezone;
    v_reads timestamp := v_at at time zone _cron_at.timezone;
    v_gap double precision;
    v_offset interval;
    v_offset_before interval;
    v_earlier timestamptz;
    v_lo bigint;
    v_hi bigint;
    v_mid bigint;
begin
    if v_reads <> _cron_at.wall then
        -- In a gap of length g = v_reads - wall: the clock reads wall + g at
        -- v_at and wall - g at g seconds on the other side of the transition,
        -- where it first reads wall or later. Bisect between the two, in
        -- epoch seconds (a gap of a whole day must not become '1 day').
        v_gap := pg_catalog.date_part('epoch', v_reads - _cron_at.wall);
        v_lo := pg_catalog.floor(pg_catalog.date_part('epoch', v_at) - greatest(v_gap, 0))::bigint;
        v_hi := pg_catalog.ceil(pg_catalog.date_part('epoch', v_at) - least(v_gap, 0))::bigint;
        while v_hi - v_lo > 1 loop
            v_mid := (v_lo + v_hi) / 2;
            if (pg_catalog.to_timestamp(v_mid) at time zone _cron_at.timezone) >= _cron_at.wall then
                v_hi := v_mid;
            else
                v_lo := v_mid;
            end if;
        end loop;
        return pg_catalog.to_timestamp(v_hi);
    end if;

    if _cron_at.later then
        return v_at;
    end if;
    v_offset := v_reads - (v_at at time zone 'UTC');
    v_offset_before := ((v_at - interval '24 hours') at time zone _cron_at.timezone)
        - ((v_at - interval '24 hours') at time zone 'UTC');
    if v_offset_before > v_offset then
        -- The clock went back within the last day: wall may have been read once already.
        v_earlier := v_at - (v_offset_before - v_offset);
        if (v_earlier at time zone _cron_at.timezone) = _cron_at.wall then
            return v_earlier;
        end if;
    end if;
    return v_at;
end;
$$;

comment on function pgqueue._cron_at(timestamp, text, boolean) is
'Internal: the instant at which the clock in timezone reads wall: the end of a DST gap for a skipped time; the first occurrence of a repeated one, or the second with later.';

revoke all on function pgqueue._cron_at(timestamp, text, boolean) from public;
