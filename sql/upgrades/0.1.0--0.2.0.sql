-- 0.1.0 -> 0.2.0: time in SQL. Rescue, expiry, cleanup/archive, cron
-- schedules and tick. New objects come from their source files; the jobs
-- table gains the indexes that keep expiry and cleanup from scanning it.

create index jobs_expires_idx on pgqueue.jobs (expires_at)
where state = 'pending' and expires_at is not null;

create index jobs_finished_idx on pgqueue.jobs (queue, finished_at)
where state in ('done', 'failed', 'cancelled', 'expired');

-- @include tables/jobs_archive.sql
-- @include tables/cron_schedules.sql
-- @include extension_dump.sql
