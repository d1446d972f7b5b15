-- The cron engine: the first fire time of spec strictly after `after`, with the
-- wall clock read in an IANA time zone. run_schedules calls it for every due
-- schedule on every tick, so it parses the spec once into sorted arrays and
-- walks candidate days (by month, then day), then hours, then minutes, from
-- the local time of `after`: a handful of steps, never a minute-by-minute scan.
--
-- Syntax (see _cron_parse): 5 fields, minute hour day-of-month month
-- day-of-week, with `*`, lists, ranges, steps, JAN-DEC and SUN-SAT names, 0
-- and 7 for Sunday, Vixie's day-of-month OR day-of-week rule; the macros
-- @yearly @annually @monthly @weekly @daily @midnight @hourly; and
-- `@every <interval>`.
--
-- Daylight saving time, as cronie (Vixie cron) handles it:
-- * a time skipped by a spring-forward gap fires at the first instant after
--   the gap (02:30 on 2026-03-29 in Europe/Berlin fires at 03:00 CEST, 01:00
--   UTC); several skipped times (*/15 during the gap) fire once, together;
-- * a fixed time that a fall-back repeats fires at its first occurrence only
--   (02:30 on 2026-10-25 in Berlin fires at 00:30 UTC, not again at 01:30
--   UTC): a daily job runs once a day;
-- * a spec whose minute or hour field is a wildcard (`*/15 * * * *`,
--   `0 * * * *`, @hourly; see _cron_parse) keeps firing through the repeated
--   hour, at both occurrences of each matching time: `0 * * * *` fires at
--   02:00 CEST and again at 02:00 CET, one real hour later, as every hour.
-- A schedule that must keep an exact real period across DST uses `@every`,
-- which ignores the time zone.
--
-- `@every <interval>` fires on a fixed grid of multiples of the period since
-- the Unix epoch, epoch + (floor((after - epoch) / period) + 1) * period, so
-- every caller computes the same times ('@every 1 day' fires at 00:00 UTC).
--
-- Errors, all 22023: NULL spec or after, an infinite after, an unknown time
-- zone, a malformed spec (the message names the field), a spec that can never
-- fire (`0 0 30 2 *`). A NULL timezone means the default, UTC; any zone
-- PostgreSQL's AT TIME ZONE accepts is accepted.
create or replace function pgqueue.cron_next(
    spec text,
    after timestamptz,
    timezone text default 'UTC'
)
returns timestamptz
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_zone text := coalesce(cron_next.timezone, 'UTC');
    v_cron record;
    v_local timestamp;
    v_year integer;
    v_month integer;
    v_day integer;
    v_hour integer;
    v_minute integer;
    v_candidate_days integer[];
    v_y integer;
    v_m integer;
    v_d integer;
    v_h integer;
    v_min integer;
    v_first date;
    v_month_length integer;
    v_first_weekday integer;
    v_weekday integer;
    v_today boolean;
    v_later boolean := false;
    v_at timestamptz;
    v_found timestamptz;
    v_after_us numeric;
    v_period_us numeric;
    v_next_us numeric;
begin
    if cron_next.spec is null then
        raise exception 'spec must not be NULL' using errcode = '22023';
    end if;
    if cron_next.after is null then
        raise exception 'after must not be NULL' using errcode = '22023';
    end if;
    if not pg_catalog.isfinite(cron_next.after) then
        raise exception 'after must be finite (got %)', cron_next.after using errcode = '22023';
    end if;
    begin
        v_local := cron_next.after at time zone v_zone;
    exception when invalid_parameter_value then
        raise exception 'timezone: unknown time zone "%"', v_zone using errcode = '22023';
    end;

    v_cron := pgqueue._cron_parse(cron_next.spec);

    if v_cron.every is not null then
        -- In whole microseconds, exactly: numeric, not double precision.
        v_after_us := pg_catalog.date_part('epoch', cron_next.after)::numeric * 1000000;
        v_period_us := pg_catalog.round(pg_catalog.date_part('epoch', v_cron.every)::numeric * 1000000);
        v_next_us := (pg_catalog.floor(v_after_us / v_period_us) + 1) * v_period_us;
        return pg_catalog.to_timestamp(pg_catalog.div(v_next_us, 1000000)::double precision)
            + interval '1 microsecond' * pg_catalog.mod(v_next_us, 1000000)::double precision;
    end if;

    -- With the OR rule any day may match by its weekday; otherwise only the
    -- allowed days of the month can.
    v_candidate_days := case
        when v_cron.day_or then '{1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31}'
        else v_cron.days
    end;

    -- Two walks over wall-clock times. The first maps each to its first
    -- occurrence (_cron_at); wall-clock times up to v_local map to instants up
    -- to `after`, so it starts after v_local, and as the mapping never goes
    -- backwards the first candidate past `after` is its answer. For a wildcard
    -- spec, when the clock fell back between three hours before `after` and
    -- that answer, the second walk maps each time to its later occurrence
    -- instead, from three hours of wall clock earlier (a repeated time's
    -- second occurrence is at most that far behind), and the earlier of the
    -- two answers wins. Every spec that _cron_parse accepts fires within one
    -- 400-year Gregorian cycle.
    <<walks>>
    loop
        v_year := pg_catalog.date_part('year', v_local)::integer;
        v_month := pg_catalog.date_part('month', v_local)::integer;
        v_day := pg_catalog.date_part('day', v_local)::integer;
        v_hour := pg_catalog.date_part('hour', v_local)::integer;
        v_minute := pg_catalog.date_part('minute', v_local)::integer;
        <<walk>>
        for v_y in v_year .. v_year + 400 loop
            foreach v_m in array v_cron.months loop
                continue when v_y = v_year and v_m < v_month;
                v_first := pg_catalog.make_date(v_y, v_m, 1);
                v_month_length := (v_first + interval '1 month')::date - v_first;
                v_first_weekday := pg_catalog.date_part('dow', v_first)::integer;
                foreach v_d in array v_candidate_days loop
                    exit when v_d > v_month_length;
                    continue when v_y = v_year and v_m = v_month and v_d < v_day;
                    v_weekday := (v_first_weekday + v_d - 1) % 7;
                    if v_cron.day_or then
                        continue when not (v_d = any(v_cron.days) or v_weekday = any(v_cron.weekdays));
                    else
                        continue when not v_weekday = any(v_cron.weekdays);
                    end if;
                    v_today := v_y = v_year and v_m = v_month and v_d = v_day;
                    foreach v_h in array v_cron.hours loop
                        continue when v_today and v_h < v_hour;
                        foreach v_min in array v_cron.minutes loop
                            continue when v_today and v_h = v_hour and v_min <= v_minute;
                            v_at := pgqueue._cron_at(
                                pg_catalog.make_timestamp(v_y, v_m, v_d, v_h, v_min, 0), v_zone, v_later
                            );
                            if v_at > cron_next.after then
                                exit walk;
                            end if;
                            -- Only while the clock repeats times it has shown:
                            -- skip the hour if its last minute is past too.
                            exit when pgqueue._cron_at(
                                pg_catalog.make_timestamp(
                                    v_y, v_m, v_d, v_h, v_cron.minutes[pg_catalog.cardinality(v_cron.minutes)], 0
                                ),
                                v_zone,
                                v_later
                            ) <= cron_next.after;
                        end loop;
                    end loop;
                end loop;
            end loop;
            v_at := null;  -- nothing this year (so far)
        end loop;

        if v_at is null then
            exit walks;
        end if;
        if v_later then
            return least(v_found, v_at);
        end if;
        v_found := v_at;
        -- The clock fell back if its UTC offset shrank.
        if not v_cron.wild
            or (cron_next.after - interval '3 hours') at time zone v_zone
            - ((cron_next.after - interval '3 hours') at time zone 'UTC')
            <= (v_found at time zone v_zone) - (v_found at time zone 'UTC') then
            return v_found;
        end if;
        v_later := true;
        v_local := v_local - interval '3 hours';
    end loop;

    raise exception 'cron spec "%" does not fire within 400 years of %', cron_next.spec, cron_next.after
        using errcode = '22023';
end;
$$;

comment on function pgqueue.cron_next(text, timestamptz, text) is
'The first fire time of a cron spec strictly after `after`, with the wall clock read in timezone (IANA name, default UTC). Spec: 5 fields (minute hour day-of-month month day-of-week) with *, lists, ranges, steps and JAN-DEC / SUN-SAT names; @yearly, @monthly, @weekly, @daily, @hourly; or @every <interval> (multiples of the period since the Unix epoch). DST as cronie: a wall-clock time skipped by spring-forward fires once at the end of the gap; a fixed time repeated by fall-back fires once, at its first occurrence; a spec with a wildcard minute or hour field fires at both occurrences. Invalid spec or time zone: 22023.';

revoke all on function pgqueue.cron_next(text, timestamptz, text) from public;
grant execute on function pgqueue.cron_next(text, timestamptz, text) to pgqueue_admin;
