-- pgqueue.cron_next: every syntax form, month ends and leap days, the Vixie
-- day-of-month/day-of-week rule, time zones (30-minute offsets too), DST gaps
-- and repeats in Europe/Berlin, America/New_York and Australia/Adelaide,
-- @every's epoch grid, and the 22023 errors.
--
-- Every expected time is written out by hand from calendar facts, not computed
-- by the code under test: 2026-05-01 is a Friday (so May 2026 has Mondays 4,
-- 11, 18, 25 and Sundays 3, 10, 17, 24, 31); 2028 and 2032 are leap years,
-- 2100 is not, 2104 is. DST in 2026: Europe/Berlin springs forward on
-- 29 March at 01:00 UTC (02:00 CET -> 03:00 CEST) and falls back on 25 October
-- at 01:00 UTC (03:00 CEST -> 02:00 CET); America/New_York on 8 March at
-- 07:00 UTC (02:00 EST -> 03:00 EDT) and 1 November at 06:00 UTC (02:00 EDT ->
-- 01:00 EST); Australia/Adelaide (+09:30 / +10:30) falls back on 5 April at
-- 16:30 UTC on the 4th (03:00 ACDT -> 02:00 ACST) and springs forward on
-- 4 October at 16:30 UTC on the 3rd (02:00 ACST -> 03:00 ACDT). Asia/Kolkata
-- is +05:30 all year. 2026-05-12 10:00 UTC is 1778580000 seconds after the epoch.
begin;
select plan(155);

set local timezone = 'UTC';

create temporary table cases (
    spec text,
    after_at timestamptz,
    tz text,
    expected timestamptz,
    description text
) on commit drop;

insert into cases (spec, after_at, tz, expected, description)
values
-- Minutes: *, steps, lists, ranges ------------------------------------------------
(
    '* * * * *', '2026-05-12 10:15:30+00', 'UTC', '2026-05-12 10:16:00+00',
    'Every minute fires at the next whole minute.'
),
(
    '* * * * *', '2026-05-12 10:15:00+00', 'UTC', '2026-05-12 10:16:00+00',
    'An after exactly on a fire time gives the next one: strictly after.'
),
(
    '0 * * * *', '2026-05-12 10:00:00+00', 'UTC', '2026-05-12 11:00:00+00',
    'Minute 0 of every hour, after exactly 10:00, fires at 11:00.'
),
('*/15 * * * *', '2026-05-12 10:15:00+00', 'UTC', '2026-05-12 10:30:00+00', '*/15 after 10:15 fires at 10:30.'),
(
    '*/7 * * * *', '2026-05-12 10:50:00+00', 'UTC', '2026-05-12 10:56:00+00',
    '*/7 fires at minute 56, the last multiple of 7 in the hour.'
),
(
    '*/7 * * * *', '2026-05-12 10:56:00+00', 'UTC', '2026-05-12 11:00:00+00',
    '*/7 after minute 56 wraps around to minute 0 of the next hour, not 63.'
),
(
    '5/10 * * * *', '2026-05-12 10:06:00+00', 'UTC', '2026-05-12 10:15:00+00',
    '5/10 means 5, 15, ..., 55: after 10:06 comes 10:15.'
),
(
    '5/10 * * * *', '2026-05-12 10:55:00+00', 'UTC', '2026-05-12 11:05:00+00',
    '5/10 after minute 55 goes on to 11:05.'
),
(
    '1-30/5 * * * *', '2026-05-12 10:26:00+00', 'UTC', '2026-05-12 11:01:00+00',
    '1-30/5 means 1, 6, ..., 26: after 10:26 comes 11:01.'
),
(
    '1,15,30 * * * *', '2026-05-12 10:15:00+00', 'UTC', '2026-05-12 10:30:00+00',
    'A list of minutes fires at the next one listed.'
),
(
    '10-12 * * * *', '2026-05-12 10:12:00+00', 'UTC', '2026-05-12 11:10:00+00',
    'A range of minutes, after its last, goes on to the first of the next hour.'
),
(
    '  0   9 * *  * ', '2026-05-12 10:00:00+00', 'UTC', '2026-05-13 09:00:00+00',
    'Extra blanks between and around the fields are ignored.'
),
-- Hours and days --------------------------------------------------------------------
(
    '30 9 * * *', '2026-05-12 09:30:00+00', 'UTC', '2026-05-13 09:30:00+00',
    'A daily time, after exactly on it, fires the next day.'
),
(
    '30 9 * * *', '2026-05-12 09:29:59.999999+00', 'UTC', '2026-05-12 09:30:00+00',
    'A daily time a microsecond ahead fires the same day.'
),
(
    '0 9-17/4 * * *', '2026-05-12 13:00:00+00', 'UTC', '2026-05-12 17:00:00+00',
    'Hours 9-17/4 are 9, 13 and 17: after 13:00 comes 17:00.'
),
(
    '0 9-17/4 * * *', '2026-05-12 17:00:00+00', 'UTC', '2026-05-13 09:00:00+00',
    'After the last hour of 9-17/4 comes 09:00 the next day.'
),
-- Year rollover -------------------------------------------------------------------
(
    '0 0 * * *', '2026-12-31 23:59:59+00', 'UTC', '2027-01-01 00:00:00+00',
    'Midnight after the last second of 2026 is the first of 2027.'
),
(
    '59 23 31 12 *', '2026-12-31 23:59:00+00', 'UTC', '2027-12-31 23:59:00+00',
    'The last minute of the year, after exactly on it, fires a year later.'
),
(
    '15 14 1 * *', '2026-12-01 14:15:00+00', 'UTC', '2027-01-01 14:15:00+00',
    'Monthly on the 1st, after the December fire, rolls into January of the next year.'
),
(
    '*/7 * * * *', '2026-12-31 23:58:00+00', 'UTC', '2027-01-01 00:00:00+00',
    '*/7 after 23:58 on New Year''s Eve wraps to minute 0 of the new year.'
),
-- Macros ------------------------------------------------------------------------------
(
    '@yearly', '2026-01-01 00:00:00+00', 'UTC', '2027-01-01 00:00:00+00',
    '@yearly after exactly 1 January fires the next 1 January.'
),
('@annually', '2026-06-15 12:00:00+00', 'UTC', '2027-01-01 00:00:00+00', '@annually is @yearly.'),
('@monthly', '2026-01-31 12:00:00+00', 'UTC', '2026-02-01 00:00:00+00', '@monthly fires at midnight on the 1st.'),
(
    '@monthly', '2026-12-01 00:00:00+00', 'UTC', '2027-01-01 00:00:00+00',
    '@monthly after the December fire rolls into the next year.'
),
(
    '@weekly', '2026-05-12 10:00:00+00', 'UTC', '2026-05-17 00:00:00+00',
    '@weekly fires at midnight on Sunday (Tuesday 12 May -> Sunday 17 May).'
),
(
    '@weekly', '2026-05-17 00:00:00+00', 'UTC', '2026-05-24 00:00:00+00',
    '@weekly after exactly a Sunday midnight fires a week later.'
),
('@daily', '2026-05-12 10:00:00+00', 'UTC', '2026-05-13 00:00:00+00', '@daily fires at the next midnight.'),
('@midnight', '2026-05-12 00:00:00+00', 'UTC', '2026-05-13 00:00:00+00', '@midnight is @daily, strictly after.'),
(
    '@hourly', '2026-05-12 10:59:59.999999+00', 'UTC', '2026-05-12 11:00:00+00',
    '@hourly fires at the top of the next hour.'
),
(
    '@Daily', '2026-02-28 06:00:00+00', 'UTC', '2026-03-01 00:00:00+00',
    'Macros are case-insensitive, and 28 February 2026 is followed by 1 March.'
),
-- Leap days and month ends ------------------------------------------------------------
(
    '0 0 29 2 *', '2026-03-01 00:00:00+00', 'UTC', '2028-02-29 00:00:00+00',
    '29 February fires on the next leap day, in 2028.'
),
(
    '0 0 29 2 *', '2028-02-29 00:00:00+00', 'UTC', '2032-02-29 00:00:00+00',
    '29 February after the 2028 leap day fires in 2032.'
),
(
    '0 0 29 2 *', '2099-03-01 00:00:00+00', 'UTC', '2104-02-29 00:00:00+00',
    '29 February skips 2100, which is not a leap year, and fires in 2104.'
),
(
    '0 0 31 * *', '2026-03-31 00:00:00+00', 'UTC', '2026-05-31 00:00:00+00',
    'The 31st skips April, which has 30 days.'
),
(
    '0 0 31 * *', '2026-07-31 00:00:00+00', 'UTC', '2026-08-31 00:00:00+00',
    'The 31st fires in consecutive months July and August.'
),
('0 0 31 * *', '2026-08-31 00:00:00+00', 'UTC', '2026-10-31 00:00:00+00', 'The 31st skips September.'),
('0 12 30 * *', '2026-01-30 12:00:00+00', 'UTC', '2026-03-30 12:00:00+00', 'The 30th skips February.'),
-- Weekdays ----------------------------------------------------------------------------------
('0 12 * * 0', '2026-05-12 00:00:00+00', 'UTC', '2026-05-17 12:00:00+00', 'Day-of-week 0 is Sunday.'),
('0 12 * * 7', '2026-05-12 00:00:00+00', 'UTC', '2026-05-17 12:00:00+00', 'Day-of-week 7 is Sunday too.'),
(
    '0 12 * * sun', '2026-05-17 12:00:00+00', 'UTC', '2026-05-24 12:00:00+00',
    'Weekday names work: sun after a Sunday fire is the next Sunday.'
),
(
    '0 9 * * mon-fri', '2026-05-15 09:00:00+00', 'UTC', '2026-05-18 09:00:00+00',
    'mon-fri after Friday 09:00 skips the weekend to Monday.'
),
(
    '0 9 * * MON-FRI', '2026-05-16 12:00:00+00', 'UTC', '2026-05-18 09:00:00+00',
    'Weekday names are case-insensitive: MON-FRI on a Saturday fires on Monday.'
),
(
    '0 9 * * 1-5', '2026-05-13 09:00:00+00', 'UTC', '2026-05-14 09:00:00+00',
    '1-5 after Wednesday 09:00 fires on Thursday.'
),
(
    '0 9 * * sat,sun', '2026-05-11 00:00:00+00', 'UTC', '2026-05-16 09:00:00+00',
    'A list of weekday names, from a Monday, fires on Saturday.'
),
(
    '0 9 * * 5-7', '2026-05-16 09:00:00+00', 'UTC', '2026-05-17 09:00:00+00',
    '5-7 (Friday to Sunday, 7 being Sunday) after Saturday fires on Sunday.'
),
(
    '0 9 * * 5-7', '2026-05-17 09:00:00+00', 'UTC', '2026-05-22 09:00:00+00',
    '5-7 after Sunday fires on the next Friday.'
),
-- Months -------------------------------------------------------------------------------------
(
    '0 0 1 jan,jul *', '2026-01-01 00:00:00+00', 'UTC', '2026-07-01 00:00:00+00',
    'Month names in a list: after 1 January comes 1 July.'
),
(
    '0 0 1 JAN-MAR/2 *', '2026-01-01 00:00:00+00', 'UTC', '2026-03-01 00:00:00+00',
    'A stepped range of month names: JAN-MAR/2 is January and March.'
),
(
    '0 0 1 */3 *', '2026-02-01 00:00:00+00', 'UTC', '2026-04-01 00:00:00+00',
    'Months */3 are January, April, July and October.'
),
(
    '0 0 1 */3 *', '2026-10-01 00:00:00+00', 'UTC', '2027-01-01 00:00:00+00',
    'Months */3 after October roll into January of the next year.'
),
-- The Vixie rule: both restricted means either; one * means both ----------------
(
    '0 0 13 * fri', '2026-05-12 00:00:00+00', 'UTC', '2026-05-13 00:00:00+00',
    '13 and fri both restricted: Wednesday the 13th fires, being the 13th.'
),
(
    '0 0 13 * fri', '2026-05-13 00:00:00+00', 'UTC', '2026-05-15 00:00:00+00',
    '13 and fri both restricted: Friday the 15th fires, being a Friday.'
),
(
    '0 0 1-7 * mon', '2026-05-07 00:00:00+00', 'UTC', '2026-05-11 00:00:00+00',
    '1-7 or mon: after the 7th, Monday the 11th fires.'
),
(
    '0 0 */2 * mon', '2026-05-01 00:00:00+00', 'UTC', '2026-05-11 00:00:00+00',
    'A day-of-month starting with * is unrestricted (Vixie): */2 and mon means odd-numbered Mondays.'
),
('0 0 * * mon', '2026-05-01 00:00:00+00', 'UTC', '2026-05-04 00:00:00+00', 'Day-of-month * and mon: every Monday.'),
(
    '0 0 1 * *', '2026-05-01 00:00:00+00', 'UTC', '2026-06-01 00:00:00+00',
    'Day-of-month 1 and day-of-week *: only the 1st, not every day.'
),
-- Time zones ------------------------------------------------------------------------------
(
    '0 9 * * *', '2026-05-12 12:00:00+00', 'America/New_York', '2026-05-12 13:00:00+00',
    '09:00 in New York in May is 13:00 UTC (EDT).'
),
(
    '0 9 * * *', '2026-01-12 15:00:00+00', 'America/New_York', '2026-01-13 14:00:00+00',
    '09:00 in New York in January is 14:00 UTC (EST), the next day after 10:00 EST.'
),
(
    '0 9 * * *', '2026-03-07 14:00:00+00', 'America/New_York', '2026-03-08 13:00:00+00',
    'A daily 09:00 in New York keeps its wall-clock time across spring-forward: 14:00 UTC, then 13:00 UTC.'
),
(
    '0 0 * * *', '2026-05-12 03:00:00+00', 'America/New_York', '2026-05-12 04:00:00+00',
    'Midnight in New York follows the local day: 23:00 EDT on the 11th is followed by midnight of the 12th.'
),
(
    '0 9 * * *', '2026-05-12 00:00:00+00', 'Asia/Kolkata', '2026-05-12 03:30:00+00',
    '09:00 in Kolkata (+05:30) is 03:30 UTC.'
),
(
    '*/45 * * * *', '2026-05-12 04:00:00+00', 'Asia/Kolkata', '2026-05-12 04:15:00+00',
    'Minutes 0 and 45 in Kolkata: after 09:30 IST comes 09:45 IST, 04:15 UTC.'
),
(
    '0 0 * * *', '2026-05-12 18:30:00+00', 'Asia/Kolkata', '2026-05-13 18:30:00+00',
    'Midnight in Kolkata, after exactly one, fires the next local midnight.'
),
(
    '0 0 1 1 *', '2026-06-01 00:00:00+00', 'Asia/Kolkata', '2026-12-31 18:30:00+00',
    'New Year in Kolkata is 18:30 UTC on 31 December.'
),
(
    '0 12 * * *', '2026-01-15 00:00:00+00', 'Australia/Adelaide', '2026-01-15 01:30:00+00',
    'Noon in Adelaide in January (ACDT, +10:30) is 01:30 UTC.'
),
-- DST in Europe/Berlin: spring forward 2026-03-29 -------------------------------
(
    '30 2 * * *', '2026-03-28 12:00:00+00', 'Europe/Berlin', '2026-03-29 01:00:00+00',
    'Berlin: 02:30 does not exist on 29 March; it fires once at 03:00 CEST, 01:00 UTC.'
),
(
    '30 2 * * *', '2026-03-29 01:00:00+00', 'Europe/Berlin', '2026-03-30 00:30:00+00',
    'Berlin: after the gap fire, 02:30 fires normally the next day (00:30 UTC, CEST).'
),
(
    '30 2 * * *', '2026-03-27 12:00:00+00', 'Europe/Berlin', '2026-03-28 01:30:00+00',
    'Berlin: 02:30 the day before the gap is 01:30 UTC (CET).'
),
(
    '0 2 * * *', '2026-03-28 12:00:00+00', 'Europe/Berlin', '2026-03-29 01:00:00+00',
    'Berlin: 02:00, the start of the gap, fires at its end, 01:00 UTC.'
),
(
    '0 * * * *', '2026-03-29 00:30:00+00', 'Europe/Berlin', '2026-03-29 01:00:00+00',
    'Berlin hourly at 01:30 CET: the missing 02:00 and the real 03:00 CEST fire once, at 01:00 UTC.'
),
(
    '0 * * * *', '2026-03-29 01:00:00+00', 'Europe/Berlin', '2026-03-29 02:00:00+00',
    'Berlin hourly after the gap fire: 04:00 CEST, 02:00 UTC.'
),
(
    '*/15 * * * *', '2026-03-29 00:50:00+00', 'Europe/Berlin', '2026-03-29 01:00:00+00',
    'Berlin */15 at 01:50 CET: the skipped 02:00-02:45 fire once, at 01:00 UTC.'
),
(
    '*/15 * * * *', '2026-03-29 01:00:00+00', 'Europe/Berlin', '2026-03-29 01:15:00+00',
    'Berlin */15 after the gap fire goes on at 03:15 CEST, 01:15 UTC.'
),
-- DST in Europe/Berlin: fall back 2026-10-25 -----------------------------------------
(
    '30 2 * * *', '2026-10-24 12:00:00+00', 'Europe/Berlin', '2026-10-25 00:30:00+00',
    'Berlin: 02:30 occurs twice on 25 October; it fires at the first, 02:30 CEST, 00:30 UTC.'
),
(
    '30 2 * * *', '2026-10-25 00:30:00+00', 'Europe/Berlin', '2026-10-26 01:30:00+00',
    'Berlin: the second 02:30 (01:30 UTC) does not fire; next is 02:30 CET on the 26th.'
),
(
    '30 2 * * *', '2026-10-25 01:00:00+00', 'Europe/Berlin', '2026-10-26 01:30:00+00',
    'Berlin: during the repeated hour (02:00 CET) 02:30 is not due again.'
),
(
    '0 * * * *', '2026-10-24 23:30:00+00', 'Europe/Berlin', '2026-10-25 00:00:00+00',
    'Berlin hourly at 01:30 CEST fires at the first 02:00, 00:00 UTC.'
),
(
    '0 * * * *', '2026-10-25 00:00:00+00', 'Europe/Berlin', '2026-10-25 01:00:00+00',
    'Berlin hourly (a wildcard hour) fires at the repeated 02:00 too: 02:00 CET, 01:00 UTC, one real hour later.'
),
(
    '@hourly', '2026-10-25 01:00:00+00', 'Europe/Berlin', '2026-10-25 02:00:00+00',
    'Berlin @hourly after the repeated 02:00 CET goes on at 03:00 CET, 02:00 UTC.'
),
(
    '*/15 * * * *', '2026-10-25 00:40:00+00', 'Europe/Berlin', '2026-10-25 00:45:00+00',
    'Berlin */15 in the first 02:xx hour fires normally (02:45 CEST).'
),
(
    '*/15 * * * *', '2026-10-25 01:10:00+00', 'Europe/Berlin', '2026-10-25 01:15:00+00',
    'Berlin */15 in the repeated hour (02:10 CET) fires at 02:15 CET, 01:15 UTC.'
),
(
    '*/15 * * * *', '2026-10-25 00:50:00+00', 'Europe/Berlin', '2026-10-25 01:00:00+00',
    'Berlin */15 at the end of the first 02:xx hour (02:50 CEST) fires at the repeated 02:00 CET, 01:00 UTC.'
),
(
    '15 1-3 * * *', '2026-10-25 00:15:00+00', 'Europe/Berlin', '2026-10-25 02:15:00+00',
    'Berlin fixed 01:15, 02:15, 03:15: the repeated 02:15 (01:15 UTC) does not fire; next is 03:15 CET, 02:15 UTC.'
),
(
    '0 3 * * *', '2026-10-24 12:00:00+00', 'Europe/Berlin', '2026-10-25 02:00:00+00',
    'Berlin: 03:00 on the fall-back day is CET, 02:00 UTC.'
),
-- DST in America/New_York ---------------------------------------------------------------
(
    '30 2 * * *', '2026-03-07 12:00:00+00', 'America/New_York', '2026-03-08 07:00:00+00',
    'New York: 02:30 does not exist on 8 March; it fires once at 03:00 EDT, 07:00 UTC.'
),
(
    '30 2 * * *', '2026-03-08 07:00:00+00', 'America/New_York', '2026-03-09 06:30:00+00',
    'New York: after the gap fire, 02:30 EDT on the 9th is 06:30 UTC.'
),
(
    '30 1 * * *', '2026-10-31 12:00:00+00', 'America/New_York', '2026-11-01 05:30:00+00',
    'New York: 01:30 occurs twice on 1 November; it fires at the first, 01:30 EDT, 05:30 UTC.'
),
(
    '30 1 * * *', '2026-11-01 05:30:00+00', 'America/New_York', '2026-11-02 06:30:00+00',
    'New York: the second 01:30 (06:30 UTC) does not fire; next is 01:30 EST on the 2nd.'
),
(
    '0 * * * *', '2026-11-01 05:00:00+00', 'America/New_York', '2026-11-01 06:00:00+00',
    'New York hourly at the first 01:00 (EDT) fires again at the repeated 01:00 EST, 06:00 UTC.'
),
(
    '*/15 1 * * *', '2026-11-01 05:45:00+00', 'America/New_York', '2026-11-01 06:00:00+00',
    'New York */15 in hour 1 (a wildcard minute) goes on through the repeated hour: 01:00 EST, 06:00 UTC.'
),
(
    '*/15 1 * * *', '2026-11-01 06:45:00+00', 'America/New_York', '2026-11-02 06:00:00+00',
    'New York */15 in hour 1 after the repeated 01:45 EST: next is 01:00 EST on the 2nd.'
),
(
    '*/20 * * * *', '2026-11-01 06:25:00+00', 'America/New_York', '2026-11-01 06:40:00+00',
    'New York */20 from inside the repeated hour (01:25 EST) fires at 01:40 EST, 06:40 UTC.'
),
-- DST in Australia/Adelaide (half-hour offsets) ---------------------------------
(
    '30 2 * * *', '2026-10-03 00:00:00+00', 'Australia/Adelaide', '2026-10-03 16:30:00+00',
    'Adelaide: 02:30 does not exist on 4 October; it fires once at 03:00 ACDT, 16:30 UTC the day before.'
),
(
    '30 2 * * *', '2026-04-04 00:00:00+00', 'Australia/Adelaide', '2026-04-04 16:00:00+00',
    'Adelaide: 02:30 occurs twice on 5 April; it fires at the first, 02:30 ACDT, 16:00 UTC.'
),
(
    '0 * * * *', '2026-04-04 15:30:00+00', 'Australia/Adelaide', '2026-04-04 16:30:00+00',
    'Adelaide hourly at the first 02:00 (ACDT, 15:30 UTC) fires again at 02:00 ACST, 16:30 UTC.'
),
-- @every: multiples of the period since the epoch --------------------------------
(
    '@every 90 seconds', '2026-05-12 10:00:00+00', 'UTC', '2026-05-12 10:01:30+00',
    '@every 90 seconds, after exactly on its grid (1778580000 = 90 * 19762000), fires 90 s later.'
),
(
    '@every 90 seconds', '2026-05-12 10:00:45+00', 'UTC', '2026-05-12 10:01:30+00',
    '@every 90 seconds between two grid points fires at the next one.'
),
('@every 1 hour', '2026-05-12 10:00:00+00', 'UTC', '2026-05-12 11:00:00+00', '@every 1 hour fires on the hour.'),
(
    '@every 10 seconds', '2026-05-12 10:00:05.5+00', 'UTC', '2026-05-12 10:00:10+00',
    '@every 10 seconds fires at the next multiple of 10 s.'
),
(
    '@every 7 minutes', '2026-05-12 10:00:00+00', 'UTC', '2026-05-12 10:05:00+00',
    '@every 7 minutes follows the epoch grid, not the hour: 420 * 4234715 = 1778580300 is 10:05.'
),
(
    '@every 1 hour 30 minutes', '2026-05-12 10:00:00+00', 'UTC', '2026-05-12 10:30:00+00',
    '@every 1 hour 30 minutes: 5400 * 329367 = 1778581800 is 10:30.'
),
(
    '@every 1 day', '2026-05-12 10:00:00+00', 'Europe/Berlin', '2026-05-13 00:00:00+00',
    '@every 1 day is 24 hours on the epoch grid, midnight UTC, whatever the time zone.'
),
('@EVERY 15 minutes', '2026-05-12 10:14:59+00', 'UTC', '2026-05-12 10:15:00+00', '@every is case-insensitive.');

select
    is(
        pgqueue.cron_next(c.spec, c.after_at, c.tz),
        c.expected,
        pg_catalog.format('cron_next(%L, %s, %L): %s', c.spec, c.after_at, c.tz, c.description)
    )
from cases as c
order by c.spec, c.after_at;

select is(
    pgqueue.cron_next('0 9 * * *', '2026-05-12 10:00:00+00'),
    '2026-05-13 09:00:00+00'::timestamptz,
    'Without a time zone cron_next reads the wall clock in UTC.'
);

select is(
    pgqueue.cron_next('0 9 * * *', '2026-05-12 10:00:00+00', null),
    '2026-05-13 09:00:00+00'::timestamptz,
    'A NULL time zone means the default, UTC.'
);

select is(
    pgqueue.cron_next(spec => '0 9 * * *', after => '2026-05-12 12:00:00+00', timezone => 'America/New_York'),
    '2026-05-12 13:00:00+00'::timestamptz,
    'cron_next takes its parameters by name: spec, after, timezone.'
);

select results_eq(
    $$
        select distinct pgqueue.cron_next('*/15 * * * *', a.a, 'Europe/Berlin')
        from pg_catalog.generate_series(
            '2026-10-24 23:00:00+00'::timestamptz, '2026-10-25 02:59:00+00', interval '1 minute'
        ) as a (a)
        order by 1
    $$,
    $$
        select t.t
        from pg_catalog.generate_series(
            '2026-10-24 23:15:00+00'::timestamptz, '2026-10-25 03:00:00+00', interval '15 minutes'
        ) as t (t)
    $$,
    'Berlin */15 on the fall-back night fires every 15 real minutes, through both 02:xx hours (00:00-01:45 UTC).'
);

-- A wildcard spec through a fall-back fires at every real minute whose wall
-- clock matches, as cronie does: the expected times come from PostgreSQL's own
-- AT TIME ZONE, minute by minute, not from the walk under test. Lord Howe
-- falls back by 30 minutes (02:00 +11 -> 01:30 +10:30 on 5 April, 15:00 UTC on
-- the 4th). Every offset here is a multiple of 30 minutes, so local and UTC
-- minutes agree modulo 10.
select set_eq(
    $$
        select z.zone, pgqueue.cron_next('*/10 * * * *', a.a, z.zone)
        from (
            values
            ('Europe/Berlin', '2026-10-24 22:00:00+00'::timestamptz),
            ('America/New_York', '2026-11-01 03:00:00+00'),
            ('Australia/Adelaide', '2026-04-04 13:00:00+00'),
            ('Australia/Lord_Howe', '2026-04-04 12:00:00+00')
        ) as z (zone, start)
        cross join lateral pg_catalog.generate_series(z.start, z.start + interval '5 hours', interval '1 minute') as a (a)
    $$,
    $$
        select z.zone, t.t
        from (
            values
            ('Europe/Berlin', '2026-10-24 22:00:00+00'::timestamptz),
            ('America/New_York', '2026-11-01 03:00:00+00'),
            ('Australia/Adelaide', '2026-04-04 13:00:00+00'),
            ('Australia/Lord_Howe', '2026-04-04 12:00:00+00')
        ) as z (zone, start)
        cross join lateral pg_catalog.generate_series(
            z.start + interval '1 minute', z.start + interval '5 hours 10 minutes', interval '1 minute'
        ) as t (t)
        where pg_catalog.date_part('minute', t.t at time zone z.zone)::integer % 10 = 0
    $$,
    'A wildcard spec fires at every real minute its wall clock matches, through four fall-backs.'
);

select results_eq(
    $$
        select distinct pgqueue.cron_next('*/15 * * * *', a.a, 'Europe/Berlin')
        from pg_catalog.generate_series(
            '2026-03-29 00:00:00+00'::timestamptz, '2026-03-29 01:29:00+00', interval '1 minute'
        ) as a (a)
        order by 1
    $$,
    $$
        values
        ('2026-03-29 00:15:00+00'::timestamptz), ('2026-03-29 00:30:00+00'), ('2026-03-29 00:45:00+00'),
        ('2026-03-29 01:00:00+00'), ('2026-03-29 01:15:00+00'), ('2026-03-29 01:30:00+00')
    $$,
    'Berlin */15 on the spring-forward night: 01:15-01:45 CET, then 03:00 CEST once for the missing hour.'
);

-- Invalid specs: 22023 with a message naming the culprit ---------------------------

create temporary table bad_specs (
    spec text,
    message text,
    description text
) on commit drop;

insert into bad_specs (spec, message, description)
values
(
    '0 0 31 2 *', 'cron spec "0 0 31 2 *" never fires: day-of-month "31" does not occur in month "2"',
    '31 February never exists.'
),
(
    '0 0 30 2 *', 'cron spec "0 0 30 2 *" never fires: day-of-month "30" does not occur in month "2"',
    '30 February never exists.'
),
(
    '0 0 31 4,6,9,11 *',
    'cron spec "0 0 31 4,6,9,11 *" never fires: day-of-month "31" does not occur in month "4,6,9,11"',
    'No 30-day month has a 31st.'
),
('61 * * * *', 'invalid cron minute field "61"', 'Minute 61 is out of range.'),
('60 * * * *', 'invalid cron minute field "60"', 'Minute 60 is out of range.'),
('* 24 * * *', 'invalid cron hour field "24"', 'Hour 24 is out of range.'),
('* * 0 * *', 'invalid cron day-of-month field "0"', 'Day-of-month 0 is out of range.'),
('* * 32 * *', 'invalid cron day-of-month field "32"', 'Day-of-month 32 is out of range.'),
('* * * 13 *', 'invalid cron month field "13"', 'Month 13 is out of range.'),
('* * * 0 *', 'invalid cron month field "0"', 'Month 0 is out of range.'),
('* * * * 8', 'invalid cron day-of-week field "8"', 'Day-of-week 8 is out of range.'),
('* * * *', 'cron spec must have 5 fields (got 4)', 'Four fields are too few.'),
('* * * * * *', 'cron spec must have 5 fields (got 6)', 'Six fields (with seconds) are too many.'),
('', 'cron spec must have 5 fields (got 0)', 'An empty spec has no fields.'),
('   ', 'cron spec must have 5 fields (got 0)', 'A blank spec has no fields.'),
('*/0 * * * *', 'invalid cron minute field "*/0"', 'A step of 0 is refused.'),
('*/61 * * * *', 'invalid cron minute field "*/61"', 'A step longer than the field is refused.'),
('5-1 * * * *', 'invalid cron minute field "5-1"', 'A backwards range is refused.'),
('* * * * fri-mon', 'invalid cron day-of-week field "fri-mon"', 'A backwards range of names is refused.'),
('* * * foo *', 'invalid cron month field "foo"', 'An unknown month name is refused.'),
('* * * * mon-', 'invalid cron day-of-week field "mon-"', 'A range without its end is refused.'),
('1,,2 * * * *', 'invalid cron minute field "1,,2"', 'An empty list element is refused.'),
('* * * * mon,', 'invalid cron day-of-week field "mon,"', 'A trailing comma is refused.'),
('a * * * *', 'invalid cron minute field "a"', 'A letter where a minute belongs is refused.'),
('1-2-3 * * * *', 'invalid cron minute field "1-2-3"', 'A double range is refused.'),
('1.5 * * * *', 'invalid cron minute field "1.5"', 'A fraction is refused.'),
('* * * jan-dec/0 *', 'invalid cron month field "jan-dec/0"', 'A step of 0 on month names is refused.'),
('* * * * mon/2/2', 'invalid cron day-of-week field "mon/2/2"', 'Two steps are refused.'),
('* jan * * *', 'invalid cron hour field "jan"', 'Month names are not hours.'),
('* * * mon *', 'invalid cron month field "mon"', 'Weekday names are not months.'),
('@fortnightly', 'unknown cron macro "@fortnightly"', 'An unknown macro is refused.'),
(
    '@every', 'cron spec "@every" needs an interval, e.g. "@every 90 seconds"',
    '@every without an interval is refused.'
),
('@every 0 seconds', '@every interval must be positive (got "0 seconds")', 'A zero period is refused.'),
('@every -5 minutes', '@every interval must be positive (got "-5 minutes")', 'A negative period is refused.'),
(
    '@every 1 month', '@every interval must be of fixed length, without months or years (got "1 month")',
    'A month is not of fixed length.'
),
(
    '@every 1 year', '@every interval must be of fixed length, without months or years (got "1 year")',
    'A year is not of fixed length.'
),
('@every banana', 'invalid @every interval "banana"', 'An @every that is not an interval is refused.');

select
    throws_ok(
        pg_catalog.format('select pgqueue.cron_next(%L, %L)', b.spec, '2026-05-12 10:00:00+00'),
        '22023',
        b.message,
        pg_catalog.format('cron_next(%L) raises 22023: %s', b.spec, b.description)
    )
from bad_specs as b
order by b.spec;

select throws_ok(
    $$select pgqueue.cron_next('* * * * *', '2026-05-12 10:00:00+00', 'Mars/Base')$$,
    '22023',
    'timezone: unknown time zone "Mars/Base"',
    'An unknown time zone is refused with 22023, naming it.'
);

select throws_ok(
    $$select pgqueue.cron_next('* * * * *', '2026-05-12 10:00:00+00', '')$$,
    '22023',
    'timezone: unknown time zone ""',
    'An empty time zone is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.cron_next(null, '2026-05-12 10:00:00+00')$$,
    '22023',
    'spec must not be NULL',
    'A NULL spec is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.cron_next('* * * * *', null)$$,
    '22023',
    'after must not be NULL',
    'A NULL after is refused with 22023.'
);

select throws_ok(
    $$select pgqueue.cron_next('* * * * *', 'infinity')$$,
    '22023',
    'after must be finite (got infinity)',
    'An infinite after is refused with 22023.'
);

-- Security ------------------------------------------------------------------------------

select is_definer(
    'pgqueue', 'cron_next', array['text', 'timestamp with time zone', 'text'],
    'cron_next is security definer.'
);

select function_privs_are(
    'pgqueue', 'cron_next', array['text', 'timestamp with time zone', 'text'], 'pgqueue_admin', array['EXECUTE'],
    'pgqueue_admin may execute cron_next.'
);

select function_privs_are(
    'pgqueue', 'cron_next', array['text', 'timestamp with time zone', 'text'], 'public', array[]::text[],
    'PUBLIC may not execute cron_next.'
);

select function_privs_are(
    'pgqueue', '_cron_parse', array['text'], 'pgqueue_admin', array[]::text[],
    'The internal parser is not granted to pgqueue_admin.'
);

select * from finish();
rollback;
