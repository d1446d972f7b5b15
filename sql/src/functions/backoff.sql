-- Exponential backoff with jitter: base * 2^(attempt - 1), capped at cap, plus
-- up to 25 % random jitter so jobs that failed together do not retry together.
-- Computed in seconds as double precision with the exponent clamped at 100, so
-- a large attempt cannot overflow: 2^100 times even a 1-microsecond base is far
-- beyond any interval cap, while 2^100 times the longest interval is far within
-- double precision (2^1000 overflowed for a base over about a year).
create or replace function pgqueue.backoff(
    attempt integer,
    base interval default interval '1 second',
    cap interval default interval '1 hour'
)
returns interval
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_seconds double precision;
begin
    if backoff.attempt is null or backoff.attempt < 1 then
        raise exception 'attempt must be at least 1 (got %)', coalesce(backoff.attempt::text, 'NULL')
            using errcode = '22023';
    end if;
    if backoff.base is null or backoff.base < interval '0' then
        raise exception 'base must be an interval of zero or more (got %)', coalesce(backoff.base::text, 'NULL')
            using errcode = '22023';
    end if;
    if backoff.cap is null or backoff.cap < interval '0' then
        raise exception 'cap must be an interval of zero or more (got %)', coalesce(backoff.cap::text, 'NULL')
            using errcode = '22023';
    end if;

    v_seconds := least(
        pg_catalog.date_part('epoch', backoff.cap),
        pg_catalog.date_part('epoch', backoff.base) * 2.0 ^ least(backoff.attempt - 1, 100)
    );
    return pg_catalog.make_interval(secs => v_seconds * (1.0 + 0.25 * pg_catalog.random()));
end;
$$;

comment on function pgqueue.backoff(integer, interval, interval) is
'Retry delay after a failed attempt: base * 2^(attempt-1), capped at cap, plus up to 25 % random jitter.';

revoke all on function pgqueue.backoff(integer, interval, interval) from public;
grant execute on function pgqueue.backoff(integer, interval, interval) to pgqueue_admin;
