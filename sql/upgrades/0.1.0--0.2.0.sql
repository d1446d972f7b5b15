-- 0.1.0 -> 0.2.0: time in SQL. Rescue, expiry, cleanup/archive, cron
-- schedules and tick. New objects come from their source files; the jobs
-- table gains the indexes that keep expiry and cleanup from scanning it.

create index jobs_expires_idx on pgqueue.jobs (expires_at)
where state = 'pending' and expires_at is not null;

create index jobs_finished_idx on pgqueue.jobs (queue, finished_at)
where state in ('done', 'failed', 'cancelled', 'expired') and finished_at is not null;

-- The claim and lease indexes get a guard predicate so that lookups by id
-- never pick them over the primary key (see sql/src/tables/jobs.sql). Both
-- hold only pending or processing jobs, so rebuilding them is quick.
drop index pgqueue.jobs_claim_idx;
create index jobs_claim_idx on pgqueue.jobs (queue, priority desc, run_at, id)
where state = 'pending' and run_at is not null;

drop index pgqueue.jobs_lease_idx;
create index jobs_lease_idx on pgqueue.jobs (lease_expires_at)
where state = 'processing' and lease_expires_at is not null;

-- @include tables/jobs_archive.sql
-- @include tables/cron_schedules.sql
-- @include extension_dump.sql
