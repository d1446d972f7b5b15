-- Parses a cron spec once into what cron_next walks: the sorted values of each
-- of the five fields, whether the day-of-month and day-of-week fields combine
-- with OR, or, for `@every <interval>`, the fixed period instead.
--
-- Macros expand to 5-field specs: @yearly and @annually (0 0 1 1 *), @monthly
-- (0 0 1 * *), @weekly (0 0 * * 0), @daily and @midnight (0 0 * * *), @hourly
-- (0 * * * *); names and macros are case-insensitive. Day-of-week 0 and 7 are
-- both Sunday, and weekdays come back as 0 (Sunday) to 6.
--
-- `wild` follows cronie (and Vixie cron): a spec whose minute or hour field
-- starts with `*` (`*/15 * * * *`, `0 * * * *`, `* 3 * * *`) runs by the
-- clock's ticking and keeps firing through an hour that a fall-back repeats;
-- any other spec names fixed times, which fire once (see cron_next).
--
-- The day rule is Vixie cron's: a day-of-month or day-of-week field that
-- starts with `*` (so `*` and also `*/2`) is unrestricted; when neither is, a
-- day matching EITHER fires (`0 0 13 * fri`: every 13th and every Friday),
-- otherwise a day must match both (`0 0 */2 * mon`: odd-numbered Mondays).
--
-- `@every <interval>` takes any interval PostgreSQL reads ('90 seconds',
-- '1 hour 30 minutes', 'PT10S'); it must be positive and of fixed length, so
-- months and years are refused, and a day counts as 24 hours.
--
-- A spec that can never fire (`0 0 30 2 *`) is refused here, statically: with
-- an AND day rule some allowed day-of-month must exist in some allowed month
-- (February counting its 29th). Every other spec fires within 400 years, the
-- Gregorian cycle, so cron_next's search always ends.
create or replace function pgqueue._cron_parse(
    spec text,
    out minutes integer[],
    out hours integer[],
    out days integer[],
    out months integer[],
    out weekdays integer[],
    out day_or boolean,
    out wild boolean,
    out every interval
)
language plpgsql
immutable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_spec text := pg_catalog.btrim(_cron_parse.spec, e' \t\r\n');
    v_fields text[];
    v_text text;
    -- The longest each month can be, February in a leap year.
    v_month_days constant integer[] := '{31,29,31,30,31,30,31,31,30,31,30,31}';
    v_month integer;
    v_longest integer := 0;
begin
    if v_spec is null then
        raise exception 'spec must not be NULL' using errcode = '22023';
    end if;

    if pg_catalog.lower(v_spec) ~ '^@every([[:space:]]|$)' then
        v_text := pg_catalog.btrim(pg_catalog.substr(v_spec, 7), e' \t\r\n');
        if v_text = '' then
            raise exception 'cron spec "%" needs an interval, e.g. "@every 90 seconds"', v_spec
                using errcode = '22023';
        end if;
        begin
            _cron_parse.every := v_text::interval;
        exception when data_exception then
            raise exception 'invalid @every interval "%"', v_text
                using errcode = '22023', detail = sqlerrm;
        end;
        if pg_catalog.date_part('year', _cron_parse.every) <> 0
            or pg_catalog.date_part('month', _cron_parse.every) <> 0 then
            raise exception '@every interval must be of fixed length, without months or years (got "%")', v_text
                using errcode = '22023';
        end if;
        if pg_catalog.date_part('epoch', _cron_parse.every) <= 0 then
            raise exception '@every interval must be positive (got "%")', v_text
                using errcode = '22023';
        end if;
        return;
    end if;

    if pg_catalog.left(v_spec, 1) = '@' then
        v_spec := case pg_catalog.lower(v_spec)
            when '@yearly' then '0 0 1 1 *'
            when '@annually' then '0 0 1 1 *'
            when '@monthly' then '0 0 1 * *'
            when '@weekly' then '0 0 * * 0'
            when '@daily' then '0 0 * * *'
            when '@midnight' then '0 0 * * *'
            when '@hourly' then '0 * * * *'
        end;
        if v_spec is null then
            raise exception 'unknown cron macro "%"', _cron_parse.spec
                using errcode = '22023',
                    hint = 'Known macros: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <interval>.';
        end if;
    end if;

    v_fields := case
        when v_spec = '' then '{}'
        else pg_catalog.regexp_split_to_array(v_spec, '[[:space:]]+')
    end;
    if pg_catalog.cardinality(v_fields) <> 5 then
        raise exception 'cron spec must have 5 fields (got %)', pg_catalog.cardinality(v_fields)
            using errcode = '22023',
                hint = 'minute hour day-of-month month day-of-week, e.g. "*/15 9-17 * * mon-fri".';
    end if;

    _cron_parse.minutes := pgqueue._cron_field(v_fields[1], 0, 59, null, 'minute');
    _cron_parse.hours := pgqueue._cron_field(v_fields[2], 0, 23, null, 'hour');
    _cron_parse.days := pgqueue._cron_field(v_fields[3], 1, 31, null, 'day-of-month');
    _cron_parse.months := pgqueue._cron_field(
        v_fields[4], 1, 12, '{JAN,FEB,MAR,APR,MAY,JUN,JUL,AUG,SEP,OCT,NOV,DEC}', 'month'
    );
    _cron_parse.weekdays := pgqueue._cron_field(v_fields[5], 0, 7, '{SUN,MON,TUE,WED,THU,FRI,SAT}', 'day-of-week');
    if _cron_parse.weekdays[pg_catalog.cardinality(_cron_parse.weekdays)] = 7 then
        -- 7 is Sunday, 0: drop it, adding 0 in front unless it is there already.
        _cron_parse.weekdays := _cron_parse.weekdays[1:pg_catalog.cardinality(_cron_parse.weekdays) - 1];
        if not 0 = any(_cron_parse.weekdays) then
            _cron_parse.weekdays := 0 || _cron_parse.weekdays;
        end if;
    end if;
    _cron_parse.day_or := pg_catalog.left(v_fields[3], 1) <> '*' and pg_catalog.left(v_fields[5], 1) <> '*';
    _cron_parse.wild := pg_catalog.left(v_fields[1], 1) = '*' or pg_catalog.left(v_fields[2], 1) = '*';

    -- Some allowed day exists in some allowed month if the smallest day does
    -- in the longest month.
    foreach v_month in array _cron_parse.months loop
        v_longest := greatest(v_longest, v_month_days[v_month]);
    end loop;
    if not _cron_parse.day_or and _cron_parse.days[1] > v_longest then
        raise exception 'cron spec "%" never fires: day-of-month "%" does not occur in month "%"',
            _cron_parse.spec, v_fields[3], v_fields[4]
            using errcode = '22023';
    end if;
end;
$$;

comment on function pgqueue._cron_parse(text) is
'Internal: a cron spec parsed into sorted minutes, hours, days, months and weekdays (0 = Sunday), the day-of-month/day-of-week rule and whether the minute or hour field is a wildcard, or the period of @every; 22023 for a spec that is invalid or can never fire.';

revoke all on function pgqueue._cron_parse(text) from public;
