-- pgqueue.backoff: base * 2^(attempt - 1), capped at cap, plus up to 25 %
-- jitter; never overflows.
begin;
select plan(24);

set local intervalstyle = 'postgres';

-- Every sample of backoff(attempt, base, cap) over 200 draws lies in [low, high].
create function pg_temp.within(attempt integer, base interval, cap interval, low interval, high interval)
returns boolean
language sql
as $$
    select bool_and(pgqueue.backoff(within.attempt, within.base, within.cap) between within.low and within.high)
    from generate_series(1, 200)
$$;

select ok(
    pg_temp.within(1, '1 second', '1 hour', '1 second', '1.25 seconds'),
    'Attempt 1 waits the base (1 s) plus at most 25 %.'
);

select ok(
    pg_temp.within(2, '1 second', '1 hour', '2 seconds', '2.5 seconds'),
    'Attempt 2 waits twice the base: 2 s to 2.5 s.'
);

select ok(
    pg_temp.within(3, '1 second', '1 hour', '4 seconds', '5 seconds'),
    'Attempt 3 waits four times the base: 4 s to 5 s.'
);

select ok(
    pg_temp.within(5, '1 second', '1 hour', '16 seconds', '20 seconds'),
    'Attempt 5 waits 2^4 times the base: 16 s to 20 s.'
);

select ok(
    pg_temp.within(12, '1 second', '1 hour', '2048 seconds', '2560 seconds'),
    'Attempt 12 waits 2048 s to 2560 s, still under the cap.'
);

select ok(
    pg_temp.within(13, '1 second', '1 hour', '1 hour', '75 minutes'),
    'Attempt 13 (4096 s) is capped at 1 hour, plus at most 25 %.'
);

select ok(
    pg_temp.within(3, '10 seconds', '1 minute', '40 seconds', '50 seconds'),
    'A custom base scales the delay: attempt 3 with base 10 s waits 40 s to 50 s.'
);

select ok(
    pg_temp.within(4, '10 seconds', '1 minute', '1 minute', '75 seconds'),
    'A custom cap bounds the delay: 80 s becomes 60 s, plus at most 25 %.'
);

select ok(
    pg_temp.within(7, '0', '1 hour', '0', '0'),
    'A zero base means no delay.'
);

select ok(
    pg_temp.within(3, '1 second', '0', '0', '0'),
    'A zero cap means no delay.'
);

select ok(
    (
        select bool_and(pgqueue.backoff(a.attempt) between '1 second' and '75 minutes')
        from generate_series(1, 40) as a (attempt)
    ),
    'With the defaults (base 1 s, cap 1 hour) every attempt waits between 1 s and 75 minutes.'
);

select ok(
    pgqueue.backoff(attempt => 3, base => '1 minute', cap => '1 day') between '4 minutes' and '5 minutes',
    'backoff accepts its arguments by name.'
);

-- Jitter ------------------------------------------------------------------------

create temp table samples on commit drop as
select extract(epoch from pgqueue.backoff(1, '100 seconds', '1 hour')) as seconds
from generate_series(1, 1000);

select ok(
    (select min(s.seconds) >= 100 and max(s.seconds) <= 125 from samples as s),
    'Jitter only adds, and adds at most 25 % of the delay.'
);

select ok(
    (select count(distinct s.seconds) > 900 from samples as s),
    'Jitter spreads retries: 1000 draws give (almost) 1000 different delays.'
);

select ok(
    (select max(s.seconds) - min(s.seconds) > 20 from samples as s),
    'Jitter uses most of its 25 % range.'
);

-- Huge attempts do not overflow ---------------------------------------------------

select ok(
    pg_temp.within(2147483647, '1 second', '1 hour', '1 hour', '75 minutes'),
    'The largest integer attempt is capped without overflow.'
);

select ok(
    pg_temp.within(100000, '1000 days', '3000 days', '3000 days', '3750 days'),
    'A huge attempt with a long base is capped without overflow.'
);

-- Bad input ---------------------------------------------------------------------------

select throws_ok(
    $$select pgqueue.backoff(0)$$,
    '22023',
    'attempt must be at least 1 (got 0)',
    'Attempt 0 is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.backoff(-3)$$,
    '22023',
    'attempt must be at least 1 (got -3)',
    'A negative attempt is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.backoff(null)$$,
    '22023',
    'attempt must be at least 1 (got NULL)',
    'A NULL attempt is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.backoff(1, base => '-1 second')$$,
    '22023',
    'base must be an interval of zero or more (got -00:00:01)',
    'A negative base is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.backoff(1, cap => '-1 second')$$,
    '22023',
    'cap must be an interval of zero or more (got -00:00:01)',
    'A negative cap is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.backoff(1, base => null)$$,
    '22023',
    'base must be an interval of zero or more (got NULL)',
    'A NULL base is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.backoff(1, cap => null)$$,
    '22023',
    'cap must be an interval of zero or more (got NULL)',
    'A NULL cap is refused with 22023.'
);

select * from finish();
rollback;
